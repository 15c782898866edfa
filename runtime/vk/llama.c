// SPDX-License-Identifier: GPL-2.0
/* The Llama-2 forward step on Vulkan; see llama.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "vk/buffer.h"
#include "vk/device.h"
#include "vk/llama.h"
#include "vk/ops.h"
#include "vk/prog.h"

struct vk_layer {
	struct ogx_vk_buf attn_norm, ffn_norm, wq, wk, wv, wo, w1, w2, w3, k, v;
	enum ogx_vk_wtype tq, tk, tv, to, t1, t2, t3;
};

struct ogx_vk_llama {
	struct ogx_vk *vk;
	const struct ogx_llama_weights *w;
	struct ogx_llama_config cfg;
	uint32_t head_size, kv_dim;
	struct vk_layer *layers;
	struct ogx_vk_buf out_norm, output, x, xb, q, hb, hb2, logits, best, params;
	enum ogx_vk_wtype tout;
	struct ogx_vk_prog prog;
	/* Prompt batches of nt tokens: [nt][...] activations, a program of layers only. */
	uint32_t nt;
	struct ogx_vk_buf bx, bq, bxb, bhb, bhb2;
	struct ogx_vk_prog bprog;
};

static int wtype_of(const struct ogx_matrix *m, const char *name, enum ogx_vk_wtype *t)
{
	static const char *const names[] = { "F32", "F16", "Q8_0", "Q4_0" };
	const char *n = ogx_wtype_name(m->type);

	for (unsigned i = 0; i < 4; i++)
		if (n && !strcmp(n, names[i])) {
			*t = (enum ogx_vk_wtype)i;
			return 0;
		}
	return ogx_fail(-ENOTSUP, "tensor '%s': type %s has no Vulkan kernel", name,
			n ? n : "?");
}

static int upload_matrix(struct ogx_vk_upload *up, const struct ogx_matrix *m, const char *name,
			 unsigned l, struct ogx_vk_buf *b, enum ogx_vk_wtype *t)
{
	char what[64];
	int err;

	snprintf(what, sizeof(what), "blk.%u.%s", l, name);
	err = wtype_of(m, what, t);
	if (err)
		return err;
	return ogx_vk_buf_weights(up, m->data, ogx_wtype_row_bytes(m->type, m->cols) * m->rows,
				  what, b);
}

static int upload_floats(struct ogx_vk_upload *up, const float *f, uint32_t n, const char *what,
			 struct ogx_vk_buf *b)
{
	return ogx_vk_buf_weights(up, f, (size_t)n * 4, what, b);
}

/*
 * Weights, the KV cache and activations only the device touches go where
 * buffer.h's policy puts them (device-local on a discrete GPU); x (the host
 * writes each token's embedding), params, logits and argmax are host-visible.
 * The batch buffers of record_batch() go into the same upload.
 */
static int record_batch_buffers(struct ogx_vk_llama *m, struct ogx_vk_upload *up);

