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
	/* Activations for a batch of prompt tokens; token 0's come first. */
	m->x = alloc_floats((size_t)OGX_LLAMA_BATCH * c->dim);
	m->xb = alloc_floats((size_t)OGX_LLAMA_BATCH * c->dim);
	m->xb2 = alloc_floats((size_t)OGX_LLAMA_BATCH * c->dim);
	m->hb = alloc_floats((size_t)OGX_LLAMA_BATCH * c->hidden_dim);
	m->hb2 = alloc_floats((size_t)OGX_LLAMA_BATCH * c->hidden_dim);
	m->q = alloc_floats((size_t)OGX_LLAMA_BATCH * c->dim);
	m->k_new = alloc_floats((size_t)OGX_LLAMA_BATCH * m->kv_dim);
	m->v_new = alloc_floats((size_t)OGX_LLAMA_BATCH * m->kv_dim);
	/* Attention scores: one row per part of a pool job (at most one per thread). */
	m->att = alloc_floats((size_t)threads * c->seq_len);
	m->logits = alloc_floats(c->vocab_size);
	m->rope_cos = alloc_floats((size_t)OGX_LLAMA_BATCH * m->head_size / 2);
	m->rope_sin = alloc_floats((size_t)OGX_LLAMA_BATCH * m->head_size / 2);
	m->key_cache = alloc_floats(cache);
	m->value_cache = alloc_floats(cache);
	if (!m->x || !m->xb || !m->xb2 || !m->hb || !m->hb2 || !m->q || !m->k_new || !m->v_new ||
	    !m->att || !m->logits || !m->rope_cos || !m->rope_sin || !m->key_cache || !m->value_cache) {
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
	free(m->k_new);
	free(m->v_new);
	free(m->att);
	free(m->logits);
	free(m->logits_all);
	free(m->rope_cos);
	free(m->rope_sin);
	free(m->key_cache);
	free(m->value_cache);
	memset(m, 0, sizeof(*m));
}

/*
 * Rotate consecutive pairs (v[i], v[i+1]) of each head by pos * theta^(-i /
 * head_size): llama2.c's (and Meta's) interleaved RoPE, which is also
 * llama.cpp's "normal" RoPE for the llama architecture. Batch slot b holds
 * the angles of its token's position.
 */
static void rope_angles(struct ogx_llama *m, uint32_t b, uint32_t pos)
{
	const struct ogx_llama_config *c = &m->w->cfg;
	uint32_t half = m->head_size / 2;

	for (uint32_t j = 0; j < half; j++) {
		float freq = 1.0f / powf(c->rope_theta, (float)(2 * j) / (float)m->head_size);
		float val = (float)pos * freq;

		m->rope_cos[b * half + j] = cosf(val);
		m->rope_sin[b * half + j] = sinf(val);
	}
}

static void rope(const struct ogx_llama *m, uint32_t b, float *v, uint32_t n)
{
	const float *rc = m->rope_cos + b * (m->head_size / 2);
	const float *rs = m->rope_sin + b * (m->head_size / 2);

	for (uint32_t i = 0; i < n; i += 2) {
		uint32_t j = (i % m->head_size) / 2;
		float fcr = rc[j], fci = rs[j];
		float v0 = v[i], v1 = v[i + 1];

		v[i] = v0 * fcr - v1 * fci;
		v[i + 1] = v0 * fci + v1 * fcr;
	}
}

/*
 * Whose keys and values batch token b has: a prompt's tokens are all m's own,
 * at consecutive positions pos0 + b; a decoding step of several streams has
 * token b at pos[b] in streams[b]'s cache (continuous batching).
 */
struct kv_map {
	struct ogx_llama *const *streams;	/* NULL: m's own cache */
	const uint32_t *pos;
	uint32_t pos0;
};

static uint32_t kv_pos(const struct kv_map *kv, uint32_t b)
{
	return kv->streams ? kv->pos[b] : kv->pos0 + b;
}

struct attn_job {
	struct ogx_llama *m;
	const struct kv_map *kv;
	size_t loff;		/* this layer's offset in a cache */
	uint32_t nb;
};

/*
 * (token, head) pairs [pairs*part/nparts, pairs*(part+1)/nparts): each pair
 * is computed whole by one thread, the same way whatever the split.
 */
