/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The AVX2 building blocks of the CPU backend's dot kernels, shared by the
 * one-vector kernels (matvec.c) and the several-vector ones (matvec_multi.c)
 * so that both run the very same instructions on each (row, vector) pair:
 * that is what makes a batched product equal the lone one bit for bit.
 * Internal to runtime/model; x86-64 only, called after the CPU check.
 */
#ifndef OGX_MODEL_MATVEC_AVX2_H
#define OGX_MODEL_MATVEC_AVX2_H

#include <stddef.h>
#include <stdint.h>

#include "model/matvec.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define OGX_AVX2 __attribute__((target("avx2,fma,f16c")))

static inline OGX_AVX2 float ogx_hsum256_ps(__m256 a)
{
	__m128 lo = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));

	lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
	lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
	return _mm_cvtss_f32(lo);
}

/*
 * Eight float lanes of sums of products of 32 signed bytes, exact in int32:
 * maddubs wants unsigned x signed, so take |w| (aw) and move w's sign onto
 * x (the sign trick). x is in [-127, 127] and |w| <= 128, so no pair
 * saturates. aw = _mm256_sign_epi8(w, w), computed once per weight block.
 */
static inline OGX_AVX2 __m256 ogx_mul_sum_i8(__m256i aw, __m256i w, __m256i x)
{
	__m256i p16 = _mm256_maddubs_epi16(aw, _mm256_sign_epi8(x, w));

	return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

/* A block's F16 scale by F16C: exact, as ogx_f16_to_f32(). */
static inline OGX_AVX2 float ogx_w_scale(const uint8_t *b)
{
	return _cvtsh_ss((unsigned short)(b[0] | b[1] << 8));
}

/*
 * Q4_0: byte j holds element j (low nibble) and element 16 + j (high), each
 * minus 8. The nibbles (ogx_q4_0_nibbles(), once per weight block) go to
 * maddubs unsigned as they are (no sign trick: 15 * 127 * 2 fits int16), and
 * the 8 * x part comes off each int32 lane from the block's precomputed
 * lane8: the same exact lane sums of (w - 8) x.
 */
static inline OGX_AVX2 __m256i ogx_q4_0_nibbles(const uint8_t *qs)
{
	__m128i q = _mm_loadu_si128((const __m128i *)qs);
	__m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(q), _mm_srli_epi16(q, 4), 1);

	return _mm256_and_si256(v, _mm256_set1_epi8(15));
}

static inline OGX_AVX2 __m256 ogx_q4_0_lanes(__m256i nibbles, const struct ogx_q8x *x)
{
	__m256i p16 = _mm256_maddubs_epi16(nibbles, _mm256_loadu_si256((const __m256i *)x->q));
	__m256i p32 = _mm256_madd_epi16(p16, _mm256_set1_epi16(1));

	return _mm256_cvtepi32_ps(_mm256_sub_epi32(p32, _mm256_loadu_si256((const __m256i *)x->lane8)));
}

/* Eight F16 weights as F32. */
static inline OGX_AVX2 __m256 ogx_f16x8(const uint8_t *w)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)w));
}
#endif

/*
 * Several vectors against one row: out[v] = dot(row, vector v) for v < nv
 * (nv <= OGX_MULTI_MAX), vector v at x + v * xstride (blocks for qdot,
 * floats for dot), each bit for bit what the type's one-vector AVX2 kernel
 * gives, with the row's blocks loaded and unpacked once for all nv.
 * NULL: the type has none (then the one-vector kernel runs per vector).
 */
#define OGX_MULTI_MAX 4

typedef void (*ogx_qdot_multi_fn)(const void *row, const struct ogx_q8x *x, size_t xstride,
				  uint32_t n, uint32_t nv, float *out);
typedef void (*ogx_dot_multi_fn)(const void *row, const float *x, size_t xstride, uint32_t n,
				 uint32_t nv, float *out);

ogx_qdot_multi_fn ogx_qdot_multi_avx2(enum ogx_wtype type);
ogx_dot_multi_fn ogx_dot_multi_avx2(enum ogx_wtype type);

/*
 * nr consecutive rows (row, row + stride, ...) against one quantized vector:
 * out[i] = the dot of row i, the bits of the portable kernel (matvec.c).
 * The AVX-512 + VNNI kernels (matvec_avx512.c) for Q8_0 and Q4_0; NULL for
 * another type.
 */
typedef void (*ogx_qdot_rows_fn)(const void *row, size_t stride, const struct ogx_q8x *x,
				 uint32_t n, uint32_t nr, float *out);

ogx_qdot_rows_fn ogx_qdot_rows_avx512(enum ogx_wtype type);

/*
 * The same products from rows repacked 16 at a time (matvec_avx512.c):
 * ogx_pack_bytes_avx512() is the size of the packed copy (0: the type or
 * width has none), ogx_pack_avx512() writes it, and the packed kernel
 * computes out[r] for r0 <= r < r1, the bits of the portable kernel.
 */
typedef void (*ogx_qdot_packed_fn)(const void *packed, uint32_t r0, uint32_t r1,
				   const struct ogx_q8x *x, uint32_t n, float *out);

size_t ogx_pack_bytes_avx512(enum ogx_wtype type, uint32_t rows, uint32_t cols);
void ogx_pack_avx512(enum ogx_wtype type, const void *data, uint32_t rows, uint32_t cols,
		     void *out);
ogx_qdot_packed_fn ogx_qdot_packed_avx512(enum ogx_wtype type);

#endif
