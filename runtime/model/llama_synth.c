// SPDX-License-Identifier: GPL-2.0
/* Random Llama-2 weights; see llama_synth.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/llama_synth.h"
#include "util/err.h"

const struct ogx_llama_config ogx_llama_shape_15m = { 288, 768, 6, 6, 6, 32000, 256,
						       10000.0f, 1e-5f };
const struct ogx_llama_config ogx_llama_shape_260k = { 64, 172, 5, 8, 4, 512, 512,
							10000.0f, 1e-5f };

/* Uniform with standard deviation sd (xorshift64*). */
static float rnd(uint64_t *s, float sd)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return ((float)((*s * 0x2545F4914F6CDD1Dull) >> 40) / (float)(1 << 24) - 0.5f) *
	       sd * 3.4641016f;
}

static float *floats(uint64_t *s, size_t n, float sd, float base)
{
	float *f = malloc(n * sizeof(float));

	for (size_t i = 0; f && i < n; i++)
		f[i] = base + rnd(s, sd);
	return f;
}

static int matrix(uint64_t *s, struct ogx_matrix *m, uint32_t rows, uint32_t cols)
{
	m->type = OGX_WTYPE_F32;
	m->rows = rows;
	m->cols = cols;
	/* 1/sqrt(cols) keeps activations of a random model in range. */
	m->data = floats(s, (size_t)rows * cols, 1.0f / sqrtf((float)cols), 0.0f);
	return m->data ? 0 : -ENOMEM;
}

int ogx_llama_synth(const struct ogx_llama_config *c, uint64_t seed,
		    struct ogx_llama_weights *w)
{
	uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
	uint32_t kv;
	int err;

	memset(w, 0, sizeof(*w));
	if (!c->n_heads || !c->n_kv_heads || c->dim % c->n_heads || c->n_heads % c->n_kv_heads ||
	    (c->dim / c->n_heads) % 2 || !c->n_layers || !c->vocab_size || !c->seq_len ||
	    !c->hidden_dim)
		return ogx_fail(-EINVAL, "dim %u, %u heads, %u kv heads do not form an "
				"architecture (dim / heads even, heads / kv heads whole)",
				c->dim, c->n_heads, c->n_kv_heads);
	w->cfg = *c;
	kv = c->dim / c->n_heads * c->n_kv_heads;
	w->layers = calloc(c->n_layers, sizeof(*w->layers));
	if (!w->layers)
		return -ENOMEM;
	err = matrix(&s, &w->tok_embd, c->vocab_size, c->dim);
	w->output = w->tok_embd;
	w->out_norm = floats(&s, c->dim, 0.1f, 1.0f);
	if (!w->out_norm)
		err = -ENOMEM;
	for (uint32_t l = 0; !err && l < c->n_layers; l++) {
		struct ogx_llama_layer *ly = &w->layers[l];

		ly->attn_norm = floats(&s, c->dim, 0.1f, 1.0f);
		ly->ffn_norm = floats(&s, c->dim, 0.1f, 1.0f);
		err = !ly->attn_norm || !ly->ffn_norm ? -ENOMEM : 0;
		err = err ?: matrix(&s, &ly->wq, c->dim, c->dim);
		err = err ?: matrix(&s, &ly->wk, kv, c->dim);
		err = err ?: matrix(&s, &ly->wv, kv, c->dim);
		err = err ?: matrix(&s, &ly->wo, c->dim, c->dim);
		err = err ?: matrix(&s, &ly->w1, c->hidden_dim, c->dim);
		err = err ?: matrix(&s, &ly->w2, c->dim, c->hidden_dim);
		err = err ?: matrix(&s, &ly->w3, c->hidden_dim, c->dim);
	}
	if (err)
		ogx_llama_synth_free(w);
	return err;
}

void ogx_llama_synth_free(struct ogx_llama_weights *w)
{
	for (uint32_t l = 0; w->layers && l < w->cfg.n_layers; l++) {
		struct ogx_llama_layer *ly = &w->layers[l];

		free((void *)ly->attn_norm);
		free((void *)ly->ffn_norm);
		free((void *)ly->wq.data);
		free((void *)ly->wk.data);
		free((void *)ly->wv.data);
		free((void *)ly->wo.data);
		free((void *)ly->w1.data);
		free((void *)ly->w2.data);
		free((void *)ly->w3.data);
	}
	free((void *)w->tok_embd.data);
	free((void *)w->out_norm);
	free(w->layers);
	memset(w, 0, sizeof(*w));
}
