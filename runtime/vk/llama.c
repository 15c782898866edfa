// SPDX-License-Identifier: GPL-2.0
/* The Llama-2 forward step on Vulkan; see llama.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "vk/buffer.h"
#include "vk/device.h"
#include "vk/llama.h"
#include "vk/llama_priv.h"
#include "vk/ops.h"
#include "vk/prog.h"

static int wtype_of(const struct ogx_matrix *m, const char *name, enum ogx_wtype *t)
{
	if (!ogx_vk_wtype_supported(m->type))
		return ogx_fail(-ENOTSUP, "tensor '%s': type %s has no Vulkan kernel", name,
				ogx_wtype_name(m->type));
	*t = m->type;
	return 0;
}

static int upload_matrix(struct ogx_vk_upload *up, const struct ogx_matrix *m, const char *name,
			 unsigned l, struct ogx_vk_buf *b, enum ogx_wtype *t)
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
 * Weights, the KV caches and activations only the device touches go where
 * buffer.h's policy puts them (device-local on a discrete GPU); x (the host
 * writes each token's embedding), params, logits and argmax are host-visible.
 */
static int upload(struct ogx_vk_llama *m, struct ogx_vk_upload *up)
{
	const struct ogx_llama_config *c = &m->cfg;
	int err = 0;

	for (uint32_t l = 0; !err && l < c->n_layers; l++) {
		const struct ogx_llama_layer *s = &m->w->layers[l];
		struct vk_layer *d = &m->layers[l];

		err = upload_floats(up, s->attn_norm, c->dim, "attn_norm", &d->attn_norm);
		err = err ?: upload_floats(up, s->ffn_norm, c->dim, "ffn_norm", &d->ffn_norm);
		err = err ?: upload_matrix(up, &s->wq, "attn_q", l, &d->wq, &d->tq);
		err = err ?: upload_matrix(up, &s->wk, "attn_k", l, &d->wk, &d->tk);
		err = err ?: upload_matrix(up, &s->wv, "attn_v", l, &d->wv, &d->tv);
		err = err ?: upload_matrix(up, &s->wo, "attn_output", l, &d->wo, &d->to);
		err = err ?: upload_matrix(up, &s->w1, "ffn_gate", l, &d->w1, &d->t1);
		err = err ?: upload_matrix(up, &s->w2, "ffn_down", l, &d->w2, &d->t2);
		err = err ?: upload_matrix(up, &s->w3, "ffn_up", l, &d->w3, &d->t3);
	}
	err = err ?: upload_floats(up, m->w->out_norm, c->dim, "output_norm", &m->out_norm);
	if (!err) {
		err = wtype_of(&m->w->output, "output", &m->tout);
		err = err ?: ogx_vk_buf_weights(up, m->w->output.data,
						ogx_wtype_row_bytes(m->w->output.type, c->dim) *
						c->vocab_size, "output", &m->output);
	}
	return err;
}

/* A sequence's buffers: its KV cache, the step's and the prompt batch's activations. */
static int seq_buffers(struct ogx_vk_llama_seq *s, struct ogx_vk_upload *up)
{
	const struct ogx_vk_llama *m = s->m;
	const struct ogx_llama_config *c = &m->cfg;
	size_t cache = (size_t)c->seq_len * m->kv_dim * 4, nt = m->nt;
	struct ogx_vk *vk = m->vk;
	int err = 0;

	for (uint32_t l = 0; !err && l < c->n_layers; l++) {
		err = ogx_vk_buf_scratch(up, cache, "key cache", &s->k[l]);
		err = err ?: ogx_vk_buf_scratch(up, cache, "value cache", &s->v[l]);
	}
	err = err ?: ogx_vk_buf_alloc(vk, (size_t)c->dim * 4, "x", &s->x);
	err = err ?: ogx_vk_buf_scratch(up, (size_t)c->dim * 4, "xb", &s->xb);
	err = err ?: ogx_vk_buf_scratch(up, (size_t)c->dim * 4, "q", &s->q);
	err = err ?: ogx_vk_buf_scratch(up, (size_t)c->hidden_dim * 4, "hb", &s->hb);
	err = err ?: ogx_vk_buf_scratch(up, (size_t)c->hidden_dim * 4, "hb2", &s->hb2);
	err = err ?: ogx_vk_buf_readback(vk, (size_t)c->vocab_size * 4, "logits", &s->logits);
	err = err ?: ogx_vk_buf_readback(vk, 4, "argmax", &s->best);
	err = err ?: ogx_vk_buf_alloc(vk, 16, "params", &s->params);
	if (!err && nt) {
		/* The batch's [nt][...] activations: x is written by the host. */
		size_t d = c->dim, h = c->hidden_dim;

		err = ogx_vk_buf_alloc(vk, nt * d * 4, "batch x", &s->bx);
		err = err ?: ogx_vk_buf_scratch(up, nt * d * 4, "batch q", &s->bq);
		err = err ?: ogx_vk_buf_scratch(up, nt * d * 4, "batch xb", &s->bxb);
		err = err ?: ogx_vk_buf_scratch(up, nt * h * 4, "batch hb", &s->bhb);
		err = err ?: ogx_vk_buf_scratch(up, nt * h * 4, "batch hb2", &s->bhb2);
	}
	return err;
}