static int upload(struct ogx_vk_llama *m)
{
	const struct ogx_llama_config *c = &m->cfg;
	struct ogx_vk *vk = m->vk;
	size_t cache = (size_t)c->seq_len * m->kv_dim * 4;
	struct ogx_vk_upload up;
	int err = 0;

	ogx_vk_upload_begin(vk, &up);
	for (uint32_t l = 0; !err && l < c->n_layers; l++) {
		const struct ogx_llama_layer *s = &m->w->layers[l];
		struct vk_layer *d = &m->layers[l];

		err = upload_floats(&up, s->attn_norm, c->dim, "attn_norm", &d->attn_norm);
		err = err ?: upload_floats(&up, s->ffn_norm, c->dim, "ffn_norm", &d->ffn_norm);
		err = err ?: upload_matrix(&up, &s->wq, "attn_q", l, &d->wq, &d->tq);
		err = err ?: upload_matrix(&up, &s->wk, "attn_k", l, &d->wk, &d->tk);
		err = err ?: upload_matrix(&up, &s->wv, "attn_v", l, &d->wv, &d->tv);
		err = err ?: upload_matrix(&up, &s->wo, "attn_output", l, &d->wo, &d->to);
		err = err ?: upload_matrix(&up, &s->w1, "ffn_gate", l, &d->w1, &d->t1);
		err = err ?: upload_matrix(&up, &s->w2, "ffn_down", l, &d->w2, &d->t2);
		err = err ?: upload_matrix(&up, &s->w3, "ffn_up", l, &d->w3, &d->t3);
		err = err ?: ogx_vk_buf_scratch(&up, cache, "key cache", &d->k);
		err = err ?: ogx_vk_buf_scratch(&up, cache, "value cache", &d->v);
	}
	err = err ?: upload_floats(&up, m->w->out_norm, c->dim, "output_norm", &m->out_norm);
	if (!err) {
		err = wtype_of(&m->w->output, "output", &m->tout);
		err = err ?: ogx_vk_buf_weights(&up, m->w->output.data,
						ogx_wtype_row_bytes(m->w->output.type, c->dim) *
						c->vocab_size, "output", &m->output);
	}
	err = err ?: ogx_vk_buf_alloc(vk, (size_t)c->dim * 4, "x", &m->x);
	err = err ?: ogx_vk_buf_scratch(&up, (size_t)c->dim * 4, "xb", &m->xb);
	err = err ?: ogx_vk_buf_scratch(&up, (size_t)c->dim * 4, "q", &m->q);
	err = err ?: ogx_vk_buf_scratch(&up, (size_t)c->hidden_dim * 4, "hb", &m->hb);
	err = err ?: ogx_vk_buf_scratch(&up, (size_t)c->hidden_dim * 4, "hb2", &m->hb2);
	err = err ?: ogx_vk_buf_readback(vk, (size_t)c->vocab_size * 4, "logits", &m->logits);
	err = err ?: ogx_vk_buf_readback(vk, 4, "argmax", &m->best);
	err = err ?: ogx_vk_buf_alloc(vk, 16, "params", &m->params);
	if (!err) {
		uint32_t a = ogx_vk_matmul_max_tokens(vk, c->dim);
		uint32_t b = ogx_vk_matmul_max_tokens(vk, c->hidden_dim);

		m->nt = a < b ? a : b;
		if (m->nt)
			err = record_batch_buffers(m, &up);
	}
	/* Always: it frees the staging memory, also after an error. */
	return ogx_vk_upload_end(&up) ?: err;
}

