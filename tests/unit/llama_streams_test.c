// SPDX-License-Identifier: GPL-2.0
/*
 * Continuous batching on the CPU (ogx_llama_forward_streams()): a step of
 * several streams, each at its own position over its own KV cache, gives
 * every stream the logits and KV entries of a lone ogx_llama_forward(), bit
 * for bit (memcmp), for every weight type, both kernels and 1 or 3 threads,
 * while streams join and leave between steps, whether the activations are
 * lent by a state of their own or by one of the streams.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "model/gguf.h"
#include "model/llama.h"
#include "model/llama_gguf.h"
#include "model/llama_synth.h"
#include "model/sampler.h"
#include "util/err.h"

/* Whole Q4_0/Q8_0 blocks in every matrix; head size 32 (the AVX2 attention). */
static const struct ogx_llama_config shape = {
	.dim = 128, .hidden_dim = 352, .n_layers = 2, .n_heads = 4, .n_kv_heads = 2,
	.vocab_size = 300, .seq_len = 48, .rope_theta = 10000.0f, .norm_eps = 1e-5f,
};

#define MAX_STREAMS 20
#define STEPS 14

struct stream {
	struct ogx_llama ref;	/* stepped alone */
	struct ogx_llama st;	/* stepped in the batch */
	uint32_t token, pos, start, end;	/* active in steps [start, end) */
};

/*
 * n streams; stream b has a prompt of 1 + b % 5 tokens (run alone on both
 * states), joins at step b % 4 and leaves after 4 + b % 9 steps.
 */
