/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Llama-2 architecture on the CPU: RMSNorm, RoPE, grouped-query attention
 * over a KV cache, SwiGLU feed-forward, classifier. One token per forward
 * step, numerically the same as llama2.c's run.c (with the portable matvec
 * kernel), so that it is the oracle the Vulkan engine is checked against.
 *
 * The weights are a plain description (shapes + pointers) that a loader
 * fills: llama2c.c from a llama2.c checkpoint, a GGUF loader from GGUF. The
 * pointers stay owned by the loader (usually into its mmap of the file); each
 * projection is an ogx_matrix carrying its own element type.
 */
#ifndef OGX_MODEL_LLAMA_H
#define OGX_MODEL_LLAMA_H

#include <stdint.h>

#include "model/matvec.h"
#include "util/err.h"

struct ogx_pool;

struct ogx_llama_config {
	uint32_t dim;		/* embedding width, n_heads * head_size */
	uint32_t hidden_dim;	/* feed-forward width */
	uint32_t n_layers;
	uint32_t n_heads;	/* query heads */
	uint32_t n_kv_heads;	/* key/value heads; n_heads % n_kv_heads == 0 */
	uint32_t vocab_size;
	uint32_t seq_len;	/* positions the KV cache holds */
	float rope_theta;	/* RoPE base, 10000 in Llama 2 */
	float norm_eps;		/* RMSNorm epsilon, 1e-5 in llama2.c */
};

/*
 * How far logits may move between matvec kernels (AVX2 vs portable), as
 * max |difference| / max |logit| over a generation: per-row rounding
 * differences (OGX_MATVEC_TOLERANCE) grow through the layers but stay
 * orders of magnitude below this. Greedy tokens can still differ where two
 * logits are closer than this; the stories260K samples do not.
 */
#define OGX_LLAMA_LOGIT_TOLERANCE 1e-4

/* Prompt tokens processed together by ogx_llama_forward_batch(). */
#define OGX_LLAMA_BATCH 16

struct ogx_llama_layer {
	const float *attn_norm;		/* dim */
	struct ogx_matrix wq;		/* dim x dim */
	struct ogx_matrix wk;		/* kv_dim x dim */
	struct ogx_matrix wv;		/* kv_dim x dim */
	struct ogx_matrix wo;		/* dim x dim */
	const float *ffn_norm;		/* dim */
	struct ogx_matrix w1;		/* gate: hidden_dim x dim */
	struct ogx_matrix w2;		/* down: dim x hidden_dim */
	struct ogx_matrix w3;		/* up: hidden_dim x dim */
};

struct ogx_llama_weights {
	struct ogx_llama_config cfg;
	struct ogx_matrix tok_embd;	/* vocab_size x dim */
	struct ogx_llama_layer *layers;	/* n_layers, owned by the loader */
	const float *out_norm;		/* dim */
	struct ogx_matrix output;	/* vocab_size x dim (may alias tok_embd) */
};

struct ogx_llama {
	const struct ogx_llama_weights *w;
	struct ogx_pool *pool;		/* owned: threads for this model */
	uint32_t head_size, kv_dim;
	/* Activations of the current step, OGX_LLAMA_BATCH tokens' worth (token 0 first). */
	float *x, *xb, *xb2, *hb, *hb2, *q, *att, *logits;
	float *k_new, *v_new;		/* several streams' new KV entries, before their caches */
	float *logits_all;		/* ogx_llama_forward_streams(): logits_all_n streams' */
	uint32_t logits_all_n;
	float *rope_cos, *rope_sin;	/* head_size / 2 per batch token, for its position */
	float *key_cache, *value_cache;	/* n_layers x seq_len x kv_dim each */
	/*
	 * Another engine running the same forward (the Vulkan one, vk/llama.h):
	 * when set, ogx_llama_forward() hands every step to it. It returns NULL
	 * on failure with engine_err set (< 0).
	 */
	float *(*engine_forward)(struct ogx_llama *m, uint32_t token, uint32_t pos,
				 int want_logits);
	/* Optional: the engine's batched prompt step (KV entries only). */
	int (*engine_prefill)(struct ogx_llama *m, const uint32_t *tokens, uint32_t n,
			      uint32_t pos0);
	void *engine;
	int engine_err;
};

/*
 * Check that every shape in w agrees with w->cfg (a loader's last step and a
 * guard against mismatched files): -EINVAL with the offending tensor named.
 */
OGX_MUST_CHECK
int ogx_llama_check(const struct ogx_llama_weights *w);

/* Allocate the state (KV cache for cfg.seq_len positions) and threads. */
OGX_MUST_CHECK
int ogx_llama_init(struct ogx_llama *m, const struct ogx_llama_weights *w, unsigned int threads);
void ogx_llama_fini(struct ogx_llama *m);

/*
 * Run token at position pos (0 <= pos < seq_len; positions are filled in
 * order, pos > 0 reuses the KV cache of 0..pos-1). Returns the logits
 * (vocab_size floats, valid until the next call), or NULL when want_logits
 * is 0 (prompt tokens before the last need only their KV entries).
 */
float *ogx_llama_forward(struct ogx_llama *m, uint32_t token, uint32_t pos, int want_logits);

/*
 * Tokens at positions pos0 .. pos0+n-1 (pos0 + n <= seq_len), in blocks of
 * OGX_LLAMA_BATCH sharing each weight row read: the prompt. Logits, KV cache
 * and state are bit for bit those of n ogx_llama_forward() calls; the
 * logits returned (want_logits) are the last token's.
 */
float *ogx_llama_forward_batch(struct ogx_llama *m, const uint32_t *tokens, uint32_t n,
			       uint32_t pos0, int want_logits);

/*
 * One decoding step of n independent streams together (continuous batching):
 * stream b runs tokens[b] at position pos[b] (< seq_len) over its own KV
 * cache, that of streams[b] (states of the same weights as m, each filled
 * at positions 0..pos[b]-1 by its own earlier steps). m lends the
 * activations and threads (it may be one of the streams, or a state kept
 * for this). Every weight row is read once per OGX_LLAMA_BATCH streams
 * instead of once per stream. Stream b's logits are at the result + b *
 * vocab_size (valid until m's next call), and they and its KV entries are
 * bit for bit those of ogx_llama_forward(streams[b], tokens[b], pos[b], 1):
 * every row dot, norm and attention head is the same computation on the
 * same data. NULL with m->engine_err set on failure (-ENOMEM, or -EINVAL
 * for a stream of other weights or a position past the context).
 */
float *ogx_llama_forward_streams(struct ogx_llama *m, struct ogx_llama *const *streams,
				 const uint32_t *tokens, const uint32_t *pos, uint32_t n);

#endif
