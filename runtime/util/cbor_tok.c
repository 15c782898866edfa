// SPDX-License-Identifier: GPL-2.0
/* See cbor_tok.h. */
#include <cbor.h>
#include <errno.h>
#include <stdbool.h>

#include "util/cbor_tok.h"

#define TOK(c) ((struct ogx_cbor_tok *)(c))

static void set(void *c, enum ogx_cbor_type type, uint64_t u, const uint8_t *d, size_t n)
{
	*TOK(c) = (struct ogx_cbor_tok){ type, u, d, n };
}

static void cb_u8(void *c, uint8_t v) { set(c, OGX_CBOR_UINT, v, NULL, 0); }
static void cb_u16(void *c, uint16_t v) { set(c, OGX_CBOR_UINT, v, NULL, 0); }
static void cb_u32(void *c, uint32_t v) { set(c, OGX_CBOR_UINT, v, NULL, 0); }
static void cb_u64(void *c, uint64_t v) { set(c, OGX_CBOR_UINT, v, NULL, 0); }
static void cb_n8(void *c, uint8_t v) { set(c, OGX_CBOR_NEGINT, v, NULL, 0); }
static void cb_n16(void *c, uint16_t v) { set(c, OGX_CBOR_NEGINT, v, NULL, 0); }
static void cb_n32(void *c, uint32_t v) { set(c, OGX_CBOR_NEGINT, v, NULL, 0); }
static void cb_n64(void *c, uint64_t v) { set(c, OGX_CBOR_NEGINT, v, NULL, 0); }
static void cb_bstr(void *c, cbor_data d, size_t n) { set(c, OGX_CBOR_BSTR, 0, d, n); }
static void cb_tstr(void *c, cbor_data d, size_t n) { set(c, OGX_CBOR_TSTR, 0, d, n); }
static void cb_array(void *c, size_t n) { set(c, OGX_CBOR_ARRAY, n, NULL, 0); }
static void cb_map(void *c, size_t n) { set(c, OGX_CBOR_MAP, n, NULL, 0); }
static void cb_other(void *c) { TOK(c)->type = OGX_CBOR_OTHER; }
static void cb_other_u64(void *c, uint64_t n) { (void)n; cb_other(c); }
static void cb_other_f(void *c, float f) { (void)f; cb_other(c); }
static void cb_other_d(void *c, double f) { (void)f; cb_other(c); }
static void cb_other_b(void *c, bool b) { (void)b; cb_other(c); }

static const struct cbor_callbacks callbacks = {
	.uint8 = cb_u8, .uint16 = cb_u16, .uint32 = cb_u32, .uint64 = cb_u64,
	.negint8 = cb_n8, .negint16 = cb_n16, .negint32 = cb_n32, .negint64 = cb_n64,
	.byte_string = cb_bstr, .byte_string_start = cb_other,
	.string = cb_tstr, .string_start = cb_other,
	.array_start = cb_array, .indef_array_start = cb_other,
	.map_start = cb_map, .indef_map_start = cb_other,
	.tag = cb_other_u64,
	.float2 = cb_other_f, .float4 = cb_other_f, .float8 = cb_other_d,
	.undefined = cb_other, .null = cb_other, .boolean = cb_other_b,
	.indef_break = cb_other,
};

int ogx_cbor_tok_next(const uint8_t **p, size_t *left, struct ogx_cbor_tok *t)
{
	struct cbor_decoder_result res;

	t->type = OGX_CBOR_NONE;
	if (!*left)
		return -ENODATA;
	res = cbor_stream_decode(*p, *left, &callbacks, t);
	if (res.status == CBOR_DECODER_NEDATA)
		return -ENODATA;
	if (res.status != CBOR_DECODER_FINISHED || t->type == OGX_CBOR_NONE)
		return -EBADMSG;
	*p += res.read;
	*left -= res.read;
	return 0;
}