static void check_streams(struct __test_metadata *_metadata, const char *what,
			  const struct ogx_llama_weights *w, unsigned int threads, uint32_t n,
			  bool lend_own)
{
	const struct ogx_llama_config *c = &w->cfg;
	size_t cache = (size_t)c->n_layers * c->seq_len * (c->dim / c->n_heads * c->n_kv_heads);
	struct stream *s = calloc(n, sizeof(*s));
	struct ogx_llama lender, *lend = &lender;
	struct ogx_llama *act[MAX_STREAMS];
	uint32_t tokens[MAX_STREAMS], pos[MAX_STREAMS], idx[MAX_STREAMS];

	ASSERT_NE(NULL, s);
	ASSERT_LE(n, MAX_STREAMS);
	ASSERT_EQ(0, ogx_llama_init(&lender, w, threads));
	for (uint32_t b = 0; b < n; b++) {
		uint32_t prompt[5], len = 1 + b % 5;

		for (uint32_t i = 0; i < len; i++)
			prompt[i] = (b * 31 + i * 7 + 1) % c->vocab_size;
		ASSERT_EQ(0, ogx_llama_init(&s[b].ref, w, threads));
		ASSERT_EQ(0, ogx_llama_init(&s[b].st, w, threads));
		ogx_llama_forward_batch(&s[b].ref, prompt, len - 1, 0, 0);
		ogx_llama_forward_batch(&s[b].st, prompt, len - 1, 0, 0);
		s[b].token = prompt[len - 1];
		s[b].pos = len - 1;
		s[b].start = b % 4;
		s[b].end = s[b].start + 4 + b % 9;
	}
	/* The server lends stream 0's state (active or not) to every step. */
	if (lend_own)
		lend = &s[0].st;
	for (uint32_t step = 0; step < STEPS; step++) {
		uint32_t k = 0;
		float *all;

		for (uint32_t b = 0; b < n; b++) {
			if (step < s[b].start || step >= s[b].end)
				continue;
			act[k] = &s[b].st;
			tokens[k] = s[b].token;
			pos[k] = s[b].pos;
			idx[k++] = b;
		}
		if (!k)
			continue;
		all = ogx_llama_forward_streams(lend, act, tokens, pos, k);
		ASSERT_NE(NULL, all);
		for (uint32_t i = 0; i < k; i++) {
			struct stream *x = &s[idx[i]];
			const float *one = ogx_llama_forward(&x->ref, x->token, x->pos, 1);
			const float *mine = all + (size_t)i * c->vocab_size;

			EXPECT_EQ(0, memcmp(one, mine, c->vocab_size * sizeof(float)))
				TH_LOG("%s, %u threads: step %u stream %u of %u", what, threads,
				       step, idx[i], k);
			x->token = ogx_argmax(one, c->vocab_size);
			x->pos++;
		}
	}
	for (uint32_t b = 0; b < n; b++) {
		EXPECT_EQ(0, memcmp(s[b].ref.key_cache, s[b].st.key_cache, cache * sizeof(float)));
		EXPECT_EQ(0, memcmp(s[b].ref.value_cache, s[b].st.value_cache,
				    cache * sizeof(float)));
		ogx_llama_fini(&s[b].ref);
		ogx_llama_fini(&s[b].st);
	}
	ogx_llama_fini(&lender);
	free(s);
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/*
 * The kernels underneath: nb inputs against a matrix of each type give, for
 * every input, the bits of the lone product (the several-vector kernels
 * take up to 4 vectors a row, so 1..9 inputs cover full and partial groups;
 * widths cover an odd block count and F16's 8- and 1-element tails).
 */
static void check_matmul(struct __test_metadata *_metadata, enum ogx_cpu_isa isa)
{
	static const uint32_t widths[] = { 32, 96, 160, 288, 8, 24, 13 };
	static const enum ogx_wtype all[] = {
		OGX_WTYPE_F32, OGX_WTYPE_F16, OGX_WTYPE_Q8_0, OGX_WTYPE_Q4_0,
	};
	const uint32_t rows = 37, maxnb = 9;
	uint64_t seed = 7;

	if (ogx_matvec_set_isa(isa))
		SKIP(return, "this CPU has no %s", ogx_cpu_isa_name(isa));
	for (size_t t = 0; t < sizeof(all) / sizeof(all[0]); t++) {
		for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++) {
			uint32_t cols = widths[wi];
			size_t rb = ogx_wtype_row_bytes(all[t], cols);
			uint8_t *data;
			float *x, *one, *many;
			struct ogx_matrix m = { .type = all[t], .rows = rows, .cols = cols };
			const struct ogx_matrix *mp = &m;

			if (!rb)
				continue; /* not whole blocks of this type */
			data = malloc(rows * rb);
			x = malloc(sizeof(float) * cols * maxnb);
			one = malloc(sizeof(float) * rows);
			many = malloc(sizeof(float) * rows * maxnb);
			ASSERT_NE(NULL, data);
			ASSERT_NE(NULL, x);
			ASSERT_NE(NULL, one);
			ASSERT_NE(NULL, many);
			for (size_t i = 0; i < cols * maxnb; i++)
				x[i] = ((float)(lcg(&seed) % 20001) - 10000.0f) / 3000.0f;
			if (all[t] == OGX_WTYPE_F32 || all[t] == OGX_WTYPE_F16) {
				for (size_t i = 0; i < (size_t)rows * cols; i++) {
					float v = ((float)(lcg(&seed) % 2001) - 1000.0f) / 997.0f;
					uint16_t h = ogx_f32_to_f16(v);

					if (all[t] == OGX_WTYPE_F32)
						memcpy(data + 4 * i, &v, 4);
					else
						memcpy(data + 2 * i, &h, 2);
				}
			} else {
				/* Random bytes, with finite F16 scales in each block's first two. */
				size_t bb = all[t] == OGX_WTYPE_Q8_0 ? 34 : 18;

				for (size_t i = 0; i < rows * rb; i++)
					data[i] = lcg(&seed);
				for (size_t i = 0; i < rows * rb; i += bb) {
					uint16_t h = ogx_f32_to_f16(0.001f * (1 + lcg(&seed) % 50));

					memcpy(data + i, &h, 2);
				}
			}
			m.data = data;
			for (uint32_t nb = 1; nb <= maxnb; nb++) {
				float *out = many;
				size_t ld = rows;

				ogx_matmul_multi(NULL, 1, &out, &ld, &mp, x, cols, nb);
				for (uint32_t b = 0; b < nb; b++) {
					ogx_matvec(NULL, one, &m, x + (size_t)b * cols);
					EXPECT_EQ(0, memcmp(one, many + (size_t)b * rows,
							    rows * sizeof(float)))
						TH_LOG("%s %s, %u columns, input %u of %u",
						       ogx_cpu_isa_name(isa), ogx_wtype_name(all[t]),
						       cols, b, nb);
				}
			}
			free(data);
			free(x);
			free(one);
			free(many);
		}
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

TEST(matmul_equals_matvecs_portable)
{
	check_matmul(_metadata, OGX_ISA_PORTABLE);
}

TEST(matmul_equals_matvecs_avx2)
{
	check_matmul(_metadata, OGX_ISA_AVX2);
}

TEST(matmul_equals_matvecs_avx512)
{
	check_matmul(_metadata, OGX_ISA_AVX512);
}

FIXTURE(typed) {
	struct ogx_llama_weights synth;
	struct ogx_llama_gguf g[4];	/* F32, F16, Q8_0, Q4_0 */
	char path[4][64];
};

static const enum ogx_wtype types[4] = {
	OGX_WTYPE_F32, OGX_WTYPE_F16, OGX_WTYPE_Q8_0, OGX_WTYPE_Q4_0,
};

FIXTURE_SETUP(typed)
{
	ASSERT_EQ(0, ogx_llama_synth(&shape, 99, &self->synth));
	for (int t = 0; t < 4; t++) {
		unsigned int kept = 0;
		int fd;

		snprintf(self->path[t], sizeof(self->path[t]), "/tmp/ogx-streams-XXXXXX");
		fd = mkstemp(self->path[t]);
		ASSERT_LE(0, fd);
		close(fd);
		ASSERT_EQ(0, ogx_llama_gguf_save(&self->synth, NULL, types[t], "streams",
						 self->path[t], &kept));
		EXPECT_EQ(0, kept);
		ASSERT_EQ(0, ogx_llama_gguf_open(&self->g[t], self->path[t]));
	}
}

FIXTURE_TEARDOWN(typed)
{
	for (int t = 0; t < 4; t++) {
		ogx_llama_gguf_close(&self->g[t]);
		unlink(self->path[t]);
	}
	ogx_llama_synth_free(&self->synth);
}

static void check_types(struct __test_metadata *_metadata, FIXTURE_DATA(typed) *self,
			enum ogx_cpu_isa isa)
{
	static const uint32_t counts[] = { 1, 5, 18 };	/* 18: two chunks of OGX_LLAMA_BATCH */

	if (ogx_matvec_set_isa(isa))
		SKIP(return, "this CPU has no %s", ogx_cpu_isa_name(isa));
	for (int t = 0; t < 4; t++)
		for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
			char what[64];

			snprintf(what, sizeof(what), "%s %s, %u streams", ogx_cpu_isa_name(isa),
				 ogx_wtype_name(types[t]), counts[i]);
			check_streams(_metadata, what, &self->g[t].w, 1, counts[i], false);
			check_streams(_metadata, what, &self->g[t].w, 3, counts[i], false);
			check_streams(_metadata, what, &self->g[t].w, 1, counts[i], true);
		}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

TEST_F(typed, batched_step_equals_single_steps_portable)
{
	check_types(_metadata, self, OGX_ISA_PORTABLE);
}

TEST_F(typed, batched_step_equals_single_steps_avx2)
{
	check_types(_metadata, self, OGX_ISA_AVX2);
}

TEST_F(typed, batched_step_equals_single_steps_avx512)
{
	check_types(_metadata, self, OGX_ISA_AVX512);
}

TEST_F(typed, streams_of_other_weights_or_past_the_context_are_refused)
{
	struct ogx_llama lender, a, b;
	struct ogx_llama *act[2] = { &a, &b };
	uint32_t tokens[2] = { 1, 2 }, pos[2] = { 0, 0 };

	ASSERT_EQ(0, ogx_llama_init(&lender, &self->g[0].w, 1));
	ASSERT_EQ(0, ogx_llama_init(&a, &self->g[0].w, 1));
	ASSERT_EQ(0, ogx_llama_init(&b, &self->g[2].w, 1));
	EXPECT_EQ(NULL, ogx_llama_forward_streams(&lender, act, tokens, pos, 2));
	EXPECT_EQ(-EINVAL, lender.engine_err);
	pos[0] = shape.seq_len;
	EXPECT_EQ(NULL, ogx_llama_forward_streams(&lender, act, tokens, pos, 1));
	EXPECT_EQ(-EINVAL, lender.engine_err);
	pos[0] = shape.seq_len - 1;
	EXPECT_NE(NULL, ogx_llama_forward_streams(&lender, act, tokens, pos, 1));
	EXPECT_EQ(0, lender.engine_err);
	ogx_llama_fini(&lender);
	ogx_llama_fini(&a);
	ogx_llama_fini(&b);
}

TEST_HARNESS_MAIN
