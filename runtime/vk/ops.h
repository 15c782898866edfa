/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The engine's operations, recorded into a program (prog.h): each checks its
 * shapes (a clear -EINVAL, never a shader reading out of bounds), gets the
 * pipeline specialised for them and records the dispatch(es). Weights are
 * in GGUF layout: row r of an [M x K] matrix is K contiguous elements, or
 * K/32 blocks of Q8_0 (f16 scale + 32 int8) or Q4_0 (f16 scale + 16 bytes of
 * nibbles, low nibbles first).
 */
#ifndef OGX_VK_OPS_H
#define OGX_VK_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/matvec.h"
#include "util/err.h"
#include "vk/prog.h"

/* Fused modes of a mat-vec; see shaders/matvec.glsl. */
#define OGX_VK_MV_NORM (1u << 0)	/* RMSNorm x, times aux */
#define OGX_VK_MV_GLU (1u << 1)	/* input silu(x) * aux */
#define OGX_VK_MV_ROPE (1u << 2)	/* rotate output pairs by pos */
#define OGX_VK_MV_ACC (1u << 3)	/* y += W x */
#define OGX_VK_MV_POSTAB (1u << 4)	/* mat-mat: token t's position is params[2 + t] */

struct ogx_vk_matvec {
	enum ogx_wtype type;	/* the CPU's and GGUF's: F32, F16, Q8_0 or Q4_0 here */
	uint32_t k, m;		/* W is m rows of k */
	unsigned flags;
	uint32_t yoff;		/* first output element in y */
	uint32_t ypos;		/* plus pos * ypos (KV-cache rows) */
	uint32_t head;		/* RoPE head size */
	float eps;		/* RMSNorm epsilon */
	float theta;		/* RoPE base (10000) */
	uint32_t ystride;	/* mat-mat: token t's output at + t * ystride (0: KV rows) */
};

/* Whether the engine has shaders for weights of type t. */
bool ogx_vk_wtype_supported(enum ogx_wtype t);

/*
 * Bytes of one row of k elements of type t as the shaders read it; 0 when
 * the type has no shader or k doesn't fit it (whole blocks; F32 and F16
 * rows in whole groups of 4, read as vectors).
 */
size_t ogx_vk_row_bytes(enum ogx_wtype t, uint32_t k);

/*
 * y = W x (with mv->flags); aux is the norm weight (NORM) or the gate's
 * second input (GLU), params holds pos in its first word. A W larger than
 * the device's maxStorageBufferRange is bound and dispatched in row chunks.
 */
OGX_MUST_CHECK
int ogx_vk_op_matvec(struct ogx_vk_prog *p, const struct ogx_vk_matvec *mv,
		     const struct ogx_vk_buf *w, const struct ogx_vk_buf *x,
		     const struct ogx_vk_buf *y, const struct ogx_vk_buf *aux,
		     const struct ogx_vk_buf *params);

/*
 * Y = W X for nt tokens (prompt processing; shaders/matmul.glsl): x is
 * [nt][k], params holds the first token's position and the token count n <=
 * nt; token t's outputs go to y[yoff + t * ystride + (p0 + t) * ypos + r].
 * -EINVAL when nt tokens of k inputs do not fit the device's shared memory.
 */
OGX_MUST_CHECK
int ogx_vk_op_matmul(struct ogx_vk_prog *p, const struct ogx_vk_matvec *mv, uint32_t nt,
		     const struct ogx_vk_buf *w, const struct ogx_vk_buf *x,
		     const struct ogx_vk_buf *y, const struct ogx_vk_buf *aux,
		     const struct ogx_vk_buf *params);

/* The most tokens a mat-mat over k inputs can take at once on this device (0: none). */
uint32_t ogx_vk_matmul_max_tokens(const struct ogx_vk *vk, uint32_t k);

/*
 * Attention for nt prompt tokens at positions params[0] + t (t < params[1]);
 * q and out are [nt][heads * head].
 */
OGX_MUST_CHECK
int ogx_vk_op_attention_batch(struct ogx_vk_prog *p, uint32_t heads, uint32_t kv_heads,
			      uint32_t head, uint32_t seq, uint32_t nt,
			      const struct ogx_vk_buf *q, const struct ogx_vk_buf *k,
			      const struct ogx_vk_buf *v, const struct ogx_vk_buf *out,
			      const struct ogx_vk_buf *params);

/*
 * Attention of row row of q ([n][heads * head]) over caches k, v up to pos
 * (params[0]), into row row of out: one sequence of a joint step.
 */
