// SPDX-License-Identifier: GPL-2.0
/* Token sampling; see sampler.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/ops.h"
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
	return s->nucleus ? 0 : -ENOMEM;
}

void ogx_sampler_free(struct ogx_sampler *s)
{
	free(s->nucleus);
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

uint32_t ogx_argmax(const float *x, uint32_t n)
{
	uint32_t best = 0;

	for (uint32_t i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
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

/* Descending probability; equal ones by index, so the order is total. */
static int nucleus_cmp(const void *pa, const void *pb)
{
	const struct ogx_prob_index *a = pa, *b = pb;

	if (a->prob != b->prob)
		return a->prob > b->prob ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

static uint32_t sample_top_p(struct ogx_sampler *s, const float *probs, float coin)
{
	uint32_t n = s->vocab_size, n0 = 0, last;
	float top_p = s->params.top_p, cutoff, cum = 0.0f, r, cdf = 0.0f;

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
	qsort(s->nucleus, n0, sizeof(*s->nucleus), nucleus_cmp);
	last = n0 - 1;
	for (uint32_t i = 0; i < n0; i++) {
		cum += s->nucleus[i].prob;
		if (cum > top_p) {
			last = i;
			break;
		}
	}
	r = coin * cum;
	for (uint32_t i = 0; i <= last; i++) {
		cdf += s->nucleus[i].prob;
		if (r < cdf)
			return s->nucleus[i].index;
	}
	return s->nucleus[last].index;
}

uint32_t ogx_sampler_sample(struct ogx_sampler *s, float *logits)
{
	const struct ogx_sampler_params *p = &s->params;
	float coin;

	if (p->temperature == 0.0f || p->top_p == 0.0f)
		return ogx_argmax(logits, s->vocab_size);
	for (uint32_t i = 0; i < s->vocab_size; i++)
		logits[i] /= p->temperature;
	ogx_softmax(logits, s->vocab_size);
	coin = ogx_rng_f32(&s->rng);
	if (p->top_p >= 1.0f)
		return sample_mult(logits, s->vocab_size, coin);
	return sample_top_p(s, logits, coin);
}
