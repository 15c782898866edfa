// SPDX-License-Identifier: GPL-2.0
/* The MLP classifier <-> GGUF; see mlp_gguf.h for the layouts. */
#include <stdio.h>
#include <string.h>

#include "model/gguf.h"
#include "model/gguf_write.h"
#include "model/mlp_gguf.h"
#include "util/err.h"

#define KEY_LAYERS OGX_MLP_ARCH_Q8 ".layer_count"
#define KEY_SCALES OGX_MLP_ARCH_Q8 ".input_scales"

static void shape_str(char *buf, size_t size, uint32_t n_dims, const uint64_t *ne)
{
	size_t off = snprintf(buf, size, "[");

	for (uint32_t d = 0; d < n_dims && off < size; d++)
		off += snprintf(buf + off, size - off, "%s%llu", d ? ", " : "",
				(unsigned long long)ne[d]);
	if (off < size)
		snprintf(buf + off, size - off, "]");
}

/* Whether t has exactly the dims ne[0..n_dims) (trailing dims of 1 allowed). */
static int same_shape(const struct ogx_gguf_tensor *t, uint32_t n_dims, const uint64_t *ne)
{
	for (uint32_t d = 0; d < OGX_GGUF_MAX_DIMS; d++) {
		uint64_t want = d < n_dims ? ne[d] : 1;
		uint64_t have = d < t->n_dims ? t->ne[d] : 1;

		if (want != have)
			return 0;
	}
	return 1;
}

/*
 * The tensor called name, of one of two types (type2 may equal type) and,
 * when n_dims is non-zero, of shape ne; an error naming it otherwise.
 */
static int get_tensor(const struct ogx_gguf *g, const char *name, uint32_t type,
		      uint32_t type2, uint32_t n_dims, const uint64_t *ne,
		      const struct ogx_gguf_tensor **out)
{
	const struct ogx_gguf_tensor *t = ogx_gguf_find_tensor(g, name);
	char have[96], want[96];

	if (!t)
		return ogx_fail(-EINVAL, "tensor '%s' missing", name);
	if (t->type != type && t->type != type2)
		return ogx_fail(-EINVAL, "tensor '%s' is %s, want %s", name,
				ogx_ggml_type_name(t->type), ogx_ggml_type_name(type));
	if (n_dims && !same_shape(t, n_dims, ne)) {
		shape_str(have, sizeof(have), t->n_dims, t->ne);
		shape_str(want, sizeof(want), n_dims, ne);
		return ogx_fail(-EINVAL, "tensor '%s' has shape %s, want %s", name, have, want);
	}
	*out = t;
	return 0;
}

/* fcN.weight's shape [n_in, n_out], each within the limits. */
static int weight_dims(const struct ogx_gguf *g, unsigned int n, uint32_t type, uint32_t type2,
		       uint32_t *dims)
{
	const struct ogx_gguf_tensor *t = NULL;
	char name[32], have[96];
	int err;

	snprintf(name, sizeof(name), "fc%u.weight", n);
	err = get_tensor(g, name, type, type2, 0, NULL, &t);
	if (err)
		return err;
	if (t->n_dims != 2 || t->ne[0] < 1 || t->ne[0] > OGX_MLP_MAX_WIDTH || t->ne[1] < 1 ||
	    t->ne[1] > OGX_MLP_MAX_WIDTH) {
		shape_str(have, sizeof(have), t->n_dims, t->ne);
		return ogx_fail(-EINVAL, "tensor '%s' has shape %s, want [n_in, n_out] of 1 to %u",
				name, have, OGX_MLP_MAX_WIDTH);
	}
	if (n > 1 && t->ne[0] != dims[n - 1])
		return ogx_fail(-EINVAL, "tensor '%s' has shape [%llu, %llu], want [%u, n_out]",
				name, (unsigned long long)t->ne[0],
				(unsigned long long)t->ne[1], dims[n - 1]);
	dims[n - 1] = (uint32_t)t->ne[0];
	dims[n] = (uint32_t)t->ne[1];
	return 0;
}

