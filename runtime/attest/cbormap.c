// SPDX-License-Identifier: GPL-2.0
/* See cbormap.h. */
#include <cbor.h>
#include <errno.h>
#include <stdlib.h>
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

static int field(const cbor_item_t *k, const cbor_item_t *v, uint64_t i,
		 struct ogx_cbormap_field *f, const char *what)
{
	if (!cbor_isa_uint(k) || cbor_get_int(k) != i)
		return ogx_fail(-EBADMSG, "%s: entry %llu: want key %llu (%s)", what,
				(unsigned long long)i, (unsigned long long)i, f->name);
	if (f->kind == OGX_CBORMAP_UINT) {
		if (!cbor_isa_uint(v))
			return ogx_fail(-EBADMSG, "%s: %s: want an unsigned integer", what, f->name);
		f->u = cbor_get_int(v);
		return 0;
	}
	if (!cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v))
		return ogx_fail(-EBADMSG, "%s: %s: want a definite byte string", what, f->name);
	f->len = cbor_bytestring_length(v);
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
	memcpy(f->data, cbor_bytestring_handle(v), f->len);
	return 0;
}

int ogx_cbormap_decode(const uint8_t *buf, size_t len, struct ogx_cbormap_field *f, size_t n,
		       const char *what)
{
	struct cbor_load_result res;
	struct cbor_pair *pairs;
	cbor_item_t *root;
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		f[i].data = NULL;
		f[i].len = 0;
		f[i].u = 0;
	}
	root = cbor_load(buf, len, &res);
	if (!root)
		return ogx_fail(-EBADMSG, "%s: not CBOR (libcbor error %d at byte %zu)", what,
				res.error.code, res.error.position);
	if (res.read != len)
		err = ogx_fail(-EBADMSG, "%s: %zu bytes after the CBOR item", what, len - res.read);
	else if (!cbor_isa_map(root) || !cbor_map_is_definite(root))
		err = ogx_fail(-EBADMSG, "%s: not a definite CBOR map", what);
	else if (cbor_map_size(root) != n)
		err = ogx_fail(-EBADMSG, "%s: %zu entries, want %zu", what, cbor_map_size(root), n);
	pairs = err ? NULL : cbor_map_handle(root);
	for (size_t i = 0; !err && i < n; i++)
		err = field(pairs[i].key, pairs[i].value, i, &f[i], what);
	cbor_decref(&root);
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
