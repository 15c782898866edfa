// SPDX-License-Identifier: GPL-2.0
/*
 * TPM anchoring: with pcr=N each event digest is also extended into PCR N.
 *
 * A PCR that starts at zero and is extended only by this module equals the
 * chain head, since both compute SHA-256(previous ‖ digest); a verifier
 * replays the read() log and compares with a TPM quote of the PCR. Only the
 * SHA-256 bank is meaningful: the other banks, which tpm_pcr_extend()
 * requires, receive the digest truncated or zero-padded to their size.
 * Asking for a PCR without a TPM fails the load: anchoring is never
 * silently dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tpm.h>

#include "tpm.h"

/* TPM 2.0 platforms have PCRs 0..23. */
#define OGX_TPM_PCRS	24

static int ogx_pcr = -1;
module_param_named(pcr, ogx_pcr, int, 0444);
MODULE_PARM_DESC(pcr, "TPM PCR to extend with each event (default -1: none)");

static struct tpm_chip *ogx_tpm_chip;
/*
 * Protects ogx_tpm_digests, the per-bank scratch tpm_pcr_extend() reads.
 * It nests inside ogx_chain_lock (log.c), under which ogx_tpm_extend() is
 * called: the chain lock first, this one second (see log.c).
 */
static DEFINE_MUTEX(ogx_tpm_digests_lock);
static struct tpm_digest *ogx_tpm_digests;

int __init ogx_tpm_init(void)
{
	struct tpm_chip *chip;
	u32 i;

	if (ogx_pcr < 0)
		return 0;
	if (ogx_pcr >= OGX_TPM_PCRS) {
		pr_err("pcr=%d: must be 0..%d\n", ogx_pcr, OGX_TPM_PCRS - 1);
		return -EINVAL;
	}
	chip = tpm_default_chip();
	if (!chip) {
		pr_err("pcr=%d but no TPM is present\n", ogx_pcr);
		return -ENODEV;
	}
	ogx_tpm_digests = kcalloc(chip->nr_allocated_banks,
				  sizeof(*ogx_tpm_digests), GFP_KERNEL);
	if (!ogx_tpm_digests) {
		put_device(&chip->dev);
		return -ENOMEM;
	}
	for (i = 0; i < chip->nr_allocated_banks; i++)
		ogx_tpm_digests[i].alg_id = chip->allocated_banks[i].alg_id;
	ogx_tpm_chip = chip;
	pr_info("anchoring events in PCR %d\n", ogx_pcr);
	return 0;
}

void ogx_tpm_exit(void)
{
	if (!ogx_tpm_chip)
		return;
	put_device(&ogx_tpm_chip->dev);
	ogx_tpm_chip = NULL;
	kfree(ogx_tpm_digests);
	ogx_tpm_digests = NULL;
}

/* Each bank gets @digest, truncated or zero-padded to its size. */
static void ogx_tpm_fill(struct tpm_chip *chip,
			 const u8 digest[OGX_DIGEST_SIZE])
{
	u32 i;

	lockdep_assert_held(&ogx_tpm_digests_lock);
	for (i = 0; i < chip->nr_allocated_banks; i++) {
		u16 size = chip->allocated_banks[i].digest_size;

		memset(ogx_tpm_digests[i].digest, 0,
		       sizeof(ogx_tpm_digests[i].digest));
		memcpy(ogx_tpm_digests[i].digest, digest,
		       min_t(u16, size, OGX_DIGEST_SIZE));
	}
}

/* Called under ogx_chain_lock (log.c), which orders the extends. */
int ogx_tpm_extend(const u8 digest[OGX_DIGEST_SIZE])
{
	struct tpm_chip *chip = ogx_tpm_chip;
	int ret;

	if (!chip)
		return 0;
	mutex_lock(&ogx_tpm_digests_lock);
	ogx_tpm_fill(chip, digest);
	ret = tpm_pcr_extend(chip, ogx_pcr, ogx_tpm_digests);
	mutex_unlock(&ogx_tpm_digests_lock);
	if (ret > 0)	/* a TPM response code */
		ret = -EIO;
	if (ret)
		pr_err_ratelimited("extending PCR %d failed: %d\n", ogx_pcr,
				   ret);
	return ret;
}

/* Whether events are extended into a PCR: then EXTEND sleeps in the TPM. */
bool ogx_tpm_anchored(void)
{
	return ogx_tpm_chip;
}

/* The PCR extended, or 0 when none is. */
u32 ogx_tpm_pcr(void)
{
	return ogx_tpm_chip ? ogx_pcr : 0;
}
