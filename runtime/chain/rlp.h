/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RLP (Recursive Length Prefix), Ethereum's serialisation of byte strings and
 * lists, used here to build transactions. The encoder appends to a growable
 * buffer; a list is opened, filled and closed, and its header is inserted in
 * front of the payload when it is closed (its length is known only then).
 * The decoder is strict: it rejects non-canonical encodings and anything
 * that runs past the end of its input.
 */
#ifndef OGX_CHAIN_RLP_H
#define OGX_CHAIN_RLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct ogx_rlp {
	uint8_t *data;
	size_t len, cap;
	int err; /* first allocation failure, reported by ogx_rlp_finish() */
};

void ogx_rlp_init(struct ogx_rlp *b);
void ogx_rlp_free(struct ogx_rlp *b);

/* Append raw bytes (already RLP) without a header. */
void ogx_rlp_raw(struct ogx_rlp *b, const void *data, size_t len);
/* A byte string. */
void ogx_rlp_bytes(struct ogx_rlp *b, const void *data, size_t len);
/* An unsigned integer: big-endian, no leading zeros, 0 is the empty string. */
void ogx_rlp_uint(struct ogx_rlp *b, uint64_t v);
/* A big-endian integer of len bytes; leading zero bytes are dropped. */
void ogx_rlp_uint_be(struct ogx_rlp *b, const uint8_t *be, size_t len);

/* Open a list; returns a mark to hand to ogx_rlp_list_end(). */
size_t ogx_rlp_list_begin(struct ogx_rlp *b);
void ogx_rlp_list_end(struct ogx_rlp *b, size_t mark);

/* 0 with the encoding in data/len, or -ENOMEM if any append failed. */
OGX_MUST_CHECK
int ogx_rlp_finish(struct ogx_rlp *b);

/* One decoded item: a string or a list, with its payload inside the input. */
struct ogx_rlp_item {
	bool is_list;
	const uint8_t *payload;
	size_t len;
};

/*
 * Decode the item at the start of in[0..len); *used is its encoded size.
 * -EBADMSG with detail on truncated or non-canonical input.
 */
OGX_MUST_CHECK
int ogx_rlp_decode(const uint8_t *in, size_t len, struct ogx_rlp_item *item, size_t *used);

/*
 * Iterate over the items of a list payload: call with *off = 0, then again
 * while it returns 1. Returns 0 at the end of the payload, or -EBADMSG.
 */
OGX_MUST_CHECK
int ogx_rlp_next(const struct ogx_rlp_item *list, size_t *off, struct ogx_rlp_item *item);

/* A canonical unsigned integer item of at most 8 bytes; -EBADMSG otherwise. */
OGX_MUST_CHECK
int ogx_rlp_get_uint(const struct ogx_rlp_item *item, uint64_t *v);

#endif
