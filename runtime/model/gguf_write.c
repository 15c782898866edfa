// SPDX-License-Identifier: GPL-2.0
/* GGUF writer; see gguf_write.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/gguf_write.h"
#include "util/err.h"
#include "util/file.h"

void ogx_gguf_writer_init(struct ogx_gguf_writer *w)
{
	memset(w, 0, sizeof(*w));
	w->alignment = OGX_GGUF_DEFAULT_ALIGNMENT;
}

void ogx_gguf_writer_free(struct ogx_gguf_writer *w)
{
	for (uint64_t i = 0; i < w->n_kv; i++)
		free(w->keys[i]);
	free(w->keys);
	free(w->kv);
	free(w->tensors);
	memset(w, 0, sizeof(*w));
}

static int fail(struct ogx_gguf_writer *w, int err)
{
	if (!w->err)
		w->err = err;
	return w->err;
}

static int put(struct ogx_gguf_writer *w, const void *p, size_t n)
{
	if (!n)		/* p may be NULL then (a file without metadata): memcpy forbids it */
		return 0;
	if (w->kv_len + n > w->kv_cap) {
		size_t cap = w->kv_cap ? w->kv_cap : 256;
		uint8_t *nb;

		while (cap < w->kv_len + n)
			cap *= 2;
		nb = realloc(w->kv, cap);
		if (!nb)
			return fail(w, -ENOMEM);
		w->kv = nb;
		w->kv_cap = cap;
	}
	memcpy(w->kv + w->kv_len, p, n);
	w->kv_len += n;
	return 0;
}

static int put_u32(struct ogx_gguf_writer *w, uint32_t v)
{
	return put(w, &v, 4);
}

static int put_str(struct ogx_gguf_writer *w, const char *s)
{
	uint64_t n = strlen(s);
	int err = put(w, &n, 8);

	return err ? err : put(w, s, n);
}

static const uint8_t width[OGX_GGUF_VTYPE_COUNT] = {
	[OGX_GGUF_U8] = 1, [OGX_GGUF_I8] = 1, [OGX_GGUF_U16] = 2, [OGX_GGUF_I16] = 2,
	[OGX_GGUF_U32] = 4, [OGX_GGUF_I32] = 4, [OGX_GGUF_F32] = 4, [OGX_GGUF_BOOL] = 1,
	[OGX_GGUF_U64] = 8, [OGX_GGUF_I64] = 8, [OGX_GGUF_F64] = 8,
};

/* Key and type tag of a new entry, after the checks every entry needs. */
static int begin(struct ogx_gguf_writer *w, const char *key, enum ogx_gguf_vtype t)
{
	size_t klen = strlen(key);
	char **keys;

	if (w->err)
		return w->err;
	if (klen == 0 || klen > OGX_GGUF_MAX_KEY)
		return fail(w, ogx_fail(-EINVAL, "bad metadata key length %zu", klen));
	if ((unsigned int)t >= OGX_GGUF_VTYPE_COUNT)
		return fail(w, ogx_fail(-EINVAL, "unknown value type %u for '%s'", t, key));
	for (uint64_t i = 0; i < w->n_kv; i++)
		if (!strcmp(w->keys[i], key))
			return fail(w, ogx_fail(-EEXIST, "duplicate metadata key '%s'", key));
	keys = realloc(w->keys, (w->n_kv + 1) * sizeof(*keys));
	if (!keys)
		return fail(w, -ENOMEM);
	w->keys = keys;
	keys[w->n_kv] = strdup(key);
	if (!keys[w->n_kv])
		return fail(w, -ENOMEM);
	w->n_kv++;
	put_str(w, key);
	return put_u32(w, t);
}

int ogx_gguf_writer_kv(struct ogx_gguf_writer *w, const char *key, enum ogx_gguf_vtype t,
		       const void *val)
{
	if ((unsigned int)t < OGX_GGUF_VTYPE_COUNT && !width[t])
		return fail(w, ogx_fail(-EINVAL, "'%s': %s is not a scalar type", key,
					ogx_gguf_vtype_name(t)));
	if (begin(w, key, t))
		return w->err;
	return put(w, val, width[t]);
}

int ogx_gguf_writer_u32(struct ogx_gguf_writer *w, const char *key, uint32_t v)
{
	return ogx_gguf_writer_kv(w, key, OGX_GGUF_U32, &v);
}