static void attn_part(void *arg, unsigned int part, unsigned int nparts)
{
	const struct attn_job *job = arg;
	struct ogx_llama *m = job->m;
	const struct ogx_llama_config *c = &m->w->cfg;
	uint32_t hs = m->head_size, kv_mul = c->n_heads / c->n_kv_heads;
	uint64_t pairs = (uint64_t)job->nb * c->n_heads;
	uint64_t p0 = pairs * part / nparts, p1 = pairs * (part + 1) / nparts;
	float *att = m->att + (size_t)part * c->seq_len;

	for (uint64_t p = p0; p < p1; p++) {
		uint32_t b = p / c->n_heads, h = p % c->n_heads;
		const struct ogx_llama *sm = job->kv->streams ? job->kv->streams[b] : m;
		size_t off = job->loff + (size_t)(h / kv_mul) * hs;

		ogx_attention_head(m->q + (size_t)b * c->dim + (size_t)h * hs, sm->key_cache + off,
				   sm->value_cache + off, m->kv_dim, hs, kv_pos(job->kv, b) + 1, att,
				   m->xb + (size_t)b * c->dim + (size_t)h * hs);
	}
}

static void attention(struct ogx_llama *m, const struct kv_map *kv, size_t loff, uint32_t nb)
{
	struct attn_job job = { .m = m, .kv = kv, .loff = loff, .nb = nb };
	uint64_t macs = 0;

	for (uint32_t b = 0; b < nb; b++)
		macs += 2ull * (kv_pos(kv, b) + 1) * m->w->cfg.dim;

	ogx_pool_run(m->pool, attn_part, &job,
		     macs >= ATTN_PARALLEL_MIN_MACS ? ogx_pool_threads(m->pool) : 1);
}

/*
 * nb <= OGX_LLAMA_BATCH tokens through every layer, each at the position and
 * into the cache that kv says, with m's activations and threads.
 */
static void forward_batch(struct ogx_llama *m, const uint32_t *tokens, uint32_t nb,
			  const struct kv_map *kv)
{
	const struct ogx_llama_weights *w = m->w;
	const struct ogx_llama_config *c = &w->cfg;
	uint32_t dim = c->dim, hidden = c->hidden_dim, kv_dim = m->kv_dim;
	const size_t ld_qkv[3] = { dim, kv_dim, kv_dim }, ld_dim = dim, ld_ffn[2] = { hidden, hidden };

	for (uint32_t b = 0; b < nb; b++) {
		ogx_matrix_row(&w->tok_embd, tokens[b], m->x + (size_t)b * dim);
		rope_angles(m, b, kv_pos(kv, b));
	}
	for (uint32_t l = 0; l < c->n_layers; l++) {
		const struct ogx_llama_layer *ly = &w->layers[l];
		size_t loff = (size_t)l * c->seq_len * kv_dim;
		/*
		 * A prompt's k and v go straight into the cache rows of its
		 * positions; several streams' go through m's scratch rows.
		 */
		float *k = kv->streams ? m->k_new : m->key_cache + loff + (size_t)kv->pos0 * kv_dim;
		float *v = kv->streams ? m->v_new : m->value_cache + loff + (size_t)kv->pos0 * kv_dim;
		float *const qkv[3] = { m->q, k, v };
		const struct ogx_matrix *const wqkv[3] = { &ly->wq, &ly->wk, &ly->wv };
		float *const gate_up[2] = { m->hb, m->hb2 };
		const struct ogx_matrix *const w13[2] = { &ly->w1, &ly->w3 };
		const struct ogx_matrix *const wo = &ly->wo, *const w2 = &ly->w2;

		for (uint32_t b = 0; b < nb; b++)
			ogx_rmsnorm(m->xb + (size_t)b * dim, m->x + (size_t)b * dim, ly->attn_norm, dim,
				    c->norm_eps);
		ogx_matmul_multi(m->pool, 3, qkv, ld_qkv, wqkv, m->xb, dim, nb);
		for (uint32_t b = 0; b < nb; b++) {
			rope(m, b, m->q + (size_t)b * dim, dim);
			rope(m, b, k + (size_t)b * kv_dim, kv_dim);
		}
		for (uint32_t b = 0; kv->streams && b < nb; b++) {
			size_t row = loff + (size_t)kv->pos[b] * kv_dim;

			memcpy(kv->streams[b]->key_cache + row, k + (size_t)b * kv_dim,
			       kv_dim * sizeof(float));
			memcpy(kv->streams[b]->value_cache + row, v + (size_t)b * kv_dim,
			       kv_dim * sizeof(float));
		}
		attention(m, kv, loff, nb);
		ogx_matmul_multi(m->pool, 1, &m->xb2, &ld_dim, &wo, m->xb, dim, nb);
		for (size_t i = 0; i < (size_t)nb * dim; i++)
			m->x[i] += m->xb2[i];

		for (uint32_t b = 0; b < nb; b++)
			ogx_rmsnorm(m->xb + (size_t)b * dim, m->x + (size_t)b * dim, ly->ffn_norm, dim,
				    c->norm_eps);
		ogx_matmul_multi(m->pool, 2, gate_up, ld_ffn, w13, m->xb, dim, nb);
		/* SwiGLU: silu(w1 x) * (w3 x). */
		for (size_t i = 0; i < (size_t)nb * hidden; i++) {
			float val = m->hb[i];

			val *= 1.0f / (1.0f + expf(-val));
			val *= m->hb2[i];
			m->hb[i] = val;
		}
		ogx_matmul_multi(m->pool, 1, &m->xb, &ld_dim, &w2, m->hb, hidden, nb);
		for (size_t i = 0; i < (size_t)nb * dim; i++)
			m->x[i] += m->xb[i];
	}
}