OGX_MUST_CHECK
int ogx_vk_op_attention_row(struct ogx_vk_prog *p, uint32_t heads, uint32_t kv_heads,
			    uint32_t head, uint32_t seq, uint32_t row, const struct ogx_vk_buf *q,
			    const struct ogx_vk_buf *k, const struct ogx_vk_buf *v,
			    const struct ogx_vk_buf *out, const struct ogx_vk_buf *params);

/*
 * Row row of ks and vs ([n][kv_dim]) into the caches kc, vc ([seq][kv_dim])
 * at position params[0].
 */
OGX_MUST_CHECK
int ogx_vk_op_kv_store(struct ogx_vk_prog *p, uint32_t kv_dim, uint32_t seq, uint32_t row,
		       const struct ogx_vk_buf *ks, const struct ogx_vk_buf *vs,
		       const struct ogx_vk_buf *kc, const struct ogx_vk_buf *vc,
		       const struct ogx_vk_buf *params);

/*
 * The joint step of n <= OGX_VK_MAX_STREAMS sequences with one dispatch per
 * op for all of them (shaders/kv_store_streams.comp, attention_streams.comp):
 * kc[s], vc[s] are stream s's caches ([seq][kv_dim]), its position
 * params[2 + s]. Each cache is a binding of its own (3 + 2 x 8 storage
 * buffers in all): on a device whose limits allow fewer
 * (ogx_vk_streams_bindable() false) both fail with -EOPNOTSUPP, and the
 * per-stream ops above remain.
 */
#define OGX_VK_MAX_STREAMS 8

bool ogx_vk_streams_bindable(const struct ogx_vk *vk);

/* Row s of ks and vs ([n][kv_dim]) into kc[s], vc[s] at position params[2 + s]. */
OGX_MUST_CHECK
int ogx_vk_op_kv_store_streams(struct ogx_vk_prog *p, uint32_t kv_dim, uint32_t seq, uint32_t n,
			       const struct ogx_vk_buf *ks, const struct ogx_vk_buf *vs,
			       const struct ogx_vk_buf *const *kc,
			       const struct ogx_vk_buf *const *vc, const struct ogx_vk_buf *params);

/* Attention of row s of q ([n][heads * head]) over kc[s], vc[s] into row s of out. */
OGX_MUST_CHECK
int ogx_vk_op_attention_streams(struct ogx_vk_prog *p, uint32_t heads, uint32_t kv_heads,
				uint32_t head, uint32_t seq, uint32_t n,
				const struct ogx_vk_buf *q, const struct ogx_vk_buf *const *kc,
				const struct ogx_vk_buf *const *vc, const struct ogx_vk_buf *out,
				const struct ogx_vk_buf *params);

/* Attention of q over caches k, v ([seq][kv_heads * head]) up to pos. */
OGX_MUST_CHECK
int ogx_vk_op_attention(struct ogx_vk_prog *p, uint32_t heads, uint32_t kv_heads,
			uint32_t head, uint32_t seq, const struct ogx_vk_buf *q,
			const struct ogx_vk_buf *k, const struct ogx_vk_buf *v,
			const struct ogx_vk_buf *out, const struct ogx_vk_buf *params);

/* out[0] = index of the largest of n floats (lowest on ties). */
OGX_MUST_CHECK
int ogx_vk_op_argmax(struct ogx_vk_prog *p, uint32_t n, const struct ogx_vk_buf *x,
		     const struct ogx_vk_buf *out);

/* The same for row row of x ([rows][n]) into out[row]. */
OGX_MUST_CHECK
int ogx_vk_op_argmax_row(struct ogx_vk_prog *p, uint32_t n, uint32_t row,
			 const struct ogx_vk_buf *x, const struct ogx_vk_buf *out);

/*
 * One layer of the integer classifier over up to batch inputs (params[0]
 * says how many this run): w is n_out rows of n_in int8 zero-padded to 16
 * bytes, x and out one 32-bit word per element (x with 16 words of slack at
 * the end); hidden layers requantize to uint8 with per-row mult/shift, the
 * last writes int32 accumulators.
 */
OGX_MUST_CHECK
int ogx_vk_op_mlp_q8(struct ogx_vk_prog *p, uint32_t n_in, uint32_t n_out, int hidden,
		     uint32_t batch, const struct ogx_vk_buf *w, const struct ogx_vk_buf *x,
		     const struct ogx_vk_buf *bias, const struct ogx_vk_buf *mult,
		     const struct ogx_vk_buf *shift, const struct ogx_vk_buf *out,
		     const struct ogx_vk_buf *params);

#endif
