/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checks a verifier runs on records, shared by ogverify and ogsubmit:
 * one record (schema + signature), and the hash chain between consecutive
 * records of one node (seq + 1, prev = digest of the previous record).
 */
#ifndef OGX_PROOF_VERIFY_H
#define OGX_PROOF_VERIFY_H

#include <stdbool.h>

#include "proof/record.h"

/* Decode strictly and check the signature. On success r must be freed. */
int ogx_verify_record(const uint8_t *buf, size_t len, struct ogx_record *r);

struct ogx_chain_state {
	bool have;                       /* a previous record was seen */
	uint64_t seq;                    /* its seq */
	uint8_t digest[OGX_DIGEST_LEN];  /* its digest */
	uint8_t node[OGX_PK_LEN];        /* the node all records must share */
};

/*
 * Check that r (whose encoding has digest) follows the state, then advance the
 * state to it. With no previous record, a record of seq 0 must have an all-zero
 * prev; a later seq is accepted as the start of a window (the caller says so
 * in its report). -EBADMSG with a detail naming the break otherwise.
 */
int ogx_verify_link(struct ogx_chain_state *st, const struct ogx_record *r,
		    const uint8_t digest[OGX_DIGEST_LEN]);

#endif
