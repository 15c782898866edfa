// SPDX-License-Identifier: GPL-2.0
/* The generation loop; see generate.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/generate.h"
#include "util/err.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void ogx_generation_free(struct ogx_generation *g)
{
	free(g->input);
	free(g->output);
	memset(g, 0, sizeof(*g));
}

int ogx_llama_generate(struct ogx_llama *m, const struct ogx_tokenizer *t, const char *prompt,
		       const struct ogx_generate_params *p, ogx_token_cb cb, void *ctx,
		       struct ogx_generation *g)
{
	const struct ogx_llama_config *c = &m->w->cfg;
	struct ogx_sampler sampler;
	uint32_t token, pos;
	uint64_t t0, t1;
	float *logits;
	int err;

	memset(g, 0, sizeof(*g));
	if (t->vocab_size != c->vocab_size)
		return ogx_fail(-EINVAL, "the tokenizer has %u tokens, the model %u", t->vocab_size,
				c->vocab_size);
	err = ogx_sampler_init(&sampler, c->vocab_size, &p->sampling);
	if (err)
		return err;
	err = ogx_tokenizer_encode(t, prompt ? prompt : "", 1, 0, &g->input, &g->n_input);
	if (err)
		goto out;
	if (g->n_input > c->seq_len) {
		err = ogx_fail(-E2BIG, "the prompt is %zu tokens, the model's context %u",
			       g->n_input, c->seq_len);
		goto out;
	}
	g->output = malloc((p->max_tokens ? p->max_tokens : 1) * sizeof(*g->output));
	if (!g->output) {
		err = -ENOMEM;
		goto out;
	}

	/* Prompt: batched, and only the last token's logits are needed. */
	t0 = now_ns();
	pos = g->n_input - 1;
	ogx_llama_forward_batch(m, g->input, pos, 0, 0);
	err = m->engine_err;
	if (err)
		goto out;
	token = g->input[pos];
	t1 = t0;
	for (; g->n_output < p->max_tokens && pos < c->seq_len; pos++) {
		uint32_t next;
		const char *piece;
		size_t len;

		logits = ogx_llama_forward(m, token, pos, 1);
		if (!logits) {
			err = m->engine_err ? m->engine_err : -EIO;
			goto out;
		}
		next = ogx_sampler_sample(&sampler, logits);
		if (g->n_output == 0) {
			t1 = now_ns();
			g->prompt_ns = t1 - t0;
			g->prompt_steps = pos + 1;
		} else {
			g->gen_steps++;
		}
		if (next == t->bos_id || next == t->eos_id) {
			g->stopped = 1;
			break;
		}
		g->output[g->n_output++] = next;
		err = ogx_tokenizer_decode(t, token, next, &piece, &len);
		if (!err && cb)
			err = cb(ctx, next, piece, len);
		if (err)
			goto out;
		token = next;
	}
	if (g->n_output || g->stopped)
		g->gen_ns = now_ns() - t1;
out:
	ogx_sampler_free(&sampler);
	if (err)
		ogx_generation_free(g);
	return err;
}