/* Copy tensor fcN.<what> of the given type and shape into dst. */
static int copy_tensor(const struct ogx_gguf *g, unsigned int n, const char *what, uint32_t type,
		       uint32_t n_dims, uint64_t ne0, uint64_t ne1, void *dst, size_t bytes)
{
	const struct ogx_gguf_tensor *t = NULL;
	uint64_t ne[2] = { ne0, ne1 };
	char name[48];
	int err;

	snprintf(name, sizeof(name), "fc%u.%s", n, what);
	if (type == OGX_GGML_F32) {
		/* f32 models may also come as F16; converted exactly. */
		err = get_tensor(g, name, OGX_GGML_F32, OGX_GGML_F16, n_dims, ne, &t);
		return err ? err : ogx_gguf_tensor_to_f32(t, dst);
	}
	err = get_tensor(g, name, type, type, n_dims, ne, &t);
	if (err)
		return err;
	if (t->size != bytes)
		return ogx_fail(-EINVAL, "tensor '%s' is %zu bytes, want %zu", name, t->size, bytes);
	memcpy(dst, t->data, bytes);
	return 0;
}

static int load_f32(const struct ogx_gguf *g, struct ogx_mlp *m)
{
	uint32_t dims[OGX_MLP_MAX_LAYERS + 1];
	unsigned int n = 0;
	char name[32];
	int err;

	do {
		if (n == OGX_MLP_MAX_LAYERS)
			return ogx_fail(-EINVAL, "more than %u layers", OGX_MLP_MAX_LAYERS);
		err = weight_dims(g, ++n, OGX_GGML_F32, OGX_GGML_F16, dims);
		if (err)
			return err;
		snprintf(name, sizeof(name), "fc%u.weight", n + 1);
	} while (ogx_gguf_find_tensor(g, name));
	err = ogx_mlp_alloc(m, OGX_MLP_F32, n, dims);
	for (unsigned int i = 0; !err && i < n; i++) {
		struct ogx_mlp_layer *l = &m->layer[i];

		err = copy_tensor(g, i + 1, "weight", OGX_GGML_F32, 2, l->n_in, l->n_out, l->w, 0);
		if (!err)
			err = copy_tensor(g, i + 1, "bias", OGX_GGML_F32, 1, l->n_out, 0, l->b, 0);
	}
	return err;
}

static int load_q8(const struct ogx_gguf *g, struct ogx_mlp *m)
{
	uint32_t dims[OGX_MLP_MAX_LAYERS + 1], n;
	struct ogx_gguf_value scales, e;
	int err;

	err = ogx_gguf_get_u32(g, KEY_LAYERS, &n);
	if (err)
		return err;
	if (n < 1 || n > OGX_MLP_MAX_LAYERS)
		return ogx_fail(-EINVAL, "%s = %u (want 1 to %u)", KEY_LAYERS, n,
				OGX_MLP_MAX_LAYERS);
	err = ogx_gguf_get_array(g, KEY_SCALES, &scales);
	if (err)
		return err;
	if (scales.elem_type != OGX_GGUF_F32 || scales.n != n)
		return ogx_fail(-EINVAL, "%s is %llu x %s, want %u x f32", KEY_SCALES,
				(unsigned long long)scales.n, ogx_gguf_vtype_name(scales.elem_type),
				n);
	for (unsigned int i = 1; i <= n; i++) {
		err = weight_dims(g, i, OGX_GGML_I8, OGX_GGML_I8, dims);
		if (err)
			return err;
	}
	err = ogx_mlp_alloc(m, OGX_MLP_Q8, n, dims);
	for (unsigned int i = 0; !err && i < n; i++) {
		struct ogx_mlp_layer *l = &m->layer[i];
		size_t no = l->n_out;
		double s = 0;

		err = copy_tensor(g, i + 1, "weight", OGX_GGML_I8, 2, l->n_in, no, l->wq,
				  (size_t)l->n_in * no);
		if (!err)
			err = copy_tensor(g, i + 1, "bias", OGX_GGML_I32, 1, no, 0, l->bq, no * 4);
		if (!err)
			err = copy_tensor(g, i + 1, "weight_scale", OGX_GGML_F32, 1, no, 0,
					  l->w_scale, no * 4);
		if (!err && i + 1 < n)
			err = copy_tensor(g, i + 1, "requant_mult", OGX_GGML_I32, 1, no, 0,
					  l->mult, no * 4);
		if (!err && i + 1 < n)
			err = copy_tensor(g, i + 1, "requant_shift", OGX_GGML_I32, 1, no, 0,
					  l->shift, no * 4);
		if (!err)
			err = ogx_gguf_array_elem(&scales, i, &e);
		if (!err)
			err = ogx_gguf_value_f64(&e, &s);
		l->in_scale = (float)s;
		if (i)
			m->layer[i - 1].out_scale = (float)s;
	}
	return err ? err : ogx_mlp_check(m);
}

