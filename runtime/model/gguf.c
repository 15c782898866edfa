// SPDX-License-Identifier: GPL-2.0
/*
 * GGUF parser; see gguf.h. One pass with a bounds-checked cursor over the
 * mapped file, then the checks that need every tensor at once (duplicates,
 * overlap), done on sorted index arrays so that a file with many tensors
 * costs n log n, not n^2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/gguf.h"
#include "util/err.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "GGUF is read in place: little-endian hosts only");

static const char *const vtype_names[OGX_GGUF_VTYPE_COUNT] = {
	[OGX_GGUF_U8] = "u8", [OGX_GGUF_I8] = "i8", [OGX_GGUF_U16] = "u16",
	[OGX_GGUF_I16] = "i16", [OGX_GGUF_U32] = "u32", [OGX_GGUF_I32] = "i32",
	[OGX_GGUF_F32] = "f32", [OGX_GGUF_BOOL] = "bool", [OGX_GGUF_STRING] = "string",
	[OGX_GGUF_ARRAY] = "array", [OGX_GGUF_U64] = "u64", [OGX_GGUF_I64] = "i64",
	[OGX_GGUF_F64] = "f64",
};

const char *ogx_gguf_vtype_name(enum ogx_gguf_vtype t)
{
	return (unsigned int)t < OGX_GGUF_VTYPE_COUNT ? vtype_names[t] : "?";
}

struct cursor {
	const uint8_t *base;
	size_t size;
	size_t pos;
	const char *what;	/* the part being read, for "truncated <what>" */
};

static int truncated(const struct cursor *c)
{
	return ogx_fail(-EBADMSG, "truncated %s (at byte %zu of %zu)", c->what, c->pos, c->size);
}

static size_t left(const struct cursor *c)
{
	return c->size - c->pos;
}

static int take(struct cursor *c, size_t n, const uint8_t **p)
{
	if (n > left(c))
		return truncated(c);
	*p = c->base + c->pos;
	c->pos += n;
	return 0;
}

static int get_u32(struct cursor *c, uint32_t *v)
{
	const uint8_t *p = NULL;
	int err = take(c, 4, &p);

	if (!err)
		memcpy(v, p, 4);
	return err;
}

static int get_u64(struct cursor *c, uint64_t *v)
{
	const uint8_t *p = NULL;
	int err = take(c, 8, &p);

	if (!err)
		memcpy(v, p, 8);
	return err;
}

