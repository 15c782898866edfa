// SPDX-License-Identifier: GPL-2.0
/* See cbor_enc.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cbor.h>

#include "util/cbor_enc.h"

static uint8_t *reserve(struct ogx_cbor_enc *e, size_t n)
{
	size_t cap;
	uint8_t *nb;

	if (e->err)
		return NULL;
	if (e->len + n > e->cap) {
		cap = e->cap ? e->cap : 512;
		while (cap < e->len + n)
			cap *= 2;
		nb = realloc(e->buf, cap);
		if (!nb) {
			e->err = -ENOMEM;
			return NULL;
		}
		e->buf = nb;
		e->cap = cap;
	}
	return e->buf + e->len;
}

void ogx_cbor_head(struct ogx_cbor_enc *e, size_t (*fn)(size_t, unsigned char *, size_t),
		   size_t v)
{
	uint8_t *p = reserve(e, 9);

	if (p)
		e->len += fn(v, p, 9);
}

void ogx_cbor_uint(struct ogx_cbor_enc *e, uint64_t v)
{
	uint8_t *p = reserve(e, 9);

	if (p)
		e->len += cbor_encode_uint(v, p, 9);
}

static void put_bytes(struct ogx_cbor_enc *e, size_t (*fn)(size_t, unsigned char *, size_t),
		      const void *data, size_t len)
{
	uint8_t *p;

	ogx_cbor_head(e, fn, len);
	p = reserve(e, len);
	if (p && len) {
		memcpy(p, data, len);
		e->len += len;
	}
}

void ogx_cbor_bstr(struct ogx_cbor_enc *e, const void *data, size_t len)
{
	put_bytes(e, cbor_encode_bytestring_start, data, len);
}

void ogx_cbor_text(struct ogx_cbor_enc *e, const void *data, size_t len)
{
	put_bytes(e, cbor_encode_string_start, data, len);
}

void ogx_cbor_tstr(struct ogx_cbor_enc *e, const char *s)
{
	ogx_cbor_text(e, s, strlen(s));
}
