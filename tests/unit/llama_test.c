// SPDX-License-Identifier: GPL-2.0
/*
 * Llama CPU reference: stories260K reproduces llama2.c's documented samples
 * token for token; kernels and thread counts agree.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "model/attention.h"
#include "model/generate.h"
#include "model/gguf.h"
#include "model/llama2c.h"
#include "util/err.h"
#include "util/file.h"
#include "util/pool.h"

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

static void model_path(char *buf, size_t size, const char *file)
{
	snprintf(buf, size, "%s/stories260K/%s", env_or("OGX_MODELS", "../shared/models"), file);
}

static int read_vector(const char *name, char **text)
{
	char path[512];
	uint8_t *data;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "%s/tests/vectors/%s", env_or("OGX_SRC", "."), name);
	err = ogx_read_file(path, 1 << 20, &data, &len);
	*text = (char *)data;
	return err;
}

struct text_buf {
	char buf[8192];
	size_t len;
};

static int collect(void *ctx, uint32_t token, const char *piece, size_t len)
{
	struct text_buf *t = ctx;

	(void)token;
	if (t->len + len >= sizeof(t->buf))
		return -ENOSPC;
	memcpy(t->buf + t->len, piece, len);
	t->len += len;
	t->buf[t->len] = '\0';
	return 0;
}

FIXTURE(stories) {
	struct ogx_llama2c ck;
	struct ogx_tokenizer tok;
};

FIXTURE_SETUP(stories)
{
	char path[512];
	int err;

	model_path(path, sizeof(path), "stories260K.bin");
	err = ogx_llama2c_open(&self->ck, path);
	ASSERT_EQ(0, err) TH_LOG("%s: %s", path, ogx_errmsg(err));
	model_path(path, sizeof(path), "tok512.bin");
	ASSERT_EQ(0, ogx_llama2c_tokenizer_load(&self->tok, path, self->ck.w.cfg.vocab_size));
}

FIXTURE_TEARDOWN(stories)
{
	ogx_tokenizer_free(&self->tok);
	ogx_llama2c_close(&self->ck);
}

/* Generate n tokens and compare the text (+ run.c's final newline) with a vector. */
static void check_sample(struct __test_metadata *_metadata, FIXTURE_DATA(stories) *self,
			 enum ogx_cpu_isa isa, unsigned int threads,
			 const struct ogx_sampler_params *sp, const char *vector)
{
	struct ogx_generate_params p = { .sampling = *sp, .max_tokens = 256 };
	static struct text_buf out;
	struct ogx_generation gen;
	struct ogx_llama m;
	char *want;

	ASSERT_EQ(0, ogx_matvec_set_isa(isa));
	ASSERT_EQ(0, read_vector(vector, &want));
	ASSERT_EQ(0, ogx_llama_init(&m, &self->ck.w, threads));
	out.len = 0;
	ASSERT_EQ(0, ogx_llama_generate(&m, &self->tok, "", &p, collect, &out, &gen));
	collect(&out, 0, "\n", 1);
	EXPECT_STREQ(want, out.buf);
	/* 256 steps of run.c from BOS: 256 tokens, no early stop. */
	EXPECT_EQ(256, gen.n_output);
	EXPECT_EQ(0, gen.stopped);
	EXPECT_EQ(1, gen.n_input);
	EXPECT_EQ(self->tok.bos_id, gen.input[0]);
	ogx_generation_free(&gen);
	ogx_llama_fini(&m);
	free(want);
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

static const struct ogx_sampler_params greedy = { .temperature = 0.0f, .top_p = 0.9f, .seed = 1 };
static const struct ogx_sampler_params doc_sampled = {
	.temperature = 1.0f, .top_p = 0.9f, .seed = 133742
};

TEST_F(stories, greedy_matches_llama2c_doc_portable)
{
	check_sample(_metadata, self, OGX_ISA_PORTABLE, 1, &greedy, "stories260K-greedy.txt");
}

TEST_F(stories, greedy_matches_llama2c_doc_auto_2_threads)
{
	check_sample(_metadata, self, OGX_ISA_AUTO, 2, &greedy, "stories260K-greedy.txt");
}

TEST_F(stories, sampled_matches_llama2c_doc)
{
	check_sample(_metadata, self, OGX_ISA_PORTABLE, 1, &doc_sampled,
		     "stories260K-t1-p0.9-s133742.txt");
	check_sample(_metadata, self, OGX_ISA_AUTO, 3, &doc_sampled,
		     "stories260K-t1-p0.9-s133742.txt");
}

/* A synthetic model large enough that matvecs and attention go parallel. */
FIXTURE(synth) {
	uint8_t *data;
	struct ogx_llama2c ck;
};

FIXTURE_SETUP(synth)
{
	struct ogx_llama_config c = {
		.dim = 256, .hidden_dim = 688, .n_layers = 2, .n_heads = 8, .n_kv_heads = 4,
		.vocab_size = 1000, .seq_len = 64,
	};
	size_t size;

	ASSERT_EQ(0, ogx_llama2c_synth(&c, 0, 1234, &self->data, &size));
	ASSERT_EQ(0, ogx_llama2c_parse(&self->ck, self->data, size));
}

FIXTURE_TEARDOWN(synth)
{
	ogx_llama2c_close(&self->ck);
	free(self->data);
}

#define SYNTH_STEPS 48

/* Logits of SYNTH_STEPS positions of a fixed token sequence. */
static float *run_logits(const struct ogx_llama_weights *w, unsigned int threads)
{
	uint32_t v = w->cfg.vocab_size;
	float *all = malloc(sizeof(float) * v * SYNTH_STEPS);
	struct ogx_llama m;

	if (!all || ogx_llama_init(&m, w, threads))
		abort();
	for (uint32_t pos = 0; pos < SYNTH_STEPS; pos++) {
		float *l = ogx_llama_forward(&m, (pos * 7919u + 1) % v, pos, 1);

		memcpy(all + (size_t)pos * v, l, sizeof(float) * v);
	}
	ogx_llama_fini(&m);
	return all;
}

static void check_threads(struct __test_metadata *_metadata, const struct ogx_llama_weights *w,
			  enum ogx_cpu_isa isa)
{
	size_t bytes = sizeof(float) * w->cfg.vocab_size * SYNTH_STEPS;
	float *one, *more;

	ASSERT_EQ(0, ogx_matvec_set_isa(isa));
	one = run_logits(w, 1);
	for (unsigned int t = 2; t <= 4; t++) {
		more = run_logits(w, t);
		EXPECT_EQ(0, memcmp(one, more, bytes)) TH_LOG("%u threads, %s", t, ogx_cpu_isa_name(isa));
		free(more);
	}
	free(one);
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

TEST_F(synth, threads_give_identical_logits_portable)
{
	check_threads(_metadata, &self->ck.w, OGX_ISA_PORTABLE);
}

TEST_F(synth, threads_give_identical_logits_auto)
{
	check_threads(_metadata, &self->ck.w, OGX_ISA_AUTO);
}

static int cpu_has_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* max |a - b| over all logits, relative to the largest |b|. */
static double rel_diff(const float *a, const float *b, size_t n)
{
	double d = 0, mag = 0;

	for (size_t i = 0; i < n; i++) {
		d = fmax(d, fabs((double)a[i] - b[i]));
		mag = fmax(mag, fabs((double)b[i]));
	}
	return d / mag;
}

TEST_F(synth, avx2_within_tolerance_of_portable)
{
	size_t n = (size_t)self->ck.w.cfg.vocab_size * SYNTH_STEPS;
	float *portable, *avx2;
	double d;

	if (!cpu_has_avx2()) {
		/* Nothing to compare: asking for AVX2 must say why. */
		EXPECT_EQ(-ENOTSUP, ogx_matvec_set_isa(OGX_ISA_AVX2));
		return;
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_PORTABLE));
	portable = run_logits(&self->ck.w, 1);
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AVX2));
	avx2 = run_logits(&self->ck.w, 2);
	d = rel_diff(avx2, portable, n);
	TH_LOG("max |avx2 - portable| / max |logit| = %.3g", d);
	EXPECT_LE(d, OGX_LLAMA_LOGIT_TOLERANCE);
	EXPECT_NE(0, memcmp(avx2, portable, n * sizeof(float)));	/* really another kernel */
	free(portable);
	free(avx2);
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

