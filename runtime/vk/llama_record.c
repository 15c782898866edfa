// SPDX-License-Identifier: GPL-2.0
/*
 * The Llama programs, recorded by one function for the three kinds of rows
 * (llama_priv.h): a sequence's step (one token, mat-vecs), its prompt batch
 * and the joint step of several sequences (nt token rows, mat-mats reading
 * each weight row once for all of them). A layer is, whatever the rows:
 *
 *   q, k, v of the normalised x (RoPE fused), k and v into the KV cache
 *   attention into xb
 *   x += wo xb
 *   hb = w1 x, hb2 = w3 x (normalised by ffn_norm)
 *   x += w2 (silu(hb) * hb2)
 *
 * with a barrier only after each dependent group; then the classifier
 * (final RMSNorm fused) and an argmax per row. What differs is only the op
 * (mat-vec or mat-mat), where a token's position comes from (POSTAB for the
 * joint step) and where K and V go and are attended over (attend()). The
 * mat-mat sums each row in the mat-vec's order, so the three agree bit for
 * bit.
 */
#include "vk/device.h"
#include "vk/llama_priv.h"

/* The settings every weight op of m shares; flags are set per op. */
static struct ogx_vk_matvec base(const struct ogx_vk_llama *m)
{
	return (struct ogx_vk_matvec){
		.eps = m->cfg.norm_eps,
		.theta = m->cfg.rope_theta,
		.head = m->head_size,
	};
}

/*
 * y = W x for r's rows with mv's flags: a mat-vec for a step, else a
 * mat-mat of r->nt rows, token t's outputs a row of y (or, kv_cache, the
 * cache row of its position).
 */
static int weights(struct ogx_vk_prog *p, const struct vk_rows *r, struct ogx_vk_matvec mv,
		   const struct vk_matrix *w, const struct ogx_vk_buf *x,
		   const struct ogx_vk_buf *y, const struct ogx_vk_buf *aux, bool kv_cache)
{
	mv.type = w->type;
	mv.k = w->cols;
	mv.m = w->rows;
	mv.ypos = kv_cache ? w->rows : 0;
	if (r->kind == VK_ROWS_STEP)
		return ogx_vk_op_matvec(p, &mv, &w->buf, x, y, aux, r->params);
	mv.ystride = kv_cache ? 0 : w->rows;
	return ogx_vk_op_matmul(p, &mv, r->nt, &w->buf, x, y, aux, r->params);
}

/*
 * The joint step's part where the streams differ: each stream's K/V row
 * into its own caches at its own position, then its attention over them.
 * One dispatch of each for all n streams (kv_store_streams,
 * attention_streams): a layer is 9 dispatches instead of 7 + 2n (a small
 * gain on lavapipe, where a dispatch costs little next to the mat-mats'
 * work: benchmarks.md, "On the Vulkan engine"). Each sequence
 * keeps its own cache buffers (one buffer for all of a model's caches,
 * addressed by a per-row offset, would change how sequences are made and
 * freed) and the shaders take up to 8 of them as separate bindings chosen
 * by a switch on the row, which core Vulkan 1.0 allows without descriptor
 * indexing; a device whose limits allow fewer than those 19 storage
 * buffers per stage gets a dispatch per stream, as does vk->streams_apart
 * (tests, benchmarks). Either way a row's attention is the body a sequence
 * stepped alone runs (attention.glsl), summed in the same order.
 */
static int attend_streams(struct ogx_vk_prog *p, const struct ogx_vk_llama *m,
			  const struct vk_rows *r, uint32_t l)
{
	const struct ogx_llama_config *c = &m->cfg;
	const struct ogx_vk_buf *kc[VK_LLAMA_MAX_NT], *vc[VK_LLAMA_MAX_NT];
	struct ogx_vk_llama_seq *const *seqs = r->seqs;
	uint32_t n = r->nt;
	int err = 0;

	if (ogx_vk_streams_bindable(m->vk) && !m->vk->streams_apart) {
		for (uint32_t i = 0; i < n; i++) {
			kc[i] = &seqs[i]->k[l];
			vc[i] = &seqs[i]->v[l];
		}
		err = ogx_vk_op_kv_store_streams(p, m->kv_dim, c->seq_len, n, r->k, r->v, kc, vc,
						 r->params);
		ogx_vk_prog_barrier(p);
		err = err ?: ogx_vk_op_attention_streams(p, c->n_heads, c->n_kv_heads,
							 m->head_size, c->seq_len, n, &r->a->q,
							 kc, vc, &r->a->xb, r->params);
		ogx_vk_prog_barrier(p);
		return err;
	}
	for (uint32_t i = 0; !err && i < n; i++)
		err = ogx_vk_op_kv_store(p, m->kv_dim, c->seq_len, i, r->k, r->v, &seqs[i]->k[l],
					 &seqs[i]->v[l], &seqs[i]->params);
	ogx_vk_prog_barrier(p);
	for (uint32_t i = 0; !err && i < n; i++)
		err = ogx_vk_op_attention_row(p, c->n_heads, c->n_kv_heads, m->head_size,
					      c->seq_len, i, &r->a->q, &seqs[i]->k[l],
					      &seqs[i]->v[l], &r->a->xb, &seqs[i]->params);
	ogx_vk_prog_barrier(p);
	return err;
}

