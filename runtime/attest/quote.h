/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A TPM quote of ogx.ko's PCR with the module's event log: the bundle a node
 * hands out, and the verifier's check of it (no TPM needed: tpm2-tss's MU
 * unmarshals, OpenSSL verifies). Documentation/attestation.md, "TPM quotes".
 *
 * The bundle, a CBOR map:
 *
 *	0 version   uint   1
 *	1 node      bytes  32, the node's Ed25519 public key
 *	2 pcr       uint   the module's PCR (pcr=, 8..23)
 *	3 attest    bytes  the TPMS_ATTEST the TPM signed, marshalled
 *	4 sig       bytes  the TPMT_SIGNATURE, marshalled
 *	5 boot      bytes  256, PCRs 0-7 (SHA-256 bank) read at the quote
 *	6 from      bytes  32, the module PCR's value before the log's first
 *	                   event (the checkpoint; zero at boot)
 *	7 log       bytes  the module's read() log from the checkpoint,
 *	                   whole struct ogx_event records
 *
 * qualifyingData = SHA-256(OGX_QUOTE_DOMAIN ‖ node ‖ nonce), nonce 32 bytes:
 * a verifier's fresh nonce or a batch's Merkle root (ogx_quote_qualifying(),
 * the one recipe for node and verifier).
 */
#ifndef OGX_ATTEST_QUOTE_H
#define OGX_ATTEST_QUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/ogx.h>

#include "attest/enrol.h"
#include "proof/key.h"
#include "util/err.h"

#define OGX_QUOTE_VERSION 1
#define OGX_QUOTE_DOMAIN "ogx tpm quote v1"	/* hashed with its NUL */
#define OGX_QUOTE_NONCE_LEN 32
#define OGX_QUOTE_LOG_MAX (1u << 18)		/* events in one bundle (70 MiB) */
#define OGX_QUOTE_MAX ((size_t)OGX_QUOTE_LOG_MAX * sizeof(struct ogx_event) + 4096)

struct ogx_quote {
	uint8_t node[OGX_PK_LEN];
	uint32_t pcr;
	uint8_t *attest, *sig;		/* malloc'd */
	size_t attest_len, sig_len;
	uint8_t boot[8][32];
	uint8_t from[32];
	struct ogx_event *log;		/* malloc'd */
	size_t n;			/* events */
};

void ogx_quote_qualifying(uint8_t out[32], const uint8_t node[OGX_PK_LEN],
			  const uint8_t nonce[OGX_QUOTE_NONCE_LEN]);

OGX_MUST_CHECK
int ogx_quote_encode(const struct ogx_quote *q, uint8_t **out, size_t *len);
/* Strict, canonical decode. Nothing is verified. */
OGX_MUST_CHECK
int ogx_quote_decode(const uint8_t *buf, size_t len, struct ogx_quote *q);
void ogx_quote_free(struct ogx_quote *q);

struct ogx_quote_result {
	const char *field;		/* on failure: which part ("sig", "extraData", ...) */
	uint64_t clock, reset_count, restart_count;
	bool safe;
	uint64_t first_seq;		/* the log's first event */
	size_t covered;			/* events of the log the quoted PCR covers */
	uint8_t pcr_value[32];		/* the module PCR's quoted value: a next checkpoint */
	bool from_boot;			/* from is zero and the log starts at seq 0 */
};

/*
 * The verifier's check of q for nonce against enrolment e (checked
 * already: ogx_enrolment_check()): q is the enrolled node's; the
 * signature verifies under the enrolled AK (ECDSA P-256); the TPMS_ATTEST
 * has magic TPM_GENERATED_VALUE and type TPM_ST_ATTEST_QUOTE; extraData
 * is the qualifyingData recipe for (node, nonce); the quote selects the
 * SHA-256 bank's PCRs 0-7 and q->pcr; the log replays (seq, digests,
 * heads); and the PCR digest is that of the boot PCRs with the module PCR
 * replayed from q->from over the first k event digests, for some k (the
 * PCR and the log are not extended atomically: any prefix past the
 * checkpoint is accepted, and res->covered says which). -EBADMSG with
 * detail; res->field names the part.
 */
OGX_MUST_CHECK
int ogx_quote_verify(const struct ogx_quote *q, const struct ogx_enrolment *e,
		     const uint8_t nonce[OGX_QUOTE_NONCE_LEN], struct ogx_quote_result *res);

/*
 * 0 when the event (seq, digest, head: a record's kernel evidence) is one
 * of the log events a verified quote covers (res from ogx_quote_verify() of
 * q), -ENOENT when it is not among them (not yet quoted, or not this log's).
 * The building block for counting a record as tee/kmod-tpm; the rest of
 * that rule (exe allow-list, boot PCR policy) is not here.
 */
OGX_MUST_CHECK
int ogx_quote_covers(const struct ogx_quote *q, const struct ogx_quote_result *res,
		     uint64_t seq, const uint8_t digest[32], const uint8_t head[32]);

/*
 * b, a later quote of the same TPM than a: resetCount never goes back,
 * restartCount not within one resetCount, and the clock goes forward
 * within one resetCount. -EBADMSG with detail.
 */
OGX_MUST_CHECK
int ogx_quote_follows(const struct ogx_quote_result *a, const struct ogx_quote_result *b);

#endif
