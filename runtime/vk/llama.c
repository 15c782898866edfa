// SPDX-License-Identifier: GPL-2.0
/* The Llama-2 forward step on Vulkan; see llama.h. */
#include <stdio.h>
#include <stdlib.h>

#include "util/err.h"
#include "vk/buffer.h"
#include "vk/device.h"
#include "vk/llama.h"
#include "vk/llama_priv.h"
#include "vk/ops.h"
#include "vk/prog.h"

/* Matrix src as the device's dst; what names it in errors. */
static int upload_matrix(struct ogx_vk_upload *up, const struct ogx_matrix *src, const char *what,
			 struct vk_matrix *dst)
{
	if (!ogx_vk_wtype_supported(src->type))
		return ogx_fail(-ENOTSUP, "tensor '%s': type %s has no Vulkan kernel", what,
				ogx_wtype_name(src->type));
	dst->type = src->type;
	dst->rows = src->rows;
	dst->cols = src->cols;
	return ogx_vk_buf_weights(up, src->data, ogx_wtype_row_bytes(src->type, src->cols) *
				  src->rows, what, &dst->buf);
}

/* Layer l's matrix src, named as in GGUF files ("blk.<l>.<name>"). */
static int upload_layer_matrix(struct ogx_vk_upload *up, const struct ogx_matrix *src,
			       const char *name, unsigned l, struct vk_matrix *dst)
{
	char what[64];

	snprintf(what, sizeof(what), "blk.%u.%s", l, name);
	return upload_matrix(up, src, what, dst);
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
		err = err ?: upload_layer_matrix(up, &s->wq, "attn_q", l, &d->wq);
		err = err ?: upload_layer_matrix(up, &s->wk, "attn_k", l, &d->wk);
		err = err ?: upload_layer_matrix(up, &s->wv, "attn_v", l, &d->wv);
		err = err ?: upload_layer_matrix(up, &s->wo, "attn_output", l, &d->wo);
		err = err ?: upload_layer_matrix(up, &s->w1, "ffn_gate", l, &d->w1);
		err = err ?: upload_layer_matrix(up, &s->w2, "ffn_down", l, &d->w2);
		err = err ?: upload_layer_matrix(up, &s->w3, "ffn_up", l, &d->w3);
	}
	err = err ?: upload_floats(up, m->w->out_norm, c->dim, "output_norm", &m->out_norm);
	return err ?: upload_matrix(up, &m->w->output, "output", &m->output);
}

/* prefix + part in what: a buffer's name in errors ("batch hb"). */
static const char *named(char what[32], const char *prefix, const char *part)
{
	snprintf(what, 32, "%s%s", prefix, part);
	return what;
}

int ogx_vk_acts_alloc(const struct ogx_vk_llama *m, struct ogx_vk_upload *up, uint32_t nt,
		  const char *prefix, struct vk_acts *a)
{
	size_t d = (size_t)nt * m->cfg.dim * 4, h = (size_t)nt * m->cfg.hidden_dim * 4;
	char what[32];
	int err;

	err = ogx_vk_buf_alloc(m->vk, d, named(what, prefix, "x"), &a->x);
	err = err ?: ogx_vk_buf_scratch(up, d, named(what, prefix, "q"), &a->q);
	err = err ?: ogx_vk_buf_scratch(up, d, named(what, prefix, "xb"), &a->xb);
	err = err ?: ogx_vk_buf_scratch(up, h, named(what, prefix, "hb"), &a->hb);
	return err ?: ogx_vk_buf_scratch(up, h, named(what, prefix, "hb2"), &a->hb2);
}

void ogx_vk_acts_free(struct ogx_vk *vk, struct vk_acts *a)
{
	struct ogx_vk_buf *bufs[] = { &a->x, &a->q, &a->xb, &a->hb, &a->hb2 };

	for (unsigned i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		ogx_vk_buf_free(vk, bufs[i]);
}

/* A sequence's buffers: its KV cache, the step's and the prompt batch's activations. */
static int seq_buffers(struct ogx_vk_llama_seq *s, struct ogx_vk_upload *up)
{
	const struct ogx_vk_llama *m = s->m;
	const struct ogx_llama_config *c = &m->cfg;
	size_t cache = (size_t)c->seq_len * m->kv_dim * 4;
	struct ogx_vk *vk = m->vk;
	int err = 0;

	for (uint32_t l = 0; !err && l < c->n_layers; l++) {
		err = ogx_vk_buf_scratch(up, cache, "key cache", &s->k[l]);
		err = err ?: ogx_vk_buf_scratch(up, cache, "value cache", &s->v[l]);
	}
	err = err ?: ogx_vk_acts_alloc(m, up, 1, "", &s->step);
	err = err ?: ogx_vk_buf_readback(vk, (size_t)c->vocab_size * 4, "logits", &s->logits);
	err = err ?: ogx_vk_buf_readback(vk, 4, "argmax", &s->best);
	err = err ?: ogx_vk_buf_alloc(vk, 16, "params", &s->params);
	if (!err && m->nt)
		err = ogx_vk_acts_alloc(m, up, m->nt, "batch ", &s->batch);
	return err;
}

/* The step, and the prompt batch of m->nt tokens (layers only: the last token is a step). */
static int record_seq(struct ogx_vk_llama_seq *s)
{
	struct vk_rows step = {
		.kind = VK_ROWS_STEP, .nt = 1, .a = &s->step, .params = &s->params,
		.logits = &s->logits, .best = &s->best, .seq = s,
	};
	struct vk_rows batch = {
		.kind = VK_ROWS_PROMPT, .nt = s->m->nt, .a = &s->batch, .params = &s->params,
		.seq = s,
	};
	int err = ogx_vk_record(&s->prog, s->m, &step);

	if (!err && s->m->nt)
		err = ogx_vk_record(&s->bprog, s->m, &batch);
	return err;
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
				       (float *)s->batch.x.map + (size_t)t * m->cfg.dim);
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
	return upload(m, up);
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
	s->id = m->seqs_made++;
	s->k = calloc(m->cfg.n_layers, sizeof(*s->k));
	s->v = calloc(m->cfg.n_layers, sizeof(*s->v));
	if (!s->k || !s->v)
		return -ENOMEM;
	return seq_buffers(s, up);
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
	ogx_matrix_row(&m->w->tok_embd, token, s->step.x.map);
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
	ogx_vk_prog_free(&s->prog);
	ogx_vk_prog_free(&s->bprog);
	for (uint32_t l = 0; s->k && s->v && l < s->m->cfg.n_layers; l++) {
		ogx_vk_buf_free(vk, &s->k[l]);
		ogx_vk_buf_free(vk, &s->v[l]);
	}
	ogx_vk_acts_free(vk, &s->step);
	ogx_vk_acts_free(vk, &s->batch);
	ogx_vk_buf_free(vk, &s->logits);
	ogx_vk_buf_free(vk, &s->best);
	ogx_vk_buf_free(vk, &s->params);
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
	for (uint32_t l = 0; m->layers && l < m->cfg.n_layers; l++) {
		struct vk_layer *d = &m->layers[l];
		struct ogx_vk_buf *bufs[] = { &d->attn_norm, &d->ffn_norm, &d->wq.buf, &d->wk.buf,
					      &d->wv.buf, &d->wo.buf, &d->w1.buf, &d->w2.buf,
					      &d->w3.buf };

		for (unsigned i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
			ogx_vk_buf_free(vk, bufs[i]);
	}
	ogx_vk_buf_free(vk, &m->out_norm);
	ogx_vk_buf_free(vk, &m->output.buf);
	free(m->layers);
	free(m);
}
