// SPDX-License-Identifier: GPL-2.0
/* One head of attention; see attention.h. */
#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "model/attention.h"
#include "model/matvec.h"
#include "model/ops.h"
#include "model/sampler.h"

static void attention_portable(const float *q, const float *k, const float *v, size_t stride,
			       uint32_t hs, uint32_t npos, float *att, float *out)
{
	float scale = sqrtf((float)hs);

	for (uint32_t t = 0; t < npos; t++) {
		const float *kt = k + t * stride;
		float score = 0.0f;

		for (uint32_t i = 0; i < hs; i++)
			score += q[i] * kt[i];
		att[t] = score / scale;
	}
	ogx_softmax(att, npos);
	memset(out, 0, hs * sizeof(float));
	for (uint32_t t = 0; t < npos; t++) {
		const float *vt = v + t * stride;
		float a = att[t];

		for (uint32_t i = 0; i < hs; i++)
			out[i] += a * vt[i];
	}
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static float hsum256(__m256 a)
{
	__m128 lo = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));

	lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
	lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
	return _mm_cvtss_f32(lo);
}

/*
 * e^x for x <= 0 (softmax arguments), 8 lanes: x = n ln2 + r, |r| <= ln2/2,
 * e^r by its degree-6 Taylor polynomial (relative error < 2e-7, about 2 ulp),
 * times 2^n built in the exponent bits. Below -87 the result is flushed
 * to 0, where expf would give a denormal that no sum can notice.
 */
__attribute__((target("avx2,fma")))
static __m256 exp256_nonpos(__m256 x)
{
	const __m256 ln2_hi = _mm256_set1_ps(0.693359375f), ln2_lo = _mm256_set1_ps(-2.12194440e-4f);
	__m256 n, r, p, lim = _mm256_set1_ps(-87.0f);
	__m256 below = _mm256_cmp_ps(x, lim, _CMP_LT_OQ);
	__m256i e;

	x = _mm256_max_ps(x, lim);
	n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
			    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	r = _mm256_fnmadd_ps(n, ln2_hi, x);
	r = _mm256_fnmadd_ps(n, ln2_lo, r);
	p = _mm256_set1_ps(1.0f / 720.0f);
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
	e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
	p = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
	return _mm256_andnot_ps(below, p);
}

/* The totals of eight vectors, one per lane. */
__attribute__((target("avx2,fma")))
static __m256 hsum8x8(const __m256 a[8])
{
	__m256 s01 = _mm256_hadd_ps(a[0], a[1]), s23 = _mm256_hadd_ps(a[2], a[3]);
	__m256 s45 = _mm256_hadd_ps(a[4], a[5]), s67 = _mm256_hadd_ps(a[6], a[7]);
	__m256 s0123 = _mm256_hadd_ps(s01, s23), s4567 = _mm256_hadd_ps(s45, s67);

	return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20),
			     _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

/*
 * hs % 8 == 0. Scores eight positions at a time, exponentials 8 lanes wide,
 * and the division by the softmax sum moved after the weighted sum (one
 * division per output instead of one per position).
 */
/*
 * out[i] = (sum over t of att[t] * v[t][i]) / sum, each output's FMAs in t
 * order as the AVX2 loop below: 16 outputs to a register instead of 8, the
 * same bits. hs % 16 == 0.
 */
__attribute__((target("avx512f")))
static void weighted_sum_avx512(const float *v, size_t stride, uint32_t hs, uint32_t npos,
				const float *att, float sum, float *out)
{
	for (uint32_t i0 = 0; i0 < hs; i0 += 64) {
		uint32_t nreg = (hs - i0) / 16 < 4 ? (hs - i0) / 16 : 4;
		__m512 acc[4] = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
				  _mm512_setzero_ps() };

		for (uint32_t t = 0; t < npos; t++) {
			const float *vt = v + t * stride + i0;
			__m512 a = _mm512_set1_ps(att[t]);

#pragma GCC unroll 4
			for (uint32_t j = 0; j < 4; j++)
				if (j < nreg)
					acc[j] = _mm512_fmadd_ps(a, _mm512_loadu_ps(vt + 16 * j), acc[j]);
		}
		for (uint32_t j = 0; j < nreg; j++)
			_mm512_storeu_ps(out + i0 + 16 * j, _mm512_div_ps(acc[j], _mm512_set1_ps(sum)));
	}
}

