// SPDX-License-Identifier: GPL-2.0
/* Typed access to GGUF metadata values; see gguf.h. */
#include <errno.h>
#include <string.h>

#include "model/gguf.h"
#include "util/err.h"

int ogx_gguf_value_u64(const struct ogx_gguf_value *v, uint64_t *out)
{
	int64_t s;

	switch (v->type) {
	case OGX_GGUF_U8:
	case OGX_GGUF_BOOL:
		*out = v->p[0];
		return 0;
	case OGX_GGUF_U16: {
		uint16_t x;

		memcpy(&x, v->p, 2);
		*out = x;
		return 0;
	}
	case OGX_GGUF_U32: {
		uint32_t x;

		memcpy(&x, v->p, 4);
		*out = x;
		return 0;
	}
	case OGX_GGUF_U64:
		memcpy(out, v->p, 8);
		return 0;
	default:
		if (ogx_gguf_value_i64(v, &s) || s < 0)
			return -EINVAL;
		*out = (uint64_t)s;
		return 0;
	}
}

int ogx_gguf_value_i64(const struct ogx_gguf_value *v, int64_t *out)
{
	uint64_t u;

	switch (v->type) {
	case OGX_GGUF_I8:
		*out = (int8_t)v->p[0];
		return 0;
	case OGX_GGUF_I16: {
		int16_t x;

		memcpy(&x, v->p, 2);
		*out = x;
		return 0;
	}
	case OGX_GGUF_I32: {
		int32_t x;

		memcpy(&x, v->p, 4);
		*out = x;
		return 0;
	}
	case OGX_GGUF_I64:
		memcpy(out, v->p, 8);
		return 0;
	case OGX_GGUF_U8:
	case OGX_GGUF_U16:
	case OGX_GGUF_U32:
	case OGX_GGUF_U64:
	case OGX_GGUF_BOOL:
		if (ogx_gguf_value_u64(v, &u) || u > INT64_MAX)
			return -EINVAL;
		*out = (int64_t)u;
		return 0;
	default:
		return -EINVAL;
	}
}

int ogx_gguf_value_f64(const struct ogx_gguf_value *v, double *out)
{
	if (v->type == OGX_GGUF_F32) {
		float f;

		memcpy(&f, v->p, 4);
		*out = f;
		return 0;
	}
	if (v->type == OGX_GGUF_F64) {
		memcpy(out, v->p, 8);
		return 0;
	}
	return -EINVAL;
}

static int lookup(const struct ogx_gguf *g, const char *key, const struct ogx_gguf_value **v)
{
	const struct ogx_gguf_kv *kv = ogx_gguf_find_kv(g, key);

	if (!kv)
		return ogx_fail(-ENOENT, "no metadata key '%s'", key);
	*v = &kv->v;
	return 0;
}

static int mismatch(const char *key, const struct ogx_gguf_value *v, const char *want)
{
	return ogx_fail(-EINVAL, "metadata '%s' is %s, want %s", key, ogx_gguf_vtype_name(v->type),
			want);
}

int ogx_gguf_get_u64(const struct ogx_gguf *g, const char *key, uint64_t *out)
{
	const struct ogx_gguf_value *v = NULL;
	int err = lookup(g, key, &v);

	if (err)
		return err;
	if (v->type == OGX_GGUF_BOOL || ogx_gguf_value_u64(v, out))
		return mismatch(key, v, "a non-negative integer");
	return 0;
}

int ogx_gguf_get_u32(const struct ogx_gguf *g, const char *key, uint32_t *out)
{
	uint64_t u = 0;
	int err = ogx_gguf_get_u64(g, key, &u);

	if (!err && u > UINT32_MAX)
		return ogx_fail(-EINVAL, "metadata '%s' = %llu does not fit a u32", key,
				(unsigned long long)u);
	if (!err)
		*out = (uint32_t)u;
	return err;
}

int ogx_gguf_get_i32(const struct ogx_gguf *g, const char *key, int32_t *out)
{
	const struct ogx_gguf_value *v = NULL;
	int64_t s;
	int err = lookup(g, key, &v);

	if (err)
		return err;
	if (v->type == OGX_GGUF_BOOL || ogx_gguf_value_i64(v, &s))
		return mismatch(key, v, "an integer");
	if (s < INT32_MIN || s > INT32_MAX)
		return ogx_fail(-EINVAL, "metadata '%s' = %lld does not fit an i32", key,
				(long long)s);
	*out = (int32_t)s;
	return 0;
}

