// SPDX-License-Identifier: GPL-2.0
/*
 * Llama CPU reference: stories260K reproduces llama2.c's documented samples
 * token for token; kernels and thread counts agree.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "model/generate.h"
#include "model/llama2c.h"
#include "util/err.h"
#include "util/file.h"

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
	ogx_matvec_set_isa(OGX_ISA_AUTO);
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

TEST_HARNESS_MAIN
