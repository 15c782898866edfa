// SPDX-License-Identifier: GPL-2.0
/*
 * BPE tokenizer against the stories260K vocabulary (tok512.bin): known ids,
 * byte fallback, round trips, and the errors a user can reach.
 */
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

FIXTURE(tok) {
	struct ogx_tokenizer t;
};

FIXTURE_SETUP(tok)
{
	char path[512];
	int err;

	snprintf(path, sizeof(path), "%s/stories260K/tok512.bin",
		 env_or("OGX_MODELS", "../shared/models"));
	err = ogx_llama2c_tokenizer_load(&self->t, path, 512);
	ASSERT_EQ(0, err) TH_LOG("%s: %s", path, ogx_errmsg(err));
}

FIXTURE_TEARDOWN(tok)
{
	ogx_tokenizer_free(&self->t);
}

/* Decode ids[1..] the way generation prints them: each after its predecessor. */
static char *decode_all(const struct ogx_tokenizer *t, const uint32_t *ids, size_t n)
{
	char *out = calloc(1, 16 * n + 1);
	size_t len = 0;

	for (size_t i = 1; i < n; i++) {
		const char *p;
		size_t l;

		if (ogx_tokenizer_decode(t, ids[i - 1], ids[i], &p, &l))
			abort();
		memcpy(out + len, p, l);
		len += l;
	}
	return out;
}

TEST_F(tok, specials_and_byte_tokens)
{
	const struct ogx_tokenizer *t = &self->t;

	EXPECT_EQ(1, t->bos_id);
	EXPECT_EQ(2, t->eos_id);
	EXPECT_STREQ("\n<s>\n", ogx_tokenizer_piece(t, 1));
	/* SentencePiece byte fallback: <0xXX> is token XX + 3 in llama2.c's vocabularies. */
	for (int b = 0; b < 256; b++) {
		EXPECT_EQ(b + 3, t->byte_token[b]);
		EXPECT_EQ(b, t->byte_value[b + 3]);
	}
	EXPECT_NE(OGX_TOKEN_NONE, t->space_id);
	EXPECT_STREQ(" ", ogx_tokenizer_piece(t, t->space_id));
}

