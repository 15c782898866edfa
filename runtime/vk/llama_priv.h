/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Llama engine's state, shared by llama.c (the weights, a sequence's
 * step and prompt batches) and llama_streams.c (one step for several
 * sequences). Not for other users: they go through vk/llama.h.
 */
#ifndef OGX_VK_LLAMA_PRIV_H
#define OGX_VK_LLAMA_PRIV_H

#include "model/llama.h"
#include "vk/buffer.h"
#include "vk/ops.h"
#include "vk/prog.h"

/*
 * The most tokens a mat-mat takes (ogx_vk_matmul_max_tokens() starts there),
 * and so the most streams of a joint step (OGX_VK_MAX_STREAMS in ops.h).
 */
#define VK_LLAMA_MAX_NT OGX_VK_MAX_STREAMS

struct vk_layer {
	struct ogx_vk_buf attn_norm, ffn_norm, wq, wk, wv, wo, w1, w2, w3;
	enum ogx_wtype tq, tk, tv, to, t1, t2, t3;
};

/*
 * The joint step of several sequences (llama_streams.c): [nt][...] rows of
 * activations, one per stream, and a program per stream count n, recorded
 * for the sequences it was last asked with (their caches are bound in it).
 * params: word 1 the stream count, word 2 + t stream t's position (the
 * mat-mats' RoPE, kv_store_streams and attention_streams read it there).
 */
struct vk_streams {
	struct ogx_vk_buf x, q, k, v, xb, hb, hb2, logits, best, params;
	struct ogx_vk_prog prog[VK_LLAMA_MAX_NT + 1];
	struct ogx_vk_llama_seq *seqs[VK_LLAMA_MAX_NT + 1][VK_LLAMA_MAX_NT];
};

/* The weights on the device, shared by every sequence. */
struct ogx_vk_llama {
	struct ogx_vk *vk;
	const struct ogx_llama_weights *w;
	struct ogx_llama_config cfg;
	uint32_t head_size, kv_dim;
	struct vk_layer *layers;
	struct ogx_vk_buf out_norm, output;
	enum ogx_wtype tout;
	uint32_t nt;			/* prompt tokens per batch submission; 0: none */
	struct ogx_vk_llama_seq *seq0;	/* ogx_vk_llama_init()'s, or NULL */
	struct vk_streams st;		/* buffers only when nt */
};

/*
 * One sequence: its KV cache, its activations and its two programs (their
 * descriptor sets bind this sequence's buffers with the shared weights).
 */
struct ogx_vk_llama_seq {
	struct ogx_vk_llama *m;
	struct ogx_vk_buf *k, *v;	/* per layer */
	struct ogx_vk_buf x, xb, q, hb, hb2, logits, best, params;
	struct ogx_vk_prog prog;
	/* Prompt batches of m->nt tokens: [nt][...] activations, a program of layers only. */
	struct ogx_vk_buf bx, bq, bxb, bhb, bhb2;
	struct ogx_vk_prog bprog;
};

/* The [nt][...] rows a layer's mat-mats read and write (k, v: see vk_record_qkv()). */
struct vk_rows {
	const struct ogx_vk_buf *x, *q, *k, *v, *xb, *hb, *hb2, *params;
};

/*
 * llama.c: a layer's mat-mats for nt token rows (prompt batches and the
 * joint step). vk_record_qkv(): q, k, v of the normalised x, flags added
 * (POSTAB), token t's k and v rows at t * kv_ystride + pos * kv_ypos (cache
 * rows, or a row per token). vk_record_ffn(), after attention into xb: x +=
 * wo xb, then the SwiGLU FFN into x. Each ends with a barrier.
 */
int vk_record_qkv(struct ogx_vk_prog *p, const struct ogx_vk_llama *m, uint32_t l, uint32_t nt,
		  const struct vk_rows *r, unsigned flags, uint32_t kv_ypos, uint32_t kv_ystride);
int vk_record_ffn(struct ogx_vk_prog *p, const struct ogx_vk_llama *m, uint32_t l, uint32_t nt,
		  const struct vk_rows *r);

/* llama_streams.c: the joint step's buffers at load (into up), and their end. */
int vk_streams_buffers(struct ogx_vk_llama *m, struct ogx_vk_upload *up);
void vk_streams_free(struct ogx_vk_llama *m);
/* Drop the joint-step programs that bind s (s is being freed). */
void vk_streams_forget(struct ogx_vk_llama *m, const struct ogx_vk_llama_seq *s);

#endif
