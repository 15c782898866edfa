// SPDX-License-Identifier: GPL-2.0
/*
 * Llama-2 forward pass on the CPU; see llama.h. The order of every float
 * operation follows llama2.c's run.c so that, with the portable matvec
 * kernel, logits are bit-identical to it; the AVX2 kernel changes only the
 * summation order inside matvec rows.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/attention.h"
#include "model/llama.h"
#include "model/ops.h"
#include "util/err.h"
#include "util/pool.h"

/* Attention over fewer multiply-adds than this stays on one thread. */
#define ATTN_PARALLEL_MIN_MACS 16384

static int check_matrix(const char *name, uint32_t layer, const struct ogx_matrix *m,
			uint32_t rows, uint32_t cols)
{
	if (!ogx_wtype_row_bytes(m->type, m->cols))
		return ogx_fail(-EINVAL, "tensor %s (layer %u) has unsupported type %d", name,
				layer, (int)m->type);
	if (m->rows != rows || m->cols != cols)
		return ogx_fail(-EINVAL,
				"tensor %s (layer %u) is %u x %u, the architecture needs %u x %u",
				name, layer, m->rows, m->cols, rows, cols);
	if (!m->data)
		return ogx_fail(-EINVAL, "tensor %s (layer %u) has no data", name, layer);
	return 0;
}

int ogx_llama_check(const struct ogx_llama_weights *w)
{
	const struct ogx_llama_config *c = &w->cfg;
	uint32_t kv_dim;
	int err;

	if (!c->dim || !c->hidden_dim || !c->n_layers || !c->n_heads || !c->n_kv_heads ||
	    !c->vocab_size || !c->seq_len)
		return ogx_fail(-EINVAL, "model config has a zero dimension");
	if (c->dim % c->n_heads || c->n_heads % c->n_kv_heads || (c->dim / c->n_heads) % 2)
		return ogx_fail(-EINVAL,
				"model config: dim %u, n_heads %u, n_kv_heads %u do not form whole, even-sized heads",
				c->dim, c->n_heads, c->n_kv_heads);
	if (!(c->rope_theta > 0.0f) || !(c->norm_eps > 0.0f))
		return ogx_fail(-EINVAL, "model config: rope_theta and norm_eps must be positive");
	kv_dim = c->dim / c->n_heads * c->n_kv_heads;
	err = check_matrix("tok_embd", 0, &w->tok_embd, c->vocab_size, c->dim);
	if (!err)
		err = check_matrix("output", 0, &w->output, c->vocab_size, c->dim);
	if (!err && (!w->out_norm || !w->layers))
		err = ogx_fail(-EINVAL, "model has no output norm or no layers");
	for (uint32_t l = 0; !err && l < c->n_layers; l++) {
		const struct ogx_llama_layer *ly = &w->layers[l];

		if (!ly->attn_norm || !ly->ffn_norm)
			return ogx_fail(-EINVAL, "layer %u has no norm weights", l);
		err = check_matrix("wq", l, &ly->wq, c->dim, c->dim);
		if (!err)
			err = check_matrix("wk", l, &ly->wk, kv_dim, c->dim);
		if (!err)
			err = check_matrix("wv", l, &ly->wv, kv_dim, c->dim);
		if (!err)
			err = check_matrix("wo", l, &ly->wo, c->dim, c->dim);
		if (!err)
			err = check_matrix("w1", l, &ly->w1, c->hidden_dim, c->dim);
		if (!err)
			err = check_matrix("w2", l, &ly->w2, c->dim, c->hidden_dim);
		if (!err)
			err = check_matrix("w3", l, &ly->w3, c->hidden_dim, c->dim);
	}
	return err;
}

static float *alloc_floats(size_t n)
{
	return calloc(n ? n : 1, sizeof(float));
}

int ogx_llama_init(struct ogx_llama *m, const struct ogx_llama_weights *w, unsigned int threads)
{
	const struct ogx_llama_config *c = &w->cfg;
	size_t cache;
	int err;

	memset(m, 0, sizeof(*m));
	err = ogx_llama_check(w);
	if (err)
		return err;
	m->w = w;
	m->head_size = c->dim / c->n_heads;
	m->kv_dim = m->head_size * c->n_kv_heads;
	if (__builtin_mul_overflow((size_t)c->n_layers * c->seq_len, (size_t)m->kv_dim, &cache))
		return ogx_fail(-EOVERFLOW, "KV cache size overflows");
	m->x = alloc_floats(c->dim);
	m->xb = alloc_floats(c->dim);
	m->xb2 = alloc_floats(c->dim);
	m->hb = alloc_floats(c->hidden_dim);
	m->hb2 = alloc_floats(c->hidden_dim);
	m->q = alloc_floats(c->dim);
	m->att = alloc_floats((size_t)c->n_heads * c->seq_len);
	m->logits = alloc_floats(c->vocab_size);
	m->rope_cos = alloc_floats(m->head_size / 2);
	m->rope_sin = alloc_floats(m->head_size / 2);
	m->key_cache = alloc_floats(cache);
	m->value_cache = alloc_floats(cache);
	if (!m->x || !m->xb || !m->xb2 || !m->hb || !m->hb2 || !m->q || !m->att || !m->logits ||
	    !m->rope_cos || !m->rope_sin || !m->key_cache || !m->value_cache) {
		ogx_llama_fini(m);
		return ogx_fail(-ENOMEM, "cannot allocate the model state (KV cache %zu MiB)",
				cache * 2 * sizeof(float) >> 20);
	}
	err = ogx_pool_create(&m->pool, threads);
	if (err) {
		ogx_llama_fini(m);
		return err;
	}
	return 0;
}