static int record(struct ogx_vk_llama *m)
{
	const struct ogx_llama_config *c = &m->cfg;
	struct ogx_vk_prog *p = &m->prog;
	struct ogx_vk_matvec mv = { .eps = c->norm_eps, .theta = c->rope_theta,
				    .head = m->head_size };
	int err = ogx_vk_prog_begin(m->vk, c->n_layers * 8 + 2, p);

	for (uint32_t l = 0; !err && l < c->n_layers; l++) {
		struct vk_layer *L = &m->layers[l];

		/* q, k, v of the normalised x; k and v straight into the cache row. */
		mv.flags = OGX_VK_MV_NORM | OGX_VK_MV_ROPE;
		mv.type = L->tq, mv.k = c->dim, mv.m = c->dim, mv.ypos = 0;
		err = ogx_vk_op_matvec(p, &mv, &L->wq, &m->x, &m->q, &L->attn_norm, &m->params);
		mv.type = L->tk, mv.m = m->kv_dim, mv.ypos = m->kv_dim;
		err = err ?: ogx_vk_op_matvec(p, &mv, &L->wk, &m->x, &L->k, &L->attn_norm,
					      &m->params);
		mv.flags = OGX_VK_MV_NORM;
		mv.type = L->tv;
		err = err ?: ogx_vk_op_matvec(p, &mv, &L->wv, &m->x, &L->v, &L->attn_norm,
					      &m->params);
		ogx_vk_prog_barrier(p);
		err = err ?: ogx_vk_op_attention(p, c->n_heads, c->n_kv_heads, m->head_size,
						 c->seq_len, &m->q, &L->k, &L->v, &m->xb,
						 &m->params);
		ogx_vk_prog_barrier(p);
		mv.flags = OGX_VK_MV_ACC;
		mv.type = L->to, mv.k = c->dim, mv.m = c->dim, mv.ypos = 0;
		err = err ?: ogx_vk_op_matvec(p, &mv, &L->wo, &m->xb, &m->x, NULL, &m->params);
		ogx_vk_prog_barrier(p);
		mv.flags = OGX_VK_MV_NORM;
		mv.type = L->t1, mv.m = c->hidden_dim;
		err = err ?: ogx_vk_op_matvec(p, &mv, &L->w1, &m->x, &m->hb, &L->ffn_norm,
					      &m->params);
		mv.type = L->t3;
		err = err ?: ogx_vk_op_matvec(p, &mv, &L->w3, &m->x, &m->hb2, &L->ffn_norm,
					      &m->params);
		ogx_vk_prog_barrier(p);
		mv.flags = OGX_VK_MV_GLU | OGX_VK_MV_ACC;
		mv.type = L->t2, mv.k = c->hidden_dim, mv.m = c->dim;
		err = err ?: ogx_vk_op_matvec(p, &mv, &L->w2, &m->hb, &m->x, &m->hb2, &m->params);
		ogx_vk_prog_barrier(p);
	}
	mv.flags = OGX_VK_MV_NORM;
	mv.type = m->tout, mv.k = c->dim, mv.m = c->vocab_size, mv.ypos = 0;
	err = err ?: ogx_vk_op_matvec(p, &mv, &m->output, &m->x, &m->logits, &m->out_norm,
				      &m->params);
	ogx_vk_prog_barrier(p);
	err = err ?: ogx_vk_op_argmax(p, c->vocab_size, &m->logits, &m->best);
	return err ?: ogx_vk_prog_end(p);
}

/* The batch's [nt][...] activations: x is written by the host, the rest device-only. */
static int record_batch_buffers(struct ogx_vk_llama *m, struct ogx_vk_upload *up)
{
	size_t nt = m->nt, d = m->cfg.dim, h = m->cfg.hidden_dim;
	int err;

	err = ogx_vk_buf_alloc(m->vk, nt * d * 4, "batch x", &m->bx);
	err = err ?: ogx_vk_buf_scratch(up, nt * d * 4, "batch q", &m->bq);
	err = err ?: ogx_vk_buf_scratch(up, nt * d * 4, "batch xb", &m->bxb);
	err = err ?: ogx_vk_buf_scratch(up, nt * h * 4, "batch hb", &m->bhb);
	return err ?: ogx_vk_buf_scratch(up, nt * h * 4, "batch hb2", &m->bhb2);
}