int ogx_gguf_writer_i32(struct ogx_gguf_writer *w, const char *key, int32_t v)
{
	return ogx_gguf_writer_kv(w, key, OGX_GGUF_I32, &v);
}

int ogx_gguf_writer_u64(struct ogx_gguf_writer *w, const char *key, uint64_t v)
{
	return ogx_gguf_writer_kv(w, key, OGX_GGUF_U64, &v);
}

int ogx_gguf_writer_f32(struct ogx_gguf_writer *w, const char *key, float v)
{
	return ogx_gguf_writer_kv(w, key, OGX_GGUF_F32, &v);
}

int ogx_gguf_writer_bool(struct ogx_gguf_writer *w, const char *key, bool v)
{
	uint8_t b = v;

	return ogx_gguf_writer_kv(w, key, OGX_GGUF_BOOL, &b);
}

int ogx_gguf_writer_str(struct ogx_gguf_writer *w, const char *key, const char *s)
{
	if (begin(w, key, OGX_GGUF_STRING))
		return w->err;
	return put_str(w, s);
}

int ogx_gguf_writer_alignment(struct ogx_gguf_writer *w, uint32_t a)
{
	if (a < 8 || a > OGX_GGUF_MAX_ALIGNMENT || (a & (a - 1)))
		return fail(w, ogx_fail(-EINVAL, "bad alignment %u", a));
	w->alignment = a;
	return ogx_gguf_writer_u32(w, "general.alignment", a);
}

int ogx_gguf_writer_array(struct ogx_gguf_writer *w, const char *key, enum ogx_gguf_vtype t,
			  const void *data, uint64_t n)
{
	if ((unsigned int)t >= OGX_GGUF_VTYPE_COUNT || !width[t])
		return fail(w, ogx_fail(-EINVAL, "'%s': arrays of %s need their own call", key,
					ogx_gguf_vtype_name(t)));
	if (n > SIZE_MAX / 8)
		return fail(w, -EOVERFLOW);
	if (begin(w, key, OGX_GGUF_ARRAY) || put_u32(w, t) || put(w, &n, 8))
		return w->err;
	return put(w, data, (size_t)n * width[t]);
}

int ogx_gguf_writer_strings(struct ogx_gguf_writer *w, const char *key,
			    const char *const *s, uint64_t n)
{
	if (begin(w, key, OGX_GGUF_ARRAY) || put_u32(w, OGX_GGUF_STRING) || put(w, &n, 8))
		return w->err;
	for (uint64_t i = 0; i < n; i++)
		if (put_str(w, s[i]))
			return w->err;
	return 0;
}

int ogx_gguf_writer_raw(struct ogx_gguf_writer *w, const char *key, enum ogx_gguf_vtype t,
			const void *enc, size_t len)
{
	if (begin(w, key, t))
		return w->err;
	return put(w, enc, len);
}

int ogx_gguf_writer_tensor(struct ogx_gguf_writer *w, const char *name, uint32_t type,
			   uint32_t n_dims, const uint64_t *ne, const void *data)
{
	struct ogx_gguf_wtensor *t;
	uint64_t n = 1;

	if (w->err)
		return w->err;
	if (!*name || strlen(name) > OGX_GGUF_MAX_NAME)
		return fail(w, ogx_fail(-EINVAL, "bad tensor name length %zu", strlen(name)));
	if (n_dims < 1 || n_dims > OGX_GGUF_MAX_DIMS)
		return fail(w, ogx_fail(-EINVAL, "tensor '%s': %u dimensions", name, n_dims));
	for (uint64_t i = 0; i < w->n_tensors; i++)
		if (!strcmp(w->tensors[i].name, name))
			return fail(w, ogx_fail(-EEXIST, "duplicate tensor name '%s'", name));
	if (!ogx_ggml_block_elems(type))
		return fail(w, ogx_fail(-EINVAL, "tensor '%s': type %u is not supported", name,
					type));
	t = realloc(w->tensors, (w->n_tensors + 1) * sizeof(*t));
	if (!t)
		return fail(w, -ENOMEM);
	w->tensors = t;
	t += w->n_tensors;
	memset(t, 0, sizeof(*t));
	strcpy(t->name, name);
	t->type = type;
	t->n_dims = n_dims;
	for (uint32_t d = 0; d < OGX_GGUF_MAX_DIMS; d++) {
		t->ne[d] = d < n_dims ? ne[d] : 1;
		if (!t->ne[d] || t->ne[d] > INT64_MAX || __builtin_mul_overflow(n, t->ne[d], &n))
			return fail(w, ogx_fail(-EINVAL, "tensor '%s': bad dimension %u", name, d));
	}
	if (t->ne[0] % ogx_ggml_block_elems(type) || ogx_ggml_bytes(type, n, &t->size))
		return fail(w, ogx_fail(-EINVAL, "tensor '%s': rows are not whole %s blocks",
					name, ogx_ggml_type_name(type)));
	t->data = data;
	w->n_tensors++;
	return 0;
}

