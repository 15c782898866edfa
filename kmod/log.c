// SPDX-License-Identifier: GPL-2.0
/*
 * The event chain and the read() ring.
 *
 * Every EXTEND takes ogx_chain_lock, so all extenders (ioctl callers, ring
 * submitters, io-wq workers) see one total order: seq, the head and the TPM
 * PCR advance together. The head covers every event ever appended; the ring
 * keeps only the last ring_events of them for read(), and INFO reports how
 * many were dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/sha2.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "log.h"
#include "tpm.h"

#define OGX_RING_EVENTS_MAX	BIT(20)
/* Events copied out of the lock at a time by read(). */
#define OGX_READ_BATCH		16

static unsigned int ogx_ring_events = 4096;
module_param_named(ring_events, ogx_ring_events, uint, 0444);
MODULE_PARM_DESC(ring_events, "events kept for read() (default 4096)");

/*
 * Protects ogx_chain_events, ogx_chain_head and ogx_ring.
 *
 * Lock order: ogx_chain_lock, then ogx_tpm_digests_lock (tpm.c), then the
 * TPM chip's own lock (inside tpm_pcr_extend()). With pcr= set, each event
 * is extended into the PCR under ogx_chain_lock, so that the PCR advances
 * in the chain's order; ogx_chain_lock is then held across a TPM command,
 * which sleeps. Without a TPM no holder sleeps. ogx_exe_cache_lock
 * (measure.c) is never held together with either.
 */
static DEFINE_MUTEX(ogx_chain_lock);
static u64 ogx_chain_events;
static u8 ogx_chain_head[OGX_DIGEST_SIZE];
static struct ogx_event *ogx_ring;

int __init ogx_log_init(void)
{
	/* The read() record: ABI, and what the event digest covers. */
	BUILD_BUG_ON(sizeof(struct ogx_event) != 280);
	BUILD_BUG_ON(offsetof(struct ogx_event, digest) != 216);
	if (!ogx_ring_events || ogx_ring_events > OGX_RING_EVENTS_MAX) {
		pr_err("ring_events must be 1..%lu\n", OGX_RING_EVENTS_MAX);
		return -EINVAL;
	}
	ogx_ring = kvcalloc(ogx_ring_events, sizeof(*ogx_ring), GFP_KERNEL);
	return ogx_ring ? 0 : -ENOMEM;
}

void ogx_log_exit(void)
{
	kvfree(ogx_ring);
	ogx_ring = NULL;
}

/*
 * Takes ogx_chain_lock. With @nowait, where a holder may be asleep in a TPM
 * command (pcr= set), it only tries: -EAGAIN says that it would have had
 * to wait. Without a TPM no holder sleeps, and the wait is not blocking in
 * the sense of IO_URING_F_NONBLOCK.
 */
static int ogx_chain_lock_nowait(bool nowait)
{
	if (nowait && ogx_tpm_anchored())
		return mutex_trylock(&ogx_chain_lock) ? 0 : -EAGAIN;
	mutex_lock(&ogx_chain_lock);
	return 0;
}

static u64 ogx_ring_oldest(void)
{
	lockdep_assert_held(&ogx_chain_lock);
	if (ogx_chain_events > ogx_ring_events)
		return ogx_chain_events - ogx_ring_events;
	return 0;
}

/*
 * Appends the event described by the In fields of @x (with @x->exe already
 * measured) and fills the Out fields except the MAC. The TPM is extended
 * before anything is committed, so a TPM failure leaves no trace in the chain.
 */