TEST(matvec_kernels_agree_on_every_width)
{
	static const uint32_t widths[] = { 1, 2, 7, 8, 9, 31, 32, 33, 64, 172, 255, 1000 };
	enum ogx_cpu_isa isas[2] = { OGX_ISA_PORTABLE, OGX_ISA_AVX2 };
	float w[1000 * 5], x[1000], out[2][5];
	uint64_t s = 99;

	for (size_t k = 0; k < sizeof(widths) / sizeof(widths[0]); k++) {
		uint32_t cols = widths[k];
		struct ogx_matrix m = { OGX_WTYPE_F32, 5, cols, w, NULL };

		for (uint32_t i = 0; i < 5 * cols; i++)
			w[i] = (float)lcg(&s) / 2147483648.0f - 0.5f;
		for (uint32_t i = 0; i < cols; i++)
			x[i] = (float)lcg(&s) / 1073741824.0f - 1.0f;
		for (int a = 0; a < 2; a++) {
			if (isas[a] == OGX_ISA_AVX2 && !cpu_has_avx2()) {
				memcpy(out[1], out[0], sizeof(out[0]));
				continue;
			}
			ASSERT_EQ(0, ogx_matvec_set_isa(isas[a]));
			ogx_matvec(NULL, out[a], &m, x);
		}
		for (uint32_t r = 0; r < 5; r++) {
			float seq = 0.0f;
			double mag = 0;

			/* The portable kernel is run.c's loop, bit for bit. */
			for (uint32_t i = 0; i < cols; i++) {
				seq += w[r * cols + i] * x[i];
				mag += fabs((double)w[r * cols + i] * x[i]);
			}
			EXPECT_EQ(seq, out[0][r]);
			EXPECT_LE(fabs((double)out[1][r] - out[0][r]), OGX_MATVEC_TOLERANCE * mag)
				TH_LOG("cols %u row %u", cols, r);
		}
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

/* Prompt batches: logits and KV cache bit for bit those of single steps. */
static void check_batch(struct __test_metadata *_metadata, const struct ogx_llama_weights *w,
			unsigned int threads, uint32_t n)
{
	const struct ogx_llama_config *c = &w->cfg;
	size_t cache = (size_t)c->n_layers * c->seq_len * (c->dim / c->n_heads * c->n_kv_heads);
	struct ogx_llama one, many;
	uint32_t tokens[64];
	float *l1 = NULL, *l2;

	ASSERT_LE(n + 3, c->seq_len);
	/* all of them: the last batch below reads two, past n when n is 1 */
	for (uint32_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		tokens[i] = (i * 7919u + 3) % c->vocab_size;
	ASSERT_EQ(0, ogx_llama_init(&one, w, threads));
	ASSERT_EQ(0, ogx_llama_init(&many, w, threads));
	for (uint32_t i = 0; i < n; i++)
		l1 = ogx_llama_forward(&one, tokens[i], i, 1);
	l2 = ogx_llama_forward_batch(&many, tokens, n, 0, 1);
	EXPECT_EQ(0, memcmp(l1, l2, c->vocab_size * sizeof(float)));
	EXPECT_EQ(0, memcmp(one.key_cache, many.key_cache, cache * sizeof(float)));
	EXPECT_EQ(0, memcmp(one.value_cache, many.value_cache, cache * sizeof(float)));
	/* And steps after the batch continue identically. */
	for (uint32_t i = n; i < n + 3; i++) {
		l1 = ogx_llama_forward(&one, 5, i, 1);
		l2 = ogx_llama_forward(&many, 5, i, 1);
		EXPECT_EQ(0, memcmp(l1, l2, c->vocab_size * sizeof(float))) TH_LOG("pos %u", i);
	}
	EXPECT_EQ(NULL, ogx_llama_forward_batch(&many, tokens, 2, n + 3, 0));
	ogx_llama_fini(&one);
	ogx_llama_fini(&many);
}

TEST_F(synth, prompt_batch_equals_single_steps)
{
	static const uint32_t lens[] = { 1, 15, 16, 17, 40 };

	for (int isa = 0; isa < 2; isa++) {
		if (ogx_matvec_set_isa(isa ? OGX_ISA_AUTO : OGX_ISA_PORTABLE))
			continue;
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			check_batch(_metadata, &self->ck.w, 1, lens[i]);
			check_batch(_metadata, &self->ck.w, 3, lens[i]);
		}
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

TEST_F(stories, prompt_batch_equals_single_steps)
{
	check_batch(_metadata, &self->ck.w, 2, 50);
}

/* The avx512 level's attention (a 16-wide weighted sum) gives the avx2 level's bits. */
TEST(attention_avx512_equals_avx2)
{
	static const uint32_t sizes[] = { 8, 16, 24, 48, 64, 80, 128 };
	static const uint32_t npos[] = { 1, 7, 8, 9, 33, 200 };
	static float q[128], k[200 * 160], v[200 * 160], att[200], out[2][128];
	uint64_t s = 4;

	if (ogx_matvec_set_isa(OGX_ISA_AVX512))
		SKIP(return, "this CPU has no AVX-512 F+BW+VL+VNNI");
	for (size_t a = 0; a < sizeof(sizes) / sizeof(sizes[0]); a++) {
		for (size_t b = 0; b < sizeof(npos) / sizeof(npos[0]); b++) {
			uint32_t hs = sizes[a], n = npos[b], stride = hs + 32;

			for (uint32_t i = 0; i < hs; i++)
				q[i] = (float)lcg(&s) / 268435456.0f - 4.0f;
			for (uint32_t i = 0; i < n * stride; i++) {
				k[i] = (float)lcg(&s) / 1073741824.0f - 1.0f;
				v[i] = (float)lcg(&s) / 1073741824.0f - 1.0f;
			}
			for (int l = 0; l < 2; l++) {
				ASSERT_EQ(0, ogx_matvec_set_isa(l ? OGX_ISA_AVX512 : OGX_ISA_AVX2));
				ogx_attention_head(q, k, v, stride, hs, n, att, out[l]);
			}
			EXPECT_EQ(0, memcmp(out[0], out[1], hs * sizeof(float)))
				TH_LOG("hs %u npos %u", hs, n);
		}
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

TEST(attention_kernels_agree)
{
	static const uint32_t sizes[] = { 2, 6, 8, 16, 32, 48, 64, 128 };
	static const uint32_t npos[] = { 1, 7, 8, 9, 33, 200 };
	static float q[128], k[200 * 160], v[200 * 160], att[200], out[2][128];
	uint64_t s = 5;

	for (size_t a = 0; a < sizeof(sizes) / sizeof(sizes[0]); a++) {
		for (size_t b = 0; b < sizeof(npos) / sizeof(npos[0]); b++) {
			uint32_t hs = sizes[a], n = npos[b], stride = hs + 32;
			double maxv = 0;

			for (uint32_t i = 0; i < hs; i++)
				q[i] = (float)lcg(&s) / 268435456.0f - 4.0f;
			for (uint32_t i = 0; i < n * stride; i++) {
				k[i] = (float)lcg(&s) / 1073741824.0f - 1.0f;
				v[i] = (float)lcg(&s) / 1073741824.0f - 1.0f;
				maxv = fmax(maxv, fabs(v[i]));
			}
			ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_PORTABLE));
			ogx_attention_head(q, k, v, stride, hs, n, att, out[0]);
			if (cpu_has_avx2()) {
				ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AVX2));
				ogx_attention_head(q, k, v, stride, hs, n, att, out[1]);
			} else {
				memcpy(out[1], out[0], sizeof(out[0]));
			}
			/* Outputs are convex combinations of v: bounded by max |v|. */
			for (uint32_t i = 0; i < hs; i++) {
				EXPECT_LE(fabs(out[0][i]), maxv * (1 + 1e-6));
				EXPECT_LE(fabs((double)out[1][i] - out[0][i]), 1e-5 * maxv)
					TH_LOG("hs %u npos %u out[%u]: %g vs %g", hs, n, i,
					       out[1][i], out[0][i]);
			}
		}
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

TEST(quantized_kernels_agree)
{
	static const enum ogx_wtype types[] = { OGX_WTYPE_F16, OGX_WTYPE_Q8_0, OGX_WTYPE_Q4_0 };
	static const uint32_t ggml[] = { OGX_GGML_F16, OGX_GGML_Q8_0, OGX_GGML_Q4_0 };
	static const uint32_t widths[] = { 7, 33, 32, 64, 96, 288, 768 };
	static float w[768 * 3], deq[768], x[768], xd[768], out[2][3];
	static uint8_t q[768 * 3 * 2];
	static struct ogx_q8x xq[768 / 32];
	uint64_t s = 17;

	for (size_t t = 0; t < 3; t++) {
		for (size_t k = 0; k < sizeof(widths) / sizeof(widths[0]); k++) {
			uint32_t cols = widths[k];
			struct ogx_matrix m = { types[t], 3, cols, q, NULL };
			size_t rb = ogx_wtype_row_bytes(types[t], cols);

			if (types[t] != OGX_WTYPE_F16 && cols % 32)
				continue;	/* blocks of 32: no such row */
			ASSERT_NE(0, rb);
			for (uint32_t i = 0; i < 3 * cols; i++)
				w[i] = (float)lcg(&s) / 2147483648.0f - 0.5f;
			for (uint32_t i = 0; i < cols; i++)
				x[i] = (float)lcg(&s) / 1073741824.0f - 1.0f;
			for (uint32_t r = 0; r < 3; r++) {
				if (types[t] != OGX_WTYPE_F16) {
					ASSERT_EQ(0, ogx_quant_row(ggml[t], w + r * cols, q + r * rb, cols));
					continue;
				}
				for (uint32_t i = 0; i < cols; i++) {
					uint16_t h = ogx_f32_to_f16(w[r * cols + i]);

					memcpy(q + r * rb + 2 * i, &h, 2);
				}
			}
			/* Q8_0/Q4_0 rows multiply x quantized to Q8_0 (as llama.cpp). */
			if (types[t] != OGX_WTYPE_F16)
				ogx_quant_x_q8_0(x, xq, cols);
			for (uint32_t i = 0; i < cols; i++)
				xd[i] = types[t] == OGX_WTYPE_F16 ? x[i] : xq[i / 32].d * xq[i / 32].q[i % 32];
			ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_PORTABLE));
			ogx_matvec(NULL, out[0], &m, x);
			if (cpu_has_avx2()) {
				ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AVX2));
				ogx_matvec(NULL, out[1], &m, x);
			} else {
				memcpy(out[1], out[0], sizeof(out[0]));
			}
			for (uint32_t r = 0; r < 3; r++) {
				double mag = 0, ref = 0;

				ogx_matrix_row(&m, r, deq);
				for (uint32_t i = 0; i < cols; i++) {
					mag += fabs((double)deq[i] * xd[i]);
					ref += (double)deq[i] * xd[i];
				}
				/* Both kernels: the dequantized row times the (quantized) x. */
				EXPECT_LE(fabs(out[0][r] - ref), OGX_MATVEC_TOLERANCE * mag)
					TH_LOG("%s cols %u row %u", ogx_wtype_name(types[t]), cols, r);
				EXPECT_LE(fabs((double)out[1][r] - out[0][r]), OGX_MATVEC_TOLERANCE * mag)
					TH_LOG("%s cols %u row %u", ogx_wtype_name(types[t]), cols, r);
			}
		}
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

TEST(isa_from_environment)
{
	setenv("OGX_CPU_ISA", "portable", 1);
	EXPECT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
	EXPECT_EQ(OGX_ISA_PORTABLE, ogx_matvec_isa());
	setenv("OGX_CPU_ISA", "sse9", 1);
	EXPECT_EQ(-EINVAL, ogx_matvec_set_isa(OGX_ISA_AUTO));
	EXPECT_STREQ("OGX_CPU_ISA='sse9' is not portable, avx2 or avx512", ogx_errmsg(-EINVAL));
	setenv("OGX_CPU_ISA", "avx2", 1);
	if (!ogx_matvec_set_isa(OGX_ISA_AUTO)) {
		EXPECT_EQ(OGX_ISA_AVX2, ogx_matvec_isa());
	}
	setenv("OGX_CPU_ISA", "avx512", 1);
	if (!ogx_matvec_set_isa(OGX_ISA_AUTO)) {
		EXPECT_EQ(OGX_ISA_AVX512, ogx_matvec_isa());
	} else {
		EXPECT_STREQ("this CPU has no AVX-512 F+BW+VL+VNNI", ogx_errmsg(-ENOTSUP));
	}
	unsetenv("OGX_CPU_ISA");
	EXPECT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

TEST_F(synth, shape_mismatch_is_named)
{
	struct ogx_llama_weights w = self->ck.w;
	struct ogx_llama_layer layers[2];
	struct ogx_llama m;
	int err;

	memcpy(layers, w.layers, sizeof(layers));
	w.layers = layers;
	layers[1].w2.cols = 687;
	err = ogx_llama_init(&m, &w, 1);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("tensor w2 (layer 1) is 256 x 687, the architecture needs 256 x 688",
		     ogx_errmsg(err));
	layers[1].w2.cols = 688;
	layers[0].wk.type = (enum ogx_wtype)77;
	err = ogx_llama_init(&m, &w, 1);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("tensor wk (layer 0) has unsupported type 77", ogx_errmsg(err));
	layers[0].wk.type = OGX_WTYPE_F32;
	err = ogx_llama_init(&m, &w, 0);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("threads must be 1..256, not 0", ogx_errmsg(err));
}

TEST_F(stories, generate_errors)
{
	struct ogx_generate_params p = { .sampling = { .temperature = 0 }, .max_tokens = 10 };
	struct ogx_generation g;
	struct ogx_llama m;
	char *long_prompt = malloc(4001);
	int err;

	ASSERT_EQ(0, ogx_llama_init(&m, &self->ck.w, 1));
	/* 4000 letters stay well above 512 tokens after merging. */
	for (int i = 0; i < 4000; i++)
		long_prompt[i] = "qzxj"[i % 4];
	long_prompt[4000] = '\0';
	err = ogx_llama_generate(&m, &self->tok, long_prompt, &p, NULL, NULL, &g);
	EXPECT_EQ(-E2BIG, err);
	EXPECT_NE(NULL, strstr(ogx_errmsg(err), "the model's context 512"));
	p.sampling.temperature = -1;
	err = ogx_llama_generate(&m, &self->tok, "", &p, NULL, NULL, &g);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("temperature -1 must be finite and >= 0", ogx_errmsg(err));
	ogx_llama_fini(&m);
	free(long_prompt);
}

TEST_F(stories, prompt_continues_and_context_ends_generation)
{
	struct ogx_generate_params p = { .sampling = { .temperature = 0 }, .max_tokens = 1000 };
	static struct text_buf out;
	struct ogx_generation g;
	struct ogx_llama m;

	ASSERT_EQ(0, ogx_llama_init(&m, &self->ck.w, 1));
	out.len = 0;
	ASSERT_EQ(0, ogx_llama_generate(&m, &self->tok, "Once upon a time", &p, collect, &out, &g));
	/* BOS + " Once" " upon" " a" " time" or finer: the prompt is all input. */
	EXPECT_GE(g.n_input, 5);
	/* Greedy from the doc's own opening continues as the doc does. */
	EXPECT_EQ(0, strncmp(out.buf, ", there was a little girl named Lily.", 37));
	/* Unless the model stops, the context (512) bounds the output. */
	if (!g.stopped)
		EXPECT_EQ(512 - g.n_input + 1, g.n_output);
	EXPECT_EQ(g.prompt_steps, g.n_input);
	ogx_generation_free(&g);
	ogx_llama_fini(&m);
}

TEST_HARNESS_MAIN