static int record_batch(struct ogx_vk_llama *m)
{
	const struct ogx_llama_config *c = &m->cfg;
	struct ogx_vk_prog *p = &m->bprog;
	struct ogx_vk *vk = m->vk;
	uint32_t nt = m->nt, d = c->dim, h = c->hidden_dim;
	struct ogx_vk_matvec mv = { .eps = c->norm_eps, .theta = c->rope_theta,
				    .head = m->head_size };
	int err;

	err = ogx_vk_prog_begin(vk, c->n_layers * 8, p);
	for (uint32_t l = 0; !err && l < c->n_layers; l++) {
		struct vk_layer *L = &m->layers[l];

		mv.flags = OGX_VK_MV_NORM | OGX_VK_MV_ROPE;
		mv.type = L->tq, mv.k = d, mv.m = d, mv.ypos = 0, mv.ystride = d;
		err = ogx_vk_op_matmul(p, &mv, nt, &L->wq, &m->bx, &m->bq, &L->attn_norm,
				       &m->params);
		mv.type = L->tk, mv.m = m->kv_dim, mv.ypos = m->kv_dim, mv.ystride = 0;
		err = err ?: ogx_vk_op_matmul(p, &mv, nt, &L->wk, &m->bx, &L->k, &L->attn_norm,
					      &m->params);
		mv.flags = OGX_VK_MV_NORM;
		mv.type = L->tv;
		err = err ?: ogx_vk_op_matmul(p, &mv, nt, &L->wv, &m->bx, &L->v, &L->attn_norm,
					      &m->params);
		ogx_vk_prog_barrier(p);
		err = err ?: ogx_vk_op_attention_batch(p, c->n_heads, c->n_kv_heads, m->head_size,
						       c->seq_len, nt, &m->bq, &L->k, &L->v,
						       &m->bxb, &m->params);
		ogx_vk_prog_barrier(p);
		mv.flags = OGX_VK_MV_ACC;
		mv.type = L->to, mv.m = d, mv.ypos = 0, mv.ystride = d;
		err = err ?: ogx_vk_op_matmul(p, &mv, nt, &L->wo, &m->bxb, &m->bx, NULL, &m->params);
		ogx_vk_prog_barrier(p);
		mv.flags = OGX_VK_MV_NORM;
		mv.type = L->t1, mv.m = h, mv.ystride = h;
		err = err ?: ogx_vk_op_matmul(p, &mv, nt, &L->w1, &m->bx, &m->bhb, &L->ffn_norm,
					      &m->params);
		mv.type = L->t3;
		err = err ?: ogx_vk_op_matmul(p, &mv, nt, &L->w3, &m->bx, &m->bhb2, &L->ffn_norm,
					      &m->params);
		ogx_vk_prog_barrier(p);
		mv.flags = OGX_VK_MV_GLU | OGX_VK_MV_ACC;
		mv.type = L->t2, mv.k = h, mv.m = d, mv.ystride = d;
		err = err ?: ogx_vk_op_matmul(p, &mv, nt, &L->w2, &m->bhb, &m->bx, &m->bhb2,
					      &m->params);
		ogx_vk_prog_barrier(p);
	}
	return err ?: ogx_vk_prog_end(p);
}

int ogx_vk_llama_prefill(struct ogx_vk_llama *m, const uint32_t *tokens, uint32_t n,
			 uint32_t pos0)
{
	int err;

	if ((uint64_t)pos0 + n > m->cfg.seq_len)
		return ogx_fail(-EINVAL, "positions %u..%u are past the context (%u)", pos0,
				pos0 + n - 1, m->cfg.seq_len);
	for (uint32_t done = 0; done < n;) {
		uint32_t cnt = n - done < m->nt ? n - done : m->nt;

		if (!m->nt) {
			/* No batch fits this device: token by token. */
			err = ogx_vk_llama_forward(m, tokens[done], pos0 + done, NULL, NULL);
			if (err)
				return err;
			done++;
			continue;
		}
		for (uint32_t t = 0; t < cnt; t++) {
			if (tokens[done + t] >= m->cfg.vocab_size)
				return ogx_fail(-EINVAL, "token %u is outside the vocabulary (%u)",
						tokens[done + t], m->cfg.vocab_size);
			ogx_matrix_row(&m->w->tok_embd, tokens[done + t],
				       (float *)m->bx.map + (size_t)t * m->cfg.dim);
		}
		((uint32_t *)m->params.map)[0] = pos0 + done;
		((uint32_t *)m->params.map)[1] = cnt;
		err = ogx_vk_prog_run(&m->bprog);
		if (err)
			return err;
		done += cnt;
	}
	return 0;
}

uint32_t ogx_vk_llama_batch(const struct ogx_vk_llama *m)
{
	return m->nt;
}

int ogx_vk_llama_init(struct ogx_vk *vk, const struct ogx_llama_weights *w,
		      struct ogx_vk_llama **out)
{
	struct ogx_vk_llama *m;
	int err;