int ogx_mlp_from_gguf(const struct ogx_gguf *g, struct ogx_mlp *m)
{
	char arch[64];
	int err;

	memset(m, 0, sizeof(*m));
	err = ogx_gguf_get_strz(g, "general.architecture", arch, sizeof(arch));
	if (err == -ENAMETOOLONG)
		return ogx_fail(-EINVAL, "general.architecture is not %s or %s",
				OGX_MLP_ARCH_F32, OGX_MLP_ARCH_Q8);
	if (err)
		return err;
	if (!strcmp(arch, OGX_MLP_ARCH_F32))
		err = load_f32(g, m);
	else if (!strcmp(arch, OGX_MLP_ARCH_Q8))
		err = load_q8(g, m);
	else
		return ogx_fail(-EINVAL, "architecture '%s' is not %s or %s", arch,
				OGX_MLP_ARCH_F32, OGX_MLP_ARCH_Q8);
	if (err)
		ogx_mlp_free(m);
	return err;
}

int ogx_mlp_load(const char *path, struct ogx_mlp *m)
{
	struct ogx_gguf *g;
	int err;

	memset(m, 0, sizeof(*m));
	err = ogx_gguf_open(path, &g);
	if (err)
		return err;
	err = ogx_mlp_from_gguf(g, m);
	ogx_gguf_close(g);
	return err;
}

static void add_tensor(struct ogx_gguf_writer *w, unsigned int n, const char *what,
		       uint32_t type, uint32_t n_dims, uint64_t ne0, uint64_t ne1,
		       const void *data)
{
	uint64_t ne[2] = { ne0, ne1 };
	char name[48];

	snprintf(name, sizeof(name), "fc%u.%s", n, what);
	ogx_gguf_writer_tensor(w, name, type, n_dims, ne, data);
}

int ogx_mlp_to_gguf(const struct ogx_mlp *m, struct ogx_gguf_writer *w)
{
	float scales[OGX_MLP_MAX_LAYERS];
	int q8 = m->kind == OGX_MLP_Q8;
	int err = ogx_mlp_check(m);

	if (err)
		return err;
	ogx_gguf_writer_str(w, "general.architecture", q8 ? OGX_MLP_ARCH_Q8 : OGX_MLP_ARCH_F32);
	if (q8) {
		for (unsigned int i = 0; i < m->n_layers; i++)
			scales[i] = m->layer[i].in_scale;
		ogx_gguf_writer_u32(w, KEY_LAYERS, m->n_layers);
		ogx_gguf_writer_array(w, KEY_SCALES, OGX_GGUF_F32, scales, m->n_layers);
	}
	for (unsigned int i = 0; i < m->n_layers; i++) {
		const struct ogx_mlp_layer *l = &m->layer[i];
		unsigned int n = i + 1;

		if (!q8) {
			add_tensor(w, n, "weight", OGX_GGML_F32, 2, l->n_in, l->n_out, l->w);
			add_tensor(w, n, "bias", OGX_GGML_F32, 1, l->n_out, 0, l->b);
			continue;
		}
		add_tensor(w, n, "weight", OGX_GGML_I8, 2, l->n_in, l->n_out, l->wq);
		add_tensor(w, n, "bias", OGX_GGML_I32, 1, l->n_out, 0, l->bq);
		add_tensor(w, n, "weight_scale", OGX_GGML_F32, 1, l->n_out, 0, l->w_scale);
		if (i + 1 < m->n_layers) {
			add_tensor(w, n, "requant_mult", OGX_GGML_I32, 1, l->n_out, 0, l->mult);
			add_tensor(w, n, "requant_shift", OGX_GGML_I32, 1, l->n_out, 0, l->shift);
		}
	}
	return w->err;
}

int ogx_mlp_save(const struct ogx_mlp *m, const char *path)
{
	struct ogx_gguf_writer w;
	int err;

	ogx_gguf_writer_init(&w);
	err = ogx_mlp_to_gguf(m, &w);
	if (!err)
		err = ogx_gguf_writer_write(&w, path, 0644);
	ogx_gguf_writer_free(&w);
	return err;
}