void ogx_llama_fini(struct ogx_llama *m)
{
	ogx_pool_destroy(m->pool);
	free(m->x);
	free(m->xb);
	free(m->xb2);
	free(m->hb);
	free(m->hb2);
	free(m->q);
	free(m->att);
	free(m->logits);
	free(m->rope_cos);
	free(m->rope_sin);
	free(m->key_cache);
	free(m->value_cache);
	memset(m, 0, sizeof(*m));
}

/*
 * Rotate consecutive pairs (v[i], v[i+1]) of each head by pos * theta^(-i /
 * head_size): llama2.c's (and Meta's) interleaved RoPE, which is also
 * llama.cpp's "normal" RoPE for the llama architecture.
 */
static void rope_angles(struct ogx_llama *m, uint32_t pos)
{
	const struct ogx_llama_config *c = &m->w->cfg;

	for (uint32_t j = 0; j < m->head_size / 2; j++) {
		float freq = 1.0f / powf(c->rope_theta, (float)(2 * j) / (float)m->head_size);
		float val = (float)pos * freq;

		m->rope_cos[j] = cosf(val);
		m->rope_sin[j] = sinf(val);
	}
}

static void rope(const struct ogx_llama *m, float *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i += 2) {
		uint32_t j = (i % m->head_size) / 2;
		float fcr = m->rope_cos[j], fci = m->rope_sin[j];
		float v0 = v[i], v1 = v[i + 1];

		v[i] = v0 * fcr - v1 * fci;
		v[i + 1] = v0 * fci + v1 * fcr;
	}
}

struct attn_job {
	struct ogx_llama *m;
	const float *kc, *vc;	/* this layer's caches */
	uint32_t pos;
};

/* Heads [n_heads*part/nparts, n_heads*(part+1)/nparts): each head on one thread. */
static void attn_part(void *arg, unsigned int part, unsigned int nparts)
{
	const struct attn_job *job = arg;
	struct ogx_llama *m = job->m;
	const struct ogx_llama_config *c = &m->w->cfg;
	uint32_t hs = m->head_size, kv_mul = c->n_heads / c->n_kv_heads;
	uint32_t h0 = (uint64_t)c->n_heads * part / nparts;
	uint32_t h1 = (uint64_t)c->n_heads * (part + 1) / nparts;

	for (uint32_t h = h0; h < h1; h++) {
		size_t off = (size_t)(h / kv_mul) * hs;

		ogx_attention_head(m->q + (size_t)h * hs, job->kc + off, job->vc + off, m->kv_dim,
				   hs, job->pos + 1, m->att + (size_t)h * c->seq_len,
				   m->xb + (size_t)h * hs);
	}
}

static void attention(struct ogx_llama *m, const float *kc, const float *vc, uint32_t pos)
{
	struct attn_job job = { .m = m, .kc = kc, .vc = vc, .pos = pos };
	uint64_t macs = 2ull * (pos + 1) * m->w->cfg.dim;

	ogx_pool_run(m->pool, attn_part, &job,
		     macs >= ATTN_PARALLEL_MIN_MACS ? ogx_pool_threads(m->pool) : 1);
}

float *ogx_llama_forward(struct ogx_llama *m, uint32_t token, uint32_t pos, int want_logits)
{
	const struct ogx_llama_weights *w = m->w;
	const struct ogx_llama_config *c = &w->cfg;
	uint32_t dim = c->dim, hidden = c->hidden_dim;
	float *x = m->x;

	if (m->engine_forward)
		return m->engine_forward(m, token, pos, want_logits);
	ogx_matrix_row(&w->tok_embd, token, x);
	rope_angles(m, pos);
	for (uint32_t l = 0; l < c->n_layers; l++) {
		const struct ogx_llama_layer *ly = &w->layers[l];
		size_t loff = (size_t)l * c->seq_len * m->kv_dim;
		float *k = m->key_cache + loff + (size_t)pos * m->kv_dim;
		float *v = m->value_cache + loff + (size_t)pos * m->kv_dim;

		ogx_rmsnorm(m->xb, x, ly->attn_norm, dim, c->norm_eps);
		{
			/* k and v go straight into the cache row of this position. */
			float *const out[3] = { m->q, k, v };
			const struct ogx_matrix *const mats[3] = { &ly->wq, &ly->wk, &ly->wv };

			ogx_matvec_multi(m->pool, 3, out, mats, m->xb);
		}
		rope(m, m->q, dim);
		rope(m, k, m->kv_dim);
		attention(m, m->key_cache + loff, m->value_cache + loff, pos);
		ogx_matvec(m->pool, m->xb2, &ly->wo, m->xb);
		for (uint32_t i = 0; i < dim; i++)
			x[i] += m->xb2[i];

		ogx_rmsnorm(m->xb, x, ly->ffn_norm, dim, c->norm_eps);
		{
			float *const out[2] = { m->hb, m->hb2 };
			const struct ogx_matrix *const mats[2] = { &ly->w1, &ly->w3 };

			ogx_matvec_multi(m->pool, 2, out, mats, m->xb);
		}
		/* SwiGLU: silu(w1 x) * (w3 x). */
		for (uint32_t i = 0; i < hidden; i++) {
			float val = m->hb[i];

			val *= 1.0f / (1.0f + expf(-val));
			val *= m->hb2[i];
			m->hb[i] = val;
		}
		ogx_matvec(m->pool, m->xb, &ly->w2, m->hb);
		for (uint32_t i = 0; i < dim; i++)
			x[i] += m->xb[i];
	}
	if (!want_logits)
		return NULL;
	ogx_rmsnorm(x, x, w->out_norm, dim, c->norm_eps);
	ogx_matvec(m->pool, m->logits, &w->output, x);
	return m->logits;
}
