// SPDX-License-Identifier: GPL-2.0
/* See cbormap.h. */
#include <cbor.h>
#include <errno.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "attest/cbormap.h"
#include "util/cbor_tok.h"
#include "util/err.h"

void ogx_cbormap_free(struct ogx_cbormap_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].data);
		f[i].data = NULL;
		f[i].len = 0;
	}
}

static int next(const uint8_t **p, size_t *left, struct ogx_cbor_tok *t, const char *what,
		const char *name)
{
	int err = ogx_cbor_tok_next(p, left, t);

	if (err == -ENODATA)
		return ogx_fail(-EBADMSG, "%s: truncated at %s", what, name);
	if (err)
		return ogx_fail(-EBADMSG, "%s: malformed CBOR at %s", what, name);
	return 0;
}

static int field(const uint8_t **p, size_t *left, uint64_t i, struct ogx_cbormap_field *f,
		 const char *what)
{
	struct ogx_cbor_tok k, v;
	int err = next(p, left, &k, what, f->name);

	if (err)
		return err;
	if (k.type != OGX_CBOR_UINT || k.u != i)
		return ogx_fail(-EBADMSG, "%s: entry %llu: want key %llu (%s)", what,
				(unsigned long long)i, (unsigned long long)i, f->name);
	if ((err = next(p, left, &v, what, f->name)))
		return err;
	if (f->kind == OGX_CBORMAP_UINT) {
		if (v.type != OGX_CBOR_UINT)
			return ogx_fail(-EBADMSG, "%s: %s: want an unsigned integer", what, f->name);
		f->u = v.u;
		return 0;
	}
	if (v.type != OGX_CBOR_BSTR)
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
	struct ogx_cbor_tok m;
	int err;

	for (size_t i = 0; i < n; i++) {
		f[i].data = NULL;
		f[i].len = 0;
		f[i].u = 0;
	}
	if (!len)
		return ogx_fail(-EBADMSG, "%s: empty", what);
	err = next(&p, &left, &m, what, "the map head");
	if (!err && m.type != OGX_CBOR_MAP)
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
