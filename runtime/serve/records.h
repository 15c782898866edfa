/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading back what the node has signed: records by id (GET /v1/records/{id})
 * and a fresh, signed statement of the node's state for a client's nonce
 * (GET /v1/attestation).
 */
#ifndef OGX_SERVE_RECORDS_H
#define OGX_SERVE_RECORDS_H

#include <stdbool.h>
#include <stdint.h>

#include "serve/buf.h"
#include "util/digest.h"
#include "util/err.h"

struct srv;
struct ogx_info;
struct rec_slot;

/* Record id -> spool index, filled lazily (loop thread only). */
struct records_index {
	struct rec_slot *slot;	/* open addressing, cap a power of two */
	size_t n, cap;
	uint64_t next;		/* the spool index the next scan starts at */
};

/* The record with this id: its CBOR bytes, or (json) a JSON rendering. -ENOENT. */
OGX_MUST_CHECK
int ogx_records_get(struct srv *s, const uint8_t id[OGX_DIGEST_LEN], bool json,
		    struct ogx_buf *out);
/* The signed attestation for nonce; info: the module's INFO, NULL without one. */
OGX_MUST_CHECK
int ogx_records_attest(struct srv *s, const char *nonce, const struct ogx_info *info,
		       struct ogx_buf *out);
void ogx_records_free(struct records_index *ri);

#endif