__attribute__((target("avx2,fma")))
static void attention_avx2(const float *q, const float *k, const float *v, size_t stride,
			   uint32_t hs, uint32_t npos, float *att, float *out, int wide)
{
	__m256 vscale = _mm256_set1_ps(sqrtf((float)hs)), vmax, vsum = _mm256_setzero_ps();
	float max, sum;
	uint32_t t = 0;

	for (; t + 8 <= npos; t += 8) {
		__m256 acc[8];

#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			acc[j] = _mm256_setzero_ps();
		for (uint32_t i = 0; i < hs; i += 8) {
			__m256 qi = _mm256_loadu_ps(q + i);

#pragma GCC unroll 8
			for (int j = 0; j < 8; j++)
				acc[j] = _mm256_fmadd_ps(qi, _mm256_loadu_ps(k + (t + j) * stride + i),
							 acc[j]);
		}
		_mm256_storeu_ps(att + t, _mm256_div_ps(hsum8x8(acc), vscale));
	}
	for (; t < npos; t++) {
		__m256 acc = _mm256_setzero_ps();

		for (uint32_t i = 0; i < hs; i += 8)
			acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + i),
					      _mm256_loadu_ps(k + t * stride + i), acc);
		att[t] = hsum256(acc) / sqrtf((float)hs);
	}

	/* The loop's max = att[first index of the largest]: the same value, vectorized. */
	max = att[ogx_argmax(att, npos)];
	vmax = _mm256_set1_ps(max);
	for (t = 0; t + 8 <= npos; t += 8) {
		__m256 e = exp256_nonpos(_mm256_sub_ps(_mm256_loadu_ps(att + t), vmax));

		_mm256_storeu_ps(att + t, e);
		vsum = _mm256_add_ps(vsum, e);
	}
	sum = hsum256(vsum);
	for (; t < npos; t++) {
		att[t] = expf(att[t] - max);
		sum += att[t];
	}

	if (wide) {
		weighted_sum_avx512(v, stride, hs, npos, att, sum, out);
		return;
	}
	/* The weighted sum, 32 outputs at a time held in registers across t. */
	for (uint32_t i0 = 0; i0 < hs; i0 += 32) {
		uint32_t nreg = (hs - i0) / 8 < 4 ? (hs - i0) / 8 : 4;
		__m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
				  _mm256_setzero_ps() };

		if (nreg == 4) {
			for (t = 0; t < npos; t++) {
				const float *vt = v + t * stride + i0;
				__m256 a = _mm256_set1_ps(att[t]);

#pragma GCC unroll 4
				for (int j = 0; j < 4; j++)
					acc[j] = _mm256_fmadd_ps(a, _mm256_loadu_ps(vt + 8 * j), acc[j]);
			}
		} else {
			for (t = 0; t < npos; t++) {
				const float *vt = v + t * stride + i0;
				__m256 a = _mm256_set1_ps(att[t]);

				for (uint32_t j = 0; j < nreg; j++)
					acc[j] = _mm256_fmadd_ps(a, _mm256_loadu_ps(vt + 8 * j), acc[j]);
			}
		}
		for (uint32_t j = 0; j < nreg; j++)
			_mm256_storeu_ps(out + i0 + 8 * j, _mm256_div_ps(acc[j], _mm256_set1_ps(sum)));
	}
}
#endif

void ogx_attention_head(const float *q, const float *k, const float *v, size_t stride,
			uint32_t hs, uint32_t npos, float *att, float *out)
{
#if defined(__x86_64__)
	enum ogx_cpu_isa isa = ogx_matvec_isa();

	if (hs % 8 == 0 && ogx_isa_has_avx2(isa)) {
		/* The avx512 level: the same bits, the weighted sum 16 wide. */
		attention_avx2(q, k, v, stride, hs, npos, att, out,
			       isa == OGX_ISA_AVX512 && hs % 16 == 0);
		return;
	}
#endif
	attention_portable(q, k, v, stride, hs, npos, att, out);
}
