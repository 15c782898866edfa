// SPDX-License-Identifier: GPL-2.0
/*
 * Several vectors against one weight row at once (see matvec_avx2.h): the
 * row's blocks are loaded, sign-split (Q8_0), unpacked (Q4_0) or converted
 * (F16) once and then multiplied with up to OGX_MULTI_MAX vectors, each
 * vector with its own accumulators fed in exactly the order of the
 * one-vector kernel in matvec.c, with the same helpers: the results are
 * those of nv calls of that kernel, bit for bit (tests/unit/qdot_test.c).
 * This is what continuous batching buys on the CPU when the weights are
 * quantized: the products are compute-bound, so reading a row once from
 * memory saves little, while unpacking it once per block for all streams
 * saves a share of the instructions. F32 has no such kernel: its rows need
 * no unpacking, and one row against several vectors from L1 is already
 * what the one-vector kernel does.
 */
#include "model/matvec_avx2.h"

#if defined(__x86_64__)
/*
 * The kernels are written for a constant nv (always inlined into one
 * function per nv, the loops over vectors unrolled) so that the per-vector
 * accumulators stay in registers.
 */
#define MULTI_KERNEL static inline __attribute__((always_inline)) OGX_AVX2

MULTI_KERNEL void q8_0_multi(const uint8_t *b, const struct ogx_q8x *x, size_t xs, uint32_t n,
			     float *out, const uint32_t nv)
{
	__m256 a0[OGX_MULTI_MAX], a1[OGX_MULTI_MAX];
	uint32_t k = 0, nb = n / 32;

	#pragma GCC unroll 4
	for (uint32_t v = 0; v < nv; v++)
		a0[v] = a1[v] = _mm256_setzero_ps();
	/*
	 * Even blocks into a0, odd ones into a1, as the one-vector kernel; one
	 * block at a time here, so that only one block's w and |w| hold
	 * registers beside the 2 * nv accumulators.
	 */
	for (; k + 2 <= nb; k += 2, b += 68) {
		__m256i w = _mm256_loadu_si256((const __m256i *)(b + 2));
		__m256i aw = _mm256_sign_epi8(w, w);
		float d = ogx_w_scale(b);

#pragma GCC unroll 4
		for (uint32_t v = 0; v < nv; v++) {
			const struct ogx_q8x *xv = x + v * xs + k;
			__m256 s0 = ogx_mul_sum_i8(aw, w, _mm256_loadu_si256((const __m256i *)xv->q));

			a0[v] = _mm256_fmadd_ps(_mm256_set1_ps(d * xv->d), s0, a0[v]);
		}
		w = _mm256_loadu_si256((const __m256i *)(b + 36));
		aw = _mm256_sign_epi8(w, w);
		d = ogx_w_scale(b + 34);
#pragma GCC unroll 4
		for (uint32_t v = 0; v < nv; v++) {
			const struct ogx_q8x *xv = x + v * xs + k + 1;
			__m256 s1 = ogx_mul_sum_i8(aw, w, _mm256_loadu_si256((const __m256i *)xv->q));

			a1[v] = _mm256_fmadd_ps(_mm256_set1_ps(d * xv->d), s1, a1[v]);
		}
	}
	if (k < nb) {
		__m256i w = _mm256_loadu_si256((const __m256i *)(b + 2));
		__m256i aw = _mm256_sign_epi8(w, w);
		float d = ogx_w_scale(b);

		#pragma GCC unroll 4
		for (uint32_t v = 0; v < nv; v++) {
			const struct ogx_q8x *xv = x + v * xs + k;

			a0[v] = _mm256_fmadd_ps(_mm256_set1_ps(d * xv->d),
						ogx_mul_sum_i8(aw, w, _mm256_loadu_si256((const __m256i *)xv->q)),
						a0[v]);
		}
	}
	#pragma GCC unroll 4
	for (uint32_t v = 0; v < nv; v++)
		out[v] = ogx_hsum256_ps(_mm256_add_ps(a0[v], a1[v]));
}

MULTI_KERNEL void q4_0_multi(const uint8_t *b, const struct ogx_q8x *x, size_t xs, uint32_t n,
			     float *out, const uint32_t nv)
{
	__m256 a0[OGX_MULTI_MAX], a1[OGX_MULTI_MAX];
	uint32_t k = 0, nb = n / 32;

	#pragma GCC unroll 4
	for (uint32_t v = 0; v < nv; v++)
		a0[v] = a1[v] = _mm256_setzero_ps();
	for (; k + 2 <= nb; k += 2, b += 36) {
		__m256i q0 = ogx_q4_0_nibbles(b + 2), q1 = ogx_q4_0_nibbles(b + 20);
		float d0 = ogx_w_scale(b), d1 = ogx_w_scale(b + 18);

		#pragma GCC unroll 4
		for (uint32_t v = 0; v < nv; v++) {
			const struct ogx_q8x *xv = x + v * xs + k;

			a0[v] = _mm256_fmadd_ps(_mm256_set1_ps(d0 * xv[0].d), ogx_q4_0_lanes(q0, &xv[0]),
						a0[v]);
			a1[v] = _mm256_fmadd_ps(_mm256_set1_ps(d1 * xv[1].d), ogx_q4_0_lanes(q1, &xv[1]),
						a1[v]);
		}
	}
	if (k < nb) {
		__m256i q = ogx_q4_0_nibbles(b + 2);
		float d = ogx_w_scale(b);

		#pragma GCC unroll 4
		for (uint32_t v = 0; v < nv; v++) {
			const struct ogx_q8x *xv = x + v * xs + k;

			a0[v] = _mm256_fmadd_ps(_mm256_set1_ps(d * xv->d), ogx_q4_0_lanes(q, xv), a0[v]);
		}
	}
	#pragma GCC unroll 4
	for (uint32_t v = 0; v < nv; v++)
		out[v] = ogx_hsum256_ps(_mm256_add_ps(a0[v], a1[v]));
}

