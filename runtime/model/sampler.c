// SPDX-License-Identifier: GPL-2.0
/*
 * Token sampling; see sampler.h. Greedy argmax over a 32,000-entry
 * vocabulary runs once per generated token: the scalar loop's compare waits
 * on the load of the best value so far (a loop-carried dependency through
 * every logit), so the AVX2 and AVX-512 levels keep a best value and index
 * per lane instead, with the same answer (the cost of each:
 * Documentation/benchmarks.md, "AVX-512 kernels, sampling and the roofline").
 * Temperature and top-p sampling keep llama2.c's exponentials and sums in
 * index order (the token drawn depends on their bits) but divide and find
 * the max vectorized, and sort the nucleus by radix instead of qsort: the
 * same tokens (tests/unit/sampler_test.c draws against the old code).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "model/matvec.h"
#include "model/sampler.h"
#include "util/err.h"

int ogx_sampler_check(const struct ogx_sampler_params *p)
{
	if (!isfinite(p->temperature) || p->temperature < 0.0f)
		return ogx_fail(-EINVAL, "temperature %g must be finite and >= 0",
				(double)p->temperature);
	if (!(p->top_p >= 0.0f && p->top_p <= 1.0f))
		return ogx_fail(-EINVAL, "top-p %g must be within 0..1", (double)p->top_p);
	if (p->temperature > 0.0f && p->top_p > 0.0f && !p->seed)
		return ogx_fail(-EINVAL, "seed must be nonzero (xorshift stays at 0)");
	return 0;
}

int ogx_sampler_init(struct ogx_sampler *s, uint32_t vocab_size,
		     const struct ogx_sampler_params *p)
{
	int err = ogx_sampler_check(p);

	memset(s, 0, sizeof(*s));
	if (err)
		return err;
	s->params = *p;
	s->rng = p->seed;
	s->vocab_size = vocab_size;
	s->nucleus = calloc(vocab_size ? vocab_size : 1, sizeof(*s->nucleus));
	s->sorted = calloc(vocab_size ? vocab_size : 1, sizeof(*s->sorted));
	return s->nucleus && s->sorted ? 0 : -ENOMEM;
}

void ogx_sampler_free(struct ogx_sampler *s)
{
	free(s->nucleus);
	free(s->sorted);
	memset(s, 0, sizeof(*s));
}

uint32_t ogx_rng_u32(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (uint32_t)((*state * 0x2545F4914F6CDD1Dull) >> 32);
}

float ogx_rng_f32(uint64_t *state)
{
	return (float)(ogx_rng_u32(state) >> 8) / 16777216.0f;
}

static uint32_t argmax_portable(const float *x, uint32_t n)
{
	uint32_t best = 0;

	for (uint32_t i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

/*
 * The SIMD versions give the portable loop's answer, the first index of the
 * largest value, NaNs never chosen (the caller handles a NaN at x[0], which
 * the loop never leaves). Each lane sees its elements in index order and
 * replaces its best only on a strictly greater value, so it holds the first
 * index of its own largest value; across lanes, the first index among the
 * lanes whose value equals the largest (== also pairs -0 with +0, which the
 * loop treats as equal too). All lanes start at x[0], index 0; the tail past
 * the last whole step is the loop's, continuing from that answer.
 */
#if defined(__x86_64__)
#define ARGMAX_UNROLL 4

__attribute__((target("avx2")))
static uint32_t argmax_avx2(const float *x, uint32_t n)
{
	const __m256i step = _mm256_set1_epi32(8 * ARGMAX_UNROLL);
	__m256 best[ARGMAX_UNROLL], m;
	__m256i at[ARGMAX_UNROLL], idx[ARGMAX_UNROLL], cand;
	__m128 h;
	__m128i c;
	uint32_t i = 0, b;

	for (int k = 0; k < ARGMAX_UNROLL; k++) {
		best[k] = _mm256_set1_ps(x[0]);
		at[k] = _mm256_setzero_si256();
		idx[k] = _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
					  _mm256_set1_epi32(8 * k));
	}
	for (; i + 8 * ARGMAX_UNROLL <= n; i += 8 * ARGMAX_UNROLL) {
#pragma GCC unroll 4
		for (int k = 0; k < ARGMAX_UNROLL; k++) {
			__m256 v = _mm256_loadu_ps(x + i + 8 * k);
			__m256 gt = _mm256_cmp_ps(v, best[k], _CMP_GT_OQ);

			best[k] = _mm256_blendv_ps(best[k], v, gt);
			at[k] = _mm256_blendv_epi8(at[k], idx[k], _mm256_castps_si256(gt));
			idx[k] = _mm256_add_epi32(idx[k], step);
		}
	}
	m = _mm256_max_ps(_mm256_max_ps(best[0], best[1]), _mm256_max_ps(best[2], best[3]));
	h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
	h = _mm_max_ps(h, _mm_movehl_ps(h, h));
	h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
	m = _mm256_broadcastss_ps(h);
	cand = _mm256_set1_epi32(-1);
	for (int k = 0; k < ARGMAX_UNROLL; k++) {
		__m256 eq = _mm256_cmp_ps(best[k], m, _CMP_EQ_OQ);

		cand = _mm256_min_epu32(cand, _mm256_blendv_epi8(_mm256_set1_epi32(-1), at[k],
								 _mm256_castps_si256(eq)));
	}
	c = _mm_min_epu32(_mm256_castsi256_si128(cand), _mm256_extracti128_si256(cand, 1));
	c = _mm_min_epu32(c, _mm_shuffle_epi32(c, _MM_SHUFFLE(1, 0, 3, 2)));
	c = _mm_min_epu32(c, _mm_shuffle_epi32(c, _MM_SHUFFLE(2, 3, 0, 1)));
	b = (uint32_t)_mm_cvtsi128_si32(c);
	for (; i < n; i++)
		if (x[i] > x[b])
			b = i;
	return b;
}

