// SPDX-License-Identifier: GPL-2.0
/* Sampler: the xorshift* stream, greedy limits, nucleus bounds, parameter errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "model/generate.h"
#include "model/matvec.h"
#include "model/sampler.h"
#include "util/err.h"

TEST(rng_matches_xorshift_star)
{
	/* Computed with Python's unbounded integers masked to 64 bits. */
	static const uint32_t want[] = { 3033531262u, 2674377904u, 2312864567u, 2287415643u,
					 1408443089u };
	uint64_t s = 133742, s2 = 133742;

	for (int i = 0; i < 5; i++)
		EXPECT_EQ(want[i], ogx_rng_u32(&s));
	EXPECT_EQ((float)(3033531262u >> 8) / 16777216.0f, ogx_rng_f32(&s2));
	EXPECT_EQ(0.6226770877838135f, ogx_rng_f32(&s2));
}

static void logits_of(float *l, const float *probs, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		l[i] = logf(probs[i]);
}

static uint32_t draw(struct ogx_sampler *s, const float *probs, uint32_t n)
{
	float l[16];

	logits_of(l, probs, n);
	return ogx_sampler_sample(s, l);
}

static const float probs[6] = { 0.05f, 0.5f, 0.3f, 0.1f, 0.04f, 0.01f };

TEST(greedy_limits)
{
	struct ogx_sampler s;
	struct ogx_sampler_params p[] = {
		{ .temperature = 0.0f, .top_p = 0.9f, .seed = 7 },
		{ .temperature = 1.0f, .top_p = 0.0f, .seed = 7 },
		{ .temperature = 0.0f, .top_p = 0.0f, .seed = 0 },
	};

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		ASSERT_EQ(0, ogx_sampler_init(&s, 6, &p[i]));
		for (int k = 0; k < 100; k++)
			EXPECT_EQ(1, draw(&s, probs, 6));
		/* Greedy draws no coin: the generator is untouched. */
		EXPECT_EQ(p[i].seed, s.rng);
		ogx_sampler_free(&s);
	}
}

TEST(same_seed_same_tokens)
{
	struct ogx_sampler_params p = { .temperature = 0.8f, .top_p = 0.95f, .seed = 42 };
	struct ogx_sampler a, b, c;
	int differ = 0;

	ASSERT_EQ(0, ogx_sampler_init(&a, 6, &p));
	ASSERT_EQ(0, ogx_sampler_init(&b, 6, &p));
	p.seed = 43;
	ASSERT_EQ(0, ogx_sampler_init(&c, 6, &p));
	for (int k = 0; k < 200; k++) {
		uint32_t x = draw(&a, probs, 6);

		EXPECT_EQ(x, draw(&b, probs, 6));
		differ |= x != draw(&c, probs, 6);
	}
	EXPECT_TRUE(differ);
	ogx_sampler_free(&a);
	ogx_sampler_free(&b);
	ogx_sampler_free(&c);
}

TEST(nucleus_excludes_the_tail)
{
	/* Sorted: 0.5, 0.3 (0.8 > 0.7: the nucleus is tokens 1 and 2). */
	struct ogx_sampler_params p = { .temperature = 1.0f, .top_p = 0.7f, .seed = 9 };
	struct ogx_sampler s;
	int seen[6] = { 0 };

	ASSERT_EQ(0, ogx_sampler_init(&s, 6, &p));
	for (int k = 0; k < 2000; k++)
		seen[draw(&s, probs, 6)]++;
	EXPECT_EQ(0, seen[0] + seen[3] + seen[4] + seen[5]);
	EXPECT_GT(seen[1], seen[2]);
	EXPECT_GT(seen[2], 0);
	ogx_sampler_free(&s);
}