static size_t align_up(size_t x, uint32_t a)
{
	return (x + a - 1) & ~((size_t)a - 1);
}

/* Header, metadata and tensor infos, padded to the start of the data. */
static int encode_head(struct ogx_gguf_writer *w, uint8_t **out, size_t *len, size_t *total)
{
	struct ogx_gguf_writer h;
	uint64_t off = 0;
	uint32_t version = 3;
	static const uint8_t zeros[OGX_GGUF_MAX_ALIGNMENT];

	if (w->err)
		return w->err;
	ogx_gguf_writer_init(&h);
	put(&h, OGX_GGUF_MAGIC, 4);
	put(&h, &version, 4);
	put(&h, &w->n_tensors, 8);
	put(&h, &w->n_kv, 8);
	put(&h, w->kv, w->kv_len);
	for (uint64_t i = 0; i < w->n_tensors; i++) {
		const struct ogx_gguf_wtensor *t = &w->tensors[i];

		put_str(&h, t->name);
		put_u32(&h, t->n_dims);
		put(&h, t->ne, 8 * t->n_dims);
		put_u32(&h, t->type);
		put(&h, &off, 8);
		off = align_up(off + t->size, w->alignment);
	}
	put(&h, zeros, align_up(h.kv_len, w->alignment) - h.kv_len);
	if (h.err) {
		ogx_gguf_writer_free(&h);
		return fail(w, h.err);
	}
	*out = h.kv;
	*len = h.kv_len;
	*total = h.kv_len + off;
	return 0;
}

/* Writes the head, then each tensor padded, to fd or (fd < 0) into buf. */
static int emit(struct ogx_gguf_writer *w, int fd, uint8_t *buf, const uint8_t *head,
		size_t head_len)
{
	static const uint8_t zeros[OGX_GGUF_MAX_ALIGNMENT];
	size_t pos = 0;
	int err;

#define EMIT(p, n) do {							\
		if (fd >= 0) {						\
			err = ogx_write_all(fd, (p), (n));		\
			if (err)					\
				return err;				\
		} else if (buf) {					\
			memcpy(buf + pos, (p), (n));			\
		}							\
		pos += (n);						\
	} while (0)

	EMIT(head, head_len);
	for (uint64_t i = 0; i < w->n_tensors; i++) {
		const struct ogx_gguf_wtensor *t = &w->tensors[i];

		EMIT(t->data, t->size);
		EMIT(zeros, align_up(t->size, w->alignment) - t->size);
	}
#undef EMIT
	return 0;
}

int ogx_gguf_writer_to_mem(struct ogx_gguf_writer *w, uint8_t **buf, size_t *len)
{
	uint8_t *head, *out;
	size_t head_len, total;
	int err = encode_head(w, &head, &head_len, &total);

	if (err)
		return err;
	out = malloc(total ? total : 1);
	if (!out) {
		free(head);
		return fail(w, -ENOMEM);
	}
	emit(w, -1, out, head, head_len);
	free(head);
	*buf = out;
	*len = total;
	return 0;
}

int ogx_gguf_writer_write(struct ogx_gguf_writer *w, const char *path, mode_t mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	uint8_t *head;
	size_t head_len, total;
	int fd, err;

	err = encode_head(w, &head, &head_len, &total);
	if (err)
		return err;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		free(head);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		free(head);
		return -errno;
	}
	/* Streamed rather than built in memory: models can be large. */
	err = emit(w, fd, NULL, head, head_len);
	free(head);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	return ogx_fsync_dir(dirname(dir));
}