__attribute__((target("avx512f")))
static uint32_t argmax_avx512(const float *x, uint32_t n)
{
	const __m512i step = _mm512_set1_epi32(16 * ARGMAX_UNROLL);
	__m512 best[ARGMAX_UNROLL], m;
	__m512i at[ARGMAX_UNROLL], idx[ARGMAX_UNROLL], cand;
	uint32_t i = 0, b;

	for (int k = 0; k < ARGMAX_UNROLL; k++) {
		best[k] = _mm512_set1_ps(x[0]);
		at[k] = _mm512_setzero_si512();
		idx[k] = _mm512_add_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
							    12, 13, 14, 15),
					  _mm512_set1_epi32(16 * k));
	}
	for (; i + 16 * ARGMAX_UNROLL <= n; i += 16 * ARGMAX_UNROLL) {
#pragma GCC unroll 4
		for (int k = 0; k < ARGMAX_UNROLL; k++) {
			__m512 v = _mm512_loadu_ps(x + i + 16 * k);
			__mmask16 gt = _mm512_cmp_ps_mask(v, best[k], _CMP_GT_OQ);

			best[k] = _mm512_mask_mov_ps(best[k], gt, v);
			at[k] = _mm512_mask_mov_epi32(at[k], gt, idx[k]);
			idx[k] = _mm512_add_epi32(idx[k], step);
		}
	}
	m = _mm512_max_ps(_mm512_max_ps(best[0], best[1]), _mm512_max_ps(best[2], best[3]));
	m = _mm512_set1_ps(_mm512_reduce_max_ps(m));
	cand = _mm512_set1_epi32(-1);
	for (int k = 0; k < ARGMAX_UNROLL; k++)
		cand = _mm512_mask_min_epu32(cand, _mm512_cmp_ps_mask(best[k], m, _CMP_EQ_OQ), cand,
					     at[k]);
	b = (uint32_t)_mm512_reduce_min_epu32(cand);
	for (; i < n; i++)
		if (x[i] > x[b])
			b = i;
	return b;
}
#endif

uint32_t ogx_argmax(const float *x, uint32_t n)
{
#if defined(__x86_64__)
	enum ogx_cpu_isa isa;

	/* Short rows are not worth it; a NaN first stays the loop's answer. */
	if (n < 64 || isnan(x[0]))
		return argmax_portable(x, n);
	isa = ogx_matvec_isa();
	if (isa == OGX_ISA_AVX512)
		return argmax_avx512(x, n);
	if (ogx_isa_has_avx2(isa))
		return argmax_avx2(x, n);
#endif
	return argmax_portable(x, n);
}

static uint32_t sample_mult(const float *probs, uint32_t n, float coin)
{
	float cdf = 0.0f;

	for (uint32_t i = 0; i < n; i++) {
		cdf += probs[i];
		if (coin < cdf)
			return i;
	}
	return n - 1;	/* rounding left the sum below the coin */
}

/*
 * The candidates in descending probability, equal ones by index (a total
 * order, so any correct sort gives the same sequence; radix rather than
 * qsort for its cost: benchmarks.md, "AVX-512 kernels, sampling and the
 * roofline"). The probabilities are finite and >= +0, so
 * their bits sort as they do: an LSD radix sort on ~bits, 11 bits a pass,
 * stable, over candidates entered in index order. Result in a (b scratch).
 */
#define RADIX_BITS 11
#define RADIX_PASSES 3		/* 33 >= 32 bits */

static uint32_t sort_key(float p)
{
	uint32_t u;

	memcpy(&u, &p, sizeof(u));
	return ~u;
}