static int ogx_log_append_one(struct ogx_extend *x)
{
	struct ogx_event *ev = &ogx_ring[ogx_chain_events % ogx_ring_events];
	struct ogx_event new = {};
	struct sha256_state sctx;
	int ret;

	lockdep_assert_held(&ogx_chain_lock);
	new.seq = cpu_to_le64(ogx_chain_events);
	new.time_ns = cpu_to_le64(ktime_get_real_ns());
	new.type = cpu_to_le32(x->type);
	new.flags = cpu_to_le32(x->flags);
	memcpy(new.exe, x->exe, OGX_DIGEST_SIZE);
	memcpy(new.model, x->model, OGX_DIGEST_SIZE);
	memcpy(new.input, x->input, OGX_DIGEST_SIZE);
	memcpy(new.output, x->output, OGX_DIGEST_SIZE);
	memcpy(new.params, x->params, OGX_DIGEST_SIZE);
	memcpy(new.pipeline, x->pipeline, OGX_DIGEST_SIZE);
	sha256((const u8 *)&new, offsetof(struct ogx_event, digest), new.digest);

	sha256_init(&sctx);
	sha256_update(&sctx, ogx_chain_head, OGX_DIGEST_SIZE);
	sha256_update(&sctx, new.digest, OGX_DIGEST_SIZE);
	sha256_final(&sctx, new.head);

	ret = ogx_tpm_extend(new.digest);
	if (ret)
		return ret;
	*ev = new;
	memcpy(ogx_chain_head, new.head, OGX_DIGEST_SIZE);
	ogx_chain_events++;

	x->seq = le64_to_cpu(new.seq);
	x->time_ns = le64_to_cpu(new.time_ns);
	memcpy(x->digest, new.digest, OGX_DIGEST_SIZE);
	memcpy(x->head, new.head, OGX_DIGEST_SIZE);
	return 0;
}

/*
 * Appends xs[0..n) in order under one hold of the lock, so that they get
 * consecutive seqs. Returns how many were appended: all of them, or those
 * before the first TPM failure; the error itself when the first one failed.
 * With @nowait and a TPM it appends nothing and returns -EAGAIN: the TPM
 * command sleeps, so it is for a caller that may block to make.
 */
int ogx_log_append(struct ogx_extend *xs, unsigned int n, bool nowait)
{
	unsigned int i;
	int ret = 0;

	if (nowait && ogx_tpm_anchored())
		return -EAGAIN;
	mutex_lock(&ogx_chain_lock);
	for (i = 0; i < n; i++) {
		ret = ogx_log_append_one(&xs[i]);
		if (ret)
			break;
	}
	mutex_unlock(&ogx_chain_lock);
	return i ? i : ret;
}

int ogx_log_info(struct ogx_info *info, bool nowait)
{
	int ret;

	ret = ogx_chain_lock_nowait(nowait);
	if (ret)
		return ret;
	info->events = ogx_chain_events;
	info->dropped = ogx_ring_oldest();
	memcpy(info->head, ogx_chain_head, OGX_DIGEST_SIZE);
	mutex_unlock(&ogx_chain_lock);
	info->ring_events = ogx_ring_events;
	return 0;
}

int ogx_log_events(u64 *events, bool nowait)
{
	int ret;

	ret = ogx_chain_lock_nowait(nowait);
	if (ret)
		return ret;
	*events = ogx_chain_events;
	mutex_unlock(&ogx_chain_lock);
	return 0;
}

/*
 * Copies whole events from seq *@pos on. A reader that fell behind the ring
 * resumes at the oldest event still held; INFO's dropped count and the seq
 * numbers in the records tell it what it missed. Events are staged in a
 * kernel buffer so that no user page fault happens under ogx_chain_lock.
 */
ssize_t ogx_log_read(char __user *buf, size_t count, loff_t *pos)
{
	struct ogx_event *stage;
	size_t done = 0;
	ssize_t ret = 0;

	if (count < sizeof(struct ogx_event))
		return -EINVAL;
	if (*pos < 0)
		return -EINVAL;
	stage = kmalloc_array(OGX_READ_BATCH, sizeof(*stage), GFP_KERNEL);
	if (!stage)
		return -ENOMEM;

	while (count - done >= sizeof(struct ogx_event)) {
		u64 seq, n, i, avail;

		mutex_lock(&ogx_chain_lock);
		seq = max_t(u64, *pos, ogx_ring_oldest());
		avail = ogx_chain_events > seq ? ogx_chain_events - seq : 0;
		n = min3((u64)OGX_READ_BATCH,
			 (u64)((count - done) / sizeof(struct ogx_event)),
			 avail);
		for (i = 0; i < n; i++)
			stage[i] = ogx_ring[(seq + i) % ogx_ring_events];
		mutex_unlock(&ogx_chain_lock);

		if (!n)
			break;
		if (copy_to_user(buf + done, stage, n * sizeof(*stage))) {
			ret = -EFAULT;
			break;
		}
		done += n * sizeof(*stage);
		*pos = seq + n;
	}
	kfree(stage);
	return done ? done : ret;
}
