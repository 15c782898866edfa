/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Llama engine's state, shared by llama.c (the weights, a sequence and
 * its step and prompt batches), llama_streams.c (the joint step of several
 * sequences) and llama_record.c (the program of each, recorded by one
 * function). Not for other users: they go through vk/llama.h and
 * vk/llama_streams.h.
 */
#ifndef OGX_VK_LLAMA_PRIV_H
#define OGX_VK_LLAMA_PRIV_H

#include "model/llama.h"
#include "util/err.h"
#include "vk/buffer.h"
#include "vk/ops.h"
#include "vk/prog.h"

/*
 * The most tokens a mat-mat takes (ogx_vk_matmul_max_tokens() starts there),
 * and so the most streams of a joint step (OGX_VK_MAX_STREAMS in ops.h).
 */
#define VK_LLAMA_MAX_NT OGX_VK_MAX_STREAMS

/* A weight matrix on the device: rows of cols elements of type, as on the host. */
struct vk_matrix {
	struct ogx_vk_buf buf;
	enum ogx_wtype type;
	uint32_t rows, cols;
};

struct vk_layer {
	struct ogx_vk_buf attn_norm, ffn_norm;
	struct vk_matrix wq, wk, wv, wo, w1, w2, w3;
};

/* The weights on the device, shared by every sequence. */
struct ogx_vk_llama {
	struct ogx_vk *vk;
	const struct ogx_llama_weights *w;
	struct ogx_llama_config cfg;
	uint32_t head_size, kv_dim;
	struct vk_layer *layers;
	struct ogx_vk_buf out_norm;
	struct vk_matrix output;
	uint32_t nt;			/* prompt tokens per batch submission; 0: none */
	uint64_t seqs_made;		/* the next sequence's id */
	struct ogx_vk_llama_seq *seq0;	/* ogx_vk_llama_init()'s, or NULL */
};

/* Activations of nt token rows ([nt][dim], hb and hb2 [nt][hidden_dim]); the host writes x. */
struct vk_acts {
	struct ogx_vk_buf x, q, xb, hb, hb2;
};

/*
 * One sequence: its KV cache, its activations and its two programs (their
 * descriptor sets bind this sequence's buffers with the shared weights).
 * params: word 0 the position (a prompt batch's first), word 1 the batch's
 * token count.
 */
struct ogx_vk_llama_seq {
	struct ogx_vk_llama *m;
	uint64_t id;			/* unique among m's sequences, never reused */
	struct ogx_vk_buf *k, *v;	/* per layer */
	struct vk_acts step;
	struct ogx_vk_buf logits, best, params;
	struct ogx_vk_prog prog;
	/* Prompt batches of m->nt tokens (when m->nt): a program of layers only. */
	struct vk_acts batch;
	struct ogx_vk_prog bprog;
};

/* The nt token rows of activations, what prefix says in errors ("batch ", ...), into up. */
OGX_MUST_CHECK
int ogx_vk_acts_alloc(const struct ogx_vk_llama *m, struct ogx_vk_upload *up, uint32_t nt,
		  const char *prefix, struct vk_acts *a);
void ogx_vk_acts_free(struct ogx_vk *vk, struct vk_acts *a);

/* What a program is recorded for (llama_record.c). */
enum vk_rows_kind {
	VK_ROWS_STEP,		/* one token at position params[0]: mat-vecs */
	VK_ROWS_PROMPT,		/* tokens t < params[1] of a batch at params[0] + t: mat-mats */
	VK_ROWS_STREAMS,	/* token t of sequence seqs[t], at params[2 + t]: mat-mats */
};

/*
 * The nt token rows a program runs over. A sequence's step and prompt batch
 * write K and V straight into its cache rows; the joint step writes them
 * into rows of its own (k, v: [nt][kv_dim]), then each into its sequence's
 * cache, and each row attends over its own sequence's cache.
 */
struct vk_rows {
	enum vk_rows_kind kind;
	uint32_t nt;				/* 1 for a step */
	const struct vk_acts *a;
	const struct ogx_vk_buf *params;
	const struct ogx_vk_buf *logits, *best;	/* nt rows of each; NULL: layers only */
	const struct ogx_vk_llama_seq *seq;	/* STEP, PROMPT: whose KV cache */
	const struct ogx_vk_buf *k, *v;		/* STREAMS: the K and V rows */
	struct ogx_vk_llama_seq *const *seqs;	/* STREAMS: row t's sequence */
};

/*
 * Record into p the program of m's layers for r, then (when r->logits) the
 * classifier and each row's argmax: the one place the layer program is
 * written, for the step, the prompt batch and the joint step alike.
 */
OGX_MUST_CHECK
int ogx_vk_record(struct ogx_vk_prog *p, const struct ogx_vk_llama *m, const struct vk_rows *r);

#endif
