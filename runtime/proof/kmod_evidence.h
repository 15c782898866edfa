/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel evidence in a proof record: the record's `kernel` map, filled from
 * one ogx.ko EXTEND of the record's digests. Keys (Documentation/kmod.md):
 *
 *	0 label     text   "kmod-sw", or "kmod-tpm" when anchored in a PCR
 *	1 boot_id   bytes  16, the MAC key epoch
 *	2 seq       uint   the event's sequence number
 *	3 time_ns   uint   kernel time of the event
 *	4 type      uint   OGX_EVENT_JOB
 *	5 flags     uint   OGX_EVENT_F_*
 *	6 exe       bytes  32, SHA-256 of the executable, measured by the kernel
 *	7 pipeline  bytes  32, the event's pipeline digest
 *	8 digest    bytes  32, the event digest
 *	9 head      bytes  32, the chain head after the event
 *	10 mac      bytes  32, BLAKE2s MAC; only VERIFY on that boot can check it
 *	11 pcr      uint   the PCR, with "kmod-tpm" only
 *
 * The event's model, input, output and params are the record's, so anyone
 * can recompute the event digest from the record alone.
 */
#ifndef OGX_PROOF_KMOD_EVIDENCE_H
#define OGX_PROOF_KMOD_EVIDENCE_H

#include "proof/kmod.h"
#include "proof/record.h"
#include "util/err.h"

enum ogx_kev_key {
	OGX_KEV_LABEL = 0,
	OGX_KEV_BOOT_ID = 1,
	OGX_KEV_SEQ = 2,
	OGX_KEV_TIME = 3,
	OGX_KEV_TYPE = 4,
	OGX_KEV_FLAGS = 5,
	OGX_KEV_EXE = 6,
	OGX_KEV_PIPELINE = 7,
	OGX_KEV_DIGEST = 8,
	OGX_KEV_HEAD = 9,
	OGX_KEV_MAC = 10,
	OGX_KEV_PCR = 11,
};

#define OGX_KEV_LABEL_SW "kmod-sw"
#define OGX_KEV_LABEL_TPM "kmod-tpm"

/*
 * The evidence label: what a record's level rests on, the one name that
 * answers, /v1/models, the attestation, /metrics, CLI lines and verifiers
 * print, never a bare "tee":
 *
 *	vanilla        no evidence (the node's signature only)
 *	zkml           a succinct proof (none exists yet)
 *	tee/kmod-sw    ogx.ko's event, MAC'd with its boot key
 *	tee/kmod-tpm   the same, anchored in a TPM PCR
 *	tee/snp        an AMD SEV-SNP report binding the node key (runtime/attest/snp.h)
 *	tee/nitro      an AWS Nitro Enclaves document binding the node key (attest/nitro.h)
 *
 * tee/snp and tee/nitro are what `ogverify report` verifies today; no record
 * carries such a report yet (Documentation/attestation.md).
 *
 * Requests still name the level alone ("tee"): the node decides the evidence.
 */
#define OGX_EVIDENCE_TEE_SW "tee/" OGX_KEV_LABEL_SW
#define OGX_EVIDENCE_TEE_TPM "tee/" OGX_KEV_LABEL_TPM
#define OGX_EVIDENCE_TEE_SNP "tee/snp"
#define OGX_EVIDENCE_TEE_NITRO "tee/nitro"

/*
 * A record's label: a tee record's from its kernel map's label (form only:
 * ogx_kmod_evidence_check() checks the rest); "tee/none" without a kernel
 * map, "tee/unknown" with a label that is neither kmod-sw nor kmod-tpm
 * (verifiers fail both).
 */
const char *ogx_evidence_label(const struct ogx_record *r);

/*
 * The label of the records this node writes at level: tee's from the
 * module's INFO (OGX_INFO_F_TPM: kmod-tpm), as ogx_kmod_evidence_fill()
 * decides it; info is not read for the other levels and may then be NULL.
 */
const char *ogx_evidence_label_node(uint32_t level, const struct ogx_info *info);

struct ogx_kmod_evidence {
	bool tpm;
	uint32_t pcr;
	uint8_t boot_id[OGX_BOOT_ID_SIZE];
	uint64_t seq, time_ns;
	uint32_t type, flags;
	uint8_t exe[OGX_DIGEST_SIZE], pipeline[OGX_DIGEST_SIZE];
	uint8_t digest[OGX_DIGEST_SIZE], head[OGX_DIGEST_SIZE], mac[OGX_MAC_SIZE];
};

/*
 * EXTENDs the event of record r (its model, input, output, params; pipeline
 * may be NULL for none) and fills r->kernel. The caller signs r afterwards.
 */
OGX_MUST_CHECK
int ogx_kmod_evidence_add(struct ogx_kmod *k, struct ogx_record *r,
			  const uint8_t *pipeline);

/*
 * The two halves of ogx_kmod_evidence_add(), for callers that issue the
 * commands themselves (ogrun serve, on its io_uring): the EXTEND argument
 * for record r, and r's kernel map from the appended event x and the INFO
 * taken before it.
 */
void ogx_kmod_event_of(struct ogx_extend *x, const struct ogx_record *r, const uint8_t *pipeline);
OGX_MUST_CHECK
int ogx_kmod_evidence_fill(struct ogx_record *r, const struct ogx_info *info,
			   const struct ogx_extend *x);

/*
 * The digest ogx.ko computes for the event of record r (its model, input,
 * output, params) with these kernel fields: the one recipe, for the check
 * below and for tests that build evidence.
 */
void ogx_kmod_event_digest(const struct ogx_record *r, uint64_t seq, uint64_t time_ns,
			   uint32_t type, uint32_t flags, const uint8_t exe[OGX_DIGEST_SIZE],
			   const uint8_t pipeline[OGX_DIGEST_SIZE], uint8_t out[OGX_DIGEST_SIZE]);

/*
 * Checks the form of r->kernel (every key, its type and size, a known label)
 * and that its digest is the event digest of r's fields: -EBADMSG with a
 * detail otherwise. With ev non-NULL, returns the parsed evidence.
 */
OGX_MUST_CHECK
int ogx_kmod_evidence_check(const struct ogx_record *r, struct ogx_kmod_evidence *ev);

/*
 * Chain continuity between two evidences of one node, b after a: the same
 * boot must have b.seq > a.seq, and when b.seq == a.seq + 1,
 * b.head == SHA-256(a.head || b.digest). Returns 0 when linked, 1 when
 * b.seq skips events (the read() log closes the gap: ogx_kmod_evidence_in_log)
 * or b starts a new boot, -EBADMSG when broken.
 */
OGX_MUST_CHECK
int ogx_kmod_evidence_follows(const struct ogx_kmod_evidence *a,
			      const struct ogx_kmod_evidence *b);

/* 0 when the log holds ev's event (same seq, digest, head), else -EBADMSG. */
OGX_MUST_CHECK
int ogx_kmod_evidence_in_log(const struct ogx_kmod_evidence *ev,
			     const struct ogx_event *log, size_t n);

/* Asks the kernel (VERIFY) whether ev's MAC is genuine on this boot. */
OGX_MUST_CHECK
int ogx_kmod_evidence_verify(struct ogx_kmod *k, const struct ogx_kmod_evidence *ev);

#endif
