/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text generation with a Llama model: encode the prompt (with BOS), run it
 * through the model, then sample up to max_tokens tokens, stopping early when
 * the model emits BOS or EOS or the context is full (llama2.c's loop). Each
 * token is handed to a callback as soon as it is produced, for streaming.
 *
 * The result keeps what a proof record commits to: the input token ids, the
 * output token ids (both serializable as little-endian int32), and the
 * sampling parameters in a canonical string.
 */
#ifndef OGX_MODEL_GENERATE_H
#define OGX_MODEL_GENERATE_H

#include <stddef.h>
#include <stdint.h>

#include "model/llama.h"
#include "model/sampler.h"
#include "model/tokenizer.h"
#include "util/err.h"

struct ogx_generate_params {
	struct ogx_sampler_params sampling;
	uint32_t max_tokens;		/* tokens to generate at most */
};

struct ogx_generation {
	uint32_t *input;		/* prompt token ids, BOS first */
	size_t n_input;
	uint32_t *output;		/* generated ids, the stop token not included */
	size_t n_output;
	int stopped;			/* the model emitted BOS or EOS */
	/* Timing: prompt = forward steps of the prompt tokens (the last one
	 * yields the first generated token); gen = the forward steps after. */
	uint64_t prompt_ns, gen_ns;
	uint32_t prompt_steps, gen_steps;
};

/*
 * Called for every generated token with its decoded bytes (possibly empty,
 * possibly part of a UTF-8 sequence). A nonzero return stops generation and
 * is returned by ogx_llama_generate().
 */
typedef int (*ogx_token_cb)(void *ctx, uint32_t token, const char *piece, size_t len);

/*
 * The model's KV cache is reused from position 0. On error *g is freed and
 * zeroed; on success free it with ogx_generation_free().
 */
OGX_MUST_CHECK
int ogx_llama_generate(struct ogx_llama *m, const struct ogx_tokenizer *t, const char *prompt,
		       const struct ogx_generate_params *p, ogx_token_cb cb, void *ctx,
		       struct ogx_generation *g);
void ogx_generation_free(struct ogx_generation *g);

#endif