/* Attention of layer l into xb, after a barrier (q, k and v are written). */
static int attend(struct ogx_vk_prog *p, const struct ogx_vk_llama *m, const struct vk_rows *r,
		  uint32_t l)
{
	const struct ogx_llama_config *c = &m->cfg;
	const struct ogx_vk_llama_seq *s = r->seq;
	int err;

	switch (r->kind) {
	case VK_ROWS_STEP:
		err = ogx_vk_op_attention(p, c->n_heads, c->n_kv_heads, m->head_size, c->seq_len,
					  &r->a->q, &s->k[l], &s->v[l], &r->a->xb, r->params);
		break;
	case VK_ROWS_PROMPT:
		err = ogx_vk_op_attention_batch(p, c->n_heads, c->n_kv_heads, m->head_size,
						c->seq_len, r->nt, &r->a->q, &s->k[l], &s->v[l],
						&r->a->xb, r->params);
		break;
	default:
		return attend_streams(p, m, r, l);
	}
	ogx_vk_prog_barrier(p);
	return err;
}

static int record_layer(struct ogx_vk_prog *p, const struct ogx_vk_llama *m,
			const struct vk_rows *r, uint32_t l)
{
	const struct vk_layer *L = &m->layers[l];
	const struct vk_acts *a = r->a;
	bool joint = r->kind == VK_ROWS_STREAMS;
	const struct ogx_vk_buf *k = joint ? r->k : &r->seq->k[l];
	const struct ogx_vk_buf *v = joint ? r->v : &r->seq->v[l];
	unsigned pos = joint ? OGX_VK_MV_POSTAB : 0;
	struct ogx_vk_matvec mv = base(m);
	int err;

	mv.flags = OGX_VK_MV_NORM | OGX_VK_MV_ROPE | pos;
	err = weights(p, r, mv, &L->wq, &a->x, &a->q, &L->attn_norm, false);
	err = err ?: weights(p, r, mv, &L->wk, &a->x, k, &L->attn_norm, !joint);
	mv.flags = OGX_VK_MV_NORM | pos;
	err = err ?: weights(p, r, mv, &L->wv, &a->x, v, &L->attn_norm, !joint);
	ogx_vk_prog_barrier(p);
	err = err ?: attend(p, m, r, l);
	mv.flags = OGX_VK_MV_ACC;
	err = err ?: weights(p, r, mv, &L->wo, &a->xb, &a->x, NULL, false);
	ogx_vk_prog_barrier(p);
	mv.flags = OGX_VK_MV_NORM;
	err = err ?: weights(p, r, mv, &L->w1, &a->x, &a->hb, &L->ffn_norm, false);
	err = err ?: weights(p, r, mv, &L->w3, &a->x, &a->hb2, &L->ffn_norm, false);
	ogx_vk_prog_barrier(p);
	mv.flags = OGX_VK_MV_GLU | OGX_VK_MV_ACC;
	err = err ?: weights(p, r, mv, &L->w2, &a->hb, &a->x, &a->hb2, false);
	ogx_vk_prog_barrier(p);
	return err;
}

/* The classifier (final RMSNorm fused) into r->logits, then each row's greedy choice. */
static int record_logits(struct ogx_vk_prog *p, const struct ogx_vk_llama *m,
			 const struct vk_rows *r)
{
	struct ogx_vk_matvec mv = base(m);
	int err;

	mv.flags = OGX_VK_MV_NORM;
	err = weights(p, r, mv, &m->output, &r->a->x, r->logits, &m->out_norm, false);
	ogx_vk_prog_barrier(p);
	for (uint32_t t = 0; !err && t < r->nt; t++)
		err = ogx_vk_op_argmax_row(p, m->cfg.vocab_size, t, r->logits, r->best);
	return err;
}

/* Dispatches of r's program: 7 weight ops and the attention a layer, the logits. */
static unsigned dispatches(const struct ogx_vk_llama *m, const struct vk_rows *r)
{
	unsigned attention = r->kind == VK_ROWS_STREAMS ? 2 * r->nt : 1;

	return m->cfg.n_layers * (7 + attention) + (r->logits ? 1 + r->nt : 0);
}

int ogx_vk_record(struct ogx_vk_prog *p, const struct ogx_vk_llama *m, const struct vk_rows *r)
{
	int err = ogx_vk_prog_begin(m->vk, dispatches(m, r), p);

	for (uint32_t l = 0; !err && l < m->cfg.n_layers; l++)
		err = record_layer(p, m, r, l);
	if (!err && r->logits)
		err = record_logits(p, m, r);
	return err ?: ogx_vk_prog_end(p);
}