static int record(struct ogx_vk_llama_seq *s)
{
	const struct ogx_vk_llama *m = s->m;
	const struct ogx_llama_config *c = &m->cfg;
	struct ogx_vk_prog *p = &s->prog;
	struct ogx_vk_matvec mv = { .eps = c->norm_eps, .theta = c->rope_theta,
				    .head = m->head_size };
	int err = ogx_vk_prog_begin(m->vk, c->n_layers * 8 + 2, p);

	for (uint32_t l = 0; !err && l < c->n_layers; l++) {
		const struct vk_layer *L = &m->layers[l];

		/* q, k, v of the normalised x; k and v straight into the cache row. */
		mv.flags = OGX_VK_MV_NORM | OGX_VK_MV_ROPE;
		mv.type = L->tq, mv.k = c->dim, mv.m = c->dim, mv.ypos = 0;
		err = ogx_vk_op_matvec(p, &mv, &L->wq, &s->x, &s->q, &L->attn_norm, &s->params);
		mv.type = L->tk, mv.m = m->kv_dim, mv.ypos = m->kv_dim;
		err = err ?: ogx_vk_op_matvec(p, &mv, &L->wk, &s->x, &s->k[l], &L->attn_norm,
					      &s->params);
		mv.flags = OGX_VK_MV_NORM;
		mv.type = L->tv;
		err = err ?: ogx_vk_op_matvec(p, &mv, &L->wv, &s->x, &s->v[l], &L->attn_norm,
					      &s->params);
		ogx_vk_prog_barrier(p);
		err = err ?: ogx_vk_op_attention(p, c->n_heads, c->n_kv_heads, m->head_size,
						 c->seq_len, &s->q, &s->k[l], &s->v[l], &s->xb,
						 &s->params);
		ogx_vk_prog_barrier(p);
		mv.flags = OGX_VK_MV_ACC;
		mv.type = L->to, mv.k = c->dim, mv.m = c->dim, mv.ypos = 0;
		err = err ?: ogx_vk_op_matvec(p, &mv, &L->wo, &s->xb, &s->x, NULL, &s->params);
		ogx_vk_prog_barrier(p);
		mv.flags = OGX_VK_MV_NORM;
		mv.type = L->t1, mv.m = c->hidden_dim;
		err = err ?: ogx_vk_op_matvec(p, &mv, &L->w1, &s->x, &s->hb, &L->ffn_norm,
					      &s->params);
		mv.type = L->t3;
		err = err ?: ogx_vk_op_matvec(p, &mv, &L->w3, &s->x, &s->hb2, &L->ffn_norm,
					      &s->params);
		ogx_vk_prog_barrier(p);
		mv.flags = OGX_VK_MV_GLU | OGX_VK_MV_ACC;
		mv.type = L->t2, mv.k = c->hidden_dim, mv.m = c->dim;
		err = err ?: ogx_vk_op_matvec(p, &mv, &L->w2, &s->hb, &s->x, &s->hb2, &s->params);
		ogx_vk_prog_barrier(p);
	}
	mv.flags = OGX_VK_MV_NORM;
	mv.type = m->tout, mv.k = c->dim, mv.m = c->vocab_size, mv.ypos = 0;
	err = err ?: ogx_vk_op_matvec(p, &mv, &m->output, &s->x, &s->logits, &m->out_norm,
				      &s->params);
	ogx_vk_prog_barrier(p);
	err = err ?: ogx_vk_op_argmax(p, c->vocab_size, &s->logits, &s->best);
	return err ?: ogx_vk_prog_end(p);
}

