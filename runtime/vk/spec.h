/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The specialization constants of the shaders that take several, as structs
 * laid out in the shader's constant_id order: constant i is the 32-bit
 * member at byte 4 i (ogx_vk_pipe_get() maps them so). A constant added to
 * a shader is added here at the same place; the sizes are asserted below.
 */
#ifndef OGX_VK_SPEC_H
#define OGX_VK_SPEC_H

#include <stdint.h>

/* matvec.glsl and matmul.glsl, constant_ids 0..8: the shape and the fused modes. */
struct vk_spec_fused {
	uint32_t k, m;		/* K, M: the dispatch's M rows of K elements */
	uint32_t norm;		/* NORM: RMSNorm the input, times aux */
	uint32_t glu;		/* GLU: the input is silu(x) * aux */
	uint32_t rope;		/* ROPE: rotate output pairs by the position */
	uint32_t acc;		/* ACC: y += W x */
	uint32_t ypos;		/* YPOS: output at + pos * YPOS (KV-cache rows) */
	uint32_t head;		/* HEAD: RoPE head size */
	float eps;		/* EPS: RMSNorm epsilon */
};

/* matvec.glsl (matvec_<type>.comp). */
struct vk_spec_matvec {
	struct vk_spec_fused f;	/* 0..8 */
	uint32_t rows;		/* 9 ROWS: rows per workgroup when lanes share a row */
	float theta;		/* 10 THETA: RoPE base */
	uint32_t rowmode;	/* 11 ROWMODE: 1 one row per invocation, 0 lanes per row */
	uint32_t xs;		/* 12 XS: K / 4 when the input is cached in shared memory, else 1 */
};

/* matmul.glsl (matmul_<type>.comp). */
struct vk_spec_matmul {
	struct vk_spec_fused f;	/* 0..8 */
	uint32_t nt;		/* 9 NT: tokens (rows of X) */
	float theta;		/* 10 THETA: RoPE base */
	uint32_t ystride;	/* 11 YSTRIDE: token t's outputs at + t * YSTRIDE */
	uint32_t postab;	/* 12 POSTAB: token t's position is params[2 + t] */
	uint32_t lanes;		/* 13 LANES: the mat-vec's lanes per row, whose order it sums in */
};

/* attention_streams.comp; attention.comp's first four. */
struct vk_spec_heads {
	uint32_t heads, kv_heads;	/* HEADS, KV_HEADS: query heads share KV heads evenly */
	uint32_t head;			/* HEAD: head size */
	uint32_t seq;			/* SEQ: positions of the cache */
};

/* attention.comp. */
struct vk_spec_attention {
	struct vk_spec_heads h;	/* 0..3 */
	uint32_t batch;		/* 4 BATCH: 1 for a prompt batch (params[0] + t, t < params[1]) */
};

/* mlp_q8.comp. */
struct vk_spec_mlp {
	uint32_t n_in, n_out;	/* N_IN, N_OUT */
	uint32_t hidden;	/* HIDDEN: requantize to uint8 (else int32 logits) */
	uint32_t rows;		/* ROWS: rows per workgroup when lanes share a row */
	uint32_t rowmode;	/* ROWMODE: 1 one row per invocation */
};

_Static_assert(sizeof(struct vk_spec_matvec) == 13 * 4, "matvec.glsl has 13 constants");
_Static_assert(sizeof(struct vk_spec_matmul) == 14 * 4, "matmul.glsl has 14 constants");
_Static_assert(sizeof(struct vk_spec_heads) == 4 * 4, "attention_streams.comp has 4");
_Static_assert(sizeof(struct vk_spec_attention) == 5 * 4, "attention.comp has 5 constants");
_Static_assert(sizeof(struct vk_spec_mlp) == 5 * 4, "mlp_q8.comp has 5 constants");

#endif
