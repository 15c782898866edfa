// SPDX-License-Identifier: GPL-2.0
/*
 * One decode step for several sequences in one submission (continuous
 * batching on the device; see llama_streams.h).
 *
 * The n streams' vectors are the rows of one [n][...] activation buffer, so
 * every weight matmul is the prompt path's mat-mat (shaders/matmul.glsl)
 * reading each weight row once for all n tokens, with each token's RoPE at
 * its own position (POSTAB: positions from a table, not p0 + t). Where the
 * streams differ (each K/V row into its own sequence's caches at its own
 * position, then attention over them), one dispatch for all streams
 * (kv_store_streams.comp, attention_streams.comp: each sequence's caches
 * are bindings of their own, see llama_record.c), or a dispatch per
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
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "vk/device.h"
#include "vk/llama.h"
#include "vk/llama_priv.h"
#include "vk/llama_streams.h"

/*
 * [nt][...] rows of activations, one per stream, and a program per stream
 * count n, recorded for the sequences it was last asked with (their caches
 * are bound in it; ids, not addresses: a sequence freed and another made at
 * its address is not the same). params: word 1 the stream count, word
 * 2 + t stream t's position (the mat-mats' RoPE, kv_store_streams and
 * attention_streams read it there).
 */
struct ogx_vk_llama_streams {
	struct ogx_vk_llama *m;
	struct vk_acts a;
	struct ogx_vk_buf k, v, logits, best, params;
	struct ogx_vk_prog prog[VK_LLAMA_MAX_NT + 1];
	uint64_t ids[VK_LLAMA_MAX_NT + 1][VK_LLAMA_MAX_NT];
};

static int buffers(struct ogx_vk_llama_streams *st, struct ogx_vk_upload *up)
{
	const struct ogx_vk_llama *m = st->m;
	struct ogx_vk *vk = m->vk;
	size_t nt = m->nt, kv = m->kv_dim;
	int err;

	err = ogx_vk_acts_alloc(m, up, m->nt, "streams ", &st->a);
	err = err ?: ogx_vk_buf_scratch(up, nt * kv * 4, "streams k", &st->k);
	err = err ?: ogx_vk_buf_scratch(up, nt * kv * 4, "streams v", &st->v);
	err = err ?: ogx_vk_buf_readback(vk, nt * m->cfg.vocab_size * 4, "streams logits",
					 &st->logits);
	err = err ?: ogx_vk_buf_readback(vk, nt * 4, "streams argmax", &st->best);
	return err ?: ogx_vk_buf_alloc(vk, (2 + nt) * 4, "streams params", &st->params);
}

int ogx_vk_llama_streams_new(struct ogx_vk_llama *m, struct ogx_vk_llama_streams **out)
{
	struct ogx_vk_llama_streams *st = calloc(1, sizeof(*st));
	struct ogx_vk_upload up;
	int err;

	*out = NULL;
	if (!st)
		return -ENOMEM;
	st->m = m;
	if (!m->nt) {
		*out = st;
		return 0;
	}
	ogx_vk_upload_begin(m->vk, &up);
	err = buffers(st, &up);
	/* Always: it frees the staging memory, also after an error. */
	err = ogx_vk_upload_end(&up) ?: err;
	if (err) {
		ogx_vk_llama_streams_free(st);
		return err;
	}
	*out = st;
	return 0;
}

void ogx_vk_llama_streams_free(struct ogx_vk_llama_streams *st)
{
	struct ogx_vk *vk;

	if (!st)
		return;
	vk = st->m->vk;
	for (unsigned int n = 1; n <= VK_LLAMA_MAX_NT; n++)
		ogx_vk_prog_free(&st->prog[n]);
	ogx_vk_acts_free(vk, &st->a);
	ogx_vk_buf_free(vk, &st->k);
	ogx_vk_buf_free(vk, &st->v);
	ogx_vk_buf_free(vk, &st->logits);
	ogx_vk_buf_free(vk, &st->best);
	ogx_vk_buf_free(vk, &st->params);
	free(st);
}

/* Whether prog[n] was recorded for seqs[0..n) (and not for sequences since freed). */
static bool recorded_for(const struct ogx_vk_llama_streams *st,
			 struct ogx_vk_llama_seq *const *seqs, unsigned int n)
{
	if (!st->prog[n].ended)
		return false;
	for (unsigned int i = 0; i < n; i++)
		if (st->ids[n][i] != seqs[i]->id)
			return false;
	return true;
}

/* The program for seqs[0..n): the kept one when it was recorded for them. */
static int program(struct ogx_vk_llama_streams *st, struct ogx_vk_llama_seq *const *seqs,
		   unsigned int n, struct ogx_vk_prog **out)
{
	struct ogx_vk_prog *p = &st->prog[n];
	struct vk_rows r = {
		.kind = VK_ROWS_STREAMS, .nt = n, .a = &st->a, .params = &st->params,
		.logits = &st->logits, .best = &st->best, .k = &st->k, .v = &st->v, .seqs = seqs,
	};
	int err;

	*out = p;
	if (recorded_for(st, seqs, n))
		return 0;
	ogx_vk_prog_free(p);
	err = ogx_vk_record(p, st->m, &r);
	if (err) {
		ogx_vk_prog_free(p);
		return err;
	}
	for (unsigned int i = 0; i < n; i++)
		st->ids[n][i] = seqs[i]->id;
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
static int run(struct ogx_vk_llama_streams *st, struct ogx_vk_llama_seq *const *seqs,
	       const uint32_t *tokens, const uint32_t *pos, unsigned int n, struct ogx_vk_prog *p)
{
	const struct ogx_vk_llama *m = st->m;
	uint32_t *params = st->params.map;

	params[0] = 0;
	params[1] = n;
	for (unsigned int i = 0; i < n; i++) {
		ogx_matrix_row(&m->w->tok_embd, tokens[i],
			       (float *)st->a.x.map + (size_t)i * m->cfg.dim);
		params[2 + i] = pos[i];
		((uint32_t *)seqs[i]->params.map)[0] = pos[i];
	}
	return ogx_vk_prog_run(p);
}

int ogx_vk_llama_forward_streams(struct ogx_vk_llama_streams *st,
				 struct ogx_vk_llama_seq *const *seqs, const uint32_t *tokens,
				 const uint32_t *pos, unsigned int n, const float **logits,
				 uint32_t *argmax)
{
	struct ogx_vk_prog *p;
	int err;

	err = check(st->m, seqs, tokens, pos, n);
	if (err)
		return err;
	/* One stream: its own step is the same logits, without a program of its own. */
	if (n == 1)
		return ogx_vk_llama_seq_forward(seqs[0], tokens[0], pos[0], logits, argmax);
	err = program(st, seqs, n, &p);
	err = err ?: run(st, seqs, tokens, pos, n, p);
	if (err)
		return err;
	if (logits)
		*logits = st->logits.map;
	if (argmax)
		memcpy(argmax, st->best.map, n * sizeof(*argmax));
	return 0;
}