/* Sorts a's n candidates (b: room for as many); returns a or b, whichever holds them. */
static struct ogx_prob_index *sort_nucleus(struct ogx_prob_index *a, struct ogx_prob_index *b,
					   uint32_t n)
{
	const uint32_t mask = (1u << RADIX_BITS) - 1;
	uint32_t count[RADIX_PASSES][1u << RADIX_BITS];

	memset(count, 0, sizeof(count));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = sort_key(a[i].prob);

		for (int p = 0; p < RADIX_PASSES; p++)
			count[p][(k >> (p * RADIX_BITS)) & mask]++;
	}
	for (int p = 0; p < RADIX_PASSES; p++) {
		uint32_t *c = count[p], sum = 0;
		struct ogx_prob_index *t;

		/* a digit the same for every candidate: this pass would move nothing */
		if (n && c[(sort_key(a[0].prob) >> (p * RADIX_BITS)) & mask] == n)
			continue;
		for (uint32_t d = 0; d <= mask; d++) {
			uint32_t here = c[d];

			c[d] = sum;
			sum += here;
		}
		for (uint32_t i = 0; i < n; i++)
			b[c[(sort_key(a[i].prob) >> (p * RADIX_BITS)) & mask]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	return a;
}

static uint32_t sample_top_p(struct ogx_sampler *s, const float *probs, float coin)
{
	uint32_t n = s->vocab_size, n0 = 0, last;
	float top_p = s->params.top_p, cutoff, cum = 0.0f, r, cdf = 0.0f;
	struct ogx_prob_index *sorted;

	/*
	 * A token below (1 - top_p) / (n - 1) cannot be in the nucleus (the
	 * others would hold more than top_p without it): drop before sorting.
	 */
	cutoff = n > 1 ? (1.0f - top_p) / (float)(n - 1) : 0.0f;
	for (uint32_t i = 0; i < n; i++) {
		if (probs[i] >= cutoff) {
			s->nucleus[n0].index = i;
			s->nucleus[n0].prob = probs[i];
			n0++;
		}
	}
	/* Only when top_p < 1/n and the distribution is nearly flat. */
	if (!n0)
		return ogx_argmax(probs, n);
	sorted = sort_nucleus(s->nucleus, s->sorted, n0);
	last = n0 - 1;
	for (uint32_t i = 0; i < n0; i++) {
		cum += sorted[i].prob;
		if (cum > top_p) {
			last = i;
			break;
		}
	}
	r = coin * cum;
	for (uint32_t i = 0; i <= last; i++) {
		cdf += sorted[i].prob;
		if (r < cdf)
			return sorted[i].index;
	}
	return sorted[last].index;
}

/* x[i] /= d for every i: one IEEE division each, so any width gives the same bits. */
#if defined(__x86_64__)
__attribute__((target("avx512f")))
static uint32_t div_avx512(float *x, uint32_t n, float d)
{
	uint32_t i = 0;

	for (; i + 16 <= n; i += 16)
		_mm512_storeu_ps(x + i, _mm512_div_ps(_mm512_loadu_ps(x + i), _mm512_set1_ps(d)));
	return i;
}

__attribute__((target("avx2")))
static uint32_t div_avx2(float *x, uint32_t n, float d)
{
	uint32_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(x + i, _mm256_div_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(d)));
	return i;
}
#endif

static void div_all(float *x, uint32_t n, float d)
{
	uint32_t i = 0;

#if defined(__x86_64__)
	enum ogx_cpu_isa isa = ogx_matvec_isa();

	if (isa == OGX_ISA_AVX512)
		i = div_avx512(x, n, d);
	else if (ogx_isa_has_avx2(isa))
		i = div_avx2(x, n, d);
#endif
	for (; i < n; i++)
		x[i] /= d;
}

/*
 * ogx_softmax() (llama2.c's), its two loops that need no order vectorized:
 * the max is x[first index of the largest] (what its loop finds), and the
 * division by the sum is per element. The exponentials stay libm's expf()
 * and their sum stays in index order: the sampled token depends on them.
 */
static void softmax_logits(float *x, uint32_t n)
{
	float max = x[ogx_argmax(x, n)], sum = 0.0f;

	for (uint32_t i = 0; i < n; i++) {
		x[i] = expf(x[i] - max);
		sum += x[i];
	}
	div_all(x, n, sum);
}

uint32_t ogx_sampler_sample(struct ogx_sampler *s, float *logits)
{
	const struct ogx_sampler_params *p = &s->params;
	float coin;

	if (p->temperature == 0.0f || p->top_p == 0.0f)
		return ogx_argmax(logits, s->vocab_size);
	div_all(logits, s->vocab_size, p->temperature);
	softmax_logits(logits, s->vocab_size);
	coin = ogx_rng_f32(&s->rng);
	if (p->top_p >= 1.0f)
		return sample_mult(logits, s->vocab_size, coin);
	return sample_top_p(s, logits, coin);
}