int vk_record_qkv(struct ogx_vk_prog *p, const struct ogx_vk_llama *m, uint32_t l, uint32_t nt,
		  const struct vk_rows *r, unsigned flags, uint32_t kv_ypos, uint32_t kv_ystride)
{
	const struct ogx_llama_config *c = &m->cfg;
	const struct vk_layer *L = &m->layers[l];
	struct ogx_vk_matvec mv = { .eps = c->norm_eps, .theta = c->rope_theta,
				    .head = m->head_size };
	int err;

	mv.flags = OGX_VK_MV_NORM | OGX_VK_MV_ROPE | flags;
	mv.type = L->tq, mv.k = c->dim, mv.m = c->dim, mv.ystride = c->dim;
	err = ogx_vk_op_matmul(p, &mv, nt, &L->wq, r->x, r->q, &L->attn_norm, r->params);
	mv.type = L->tk, mv.m = m->kv_dim, mv.ypos = kv_ypos, mv.ystride = kv_ystride;
	err = err ?: ogx_vk_op_matmul(p, &mv, nt, &L->wk, r->x, r->k, &L->attn_norm, r->params);
	mv.flags = OGX_VK_MV_NORM | flags;
	mv.type = L->tv;
	err = err ?: ogx_vk_op_matmul(p, &mv, nt, &L->wv, r->x, r->v, &L->attn_norm, r->params);
	ogx_vk_prog_barrier(p);
	return err;
}

int vk_record_ffn(struct ogx_vk_prog *p, const struct ogx_vk_llama *m, uint32_t l, uint32_t nt,
		  const struct vk_rows *r)
{
	const struct ogx_llama_config *c = &m->cfg;
	const struct vk_layer *L = &m->layers[l];
	uint32_t d = c->dim, h = c->hidden_dim;
	struct ogx_vk_matvec mv = { .eps = c->norm_eps, .theta = c->rope_theta,
				    .head = m->head_size };
	int err;

	mv.flags = OGX_VK_MV_ACC;
	mv.type = L->to, mv.k = d, mv.m = d, mv.ystride = d;
	err = ogx_vk_op_matmul(p, &mv, nt, &L->wo, r->xb, r->x, NULL, r->params);
	ogx_vk_prog_barrier(p);
	mv.flags = OGX_VK_MV_NORM;
	mv.type = L->t1, mv.m = h, mv.ystride = h;
	err = err ?: ogx_vk_op_matmul(p, &mv, nt, &L->w1, r->x, r->hb, &L->ffn_norm, r->params);
	mv.type = L->t3;
	err = err ?: ogx_vk_op_matmul(p, &mv, nt, &L->w3, r->x, r->hb2, &L->ffn_norm, r->params);
	ogx_vk_prog_barrier(p);
	mv.flags = OGX_VK_MV_GLU | OGX_VK_MV_ACC;
	mv.type = L->t2, mv.k = h, mv.m = d, mv.ystride = d;
	err = err ?: ogx_vk_op_matmul(p, &mv, nt, &L->w2, r->hb, r->x, r->hb2, r->params);
	ogx_vk_prog_barrier(p);
	return err;
}

/* A prompt batch: k and v straight into the cache rows of positions p0 + t. */
static int record_batch(struct ogx_vk_llama_seq *s)
{
	const struct ogx_vk_llama *m = s->m;
	const struct ogx_llama_config *c = &m->cfg;
	struct ogx_vk_prog *p = &s->bprog;
	uint32_t nt = m->nt;
	int err;

	err = ogx_vk_prog_begin(m->vk, c->n_layers * 8, p);
	for (uint32_t l = 0; !err && l < c->n_layers; l++) {
		struct vk_rows r = { &s->bx, &s->bq, &s->k[l], &s->v[l], &s->bxb, &s->bhb,
				     &s->bhb2, &s->params };

		err = vk_record_qkv(p, m, l, nt, &r, 0, m->kv_dim, 0);
		err = err ?: ogx_vk_op_attention_batch(p, c->n_heads, c->n_kv_heads, m->head_size,
						       c->seq_len, nt, &s->bq, &s->k[l], &s->v[l],
						       &s->bxb, &s->params);
		ogx_vk_prog_barrier(p);
		err = err ?: vk_record_ffn(p, m, l, nt, &r);
	}
	return err ?: ogx_vk_prog_end(p);
}

