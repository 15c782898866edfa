// SPDX-License-Identifier: GPL-2.0
/* Sampler: the xorshift* stream, greedy limits, nucleus bounds, parameter errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "model/generate.h"
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

TEST_HARNESS_MAIN
