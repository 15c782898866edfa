/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A growable buffer of CBOR written with libcbor's head encoders, which always
 * choose the shortest form: with map keys put in ascending order, that is RFC
 * 8949 §4.2.1's deterministic encoding (records, batches). The first
 * allocation failure sticks in err; check it once at the end.
 */
#ifndef OGX_UTIL_CBOR_ENC_H
#define OGX_UTIL_CBOR_ENC_H

#include <stddef.h>
#include <stdint.h>

struct ogx_cbor_enc {
	uint8_t *buf; /* malloc'd; the caller owns it after a successful encode */
	size_t len, cap;
	int err;
};

/* A head of the kind fn writes (cbor_encode_map_start, _array_start, ...). */
void ogx_cbor_head(struct ogx_cbor_enc *e, size_t (*fn)(size_t, unsigned char *, size_t),
		   size_t v);
void ogx_cbor_uint(struct ogx_cbor_enc *e, uint64_t v);
void ogx_cbor_bstr(struct ogx_cbor_enc *e, const void *data, size_t len);
/* A text string of len bytes (UTF-8, not NUL-terminated), or of a C string. */
void ogx_cbor_text(struct ogx_cbor_enc *e, const void *data, size_t len);
void ogx_cbor_tstr(struct ogx_cbor_enc *e, const char *s);

#endif