/* Names and keys go into one-line messages: show only printable bytes. */
static const char *printable(char *buf, size_t size, const uint8_t *s, size_t len)
{
	size_t i, n = len < size - 1 ? len : size - 1;

	for (i = 0; i < n; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int get_str(struct cursor *c, const uint8_t **s, uint64_t *len)
{
	int err = get_u64(c, len);

	if (err)
		return err;
	if (*len > left(c))
		return ogx_fail(-EBADMSG, "absurd string length %llu in %s (%zu bytes left)",
				(unsigned long long)*len, c->what, left(c));
	return take(c, (size_t)*len, s);
}

static const uint8_t scalar_size[OGX_GGUF_VTYPE_COUNT] = {
	[OGX_GGUF_U8] = 1, [OGX_GGUF_I8] = 1, [OGX_GGUF_U16] = 2, [OGX_GGUF_I16] = 2,
	[OGX_GGUF_U32] = 4, [OGX_GGUF_I32] = 4, [OGX_GGUF_F32] = 4, [OGX_GGUF_BOOL] = 1,
	[OGX_GGUF_U64] = 8, [OGX_GGUF_I64] = 8, [OGX_GGUF_F64] = 8,
};

/* The least bytes one value of type t can occupy: bounds element counts. */
static size_t min_size(uint32_t t)
{
	if (t == OGX_GGUF_STRING)
		return 8;
	if (t == OGX_GGUF_ARRAY)
		return 12;
	return scalar_size[t];
}

static int parse_value(struct cursor *c, uint32_t type, struct ogx_gguf_value *v, int depth,
		       bool index);

static int parse_array(struct cursor *c, struct ogx_gguf_value *v, int depth, bool index)
{
	uint32_t et;
	uint64_t n;
	size_t start;
	int err;

	if (depth >= OGX_GGUF_MAX_NESTING)
		return ogx_fail(-EBADMSG, "arrays nested deeper than %d in %s",
				OGX_GGUF_MAX_NESTING, c->what);
	err = get_u32(c, &et);
	if (!err)
		err = get_u64(c, &n);
	if (err)
		return err;
	if (et >= OGX_GGUF_VTYPE_COUNT)
		return ogx_fail(-EBADMSG, "unknown array element type %u in %s", et, c->what);
	if (n > left(c) / min_size(et))
		return ogx_fail(-EBADMSG, "absurd array length %llu in %s (%zu bytes left)",
				(unsigned long long)n, c->what, left(c));
	v->elem_type = et;
	v->n = n;
	v->p = c->base + c->pos;
	start = c->pos;
	if (et != OGX_GGUF_STRING && et != OGX_GGUF_ARRAY) {
		c->pos += (size_t)n * scalar_size[et];	/* bounded just above */
		return 0;
	}
	/* Variable-size elements: at top level, remember where each one starts
	 * so that element i costs O(1); nested ones are found by a scan. */
	size_t *off = NULL;

	if (index && n) {
		off = malloc((size_t)n * sizeof(*off));
		if (!off)
			return -ENOMEM;
	}
	for (uint64_t i = 0; i < n; i++) {
		struct ogx_gguf_value e;

		if (off)
			off[i] = c->pos - start;
		err = parse_value(c, et, &e, depth + 1, false);
		if (err) {
			free(off);
			return err;
		}
	}
	v->elem_off = off;
	return 0;
}

static int parse_value(struct cursor *c, uint32_t type, struct ogx_gguf_value *v, int depth,
		       bool index)
{
	size_t start = c->pos;
	int err = 0;

	memset(v, 0, sizeof(*v));
	if (type >= OGX_GGUF_VTYPE_COUNT)
		return ogx_fail(-EBADMSG, "unknown value type %u in %s", type, c->what);
	v->type = type;
	if (type == OGX_GGUF_STRING) {
		err = get_str(c, &v->p, &v->n);
	} else if (type == OGX_GGUF_ARRAY) {
		err = parse_array(c, v, depth, index);
	} else {
		err = take(c, scalar_size[type], &v->p);
	}
	v->size = c->pos - start;
	return err;
}

/* qsort_r comparators over index arrays. */
static int cmp_kv(const void *a, const void *b, void *arg)
{
	const struct ogx_gguf *g = arg;

	return strcmp(g->kv[*(const uint32_t *)a].key, g->kv[*(const uint32_t *)b].key);
}

static int cmp_tensor_name(const void *a, const void *b, void *arg)
{
	const struct ogx_gguf *g = arg;

	return strcmp(g->tensors[*(const uint32_t *)a].name, g->tensors[*(const uint32_t *)b].name);
}

static int cmp_tensor_offset(const void *a, const void *b, void *arg)
{
	const struct ogx_gguf *g = arg;
	uint64_t x = g->tensors[*(const uint32_t *)a].offset;
	uint64_t y = g->tensors[*(const uint32_t *)b].offset;

	return x < y ? -1 : x > y;
}

static uint32_t *sorted_index(struct ogx_gguf *g, uint64_t n,
			      int (*cmp)(const void *, const void *, void *))
{
	uint32_t *idx = malloc((n ? n : 1) * sizeof(*idx));

	if (!idx)
		return NULL;
	for (uint64_t i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, n, sizeof(*idx), cmp, g);
	return idx;
}

static int parse_kvs(struct ogx_gguf *g, struct cursor *c)
{
	char what[128], shown[80];
	int err;

	g->kv = calloc(g->n_kv ? g->n_kv : 1, sizeof(*g->kv));
	if (!g->kv)
		return -ENOMEM;
	for (uint64_t i = 0; i < g->n_kv; i++) {
		struct ogx_gguf_kv *kv = &g->kv[i];
		const uint8_t *key = NULL;
		uint64_t klen = 0;
		uint32_t type;

		snprintf(what, sizeof(what), "metadata key %llu of %llu",
			 (unsigned long long)i + 1, (unsigned long long)g->n_kv);
		c->what = what;
		err = get_str(c, &key, &klen);
		if (err)
			return err;
		if (klen == 0 || klen > OGX_GGUF_MAX_KEY)
			return ogx_fail(-EBADMSG, "bad length %llu of %s",
					(unsigned long long)klen, what);
		if (memchr(key, 0, (size_t)klen))
			return ogx_fail(-EBADMSG, "%s contains a NUL byte", what);
		kv->key = strndup((const char *)key, (size_t)klen);
		if (!kv->key)
			return -ENOMEM;
		snprintf(what, sizeof(what), "metadata '%s'",
			 printable(shown, 48, key, (size_t)klen));
		err = get_u32(c, &type);
		if (!err)
			err = parse_value(c, type, &kv->v, 0, true);
		if (err)
			return err;
	}
	g->kv_sorted = sorted_index(g, g->n_kv, cmp_kv);
	if (!g->kv_sorted)
		return -ENOMEM;
	for (uint64_t i = 1; i < g->n_kv; i++)
		if (!strcmp(g->kv[g->kv_sorted[i - 1]].key, g->kv[g->kv_sorted[i]].key))
			return ogx_fail(-EBADMSG, "duplicate metadata key '%s'",
					printable(shown, 64, (const uint8_t *)g->kv[g->kv_sorted[i]].key,
						  strlen(g->kv[g->kv_sorted[i]].key)));
	return 0;
}

static int parse_alignment(struct ogx_gguf *g)
{
	const struct ogx_gguf_kv *kv = ogx_gguf_find_kv(g, "general.alignment");
	uint32_t a;

	g->alignment = OGX_GGUF_DEFAULT_ALIGNMENT;
	if (!kv)
		return 0;
	if (kv->v.type != OGX_GGUF_U32)
		return ogx_fail(-EBADMSG, "general.alignment is %s, want u32",
				ogx_gguf_vtype_name(kv->v.type));
	memcpy(&a, kv->v.p, 4);
	/* At least 8, so that every tensor's data is aligned for its element
	 * type; a power of two, so that aligning is a mask. */
	if (a < 8 || a > OGX_GGUF_MAX_ALIGNMENT || (a & (a - 1)))
		return ogx_fail(-EBADMSG, "bad general.alignment %u (want a power of two from 8 to %d)",
				a, OGX_GGUF_MAX_ALIGNMENT);
	g->alignment = a;
	return 0;
}

static int parse_tensor_info(struct ogx_gguf *g, struct cursor *c, uint64_t i)
{
	struct ogx_gguf_tensor *t = &g->tensors[i];
	char what[128], shown[80];
	const uint8_t *name = NULL;
	uint64_t nlen = 0;
	uint32_t type;
	int err;

	snprintf(what, sizeof(what), "tensor info %llu of %llu",
		 (unsigned long long)i + 1, (unsigned long long)g->n_tensors);
	c->what = what;
	err = get_str(c, &name, &nlen);
	if (err)
		return err;
	if (nlen == 0 || nlen > OGX_GGUF_MAX_NAME)
		return ogx_fail(-EBADMSG, "bad name length %llu in %s (want 1 to %d)",
				(unsigned long long)nlen, what, OGX_GGUF_MAX_NAME);
	if (memchr(name, 0, (size_t)nlen))
		return ogx_fail(-EBADMSG, "name of %s contains a NUL byte", what);
	memcpy(t->name, name, (size_t)nlen);
	t->name[nlen] = '\0';
	printable(shown, sizeof(shown), name, (size_t)nlen);
	snprintf(what, sizeof(what), "tensor info '%s'", shown);

	err = get_u32(c, &t->n_dims);
	if (err)
		return err;
	if (t->n_dims < 1 || t->n_dims > OGX_GGUF_MAX_DIMS)
		return ogx_fail(-EBADMSG, "tensor '%s' has %u dimensions (want 1 to %d)", shown,
				t->n_dims, OGX_GGUF_MAX_DIMS);
	t->n_elements = 1;
	for (uint32_t d = 0; d < OGX_GGUF_MAX_DIMS; d++) {
		t->ne[d] = 1;
		if (d >= t->n_dims)
			continue;
		err = get_u64(c, &t->ne[d]);
		if (err)
			return err;
		if (t->ne[d] == 0 || t->ne[d] > INT64_MAX)
			return ogx_fail(-EBADMSG, "tensor '%s' has bad dimension %u: %llu", shown, d,
					(unsigned long long)t->ne[d]);
		if (__builtin_mul_overflow(t->n_elements, t->ne[d], &t->n_elements) ||
		    t->n_elements > INT64_MAX)
			return ogx_fail(-EBADMSG, "tensor '%s' element count overflows", shown);
	}
	err = get_u32(c, &type);
	if (!err)
		err = get_u64(c, &t->offset);
	if (err)
		return err;
	if (!ogx_ggml_block_elems(type)) {
		const char *known = ogx_ggml_type_name(type);

		if (known)
			return ogx_fail(-ENOTSUP, "unsupported tensor type %s (%u) for '%s'", known,
					type, shown);
		return ogx_fail(-EBADMSG, "unknown tensor type %u for '%s'", type, shown);
	}
	t->type = type;
	if (t->ne[0] % ogx_ggml_block_elems(type))
		return ogx_fail(-EBADMSG, "tensor '%s' rows of %llu are not whole %s blocks of %u",
				shown, (unsigned long long)t->ne[0], ogx_ggml_type_name(type),
				ogx_ggml_block_elems(type));
	if (ogx_ggml_bytes(type, t->n_elements, &t->size))
		return ogx_fail(-EBADMSG, "tensor '%s' size overflows", shown);
	if (t->offset % g->alignment)
		return ogx_fail(-EBADMSG, "tensor '%s' offset %llu is not aligned to %u", shown,
				(unsigned long long)t->offset, g->alignment);
	return 0;
}

static int parse_tensors(struct ogx_gguf *g, struct cursor *c)
{
	size_t data_size;
	int err;

	g->tensors = calloc(g->n_tensors ? g->n_tensors : 1, sizeof(*g->tensors));
	if (!g->tensors)
		return -ENOMEM;
	for (uint64_t i = 0; i < g->n_tensors; i++) {
		err = parse_tensor_info(g, c, i);
		if (err)
			return err;
	}
	/* The data section starts at the next multiple of the alignment. */
	g->data_offset = (c->pos + g->alignment - 1) & ~((size_t)g->alignment - 1);
	data_size = g->data_offset < c->size ? c->size - g->data_offset : 0;
	for (uint64_t i = 0; i < g->n_tensors; i++) {
		struct ogx_gguf_tensor *t = &g->tensors[i];
		size_t have = t->offset < data_size ? data_size - (size_t)t->offset : 0;

		if (t->size > have)
			return ogx_fail(-EBADMSG, "tensor '%s' truncated (want %zu bytes, have %zu)",
					t->name, t->size, have);
		t->data = g->base + g->data_offset + t->offset;
	}
	g->tensor_sorted = sorted_index(g, g->n_tensors, cmp_tensor_name);
	if (!g->tensor_sorted)
		return -ENOMEM;
	for (uint64_t i = 1; i < g->n_tensors; i++)
		if (!strcmp(g->tensors[g->tensor_sorted[i - 1]].name,
			    g->tensors[g->tensor_sorted[i]].name))
			return ogx_fail(-EBADMSG, "duplicate tensor name '%s'",
					g->tensors[g->tensor_sorted[i]].name);

	uint32_t *by_off = sorted_index(g, g->n_tensors, cmp_tensor_offset);

	if (!by_off)
		return -ENOMEM;
	err = 0;
	for (uint64_t i = 1; i < g->n_tensors && !err; i++) {
		const struct ogx_gguf_tensor *a = &g->tensors[by_off[i - 1]];
		const struct ogx_gguf_tensor *b = &g->tensors[by_off[i]];

		/* a ends inside the file, so offset + size cannot overflow. */
		if (a->offset + a->size > b->offset)
			err = ogx_fail(-EBADMSG, "tensors '%s' and '%s' overlap", a->name, b->name);
	}
	free(by_off);
	return err;
}

static int parse(struct ogx_gguf *g)
{
	struct cursor c = { .base = g->base, .size = g->file_size, .what = "header" };
	const uint8_t *magic = NULL;
	int err;

	err = take(&c, 4, &magic);
	if (err)
		return err;
	if (memcmp(magic, OGX_GGUF_MAGIC, 4))
		return ogx_fail(-EBADMSG, "bad magic (not a GGUF file)");
	err = get_u32(&c, &g->version);
	if (err)
		return err;
	if (g->version != 2 && g->version != 3)
		return ogx_fail(-ENOTSUP, "unsupported GGUF version %u (want 2 or 3)", g->version);
	err = get_u64(&c, &g->n_tensors);
	if (!err)
		err = get_u64(&c, &g->n_kv);
	if (err)
		return err;
	/* Reject counts the file cannot hold before allocating for them: a key
	 * takes at least 13 bytes, a tensor info at least 33. */
	if (g->n_kv > left(&c) / 13 || g->n_kv > UINT32_MAX)
		return ogx_fail(-EBADMSG, "absurd metadata count %llu (%zu bytes left)",
				(unsigned long long)g->n_kv, left(&c));
	if (g->n_tensors > left(&c) / 33 || g->n_tensors > UINT32_MAX)
		return ogx_fail(-EBADMSG, "absurd tensor count %llu (%zu bytes left)",
				(unsigned long long)g->n_tensors, left(&c));
	err = parse_kvs(g, &c);
	if (!err)
		err = parse_alignment(g);
	if (!err)
		err = parse_tensors(g, &c);
	return err;
}

int ogx_gguf_open_mem(const void *data, size_t size, struct ogx_gguf **out)
{
	struct ogx_gguf *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return -ENOMEM;
	g->base = data;
	g->file_size = size;
	err = parse(g);
	if (err) {
		ogx_gguf_close(g);
		return err;
	}
	*out = g;
	return 0;
}

int ogx_gguf_open(const char *path, struct ogx_gguf **out)
{
	struct stat st;
	void *map = NULL;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ogx_fail(-EINVAL, "not a regular file");
	}
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			err = -errno;
			close(fd);
			return err;
		}
	}
	close(fd);
	err = ogx_gguf_open_mem(map, (size_t)st.st_size, out);
	if (err) {
		if (map)
			munmap(map, (size_t)st.st_size);
		return err;
	}
	(*out)->mapped = true;
	return 0;
}

void ogx_gguf_close(struct ogx_gguf *g)
{
	if (!g)
		return;
	if (g->kv)
		for (uint64_t i = 0; i < g->n_kv; i++) {
			free(g->kv[i].key);
			free((void *)g->kv[i].v.elem_off);
		}
	free(g->kv);
	free(g->kv_sorted);
	free(g->tensors);
	free(g->tensor_sorted);
	if (g->mapped && g->file_size)
		munmap((void *)g->base, g->file_size);
	free(g);
}

const struct ogx_gguf_kv *ogx_gguf_find_kv(const struct ogx_gguf *g, const char *key)
{
	uint64_t lo = 0, hi = g->n_kv;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const struct ogx_gguf_kv *kv = &g->kv[g->kv_sorted[mid]];
		int c = strcmp(key, kv->key);

		if (!c)
			return kv;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct ogx_gguf_tensor *ogx_gguf_find_tensor(const struct ogx_gguf *g, const char *name)
{
	uint64_t lo = 0, hi = g->n_tensors;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const struct ogx_gguf_tensor *t = &g->tensors[g->tensor_sorted[mid]];
		int c = strcmp(name, t->name);

		if (!c)
			return t;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