	*out = NULL;
	err = ogx_llama_check(w);
	if (err)
		return err;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->vk = vk;
	m->w = w;
	m->cfg = w->cfg;
	m->head_size = w->cfg.dim / w->cfg.n_heads;
	m->kv_dim = m->head_size * w->cfg.n_kv_heads;
	m->layers = calloc(w->cfg.n_layers, sizeof(*m->layers));
	if (!m->layers) {
		ogx_vk_llama_free(m);
		return -ENOMEM;
	}
	err = upload(m);
	err = err ?: record(m);
	if (!err && m->nt)
		err = record_batch(m);
	if (err) {
		ogx_vk_llama_free(m);
		return err;
	}
	*out = m;
	return 0;
}

int ogx_vk_llama_forward(struct ogx_vk_llama *m, uint32_t token, uint32_t pos,
			 const float **logits, uint32_t *argmax)
{
	int err;

	if (token >= m->cfg.vocab_size)
		return ogx_fail(-EINVAL, "token %u is outside the vocabulary (%u)", token,
				m->cfg.vocab_size);
	if (pos >= m->cfg.seq_len)
		return ogx_fail(-EINVAL, "position %u is past the context (%u)", pos,
				m->cfg.seq_len);
	ogx_matrix_row(&m->w->tok_embd, token, m->x.map);
	((uint32_t *)m->params.map)[0] = pos;
	err = ogx_vk_prog_run(&m->prog);
	if (err)
		return err;
	if (logits)
		*logits = m->logits.map;
	if (argmax)
		*argmax = *(uint32_t *)m->best.map;
	return 0;
}

static float *engine_forward(struct ogx_llama *m, uint32_t token, uint32_t pos, int want_logits)
{
	const float *logits = NULL;
	int err = ogx_vk_llama_forward(m->engine, token, pos, &logits, NULL);

	if (err) {
		m->engine_err = err;
		return NULL;
	}
	return want_logits ? (float *)logits : NULL;
}

static int engine_prefill(struct ogx_llama *m, const uint32_t *tokens, uint32_t n, uint32_t pos0)
{
	return ogx_vk_llama_prefill(m->engine, tokens, n, pos0);
}

void ogx_vk_llama_attach(struct ogx_vk_llama *vm, struct ogx_llama *m)
{
	m->engine_prefill = engine_prefill;
	m->engine = vm;
	m->engine_err = 0;
	m->engine_forward = engine_forward;
}

void ogx_vk_llama_counts(const struct ogx_vk_llama *m, unsigned *dispatches,
			 unsigned *barriers)
{
	*dispatches = m->prog.ndispatch;
	*barriers = m->prog.nbarrier;
}

void ogx_vk_llama_free(struct ogx_vk_llama *m)
{
	struct ogx_vk *vk;

	if (!m)
		return;
	vk = m->vk;
	ogx_vk_prog_free(&m->prog);
	ogx_vk_prog_free(&m->bprog);
	ogx_vk_buf_free(vk, &m->bx);
	ogx_vk_buf_free(vk, &m->bq);
	ogx_vk_buf_free(vk, &m->bxb);
	ogx_vk_buf_free(vk, &m->bhb);
	ogx_vk_buf_free(vk, &m->bhb2);
	for (uint32_t l = 0; m->layers && l < m->cfg.n_layers; l++) {
		struct vk_layer *d = &m->layers[l];
		struct ogx_vk_buf *bufs[] = { &d->attn_norm, &d->ffn_norm, &d->wq, &d->wk, &d->wv,
					      &d->wo, &d->w1, &d->w2, &d->w3, &d->k, &d->v };

		for (unsigned i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
			ogx_vk_buf_free(vk, bufs[i]);
	}
	ogx_vk_buf_free(vk, &m->out_norm);
	ogx_vk_buf_free(vk, &m->output);
	ogx_vk_buf_free(vk, &m->x);
	ogx_vk_buf_free(vk, &m->xb);
	ogx_vk_buf_free(vk, &m->q);
	ogx_vk_buf_free(vk, &m->hb);
	ogx_vk_buf_free(vk, &m->hb2);
	ogx_vk_buf_free(vk, &m->logits);
	ogx_vk_buf_free(vk, &m->best);
	ogx_vk_buf_free(vk, &m->params);
	free(m->layers);
	free(m);
}