int ogx_vk_llama_seq_prefill(struct ogx_vk_llama_seq *s, const uint32_t *tokens, uint32_t n,
			     uint32_t pos0)
{
	const struct ogx_vk_llama *m = s->m;
	int err;

	if ((uint64_t)pos0 + n > m->cfg.seq_len)
		return ogx_fail(-EINVAL, "positions %u..%u are past the context (%u)", pos0,
				pos0 + n - 1, m->cfg.seq_len);
	for (uint32_t done = 0; done < n;) {
		uint32_t cnt = n - done < m->nt ? n - done : m->nt;

		if (!m->nt) {
			/* No batch fits this device: token by token. */
			err = ogx_vk_llama_seq_forward(s, tokens[done], pos0 + done, NULL, NULL);
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
				       (float *)s->bx.map + (size_t)t * m->cfg.dim);
		}
		((uint32_t *)s->params.map)[0] = pos0 + done;
		((uint32_t *)s->params.map)[1] = cnt;
		err = ogx_vk_prog_run(&s->bprog);
		if (err)
			return err;
		done += cnt;
	}
	return 0;
}

int ogx_vk_llama_prefill(struct ogx_vk_llama *m, const uint32_t *tokens, uint32_t n,
			 uint32_t pos0)
{
	return ogx_vk_llama_seq_prefill(m->seq0, tokens, n, pos0);
}

uint32_t ogx_vk_llama_batch(const struct ogx_vk_llama *m)
{
	return m->nt;
}

/* The weights' state, uploaded into up (with a first sequence's buffers, for init). */
static int load(struct ogx_vk *vk, const struct ogx_llama_weights *w, struct ogx_vk_upload *up,
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
	{
		uint32_t a = ogx_vk_matmul_max_tokens(vk, w->cfg.dim);
		uint32_t b = ogx_vk_matmul_max_tokens(vk, w->cfg.hidden_dim);

		m->nt = a < b ? a : b;
	}
	*out = m;
	err = upload(m, up);
	return err ?: vk_streams_buffers(m, up);
}

/* A sequence of m, its buffers in up; record_seq() once up has ended. */
static int seq_alloc(struct ogx_vk_llama *m, struct ogx_vk_upload *up,
		     struct ogx_vk_llama_seq **out)
{
	struct ogx_vk_llama_seq *s = calloc(1, sizeof(*s));

	*out = s;
	if (!s)
		return -ENOMEM;
	s->m = m;
	s->k = calloc(m->cfg.n_layers, sizeof(*s->k));
	s->v = calloc(m->cfg.n_layers, sizeof(*s->v));
	if (!s->k || !s->v)
		return -ENOMEM;
	return seq_buffers(s, up);
}

static int record_seq(struct ogx_vk_llama_seq *s)
{
	int err = record(s);

	if (!err && s->m->nt)
		err = record_batch(s);
	return err;
}

int ogx_vk_llama_load(struct ogx_vk *vk, const struct ogx_llama_weights *w,
		      struct ogx_vk_llama **out)
{
	struct ogx_vk_upload up;
	int err;

	ogx_vk_upload_begin(vk, &up);
	err = load(vk, w, &up, out);
	/* Always: it frees the staging memory, also after an error. */
	err = ogx_vk_upload_end(&up) ?: err;
	if (err && *out) {
		ogx_vk_llama_free(*out);
		*out = NULL;
	}
	return err;
}

int ogx_vk_llama_seq_new(struct ogx_vk_llama *m, struct ogx_vk_llama_seq **out)
{
	struct ogx_vk_upload up;
	int err;

	ogx_vk_upload_begin(m->vk, &up);
	err = seq_alloc(m, &up, out);
	err = ogx_vk_upload_end(&up) ?: err;
	err = err ?: record_seq(*out);
	if (err) {
		ogx_vk_llama_seq_free(*out);
		*out = NULL;
	}
	return err;
}

/* The weights and the first sequence in one upload: one submission at load. */
int ogx_vk_llama_init(struct ogx_vk *vk, const struct ogx_llama_weights *w,
		      struct ogx_vk_llama **out)
{
	struct ogx_vk_upload up;
	int err;

	ogx_vk_upload_begin(vk, &up);
	err = load(vk, w, &up, out);
	err = err ?: seq_alloc(*out, &up, &(*out)->seq0);
	err = ogx_vk_upload_end(&up) ?: err;
	err = err ?: record_seq((*out)->seq0);
	if (err && *out) {
		ogx_vk_llama_free(*out);
		*out = NULL;
	}
	return err;
}

