// SPDX-License-Identifier: GPL-2.0
/*
 * One decode step for several sequences in one submission (continuous
 * batching on the device; see ogx_vk_llama_forward_streams() in llama.h).
 *
 * The n streams' vectors are the rows of one [n][...] activation buffer, so
 * every weight matmul is the prompt path's mat-mat (shaders/matmul.glsl)
 * reading each weight row once for all n tokens, with each token's RoPE at
 * its own position (POSTAB: positions from a table, not p0 + t). Where the
 * streams differ (each K/V row into its own sequence's caches at its own
 * position, then attention over them), one dispatch for all streams
 * (kv_store_streams.comp, attention_streams.comp: each sequence's caches
 * are bindings of their own, see record_kv_attention()), or a dispatch per
 * stream on a device with too few bindings (kv_store.comp, attention.comp
 * on a row). Positions live in parameter words the host writes before each
 * run (the joint buffer's table, each sequence's own word for the
 * per-stream ops), so a program is recorded once per set of sequences and
 * only re-recorded when the set for a stream count changes (a stream ends,
 * another joins).
 *
 * Each stream's logits are bit for bit those of its own
 * ogx_vk_llama_seq_forward(): matmul.glsl sums a row in the order of the
 * mat-vec's split on this device (one row per invocation on CPU devices,
 * lanes and a tree on GPUs), and every attention runs attention.glsl's
 * body. tests/unit/vk_seq_test.c checks both splits and both attention
 * paths on lavapipe; a GPU compiler was not tried (none here).
 */
#include <string.h>

#include "util/err.h"
#include "vk/device.h"
#include "vk/llama.h"
#include "vk/llama_priv.h"

int vk_streams_buffers(struct ogx_vk_llama *m, struct ogx_vk_upload *up)
{
	struct vk_streams *st = &m->st;
	struct ogx_vk *vk = m->vk;
	size_t nt = m->nt, d = m->cfg.dim, h = m->cfg.hidden_dim, kv = m->kv_dim;
	int err;

	if (!nt)
		return 0;
	err = ogx_vk_buf_alloc(vk, nt * d * 4, "streams x", &st->x);
	err = err ?: ogx_vk_buf_scratch(up, nt * d * 4, "streams q", &st->q);
	err = err ?: ogx_vk_buf_scratch(up, nt * kv * 4, "streams k", &st->k);
	err = err ?: ogx_vk_buf_scratch(up, nt * kv * 4, "streams v", &st->v);
	err = err ?: ogx_vk_buf_scratch(up, nt * d * 4, "streams xb", &st->xb);
	err = err ?: ogx_vk_buf_scratch(up, nt * h * 4, "streams hb", &st->hb);
	err = err ?: ogx_vk_buf_scratch(up, nt * h * 4, "streams hb2", &st->hb2);
	err = err ?: ogx_vk_buf_readback(vk, nt * m->cfg.vocab_size * 4, "streams logits",
					 &st->logits);
	err = err ?: ogx_vk_buf_readback(vk, nt * 4, "streams argmax", &st->best);
	err = err ?: ogx_vk_buf_alloc(vk, (2 + nt) * 4, "streams params", &st->params);
	return err;
}

static void forget(struct vk_streams *st, unsigned int n)
{
	ogx_vk_prog_free(&st->prog[n]);
	memset(st->seqs[n], 0, sizeof(st->seqs[n]));
}

void vk_streams_forget(struct ogx_vk_llama *m, const struct ogx_vk_llama_seq *s)
{
	for (unsigned int n = 1; n <= VK_LLAMA_MAX_NT; n++)
		for (unsigned int i = 0; i < n; i++)
			if (m->st.seqs[n][i] == s) {
				forget(&m->st, n);
				break;
			}
}