MULTI_KERNEL void f16_multi(const uint8_t *w, const float *x, size_t xs, uint32_t n, float *out,
			    const uint32_t nv)
{
	__m256 a0[OGX_MULTI_MAX], a1[OGX_MULTI_MAX];
	uint32_t i = 0;

	#pragma GCC unroll 4
	for (uint32_t v = 0; v < nv; v++)
		a0[v] = a1[v] = _mm256_setzero_ps();
	for (; i + 16 <= n; i += 16) {
		__m256 w0 = ogx_f16x8(w + 2 * i), w1 = ogx_f16x8(w + 2 * (i + 8));

		#pragma GCC unroll 4
		for (uint32_t v = 0; v < nv; v++) {
			a0[v] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + v * xs + i), a0[v]);
			a1[v] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + v * xs + i + 8), a1[v]);
		}
	}
	for (; i + 8 <= n; i += 8) {
		__m256 w0 = ogx_f16x8(w + 2 * i);

		#pragma GCC unroll 4
		for (uint32_t v = 0; v < nv; v++)
			a0[v] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + v * xs + i), a0[v]);
	}
	#pragma GCC unroll 4
	for (uint32_t v = 0; v < nv; v++) {
		float sum = ogx_hsum256_ps(_mm256_add_ps(a0[v], a1[v]));

		/* F16C's conversion is exact, as ogx_f16_to_f32(), and no call */
		for (uint32_t j = i; j < n; j++)
			sum += _cvtsh_ss((unsigned short)(w[2 * j] | w[2 * j + 1] << 8)) * x[v * xs + j];
		out[v] = sum;
	}
}

/*
 * One function per nv, each with the kernel inlined for that constant (in
 * separate functions, not the cases of one switch, so that each gets the
 * registers to itself).
 */
#define DISPATCH(name, kernel, xtype)							\
OGX_AVX2 static void name##_1(const void *row, const xtype *x, size_t xs, uint32_t n,	\
			      float *out) { kernel(row, x, xs, n, out, 1); }		\
OGX_AVX2 static void name##_2(const void *row, const xtype *x, size_t xs, uint32_t n,	\
			      float *out) { kernel(row, x, xs, n, out, 2); }		\
OGX_AVX2 static void name##_3(const void *row, const xtype *x, size_t xs, uint32_t n,	\
			      float *out) { kernel(row, x, xs, n, out, 3); }		\
OGX_AVX2 static void name##_4(const void *row, const xtype *x, size_t xs, uint32_t n,	\
			      float *out) { kernel(row, x, xs, n, out, 4); }		\
static void name(const void *row, const xtype *x, size_t xs, uint32_t n, uint32_t nv,	\
		 float *out)								\
{											\
	switch (nv) {									\
	case 1: name##_1(row, x, xs, n, out); break;					\
	case 2: name##_2(row, x, xs, n, out); break;					\
	case 3: name##_3(row, x, xs, n, out); break;					\
	default: name##_4(row, x, xs, n, out); break;					\
	}										\
}

DISPATCH(qdot_q8_0_multi, q8_0_multi, struct ogx_q8x)
DISPATCH(qdot_q4_0_multi, q4_0_multi, struct ogx_q8x)
DISPATCH(dot_f16_multi, f16_multi, float)

ogx_qdot_multi_fn ogx_qdot_multi_avx2(enum ogx_wtype type)
{
	switch (type) {
	case OGX_WTYPE_Q8_0: return qdot_q8_0_multi;
	case OGX_WTYPE_Q4_0: return qdot_q4_0_multi;
	default: return NULL;
	}
}

ogx_dot_multi_fn ogx_dot_multi_avx2(enum ogx_wtype type)
{
	return type == OGX_WTYPE_F16 ? dot_f16_multi : NULL;
}
#else
ogx_qdot_multi_fn ogx_qdot_multi_avx2(enum ogx_wtype type)
{
	(void)type;
	return NULL;
}

ogx_dot_multi_fn ogx_dot_multi_avx2(enum ogx_wtype type)
{
	(void)type;
	return NULL;
}
#endif
