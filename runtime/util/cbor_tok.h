/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One CBOR item at a time, with libcbor's streaming decoder
 * (cbor_stream_decode): nothing is allocated on the input's word (cbor_load()
 * preallocates any array size a header claims), and a container is only its
 * head, so a strict decoder walks the items it expects and refuses any other
 * where it stands. Used by the record decoder and the attestation files.
 */
#ifndef OGX_UTIL_CBOR_TOK_H
#define OGX_UTIL_CBOR_TOK_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum ogx_cbor_type {
	OGX_CBOR_NONE,
	OGX_CBOR_UINT,		/* u */
	OGX_CBOR_NEGINT,	/* u: the value is -1 - u */
	OGX_CBOR_BSTR,		/* data, len: a definite byte string, in the input */
	OGX_CBOR_TSTR,		/* data, len: a definite text string, in the input */
	OGX_CBOR_ARRAY,		/* u: a definite array's count */
	OGX_CBOR_MAP,		/* u: a definite map's count of pairs */
	OGX_CBOR_OTHER,		/* indefinite length, tag, float or simple value */
};

struct ogx_cbor_tok {
	enum ogx_cbor_type type;
	uint64_t u;
	const uint8_t *data;
	size_t len;
};

/*
 * The item at *p (of *left bytes) into t, and *p, *left moved past it: 0;
 * -ENODATA when the input ends inside it (or is empty); -EBADMSG when it is
 * malformed. No detail is set: the caller names what it was reading.
 */
OGX_MUST_CHECK
int ogx_cbor_tok_next(const uint8_t **p, size_t *left, struct ogx_cbor_tok *t);

#endif