static float *logits_of(struct ogx_llama *m, uint32_t b)
{
	const struct ogx_llama_weights *w = m->w;
	float *x = m->x + (size_t)b * w->cfg.dim;

	ogx_rmsnorm(x, x, w->out_norm, w->cfg.dim, w->cfg.norm_eps);
	ogx_matvec(m->pool, m->logits, &w->output, x);
	return m->logits;
}

float *ogx_llama_forward(struct ogx_llama *m, uint32_t token, uint32_t pos, int want_logits)
{
	struct kv_map kv = { .pos0 = pos };

	if (m->engine_forward)
		return m->engine_forward(m, token, pos, want_logits);
	forward_batch(m, &token, 1, &kv);
	return want_logits ? logits_of(m, 0) : NULL;
}

float *ogx_llama_forward_batch(struct ogx_llama *m, const uint32_t *tokens, uint32_t n,
			       uint32_t pos0, int want_logits)
{
	uint32_t done = 0, nb = 0;

	if (m->engine_forward) {
		float *logits = NULL;
		uint32_t i = 0;

		if (m->engine_prefill && n > 1) {
			/* All but the last token need only their KV entries. */
			i = want_logits ? n - 1 : n;
			m->engine_err = m->engine_prefill(m, tokens, i, pos0);
			if (m->engine_err)
				return NULL;
		}
		for (; i < n; i++) {
			logits = m->engine_forward(m, tokens[i], pos0 + i, want_logits && i + 1 == n);
			if (m->engine_err)
				return NULL;
		}
		return logits;
	}
	for (; done < n; done += nb) {
		struct kv_map kv = { .pos0 = pos0 + done };

		nb = n - done < OGX_LLAMA_BATCH ? n - done : OGX_LLAMA_BATCH;
		forward_batch(m, tokens + done, nb, &kv);
	}
	return want_logits && n ? logits_of(m, nb - 1) : NULL;
}

float *ogx_llama_forward_streams(struct ogx_llama *m, struct ogx_llama *const *streams,
				 const uint32_t *tokens, const uint32_t *pos, uint32_t n)
{
	const struct ogx_llama_weights *w = m->w;
	uint32_t dim = w->cfg.dim, vocab = w->cfg.vocab_size;
	const size_t ld_vocab = vocab;
	const struct ogx_matrix *out = &w->output;

	m->engine_err = 0;
	if (n > m->logits_all_n) {
		float *p = realloc(m->logits_all, (size_t)n * vocab * sizeof(float));

		if (!p) {
			m->engine_err = -ENOMEM;
			return NULL;
		}
		m->logits_all = p;
		m->logits_all_n = n;
	}
	for (uint32_t b = 0; b < n; b++) {
		if (streams[b]->w != w || pos[b] >= w->cfg.seq_len) {
			m->engine_err = -EINVAL;
			return NULL;
		}
	}
	if (m->engine_forward) {
		/* Another engine steps each stream on its own. */
		for (uint32_t b = 0; b < n; b++) {
			float *l = ogx_llama_forward(streams[b], tokens[b], pos[b], 1);

			if (!l) {
				m->engine_err = streams[b]->engine_err ? streams[b]->engine_err : -EIO;
				return NULL;
			}
			memcpy(m->logits_all + (size_t)b * vocab, l, vocab * sizeof(float));
		}
		return m->logits_all;
	}
	for (uint32_t done = 0, nb; done < n; done += nb) {
		struct kv_map kv = { .streams = streams + done, .pos = pos + done };
		float *logits = m->logits_all + (size_t)done * vocab;

		nb = n - done < OGX_LLAMA_BATCH ? n - done : OGX_LLAMA_BATCH;
		forward_batch(m, tokens + done, nb, &kv);
		for (uint32_t b = 0; b < nb; b++) {
			float *x = m->x + (size_t)b * dim;

			ogx_rmsnorm(x, x, w->out_norm, dim, w->cfg.norm_eps);
		}
		/* The classifier, the largest matrix, read once for the nb streams too. */
		ogx_matmul_multi(m->pool, 1, &logits, &ld_vocab, &out, m->x, dim, nb);
	}
	return m->logits_all;
}
