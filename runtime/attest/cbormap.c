// SPDX-License-Identifier: GPL-2.0
/* See cbormap.h. */
#include <cbor.h>
#include <errno.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "attest/cbormap.h"
#include "util/err.h"

void ogx_cbormap_free(struct ogx_cbormap_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].data);
		f[i].data = NULL;
		f[i].len = 0;
	}
}

/*
 * One item at a time with libcbor's streaming decoder: nothing is allocated
 * on the input's word (cbor_load() would preallocate any array size a
 * header claims), and any item that is not a uint, a definite byte string
 * or the one map head is refused where it stands.
 */
enum tok_type { T_NONE, T_UINT, T_BYTES, T_MAP, T_OTHER };

struct tok {
	enum tok_type type;
	uint64_t u;
	const uint8_t *data;
	size_t len;
};

static void cb_u8(void *c, uint8_t v) { *(struct tok *)c = (struct tok){ T_UINT, v, NULL, 0 }; }
static void cb_u16(void *c, uint16_t v) { *(struct tok *)c = (struct tok){ T_UINT, v, NULL, 0 }; }
static void cb_u32(void *c, uint32_t v) { *(struct tok *)c = (struct tok){ T_UINT, v, NULL, 0 }; }
static void cb_u64(void *c, uint64_t v) { *(struct tok *)c = (struct tok){ T_UINT, v, NULL, 0 }; }
static void cb_bytes(void *c, cbor_data d, size_t n)
{
	*(struct tok *)c = (struct tok){ T_BYTES, 0, d, n };
}
static void cb_map(void *c, size_t n) { *(struct tok *)c = (struct tok){ T_MAP, n, NULL, 0 }; }
static void cb_other(void *c) { ((struct tok *)c)->type = T_OTHER; }
static void cb_other_n(void *c, uint8_t v) { (void)v; ((struct tok *)c)->type = T_OTHER; }
static void cb_other_n16(void *c, uint16_t v) { (void)v; ((struct tok *)c)->type = T_OTHER; }
static void cb_other_n32(void *c, uint32_t v) { (void)v; ((struct tok *)c)->type = T_OTHER; }
static void cb_other_n64(void *c, uint64_t v) { (void)v; ((struct tok *)c)->type = T_OTHER; }
static void cb_other_s(void *c, cbor_data d, size_t n) { (void)d; (void)n; cb_other(c); }
static void cb_other_z(void *c, size_t n) { (void)n; cb_other(c); }
static void cb_other_f(void *c, float f) { (void)f; cb_other(c); }
static void cb_other_d(void *c, double f) { (void)f; cb_other(c); }
static void cb_other_b(void *c, bool b) { (void)b; cb_other(c); }

static const struct cbor_callbacks callbacks = {
	.uint8 = cb_u8, .uint16 = cb_u16, .uint32 = cb_u32, .uint64 = cb_u64,
	.negint8 = cb_other_n, .negint16 = cb_other_n16, .negint32 = cb_other_n32,
	.negint64 = cb_other_n64,
	.byte_string = cb_bytes, .byte_string_start = cb_other,
	.string = cb_other_s, .string_start = cb_other,
	.array_start = cb_other_z, .indef_array_start = cb_other,
	.map_start = cb_map, .indef_map_start = cb_other,
	.tag = cb_other_n64,
	.float2 = cb_other_f, .float4 = cb_other_f, .float8 = cb_other_d,
	.undefined = cb_other, .null = cb_other, .boolean = cb_other_b,
	.indef_break = cb_other,
};

static int next(const uint8_t **p, size_t *left, struct tok *t, const char *what,
		const char *name)
{
	struct cbor_decoder_result res;

	t->type = T_NONE;
	if (!*left)
		return ogx_fail(-EBADMSG, "%s: truncated at %s", what, name);
	res = cbor_stream_decode(*p, *left, &callbacks, t);
	if (res.status == CBOR_DECODER_NEDATA)
		return ogx_fail(-EBADMSG, "%s: truncated at %s", what, name);
	if (res.status != CBOR_DECODER_FINISHED || t->type == T_NONE)
		return ogx_fail(-EBADMSG, "%s: malformed CBOR at %s", what, name);
	*p += res.read;
	*left -= res.read;
	return 0;
}

static int field(const uint8_t **p, size_t *left, uint64_t i, struct ogx_cbormap_field *f,
		 const char *what)
{
	struct tok k, v;
	int err = next(p, left, &k, what, f->name);

	if (err)
		return err;
	if (k.type != T_UINT || k.u != i)
		return ogx_fail(-EBADMSG, "%s: entry %llu: want key %llu (%s)", what,
				(unsigned long long)i, (unsigned long long)i, f->name);
	if ((err = next(p, left, &v, what, f->name)))
		return err;
	if (f->kind == OGX_CBORMAP_UINT) {
		if (v.type != T_UINT)
			return ogx_fail(-EBADMSG, "%s: %s: want an unsigned integer", what, f->name);
		f->u = v.u;
		return 0;
	}
	if (v.type != T_BYTES)
		return ogx_fail(-EBADMSG, "%s: %s: want a definite byte string", what, f->name);
	f->len = v.len;
	if (f->len < f->min || f->len > f->max) {
		if (f->min == f->max)
			return ogx_fail(-EBADMSG, "%s: %s: %zu bytes, want %zu", what, f->name,
					f->len, f->min);
		return ogx_fail(-EBADMSG, "%s: %s: %zu bytes, want %zu..%zu", what, f->name,
				f->len, f->min, f->max);
	}
	f->data = malloc(f->len ? f->len : 1);
	if (!f->data)
		return -ENOMEM;
	memcpy(f->data, v.data, f->len);
	return 0;
}

int ogx_cbormap_decode(const uint8_t *buf, size_t len, struct ogx_cbormap_field *f, size_t n,
		       const char *what)
{
	const uint8_t *p = buf;
	size_t left = len;
	struct tok m;
	int err;

	for (size_t i = 0; i < n; i++) {
		f[i].data = NULL;
		f[i].len = 0;
		f[i].u = 0;
	}
	if (!len)
		return ogx_fail(-EBADMSG, "%s: empty", what);
	err = next(&p, &left, &m, what, "the map head");
	if (!err && m.type != T_MAP)
		err = ogx_fail(-EBADMSG, "%s: not a definite CBOR map", what);
	else if (!err && m.u != n)
		err = ogx_fail(-EBADMSG, "%s: %llu entries, want %zu", what,
			       (unsigned long long)m.u, n);
	for (size_t i = 0; !err && i < n; i++)
		err = field(&p, &left, i, &f[i], what);
	if (!err && left)
		err = ogx_fail(-EBADMSG, "%s: %zu bytes after the CBOR map", what, left);
	if (err)
		ogx_cbormap_free(f, n);
	return err;
}

int ogx_cbormap_canonical(const struct ogx_cbor_enc *enc, const uint8_t *buf, size_t len,
			  const char *what)
{
	if (enc->err)
		return enc->err;
	if (enc->len != len || memcmp(enc->buf, buf, len))
		return ogx_fail(-EBADMSG, "%s: not in canonical CBOR (shortest heads)", what);
	return 0;
}