TEST_F(tok, empty_prompt_is_bos_only)
{
	uint32_t *ids;
	size_t n;

	ASSERT_EQ(0, ogx_tokenizer_encode(&self->t, "", 1, 0, &ids, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(1, ids[0]);
	free(ids);
	ASSERT_EQ(0, ogx_tokenizer_encode(&self->t, "", 1, 1, &ids, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(2, ids[1]);
	free(ids);
}

TEST_F(tok, byte_fallback)
{
	/* U+4E2D is not a piece of this 512-token vocabulary (U+00E9 is). */
	uint32_t *ids;
	size_t n;
	char *s;

	ASSERT_EQ(0, ogx_tokenizer_encode(&self->t, "\xe4\xb8\xad", 1, 0, &ids, &n));
	ASSERT_EQ(5, n);
	EXPECT_EQ(1, ids[0]);
	EXPECT_EQ(self->t.space_id, ids[1]);
	EXPECT_EQ(0xe4 + 3, ids[2]);
	EXPECT_EQ(0xb8 + 3, ids[3]);
	EXPECT_EQ(0xad + 3, ids[4]);
	s = decode_all(&self->t, ids, n);
	/* The dummy-prefix space is a token of its own here, stripped after BOS. */
	EXPECT_STREQ("\xe4\xb8\xad", s);
	free(s);
	free(ids);
}

TEST_F(tok, known_ids_from_the_models_own_output)
{
	/*
	 * The ids stories260K generates for llama2.c's documented greedy sample
	 * decode to that text (llama_test); SentencePiece encoded the training
	 * data the same way, so encoding the text must give back those ids.
	 */
	char path[512], *want;
	uint8_t *data;
	size_t len, n;
	uint32_t *ids;
	struct ogx_llama2c ck;
	struct ogx_llama m;
	struct ogx_generation g;
	struct ogx_generate_params p = { .sampling = { .temperature = 0 }, .max_tokens = 256 };

	snprintf(path, sizeof(path), "%s/tests/vectors/stories260K-greedy.txt", env_or("OGX_SRC", "."));
	ASSERT_EQ(0, ogx_read_file(path, 1 << 20, &data, &len));
	want = (char *)data;
	want[len - 1] = '\0';	/* run.c's final newline */
	snprintf(path, sizeof(path), "%s/stories260K/stories260K.bin",
		 env_or("OGX_MODELS", "../shared/models"));
	ASSERT_EQ(0, ogx_llama2c_open(&ck, path));
	ASSERT_EQ(0, ogx_llama_init(&m, &ck.w, 1));
	ASSERT_EQ(0, ogx_llama_generate(&m, &self->t, "", &p, NULL, NULL, &g));
	ASSERT_EQ(0, ogx_tokenizer_encode(&self->t, want, 1, 0, &ids, &n));
	ASSERT_EQ(g.n_output + 1, n);
	EXPECT_EQ(0, memcmp(ids + 1, g.output, g.n_output * sizeof(*ids)));
	free(ids);
	ogx_generation_free(&g);
	ogx_llama_fini(&m);
	ogx_llama2c_close(&ck);
	free(want);
}

TEST_F(tok, roundtrip)
{
	static const char *texts[] = {
		"Once upon a time",
		"Lily's mom said, \"Lily, let's go to the park.\"",
		"a\nb\tc  d",
		"caf\xc3\xa9 \xe2\x84\xa2 \xf0\x9f\x98\x80!",
		"x",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		uint32_t *ids;
		size_t n;
		char *s;

		ASSERT_EQ(0, ogx_tokenizer_encode(&self->t, texts[i], 1, 0, &ids, &n));
		EXPECT_EQ(1, ids[0]);
		s = decode_all(&self->t, ids, n);
		EXPECT_STREQ(texts[i], s);
		free(s);
		free(ids);
	}
}

TEST_F(tok, merges_prefer_the_best_score)
{
	uint32_t *ids;
	size_t n;

	/* " the" is one piece; the merges must reach it rather than " t"+"he". */
	ASSERT_EQ(0, ogx_tokenizer_encode(&self->t, "the", 0, 0, &ids, &n));
	ASSERT_EQ(1, n);
	EXPECT_STREQ(" the", ogx_tokenizer_piece(&self->t, ids[0]));
	free(ids);
}

TEST_F(tok, decode_out_of_range)
{
	const char *p;
	size_t l;
	int err = ogx_tokenizer_decode(&self->t, 1, 512, &p, &l);

	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("token 512 is outside the vocabulary of 512", ogx_errmsg(err));
}

/* A vocabulary without " " or byte tokens: the errors encode can reach. */
static void tiny_vocab(struct ogx_tokenizer *t, int with_space)
{
	static const char *pieces[] = { "<unk>", "<s>", "</s>", "a", " " };
	uint32_t n = with_space ? 5 : 4, off = 0;

	if (ogx_tokenizer_alloc(t, n, 32))
		abort();
	for (uint32_t i = 0; i < n; i++) {
		t->offset[i] = off;
		t->len[i] = strlen(pieces[i]);
		memcpy(t->blob + off, pieces[i], t->len[i] + 1);
		off += t->len[i] + 1;
	}
	if (ogx_tokenizer_index(t))
		abort();
}

TEST(encode_errors)
{
	struct ogx_tokenizer t;
	uint32_t *ids;
	size_t n;
	int err;

	tiny_vocab(&t, 0);
	err = ogx_tokenizer_encode(&t, "a", 1, 0, &ids, &n);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("the vocabulary has no ' ' piece for the dummy prefix", ogx_errmsg(err));
	ogx_tokenizer_free(&t);

	tiny_vocab(&t, 1);
	ASSERT_EQ(0, ogx_tokenizer_encode(&t, "a a", 1, 0, &ids, &n));
	EXPECT_EQ(5, n);
	free(ids);
	err = ogx_tokenizer_encode(&t, "ab", 1, 0, &ids, &n);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("byte 0x62 is not in the vocabulary", ogx_errmsg(err));
	ogx_tokenizer_free(&t);
}

TEST(index_needs_specials)
{
	struct ogx_tokenizer t;
	int err;

	ASSERT_EQ(0, ogx_tokenizer_alloc(&t, 2, 4));
	memcpy(t.blob, "a\0b", 4);
	t.offset[1] = 2;
	t.len[0] = t.len[1] = 1;
	err = ogx_tokenizer_index(&t);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("vocabulary of 2 tokens has no BOS and EOS", ogx_errmsg(err));
	ogx_tokenizer_free(&t);
}

TEST_HARNESS_MAIN
