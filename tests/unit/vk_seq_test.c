// SPDX-License-Identifier: GPL-2.0
/*
 * Several Llama sequences over one copy of the weights on Vulkan (lavapipe
 * here, validation layers on), as the server runs its streams: each
 * sequence's logits, stepped in turn with the others (and with one freed and
 * another made in the middle), are bit for bit those of the same tokens run
 * alone on a model of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "model/llama.h"
#include "model/llama2c.h"
#include "util/err.h"
#include "vk/device.h"
#include "vk/llama.h"

#define NSEQ 3
#define STEPS 40
#define PROMPT 13	/* prompt tokens of sequence 1: a batch of 8 and a partial one */

FIXTURE(seq) {
	struct ogx_vk *vk;
	struct ogx_llama2c ck;
	uint32_t vocab;
};

FIXTURE_SETUP(seq)
{
	struct ogx_vk_opts o = { .validation = true, .no_cache = true };
	const char *d = getenv("OGX_MODELS");
	char path[512];
	int err;

	snprintf(path, sizeof(path), "%s/stories260K/stories260K.bin",
		 d && *d ? d : "../shared/models");
	err = ogx_llama2c_open(&self->ck, path);
	if (err)
		TH_LOG("%s: %s", path, ogx_errmsg(err));
	ASSERT_EQ(0, err);
	self->vocab = self->ck.w.cfg.vocab_size;
	err = ogx_vk_open(&o, &self->vk);
	if (err)
		TH_LOG("%s", ogx_errmsg(err));
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(seq)
{
	unsigned errors = self->vk ? self->vk->validation_errors : 0;

	ogx_vk_close(self->vk);
	ogx_llama2c_close(&self->ck);
	ASSERT_EQ(0, errors);
}

/* Sequence i's prompt: token 1 (BOS), then PROMPT - 1 more for i == 1. */
static uint32_t prompt_len(unsigned i)
{
	return i == 1 ? PROMPT : 1;
}

static uint32_t prompt_tok(unsigned i, uint32_t p, uint32_t vocab)
{
	return p ? 3 + (p * 37 + i * 11) % (vocab - 3) : 1;
}

/*
 * Step t of sequence i: its prompt (all but the last token as a prefill),
 * then greedy tokens fed back. logits (vocab floats) of the step.
 */
struct run {
	struct ogx_vk_llama_seq *s;
	uint32_t pos, next;
};

static int step(struct run *r, unsigned i, uint32_t vocab, float *logits)
{
	const float *lg;
	uint32_t n = prompt_len(i), tok, am;
	int err;

	if (r->pos == 0 && n > 1) {
		uint32_t p[PROMPT];

		for (uint32_t k = 0; k < n - 1; k++)
			p[k] = prompt_tok(i, k, vocab);
		err = ogx_vk_llama_seq_prefill(r->s, p, n - 1, 0);
		if (err)
			return err;
		r->pos = n - 1;
	}
	tok = r->pos < n ? prompt_tok(i, r->pos, vocab) : r->next;
	err = ogx_vk_llama_seq_forward(r->s, tok, r->pos, &lg, &am);
	if (err)
		return err;
	memcpy(logits, lg, vocab * sizeof(float));
	r->next = am;
	r->pos++;
	return 0;
}

TEST_F(seq, interleaved_equal_alone)
{
	uint32_t v = self->vocab;
	float *alone = calloc((size_t)NSEQ * STEPS * v, sizeof(float));
	float *got = calloc(v, sizeof(float));
	struct ogx_vk_llama *m;
	struct run r[NSEQ] = { 0 };

	ASSERT_NE(NULL, alone);
	ASSERT_NE(NULL, got);
	/* Each sequence alone: a model of its own (weights and one sequence). */
	for (unsigned i = 0; i < NSEQ; i++) {
		struct ogx_vk_llama *own;
		struct run a = { 0 };

		ASSERT_EQ(0, ogx_vk_llama_load(self->vk, &self->ck.w, &own));
		ASSERT_EQ(0, ogx_vk_llama_seq_new(own, &a.s));
		for (unsigned t = 0; t < STEPS; t++)
			ASSERT_EQ(0, step(&a, i, v, alone + ((size_t)i * STEPS + t) * v));
		ogx_vk_llama_seq_free(a.s);
		ogx_vk_llama_free(own);
	}
	/*
	 * Together over one upload of the weights, in turn. Sequence 2 starts
	 * on a fresh sequence made after another one was freed half way.
	 */
	ASSERT_EQ(0, ogx_vk_llama_load(self->vk, &self->ck.w, &m));
	for (unsigned i = 0; i < NSEQ; i++)
		ASSERT_EQ(0, ogx_vk_llama_seq_new(m, &r[i].s));
	for (unsigned t = 0; t < STEPS; t++) {
		if (t == STEPS / 2) {
			ogx_vk_llama_seq_free(r[2].s);
			memset(&r[2], 0, sizeof(r[2]));
			ASSERT_EQ(0, ogx_vk_llama_seq_new(m, &r[2].s));
		}
		for (unsigned i = 0; i < NSEQ; i++) {
			unsigned want = i == 2 && t >= STEPS / 2 ? t - STEPS / 2 : t;

			ASSERT_EQ(0, step(&r[i], i, v, got));
			if (memcmp(got, alone + ((size_t)i * STEPS + want) * v, v * sizeof(float)))
				TH_LOG("sequence %u, step %u: logits differ from its lone run", i, t);
			ASSERT_EQ(0, memcmp(got, alone + ((size_t)i * STEPS + want) * v,
					    v * sizeof(float)));
		}
	}
	for (unsigned i = 0; i < NSEQ; i++)
		ogx_vk_llama_seq_free(r[i].s);
	ogx_vk_llama_free(m);
	free(alone);
	free(got);
}

/* A sequence's position past the context is refused with the numbers. */
TEST_F(seq, position_past_context)
{
	struct ogx_vk_llama *m;
	struct ogx_vk_llama_seq *s;
	uint32_t ctx = self->ck.w.cfg.seq_len, toks[2] = { 1, 1 };
	char want[128];
	int err;

	ASSERT_EQ(0, ogx_vk_llama_load(self->vk, &self->ck.w, &m));
	ASSERT_EQ(0, ogx_vk_llama_seq_new(m, &s));
	err = ogx_vk_llama_seq_forward(s, 1, ctx, NULL, NULL);
	ASSERT_EQ(-EINVAL, err);
	snprintf(want, sizeof(want), "position %u is past the context (%u)", ctx, ctx);
	ASSERT_STREQ(want, ogx_errmsg(err));
	err = ogx_vk_llama_seq_prefill(s, toks, 2, ctx - 1);
	ASSERT_EQ(-EINVAL, err);
	snprintf(want, sizeof(want), "positions %u..%u are past the context (%u)", ctx - 1, ctx,
		 ctx);
	ASSERT_STREQ(want, ogx_errmsg(err));
	ogx_vk_llama_seq_free(s);
	ogx_vk_llama_free(m);
}

TEST_HARNESS_MAIN
