// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the GGUF reader: parse arbitrary bytes from memory and,
 * when they parse, touch everything a caller could: every metadata value and
 * array element, every tensor's bytes, the dequantizers.
 */
#include <stdlib.h>
#include <string.h>

#include "model/gguf.h"

static volatile uint64_t sink;

static void touch_value(const struct ogx_gguf_value *v, int depth)
{
	struct ogx_gguf_value e;
	uint64_t u;
	int64_t s;
	double d;

	if (!ogx_gguf_value_u64(v, &u))
		sink += u;
	if (!ogx_gguf_value_i64(v, &s))
		sink += (uint64_t)s;
	if (!ogx_gguf_value_f64(v, &d))
		sink += d == d;
	if (v->type == OGX_GGUF_STRING && v->n)
		sink += v->p[0] + v->p[v->n - 1];
	if (v->type != OGX_GGUF_ARRAY || depth > 8)
		return;
	/* first, last and a middle element, recursively */
	for (uint64_t i = 0; i < v->n && i < 3; i++) {
		uint64_t k = i == 0 ? 0 : i == 1 ? v->n - 1 : v->n / 2;

		if (!ogx_gguf_array_elem(v, k, &e))
			touch_value(&e, depth + 1);
	}
	if (ogx_gguf_array_elem(v, v->n, &e) == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ogx_gguf *g;
	/* tensor data is promised aligned: give the image the alignment a mapping has */
	uint8_t *copy = aligned_alloc(64, (size + 64) & ~(size_t)63);
	float *row;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (ogx_gguf_open_mem(copy, size, &g)) {
		free(copy);
		return 0;
	}
	for (uint64_t i = 0; i < g->n_kv; i++) {
		if (ogx_gguf_find_kv(g, g->kv[i].key) != &g->kv[i])
			abort();
		touch_value(&g->kv[i].v, 0);
	}
	row = malloc(4096 * sizeof(float));
	for (uint64_t i = 0; i < g->n_tensors && row; i++) {
		const struct ogx_gguf_tensor *t = &g->tensors[i];
		const uint8_t *p = t->data;
		uint64_t n = t->ne[0] < 4096 ? t->ne[0] : 4096;

		if (ogx_gguf_find_tensor(g, t->name) != t)
			abort();
		sink += p[0] + p[t->size - 1];
		n -= n % ogx_ggml_block_elems(t->type);
		sink += ogx_dequant_row(t->type, t->data, row, n) == 0; /* -EINVAL: not a float type */
	}
	free(row);
	ogx_gguf_close(g);
	free(copy);
	return 0;
}
