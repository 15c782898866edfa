/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Weight matrices and the matrix-vector product of the CPU backend.
 *
 * A matrix is rows x cols, row-major, row r being the weights of output r (the
 * layout of llama2.c checkpoints and of GGUF tensors, whose ne[0] is cols).
 * Its element type is per matrix, so that a model may mix F32 norms with
 * quantized projections; each type brings a row-dot kernel and a
 * row-dequantizer. Every type has a portable and an AVX2 kernel; Q8_0 and
 * Q4_0 also an AVX-512 + VNNI one. F16 rows multiply x as it is. A Q8_0/Q4_0
 * matrix multiplies a Q8_0-quantized x, as llama.cpp does: x is quantized
 * once per product (ogx_quant_x_q8_0, ggml's quantize_row_q8_0_reference),
 * then each 32-element block contributes exact int32 sums of weight and x
 * codes, 4 elements per lane, times d_w * d_x, in one order of float
 * operations that every Q8_0/Q4_0 kernel follows (matvec.c): portable,
 * AVX2 and AVX-512 give the same bits. Quantizing x costs at most 1/254 of
 * a block's largest |x| per element, which is why these products are not
 * those of the dequantized row with the float x.
 *
 * F32 and F16: a portable kernel, whose sums run in index order exactly like
 * llama2.c's run.c (the oracle), and an AVX2+FMA(+F16C) one chosen at run
 * time when the CPU has it (8-wide partial sums, so results differ from the
 * portable kernel by float rounding only; see OGX_MATVEC_TOLERANCE). Each
 * output row is computed by one thread with one kernel, so results never
 * depend on the number of threads.
 */
#ifndef OGX_MODEL_MATVEC_H
#define OGX_MODEL_MATVEC_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct ogx_pool;

/* Values are ggml's type ids, so a GGUF tensor's type converts directly. */
enum ogx_wtype {
	OGX_WTYPE_F32 = 0,
	OGX_WTYPE_F16 = 1,
	OGX_WTYPE_Q4_0 = 2,
	OGX_WTYPE_Q8_0 = 8,
};

struct ogx_packed;

struct ogx_matrix {
	enum ogx_wtype type;
	uint32_t rows;
	uint32_t cols;
	const void *data;	/* rows * ogx_wtype_row_bytes(type, cols) bytes */
	struct ogx_packed *packed;	/* optional: see ogx_matrix_enable_packing() */
};

enum ogx_cpu_isa {
	OGX_ISA_AUTO = 0,	/* the best the CPU supports */
	OGX_ISA_PORTABLE,
	OGX_ISA_AVX2,
	OGX_ISA_AVX512,		/* AVX2's kernels, and AVX-512 ones where there are */
};

/* Each level runs the kernels of the levels below it where it has none of its own. */
static inline int ogx_isa_has_avx2(enum ogx_cpu_isa isa)
{
	return isa >= OGX_ISA_AVX2;
}

/*
 * Relative tolerance between kernels on one dot product:
 * |avx2 - portable| <= OGX_MATVEC_TOLERANCE * sum(|w_i * x_i|).
 * Float summation in another order bounds the difference by about
 * n * 2^-24 * sum|w x|; 1e-5 covers rows of several hundred elements with
 * a wide margin while still catching a wrong element.
 */
#define OGX_MATVEC_TOLERANCE 1e-5

/* One 32-element block of an input quantized to Q8_0; d is the F16 scale as F32. */
struct ogx_q8x {
	float d;
	int8_t q[32];
	int32_t lane8[8];	/* 8 * (q[4l] + .. + q[4l + 3]): Q4_0's -8 offset, per AVX2 lane */
};

/*
 * x (n a multiple of 32) as Q8_0 blocks, exactly as ggml's
 * quantize_row_q8_0_reference: d = max|x|/127 rounded to F16, q = roundf(x / d)
 * (with 1/d from the unrounded d; an all-zero block gives d = 0, q = 0).
 */
void ogx_quant_x_q8_0(const float *x, struct ogx_q8x *out, uint32_t n);

/* Bytes of one row of cols elements of type, or 0 for an unknown type. */
size_t ogx_wtype_row_bytes(enum ogx_wtype type, uint32_t cols);
const char *ogx_wtype_name(enum ogx_wtype type);

/*
 * Choose the kernels for this process: OGX_ISA_AUTO picks AVX512 when the
 * CPU has AVX-512 F, BW, VL and VNNI (and AVX2), else AVX2 when it has AVX2,
 * FMA and F16C, else the portable kernels. Asking for a level the CPU lacks
 * is -ENOTSUP. The environment variable OGX_CPU_ISA=portable|avx2|avx512
 * overrides AUTO (tests and benchmarks force each level with it).
 */
OGX_MUST_CHECK
int ogx_matvec_set_isa(enum ogx_cpu_isa isa);
enum ogx_cpu_isa ogx_matvec_isa(void);
const char *ogx_cpu_isa_name(enum ogx_cpu_isa isa);

/* out[r] = dot(row r of m, x) for every row, split over the pool's threads. */
void ogx_matvec(struct ogx_pool *pool, float *out, const struct ogx_matrix *m, const float *x);

/* Several products of the same input at once (q/k/v, gate/up): one pool job. */
void ogx_matvec_multi(struct ogx_pool *pool, unsigned int count, float *const *out,
		      const struct ogx_matrix *const *m, const float *x);

/*
 * The same products for nb inputs at once (prompt processing): input b is
 * x + b * ldx, and out[k][b * ldo[k] + r] = dot(row r of m[k], input b).
 * Each dot is the one ogx_matvec() computes, bit for bit; the gain is that
 * a row is read from memory once for all nb inputs.
 */
void ogx_matmul_multi(struct ogx_pool *pool, unsigned int count, float *const *out,
		      const size_t *ldo, const struct ogx_matrix *const *m, const float *x,
		      size_t ldx, uint32_t nb);

/*
 * Let the kernels keep a repacked copy of m's rows, made at the first
 * single-vector product that runs at a level with a layout of its own
 * (today: Q8_0 and Q4_0 at avx512, rows interleaved 16 at a time, as many
 * bytes as the rows themselves), and used by every such product after it.
 * The results are the same bits with or without it; the price is that
 * memory, once. A no-op for a matrix no level repacks. The matrix's owner
 * (the model loader) calls ogx_matrix_free_packing() before m->data goes.
 * 0 or -ENOMEM.
 */
OGX_MUST_CHECK
int ogx_matrix_enable_packing(struct ogx_matrix *m);
void ogx_matrix_free_packing(struct ogx_matrix *m);

/* Row r of m as F32 (embedding lookup). */
void ogx_matrix_row(const struct ogx_matrix *m, uint32_t r, float *out);

#endif