int ogx_gguf_get_f32(const struct ogx_gguf *g, const char *key, float *out)
{
	const struct ogx_gguf_value *v = NULL;
	double d;
	int err = lookup(g, key, &v);

	if (err)
		return err;
	if (ogx_gguf_value_f64(v, &d))
		return mismatch(key, v, "f32");
	*out = (float)d;
	return 0;
}

int ogx_gguf_get_bool(const struct ogx_gguf *g, const char *key, bool *out)
{
	const struct ogx_gguf_value *v = NULL;
	int err = lookup(g, key, &v);

	if (err)
		return err;
	if (v->type != OGX_GGUF_BOOL)
		return mismatch(key, v, "bool");
	*out = v->p[0] != 0;
	return 0;
}

int ogx_gguf_get_str(const struct ogx_gguf *g, const char *key, const char **s, size_t *len)
{
	const struct ogx_gguf_value *v = NULL;
	int err = lookup(g, key, &v);

	if (err)
		return err;
	if (v->type != OGX_GGUF_STRING)
		return mismatch(key, v, "string");
	*s = (const char *)v->p;
	*len = (size_t)v->n;
	return 0;
}

int ogx_gguf_get_strz(const struct ogx_gguf *g, const char *key, char *buf, size_t size)
{
	const char *s = NULL;
	size_t len = 0;
	int err = ogx_gguf_get_str(g, key, &s, &len);

	if (err)
		return err;
	if (len >= size)
		return ogx_fail(-ENAMETOOLONG, "metadata '%s' is longer than %zu bytes", key,
				size - 1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

int ogx_gguf_get_array(const struct ogx_gguf *g, const char *key, struct ogx_gguf_value *arr)
{
	const struct ogx_gguf_value *v = NULL;
	int err = lookup(g, key, &v);

	if (err)
		return err;
	if (v->type != OGX_GGUF_ARRAY)
		return mismatch(key, v, "array");
	*arr = *v;
	return 0;
}

/* Decode the (already validated) value of type t at p. */
static void view(enum ogx_gguf_vtype t, const uint8_t *p, struct ogx_gguf_value *out)
{
	static const uint8_t width[OGX_GGUF_VTYPE_COUNT] = {
		[OGX_GGUF_U8] = 1, [OGX_GGUF_I8] = 1, [OGX_GGUF_U16] = 2, [OGX_GGUF_I16] = 2,
		[OGX_GGUF_U32] = 4, [OGX_GGUF_I32] = 4, [OGX_GGUF_F32] = 4, [OGX_GGUF_BOOL] = 1,
		[OGX_GGUF_U64] = 8, [OGX_GGUF_I64] = 8, [OGX_GGUF_F64] = 8,
	};

	memset(out, 0, sizeof(*out));
	out->type = t;
	if (t == OGX_GGUF_STRING) {
		memcpy(&out->n, p, 8);
		out->p = p + 8;
		out->size = 8 + (size_t)out->n;
	} else if (t == OGX_GGUF_ARRAY) {
		uint32_t et;

		memcpy(&et, p, 4);
		memcpy(&out->n, p + 4, 8);
		out->elem_type = et;
		out->p = p + 12;
		out->size = 12;
		/* a nested array's size is its elements' sizes: walk them */
		if (et != OGX_GGUF_STRING && et != OGX_GGUF_ARRAY) {
			out->size += (size_t)out->n * width[et];
		} else {
			for (uint64_t i = 0; i < out->n; i++) {
				struct ogx_gguf_value e;

				view(et, p + out->size, &e);
				out->size += e.size;
			}
		}
	} else {
		out->p = p;
		out->size = width[t];
	}
}

int ogx_gguf_array_elem(const struct ogx_gguf_value *arr, uint64_t i, struct ogx_gguf_value *out)
{
	const uint8_t *p = arr->p;

	if (arr->type != OGX_GGUF_ARRAY || i >= arr->n)
		return -ERANGE;
	if (arr->elem_type != OGX_GGUF_STRING && arr->elem_type != OGX_GGUF_ARRAY) {
		struct ogx_gguf_value first;

		view(arr->elem_type, p, &first);
		view(arr->elem_type, p + (size_t)i * first.size, out);
		return 0;
	}
	if (arr->elem_off) {
		view(arr->elem_type, p + arr->elem_off[i], out);
		return 0;
	}
	for (uint64_t k = 0; k <= i; k++) {
		view(arr->elem_type, p, out);
		p += out->size;
	}
	return 0;
}
