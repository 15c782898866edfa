/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Weight matrices and the matrix-vector product of the CPU backend.
 *
 * A matrix is rows x cols, row-major, row r being the weights of output r (the
 * layout of llama2.c checkpoints and of GGUF tensors, whose ne[0] is cols).
 * Its element type is per matrix, so that a model may mix F32 norms with
 * quantized projections; each type brings a row-dot kernel and a
 * row-dequantizer. Every type has a portable and an AVX2 kernel; F16, Q8_0
 * and Q4_0 (GGUF block layouts) go block by block as ggml's reference
 * (scale times the block's dot product), the AVX2 ones 8 lanes wide.
 *
 * Kernels: a portable one, whose sums run in index order exactly like
 * llama2.c's run.c (the oracle), and an AVX2+FMA(+F16C) one chosen at run time when
 * the CPU has it (8-wide partial sums, so results differ from the portable
 * kernel by float rounding only; see OGX_MATVEC_TOLERANCE). Each output row
 * is computed by one thread with one kernel, so results never depend on the
 * number of threads.
 */
#ifndef OGX_MODEL_MATVEC_H
#define OGX_MODEL_MATVEC_H

#include <stddef.h>
#include <stdint.h>

struct ogx_pool;

/* Values are ggml's type ids, so a GGUF tensor's type converts directly. */
enum ogx_wtype {
	OGX_WTYPE_F32 = 0,
	OGX_WTYPE_F16 = 1,
	OGX_WTYPE_Q4_0 = 2,
	OGX_WTYPE_Q8_0 = 8,
};

struct ogx_matrix {
	enum ogx_wtype type;
	uint32_t rows;
	uint32_t cols;
	const void *data;	/* rows * ogx_wtype_row_bytes(type, cols) bytes */
};

enum ogx_cpu_isa {
	OGX_ISA_AUTO = 0,	/* the best the CPU supports */
	OGX_ISA_PORTABLE,
	OGX_ISA_AVX2,
};

/*
 * Relative tolerance between kernels on one dot product:
 * |avx2 - portable| <= OGX_MATVEC_TOLERANCE * sum(|w_i * x_i|).
 * Float summation in another order bounds the difference by about
 * n * 2^-24 * sum|w x|; 1e-5 covers rows of several hundred elements with
 * a wide margin while still catching a wrong element.
 */
#define OGX_MATVEC_TOLERANCE 1e-5

/* Bytes of one row of cols elements of type, or 0 for an unknown type. */
size_t ogx_wtype_row_bytes(enum ogx_wtype type, uint32_t cols);
const char *ogx_wtype_name(enum ogx_wtype type);

/*
 * Choose the kernels for this process: OGX_ISA_AUTO picks AVX2 when the CPU
 * has AVX2 and FMA. Asking for AVX2 on a CPU without it is -ENOTSUP.
 * The environment variable OGX_CPU_ISA=portable|avx2 overrides AUTO.
 */
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

/* Row r of m as F32 (embedding lookup). */
void ogx_matrix_row(const struct ogx_matrix *m, uint32_t r, float *out);

#endif
