/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Choosing the next token from logits, as llama2.c does it: greedy argmax
 * (temperature 0), or softmax(logits / temperature) sampled with one coin
 * per token from a seeded xorshift* generator, optionally restricted to the
 * nucleus (top-p). The same parameters and seed give the same tokens.
 *
 * One departure from llama2.c's command line, which treats top-p 0 as "off":
 * here top_p 0 is the limit of nucleus sampling, the single most likely
 * token, i.e. greedy; top_p 1 samples from the whole distribution.
 */
#ifndef OGX_MODEL_SAMPLER_H
#define OGX_MODEL_SAMPLER_H

#include <stdint.h>

#include "util/err.h"

struct ogx_sampler_params {
	float temperature;	/* 0: greedy; > 0: divide logits by it */
	float top_p;		/* 0..1: nucleus mass; 0 greedy, 1 off */
	uint64_t seed;		/* xorshift* state; nonzero when sampling */
};

struct ogx_prob_index {
	float prob;
	uint32_t index;
};

struct ogx_sampler {
	struct ogx_sampler_params params;
	uint64_t rng;
	uint32_t vocab_size;
	struct ogx_prob_index *nucleus;	/* vocab_size entries */
	struct ogx_prob_index *sorted;	/* as many: the sort's scratch */
};

OGX_MUST_CHECK
int ogx_sampler_check(const struct ogx_sampler_params *p);
OGX_MUST_CHECK
int ogx_sampler_init(struct ogx_sampler *s, uint32_t vocab_size,
		     const struct ogx_sampler_params *p);
void ogx_sampler_free(struct ogx_sampler *s);

/* The next token; logits (vocab_size floats) are overwritten. */
uint32_t ogx_sampler_sample(struct ogx_sampler *s, float *logits);

/* xorshift* as in llama2.c: 32 random bits, and a float in [0, 1). */
uint32_t ogx_rng_u32(uint64_t *state);
float ogx_rng_f32(uint64_t *state);

/*
 * Index of the largest value: the first on ties (-0 and +0 tie), NaNs never
 * chosen, except that a NaN at x[0] gives 0 (as llama2.c's loop). Vectorized
 * at the AVX2 and AVX-512 levels of ogx_matvec_isa(), with the same answer.
 */
uint32_t ogx_argmax(const float *x, uint32_t n);

#endif