void vk_streams_free(struct ogx_vk_llama *m)
{
	struct vk_streams *st = &m->st;
	struct ogx_vk_buf *bufs[] = { &st->x, &st->q, &st->k, &st->v, &st->xb, &st->hb,
				      &st->hb2, &st->logits, &st->best, &st->params };

	for (unsigned int n = 1; n <= VK_LLAMA_MAX_NT; n++)
		forget(st, n);
	for (unsigned int i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		ogx_vk_buf_free(m->vk, bufs[i]);
}

/*
 * The part of a layer where the streams differ: each stream's K/V row into
 * its own caches at its own position, then its attention over them. One
 * dispatch of each for all n streams (kv_store_streams, attention_streams):
 * a layer is 9 dispatches instead of 7 + 2n (on lavapipe 1.02-1.32x at 8
 * streams, noise at 2 and 4: a dispatch costs little there next to the
 * mat-mats' work; benchmarks.md). Each sequence keeps its
 * own cache buffers (seq_new/free stay as they are: one buffer for all of a
 * model's caches, addressed by a per-row offset, would change how
 * sequences are made and freed) and the shaders take up to 8 of them as
 * separate bindings chosen by a switch on the row, which core Vulkan 1.0
 * allows without descriptor indexing; a device whose limits allow fewer
 * than those 19 storage buffers per stage gets a dispatch per stream, as
 * before. Either way a row's attention is the body a sequence stepped
 * alone runs (attention.glsl), summed in the same order.
 */
static int record_kv_attention(struct ogx_vk_llama *m, struct ogx_vk_llama_seq *const *seqs,
			       unsigned int n, uint32_t l, struct ogx_vk_prog *p)
{
	const struct ogx_llama_config *c = &m->cfg;
	const struct ogx_vk_buf *kc[VK_LLAMA_MAX_NT], *vc[VK_LLAMA_MAX_NT];
	struct vk_streams *st = &m->st;
	int err = 0;

	if (ogx_vk_streams_bindable(m->vk) && !m->vk->streams_apart) {
		for (unsigned int i = 0; i < n; i++) {
			kc[i] = &seqs[i]->k[l];
			vc[i] = &seqs[i]->v[l];
		}
		err = ogx_vk_op_kv_store_streams(p, m->kv_dim, c->seq_len, n, &st->k, &st->v, kc,
						 vc, &st->params);
		ogx_vk_prog_barrier(p);
		err = err ?: ogx_vk_op_attention_streams(p, c->n_heads, c->n_kv_heads,
							 m->head_size, c->seq_len, n, &st->q, kc,
							 vc, &st->xb, &st->params);
		ogx_vk_prog_barrier(p);
		return err;
	}
	for (unsigned int i = 0; !err && i < n; i++)
		err = ogx_vk_op_kv_store(p, m->kv_dim, c->seq_len, i, &st->k, &st->v,
					 &seqs[i]->k[l], &seqs[i]->v[l], &seqs[i]->params);
	ogx_vk_prog_barrier(p);
	for (unsigned int i = 0; !err && i < n; i++)
		err = ogx_vk_op_attention_row(p, c->n_heads, c->n_kv_heads, m->head_size,
					      c->seq_len, i, &st->q, &seqs[i]->k[l],
					      &seqs[i]->v[l], &st->xb, &seqs[i]->params);
	ogx_vk_prog_barrier(p);
	return err;
}

/* The joint step of seqs[0..n), as llama.c's record() is one sequence's. */
static int record(struct ogx_vk_llama *m, struct ogx_vk_llama_seq *const *seqs, unsigned int n,
		  struct ogx_vk_prog *p)
{
	const struct ogx_llama_config *c = &m->cfg;
	struct vk_streams *st = &m->st;
	struct vk_rows r = { &st->x, &st->q, &st->k, &st->v, &st->xb, &st->hb, &st->hb2,
			     &st->params };
	struct ogx_vk_matvec mv = { .eps = c->norm_eps, .flags = OGX_VK_MV_NORM,
				    .type = m->tout, .k = c->dim, .m = c->vocab_size,
				    .ystride = c->vocab_size };
	int err = ogx_vk_prog_begin(m->vk, c->n_layers * (7 + 2 * n) + 1 + n, p);

	for (uint32_t l = 0; !err && l < c->n_layers; l++) {
		err = vk_record_qkv(p, m, l, n, &r, OGX_VK_MV_POSTAB, 0, m->kv_dim);
		err = err ?: record_kv_attention(m, seqs, n, l, p);
		err = err ?: vk_record_ffn(p, m, l, n, &r);
	}
	err = err ?: ogx_vk_op_matmul(p, &mv, n, &m->output, &st->x, &st->logits, &m->out_norm,
				      &st->params);
	ogx_vk_prog_barrier(p);
	for (unsigned int i = 0; !err && i < n; i++)
		err = ogx_vk_op_argmax_row(p, c->vocab_size, i, &st->logits, &st->best);
	return err ?: ogx_vk_prog_end(p);
}

/* The program for seqs[0..n): the cached one when it was recorded for them. */
static int program(struct ogx_vk_llama *m, struct ogx_vk_llama_seq *const *seqs, unsigned int n,
		   struct ogx_vk_prog **out)
{
	struct vk_streams *st = &m->st;
	int err;

	if (st->prog[n].ended && !memcmp(st->seqs[n], seqs, n * sizeof(*seqs))) {
		*out = &st->prog[n];
		return 0;
	}
	forget(st, n);
	err = record(m, seqs, n, &st->prog[n]);
	if (err) {
		forget(st, n);
		return err;
	}
	memcpy(st->seqs[n], seqs, n * sizeof(*seqs));
	*out = &st->prog[n];
	return 0;
}

unsigned int ogx_vk_llama_streams_max(const struct ogx_vk_llama *m)
{
	return m->nt ? m->nt : 1;
}

static int check(const struct ogx_vk_llama *m, struct ogx_vk_llama_seq *const *seqs,
		 const uint32_t *tokens, const uint32_t *pos, unsigned int n)
{
	const struct ogx_llama_config *c = &m->cfg;

	if (!n)
		return ogx_fail(-EINVAL, "a joint step of no streams");
	if (n > ogx_vk_llama_streams_max(m))
		return ogx_fail(-E2BIG, "%u streams in one step, %s takes %u at most", n,
				m->vk->desc.name, ogx_vk_llama_streams_max(m));
	for (unsigned int i = 0; i < n; i++) {
		if (!seqs[i] || seqs[i]->m != m)
			return ogx_fail(-EINVAL, "stream %u: not a sequence of this model", i);
		for (unsigned int j = 0; j < i; j++)
			if (seqs[j] == seqs[i])
				return ogx_fail(-EINVAL, "streams %u and %u: the same sequence",
						j, i);
		if (tokens[i] >= c->vocab_size)
			return ogx_fail(-EINVAL, "stream %u: token %u is outside the vocabulary "
					"(%u)", i, tokens[i], c->vocab_size);
		if (pos[i] >= c->seq_len)
			return ogx_fail(-EINVAL, "stream %u: position %u is past the context (%u)",
					i, pos[i], c->seq_len);
	}
	return 0;
}

/* Each stream's embedding row and position (the joint table, its own word), then run. */
static int run(struct ogx_vk_llama *m, struct ogx_vk_llama_seq *const *seqs,
	       const uint32_t *tokens, const uint32_t *pos, unsigned int n, struct ogx_vk_prog *p)
{
	struct vk_streams *st = &m->st;
	uint32_t *params = st->params.map;

	params[0] = 0;
	params[1] = n;
	for (unsigned int i = 0; i < n; i++) {
		ogx_matrix_row(&m->w->tok_embd, tokens[i], (float *)st->x.map + (size_t)i * m->cfg.dim);
		params[2 + i] = pos[i];
		((uint32_t *)seqs[i]->params.map)[0] = pos[i];
	}
	return ogx_vk_prog_run(p);
}

int ogx_vk_llama_forward_streams(struct ogx_vk_llama *m, struct ogx_vk_llama_seq *const *seqs,
				 const uint32_t *tokens, const uint32_t *pos, unsigned int n,
				 const float **logits, uint32_t *argmax)
{
	struct vk_streams *st = &m->st;
	struct ogx_vk_prog *p;
	int err;

	err = check(m, seqs, tokens, pos, n);
	if (err)
		return err;
	/* One stream: its own step is the same logits, without a program of its own. */
	if (n == 1)
		return ogx_vk_llama_seq_forward(seqs[0], tokens[0], pos[0], logits, argmax);
	err = program(m, seqs, n, &p);
	err = err ?: run(m, seqs, tokens, pos, n, p);
	if (err)
		return err;
	if (logits)
		*logits = st->logits.map;
	if (argmax)
		memcpy(argmax, st->best.map, n * sizeof(*argmax));
	return 0;
}