TEST(top_p_one_samples_everything)
{
	struct ogx_sampler_params p = { .temperature = 1.0f, .top_p = 1.0f, .seed = 5 };
	struct ogx_sampler s;
	int seen[6] = { 0 };

	ASSERT_EQ(0, ogx_sampler_init(&s, 6, &p));
	for (int k = 0; k < 5000; k++)
		seen[draw(&s, probs, 6)]++;
	for (int i = 0; i < 6; i++)
		EXPECT_GT(seen[i], 0);
	ogx_sampler_free(&s);
}

TEST(flat_distribution_tiny_top_p)
{
	/* top_p < 1/n with equal probabilities: no token passes the cutoff. */
	struct ogx_sampler_params p = { .temperature = 1.0f, .top_p = 0.01f, .seed = 5 };
	float flat[16] = { 0 };
	struct ogx_sampler s;

	ASSERT_EQ(0, ogx_sampler_init(&s, 16, &p));
	EXPECT_EQ(0, ogx_sampler_sample(&s, flat));
	ogx_sampler_free(&s);
}

TEST(parameter_errors)
{
	static const struct {
		struct ogx_sampler_params p;
		const char *msg;
	} cases[] = {
		{ { -0.5f, 0.9f, 1 }, "temperature -0.5 must be finite and >= 0" },
		{ { NAN, 0.9f, 1 }, "temperature nan must be finite and >= 0" },
		{ { INFINITY, 0.9f, 1 }, "temperature inf must be finite and >= 0" },
		{ { 1.0f, 1.5f, 1 }, "top-p 1.5 must be within 0..1" },
		{ { 1.0f, -0.1f, 1 }, "top-p -0.1 must be within 0..1" },
		{ { 1.0f, NAN, 1 }, "top-p nan must be within 0..1" },
		{ { 1.0f, 0.9f, 0 }, "seed must be nonzero (xorshift stays at 0)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ogx_sampler s;
		int err = ogx_sampler_init(&s, 6, &cases[i].p);

		EXPECT_EQ(-EINVAL, err);
		EXPECT_STREQ(cases[i].msg, ogx_errmsg(err));
	}
}

/* llama2.c's loop, the definition every vectorized argmax must reproduce. */
static uint32_t argmax_ref(const float *x, uint32_t n)
{
	uint32_t best = 0;

	for (uint32_t i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/*
 * Values from a small set, so that the largest one repeats across lanes and
 * within a lane; -0 beside +0, infinities and NaNs (never chosen, unless at
 * index 0) mixed in at the given per-mille rates.
 */
static void edge_fill(float *x, uint32_t n, uint64_t *s, unsigned int nan_pm, unsigned int inf_pm)
{
	static const float pool[] = { -3.0f, -1.0f, -0.0f, 0.0f, 0.5f, 1.0f, 2.0f, 2.0f };

	for (uint32_t i = 0; i < n; i++) {
		unsigned int r = lcg(s) % 1000;

		if (r < nan_pm)
			x[i] = (r & 1) ? NAN : -NAN;
		else if (r < nan_pm + inf_pm)
			x[i] = (r & 1) ? INFINITY : -INFINITY;
		else
			x[i] = pool[lcg(s) % 8];
	}
}

/* Every kernel level the CPU has gives the loop's index, on every width and tail. */
TEST(argmax_every_level_equals_the_loop)
{
	static const enum ogx_cpu_isa isas[] = { OGX_ISA_PORTABLE, OGX_ISA_AVX2, OGX_ISA_AVX512 };
	enum { BIG = 32000 };
	static float x[BIG + 1];
	int levels = 0;

	for (size_t a = 0; a < sizeof(isas) / sizeof(isas[0]); a++) {
		uint64_t s = 99;

		if (ogx_matvec_set_isa(isas[a]))
			continue;	/* not on this CPU */
		levels++;
		for (uint32_t n = 1; n <= 600; n++) {
			for (int kind = 0; kind < 6; kind++) {
				const char *what[] = { "random", "ties", "nan+inf", "nan first",
						       "all -inf", "max last" };

				if (kind == 0)
					for (uint32_t i = 0; i < n; i++)
						x[i] = (float)lcg(&s) / 65536.0f - 16384.0f;
				else
					edge_fill(x, n, &s, kind == 2 ? 100 : 0, kind == 2 ? 50 : 0);
				if (kind == 3)
					x[0] = NAN;
				if (kind == 4)
					for (uint32_t i = 0; i < n; i++)
						x[i] = -INFINITY;
				if (kind == 5)
					x[n - 1] = 1e30f;
				ASSERT_EQ(argmax_ref(x, n), ogx_argmax(x, n))
					TH_LOG("%s, n %u, %s", ogx_cpu_isa_name(isas[a]), n, what[kind]);
			}
		}
		/* A vocabulary's worth: the maximum planted at every 1,000th index, and ties. */
		for (uint32_t at = 0; at < BIG; at += 997) {
			for (uint32_t i = 0; i < BIG; i++)
				x[i] = (float)lcg(&s) / 2147483648.0f;
			x[at] = 2.0f;
			x[(at * 7 + 13) % BIG] = 2.0f;
			ASSERT_EQ(argmax_ref(x, BIG), ogx_argmax(x, BIG))
				TH_LOG("%s, max at %u", ogx_cpu_isa_name(isas[a]), at);
			edge_fill(x, BIG, &s, 20, 5);
			ASSERT_EQ(argmax_ref(x, BIG), ogx_argmax(x, BIG))
				TH_LOG("%s, edge values, round %u", ogx_cpu_isa_name(isas[a]), at);
		}
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
	EXPECT_LE(1, levels);
}

/*
 * The sampler as it was (llama2.c's softmax loops, qsort of the nucleus),
 * kept here as the definition the faster one must reproduce token for token.
 */
static int ref_cmp(const void *pa, const void *pb)
{
	const struct ogx_prob_index *a = pa, *b = pb;

	if (a->prob != b->prob)
		return a->prob > b->prob ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

static uint32_t ref_sample(const struct ogx_sampler_params *p, uint64_t *rng, float *x, uint32_t n,
			   struct ogx_prob_index *nuc)
{
	float max, sum = 0.0f, coin, cutoff, cum = 0.0f, r, cdf = 0.0f;
	uint32_t n0 = 0, last;

	if (p->temperature == 0.0f || p->top_p == 0.0f)
		return argmax_ref(x, n);
	for (uint32_t i = 0; i < n; i++)
		x[i] /= p->temperature;
	max = x[0];
	for (uint32_t i = 1; i < n; i++)
		if (x[i] > max)
			max = x[i];
	for (uint32_t i = 0; i < n; i++) {
		x[i] = expf(x[i] - max);
		sum += x[i];
	}
	for (uint32_t i = 0; i < n; i++)
		x[i] /= sum;
	coin = ogx_rng_f32(rng);
	if (p->top_p >= 1.0f) {
		for (uint32_t i = 0; i < n; i++) {
			cdf += x[i];
			if (coin < cdf)
				return i;
		}
		return n - 1;
	}
	cutoff = n > 1 ? (1.0f - p->top_p) / (float)(n - 1) : 0.0f;
	for (uint32_t i = 0; i < n; i++)
		if (x[i] >= cutoff)
			nuc[n0++] = (struct ogx_prob_index){ .prob = x[i], .index = i };
	if (!n0)
		return argmax_ref(x, n);
	qsort(nuc, n0, sizeof(*nuc), ref_cmp);
	last = n0 - 1;
	for (uint32_t i = 0; i < n0; i++) {
		cum += nuc[i].prob;
		if (cum > p->top_p) {
			last = i;
			break;
		}
	}
	r = coin * cum;
	for (uint32_t i = 0; i <= last; i++) {
		cdf += nuc[i].prob;
		if (r < cdf)
			return nuc[i].index;
	}
	return nuc[last].index;
}

/*
 * Temperature and top-p sampling (vectorized divisions and max, a radix
 * sort of the nucleus) draw the tokens the qsort version draws, at every
 * kernel level: flat, peaked and tied logits, vocabularies of 6, 512 and
 * 32,000, temperatures and top-p values across their range.
 */
TEST(sampling_draws_the_reference_tokens)
{
	static const enum ogx_cpu_isa isas[] = { OGX_ISA_PORTABLE, OGX_ISA_AVX2, OGX_ISA_AVX512 };
	static const uint32_t vocabs[] = { 6, 512, 32000 };
	static const float temps[] = { 0.25f, 1.0f, 1.7f };
	static const float top_ps[] = { 0.01f, 0.5f, 0.9f, 0.99f, 1.0f };
	enum { MAXV = 32000, DRAWS = 6 };
	static float logits[MAXV], a[MAXV], b[MAXV];
	static struct ogx_prob_index nuc[MAXV];
	uint64_t s = 21;

	for (size_t l = 0; l < sizeof(isas) / sizeof(isas[0]); l++) {
		if (ogx_matvec_set_isa(isas[l]))
			continue;
		for (size_t v = 0; v < sizeof(vocabs) / sizeof(vocabs[0]); v++) {
			for (int kind = 0; kind < 3; kind++) {
				uint32_t n = vocabs[v];

				for (uint32_t i = 0; i < n; i++) {
					float u = (float)lcg(&s) / 2147483648.0f;

					/* flat; peaked (a few far above); ties (8 distinct values) */
					logits[i] = kind == 0 ? u : kind == 1 ? 6 * u * u * u * u :
						    (float)(lcg(&s) % 8) / 2;
				}
				for (size_t t = 0; t < sizeof(temps) / sizeof(temps[0]); t++) {
					for (size_t q = 0; q < sizeof(top_ps) / sizeof(top_ps[0]); q++) {
						struct ogx_sampler_params p = {
							.temperature = temps[t], .top_p = top_ps[q],
							.seed = 1 + lcg(&s),
						};
						struct ogx_sampler sm;
						uint64_t rng = p.seed;

						ASSERT_EQ(0, ogx_sampler_init(&sm, n, &p));
						for (int d = 0; d < DRAWS; d++) {
							memcpy(a, logits, n * sizeof(float));
							memcpy(b, logits, n * sizeof(float));
							ASSERT_EQ(ref_sample(&p, &rng, a, n, nuc),
								  ogx_sampler_sample(&sm, b))
								TH_LOG("%s vocab %u kind %d temp %g top-p %g draw %d",
								       ogx_cpu_isa_name(isas[l]), n, kind,
								       (double)p.temperature, (double)p.top_p, d);
							ASSERT_EQ(0, memcmp(a, b, n * sizeof(float)));
						}
						EXPECT_EQ(rng, sm.rng);
						ogx_sampler_free(&sm);
					}
				}
			}
		}
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

/* Probabilities an ulp or two apart sort by value, not by index: the larger wins a small nucleus. */
TEST(nucleus_orders_by_the_last_bit)
{
	struct ogx_sampler_params p = { .temperature = 1.0f, .top_p = 0.01f, .seed = 3 };
	struct ogx_prob_index nuc[3];
	struct ogx_sampler s;
	float y = 1.0f;

	ASSERT_EQ(0, ogx_sampler_init(&s, 3, &p));
	/* both parities of the last bit, and a few more */
	for (int k = 0; k < 6; k++, y = nextafterf(y, 2.0f)) {
		float l[3] = { -20.0f, y, nextafterf(y, 2.0f) }, r[3];
		uint64_t rng = p.seed;

		memcpy(r, l, sizeof(l));
		EXPECT_EQ(2, ogx_sampler_sample(&s, l)) TH_LOG("y = 1 + %d ulp", k);
		EXPECT_EQ(2, ref_sample(&p, &rng, r, 3, nuc));
		EXPECT_NE(r[1], r[2]);
	}
	ogx_sampler_free(&s);
}

TEST_HARNESS_MAIN