int ogx_vk_llama_seq_forward(struct ogx_vk_llama_seq *s, uint32_t token, uint32_t pos,
			     const float **logits, uint32_t *argmax)
{
	const struct ogx_vk_llama *m = s->m;
	int err;

	if (token >= m->cfg.vocab_size)
		return ogx_fail(-EINVAL, "token %u is outside the vocabulary (%u)", token,
				m->cfg.vocab_size);
	if (pos >= m->cfg.seq_len)
		return ogx_fail(-EINVAL, "position %u is past the context (%u)", pos,
				m->cfg.seq_len);
	ogx_matrix_row(&m->w->tok_embd, token, s->x.map);
	((uint32_t *)s->params.map)[0] = pos;
	err = ogx_vk_prog_run(&s->prog);
	if (err)
		return err;
	if (logits)
		*logits = s->logits.map;
	if (argmax)
		*argmax = *(uint32_t *)s->best.map;
	return 0;
}

int ogx_vk_llama_forward(struct ogx_vk_llama *m, uint32_t token, uint32_t pos,
			 const float **logits, uint32_t *argmax)
{
	return ogx_vk_llama_seq_forward(m->seq0, token, pos, logits, argmax);
}

static float *engine_forward(struct ogx_llama *m, uint32_t token, uint32_t pos, int want_logits)
{
	const float *logits = NULL;
	int err = ogx_vk_llama_seq_forward(m->engine, token, pos, &logits, NULL);

	if (err) {
		m->engine_err = err;
		return NULL;
	}
	return want_logits ? (float *)logits : NULL;
}

static int engine_prefill(struct ogx_llama *m, const uint32_t *tokens, uint32_t n, uint32_t pos0)
{
	return ogx_vk_llama_seq_prefill(m->engine, tokens, n, pos0);
}

void ogx_vk_llama_seq_attach(struct ogx_vk_llama_seq *s, struct ogx_llama *m)
{
	m->engine_prefill = engine_prefill;
	m->engine = s;
	m->engine_err = 0;
	m->engine_forward = engine_forward;
}

void ogx_vk_llama_attach(struct ogx_vk_llama *vm, struct ogx_llama *m)
{
	ogx_vk_llama_seq_attach(vm->seq0, m);
}

void ogx_vk_llama_counts(const struct ogx_vk_llama *m, unsigned *dispatches,
			 unsigned *barriers)
{
	*dispatches = m->seq0->prog.ndispatch;
	*barriers = m->seq0->prog.nbarrier;
}

void ogx_vk_llama_seq_free(struct ogx_vk_llama_seq *s)
{
	struct ogx_vk *vk;

	if (!s)
		return;
	vk = s->m->vk;
	vk_streams_forget(s->m, s);
	ogx_vk_prog_free(&s->prog);
	ogx_vk_prog_free(&s->bprog);
	for (uint32_t l = 0; s->k && s->v && l < s->m->cfg.n_layers; l++) {
		ogx_vk_buf_free(vk, &s->k[l]);
		ogx_vk_buf_free(vk, &s->v[l]);
	}
	{
		struct ogx_vk_buf *bufs[] = { &s->x, &s->xb, &s->q, &s->hb, &s->hb2, &s->logits,
					      &s->best, &s->params, &s->bx, &s->bq, &s->bxb,
					      &s->bhb, &s->bhb2 };

		for (unsigned i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
			ogx_vk_buf_free(vk, bufs[i]);
	}
	free(s->k);
	free(s->v);
	free(s);
}

void ogx_vk_llama_free(struct ogx_vk_llama *m)
{
	struct ogx_vk *vk;

	if (!m)
		return;
	vk = m->vk;
	ogx_vk_llama_seq_free(m->seq0);
	vk_streams_free(m);
	for (uint32_t l = 0; m->layers && l < m->cfg.n_layers; l++) {
		struct vk_layer *d = &m->layers[l];
		struct ogx_vk_buf *bufs[] = { &d->attn_norm, &d->ffn_norm, &d->wq, &d->wk, &d->wv,
					      &d->wo, &d->w1, &d->w2, &d->w3 };

		for (unsigned i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
			ogx_vk_buf_free(vk, bufs[i]);
	}
	ogx_vk_buf_free(vk, &m->out_norm);
	ogx_vk_buf_free(vk, &m->output);
	free(m->layers);
	free(m);
}
