/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A batch: what ogsubmit posts to the chain for a run of one node's records.
 * Deterministic CBOR (RFC 8949 §4.2.1), a map with integer keys:
 *
 *   0: version (1)          1: node public key (Ed25519, 32 bytes)
 *   2: first record seq     3: last record seq       4: count
 *   5: Merkle root (proof/merkle.h) of the records' digests, in seq order
 *   6: data availability: 0 = the records follow in key 7, 1 = root only
 *   7: [ record, ... ] (DA 0 only)    8: operator public key (Ed25519)
 *  20: operator signature over "ogx-batch-v1" ‖ the map without key 20
 *
 * The operator key is ogsubmit's own, not the node's: it vouches that the
 * submitter checked every record before posting.
 */
#ifndef OGX_CHAIN_BATCH_H
#define OGX_CHAIN_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proof/key.h"
#include "util/digest.h"
#include "util/err.h"

#define OGX_BATCH_VERSION 1
#define OGX_BATCH_SIG_CONTEXT "ogx-batch-v1"
/* More records than this in one batch is refused by the decoder. */
#define OGX_BATCH_MAX_RECORDS 65536

enum ogx_da {
	OGX_DA_CALLDATA = 0,
	OGX_DA_ROOT = 1,
};

struct ogx_batch {
	uint32_t version;
	uint8_t node[OGX_PK_LEN];
	uint64_t first_seq, last_seq, count;
	uint8_t root[OGX_DIGEST_LEN];
	uint32_t da;
	size_t n_records; /* DA calldata: == count; DA root: 0 */
	const uint8_t **records; /* malloc'd array; bytes point into the caller's buffers */
	size_t *record_lens;
	uint8_t operator_pk[OGX_PK_LEN];
	uint8_t sig[OGX_SIG_LEN];
};

/* Encode (with sig: the whole batch; without: the signed body). out is malloc'd. */
OGX_MUST_CHECK
int ogx_batch_encode(const struct ogx_batch *b, bool with_sig, uint8_t **out, size_t *len);

/* Set operator_pk, sign, and return the full encoding. */
OGX_MUST_CHECK
int ogx_batch_sign(struct ogx_batch *b, const struct ogx_key *operator_key, uint8_t **out,
		   size_t *len);

/*
 * Strict decode: deterministic CBOR only, every key present and in order,
 * nothing trailing. Records point into buf. -EBADMSG with detail.
 */
OGX_MUST_CHECK
int ogx_batch_decode(const uint8_t *buf, size_t len, struct ogx_batch *b);

/* Check the operator signature. -EBADMSG when it does not verify. */
OGX_MUST_CHECK
int ogx_batch_verify_sig(const struct ogx_batch *b);

/* Check that the Merkle root commits to these record digests. */
OGX_MUST_CHECK
int ogx_batch_check_root(const struct ogx_batch *b, const uint8_t (*digests)[OGX_DIGEST_LEN],
			 size_t n);

void ogx_batch_free(struct ogx_batch *b);

#endif
