// SPDX-License-Identifier: GPL-2.0
/*
 * llama2.c checkpoint and tokenizer.bin readers: every way a file can be
 * wrong gets its exact error, and good files (shared and separate
 * classifier) map every tensor where llama2.c's run.c expects it.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "model/llama2c.h"
#include "util/err.h"

struct hdr {
	int32_t dim, hidden, layers, heads, kv, vocab, seq;
};

static const struct hdr tiny = { 8, 12, 1, 2, 1, 8, 4 };

/* Floats after the header, counted the way run.c's memory_map_weights() walks them. */
static size_t weight_floats(const struct hdr *h)
{
	size_t vocab = abs(h->vocab), hs = h->dim / h->heads, kv_dim = hs * h->kv;
	size_t n = vocab * h->dim;

	n += (size_t)h->layers * h->dim;			/* rms_att */
	n += (size_t)h->layers * h->dim * h->dim * 2;		/* wq, wo */
	n += (size_t)h->layers * h->dim * kv_dim * 2;		/* wk, wv */
	n += (size_t)h->layers * h->dim;			/* rms_ffn */
	n += (size_t)h->layers * h->dim * h->hidden * 3;	/* w1, w2, w3 */
	n += h->dim;						/* rms_final */
	n += (size_t)h->seq * hs;				/* freq_cis_real + imag */
	if (h->vocab < 0)
		n += vocab * h->dim;				/* wcls */
	return n;
}

/* A checkpoint whose float i is i, of the header's size plus delta bytes. */
static uint8_t *make_ck(const struct hdr *h, long delta, size_t *len)
{
	size_t n = 28 + 4 * weight_floats(h) + delta;
	uint8_t *d = calloc(1, n + 4);

	memcpy(d, h, 28);
	for (size_t i = 0; 28 + 4 * i + 4 <= n; i++) {
		float f = (float)i;

		memcpy(d + 28 + 4 * i, &f, 4);
	}
	*len = n;
	return d;
}

static int parse_hdr(const struct hdr *h, long delta)
{
	struct ogx_llama2c ck;
	size_t len;
	uint8_t *d = make_ck(h, delta, &len);
	int err;

	ogx_clearerr();
	err = ogx_llama2c_parse(&ck, d, len);
	if (!err)
		ogx_llama2c_close(&ck);
	free(d);
	return err;
}

#define EXPECT_FAIL(call, msg)                                  \
	do {                                                    \
		int __e = (call);                               \
		EXPECT_EQ(-EINVAL, __e);                        \
		EXPECT_STREQ(msg, ogx_errmsg(__e));             \
	} while (0)

TEST(good_shared_classifier_maps_like_run_c)
{
	struct ogx_llama2c ck;
	size_t len, off;
	uint8_t *d = make_ck(&tiny, 0, &len);
	const float *base = (const float *)(d + 28);

	ASSERT_EQ(2364, len);
	ASSERT_EQ(0, ogx_llama2c_parse(&ck, d, len));
	EXPECT_EQ(1, ck.shared_classifier);
	EXPECT_EQ(8, ck.w.cfg.dim);
	EXPECT_EQ(4, ck.w.cfg.seq_len);
	EXPECT_EQ(base, ck.w.tok_embd.data);
	EXPECT_EQ(ck.w.tok_embd.data, ck.w.output.data);
	off = 64;
	EXPECT_EQ(base + off, ck.w.layers[0].attn_norm);
	off += 8;
	EXPECT_EQ(base + off, ck.w.layers[0].wq.data);
	off += 64;
	EXPECT_EQ(base + off, ck.w.layers[0].wk.data);
	EXPECT_EQ(4, ck.w.layers[0].wk.rows);
	off += 32;
	EXPECT_EQ(base + off, ck.w.layers[0].wv.data);
	off += 32;
	EXPECT_EQ(base + off, ck.w.layers[0].wo.data);
	off += 64;
	EXPECT_EQ(base + off, ck.w.layers[0].ffn_norm);
	off += 8;
	EXPECT_EQ(base + off, ck.w.layers[0].w1.data);
	off += 96;
	EXPECT_EQ(base + off, ck.w.layers[0].w2.data);
	EXPECT_EQ(12, ck.w.layers[0].w2.cols);
	off += 96;
	EXPECT_EQ(base + off, ck.w.layers[0].w3.data);
	off += 96;
	EXPECT_EQ(base + off, ck.w.out_norm);
	ogx_llama2c_close(&ck);
	free(d);
}

TEST(good_separate_classifier_follows_freq_cis)
{
	struct hdr h = tiny;
	struct ogx_llama2c ck;
	size_t len;
	uint8_t *d;

	h.vocab = -8;
	d = make_ck(&h, 0, &len);
	ASSERT_EQ(0, ogx_llama2c_parse(&ck, d, len));
	EXPECT_EQ(0, ck.shared_classifier);
	EXPECT_EQ(8, ck.w.cfg.vocab_size);
	/* The classifier is the last vocab x dim floats, after freq_cis. */
	EXPECT_EQ((const float *)(d + len) - 64, ck.w.output.data);
	ogx_llama2c_close(&ck);
	free(d);
}

TEST(truncated_and_oversized)
{
	struct hdr h = tiny;

	EXPECT_FAIL(parse_hdr(&tiny, -4),
		    "file is 2360 bytes, the header (dim 8, hidden_dim 12, n_layers 1, n_heads 2, n_kv_heads 1, vocab_size 8, seq_len 4, shared classifier) implies 2364");
	EXPECT_FAIL(parse_hdr(&tiny, 1),
		    "file is 2365 bytes, the header (dim 8, hidden_dim 12, n_layers 1, n_heads 2, n_kv_heads 1, vocab_size 8, seq_len 4, shared classifier) implies 2364");
	/* A separate classifier announced but not stored. */
	h.vocab = -8;
	EXPECT_FAIL(parse_hdr(&h, -256),
		    "file is 2364 bytes, the header (dim 8, hidden_dim 12, n_layers 1, n_heads 2, n_kv_heads 1, vocab_size 8, seq_len 4, separate classifier) implies 2620");
}

TEST(shorter_than_header)
{
	struct ogx_llama2c ck;
	uint8_t d[28] = { 0 };

	EXPECT_FAIL(ogx_llama2c_parse(&ck, d, 27),
		    "file is 27 bytes, shorter than the 28-byte llama2.c header");
	EXPECT_FAIL(ogx_llama2c_parse(&ck, d, 0),
		    "file is 0 bytes, shorter than the 28-byte llama2.c header");
}

TEST(version1_magic)
{
	struct ogx_llama2c ck;
	struct hdr h = tiny;
	uint8_t d[28];

	h.dim = 0x616b3432;
	memcpy(d, &h, 28);
	EXPECT_FAIL(ogx_llama2c_parse(&ck, d, sizeof(d)),
		    "llama2.c version 1+ checkpoint (magic \"ak42\"); only the legacy version 0 is read");
}

TEST(bad_header_values)
{
	static const struct {
		struct hdr h;
		const char *msg;
	} cases[] = {
		{ { 0, 12, 1, 2, 1, 8, 4 }, "header: dim 0 out of range 1..65536" },
		{ { -8, 12, 1, 2, 1, 8, 4 }, "header: dim -8 out of range 1..65536" },
		{ { 65538, 12, 1, 2, 1, 8, 4 }, "header: dim 65538 out of range 1..65536" },
		{ { 8, 0, 1, 2, 1, 8, 4 }, "header: hidden_dim 0 out of range 1..262144" },
		{ { 8, 1 << 20, 1, 2, 1, 8, 4 }, "header: hidden_dim 1048576 out of range 1..262144" },
		{ { 8, 12, 0, 2, 1, 8, 4 }, "header: n_layers 0 out of range 1..1024" },
		{ { 8, 12, 1025, 2, 1, 8, 4 }, "header: n_layers 1025 out of range 1..1024" },
		{ { 8, 12, 1, 0, 1, 8, 4 }, "header: n_heads 0 out of range 1..8" },
		{ { 8, 12, 1, 16, 1, 8, 4 }, "header: n_heads 16 out of range 1..8" },
		{ { 8, 12, 1, 2, 0, 8, 4 }, "header: n_kv_heads 0 out of range 1..2" },
		{ { 8, 12, 1, 2, 4, 8, 4 }, "header: n_kv_heads 4 out of range 1..2" },
		{ { 8, 12, 1, 2, 1, 0, 4 }, "header: vocab_size 0 out of range 1..2097152" },
		{ { 8, 12, 1, 2, 1, INT32_MIN, 4 },
		  "header: vocab_size -2147483648 out of range 1..2097152" },
		{ { 8, 12, 1, 2, 1, 1 << 22, 4 }, "header: vocab_size 4194304 out of range 1..2097152" },
		{ { 8, 12, 1, 2, 1, 8, 0 }, "header: seq_len 0 out of range 1..1048576" },
		{ { 8, 12, 1, 2, 1, 8, 1 << 21 }, "header: seq_len 2097152 out of range 1..1048576" },
		{ { 8, 12, 1, 3, 1, 8, 4 }, "header: dim 8 is not a multiple of n_heads 3" },
		{ { 12, 12, 1, 4, 3, 8, 4 }, "header: n_heads 4 is not a multiple of n_kv_heads 3" },
		{ { 6, 12, 1, 2, 1, 8, 4 }, "header: head size 3 (dim / n_heads) is odd; RoPE rotates pairs" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ogx_llama2c ck;
		uint8_t d[28];
		int err;

		/* Header only: values are checked before the size. */
		memcpy(d, &cases[i].h, 28);
		err = ogx_llama2c_parse(&ck, d, sizeof(d));
		EXPECT_EQ(-EINVAL, err);
		EXPECT_STREQ(cases[i].msg, ogx_errmsg(err));
	}
}

TEST(huge_but_valid_header_is_a_size_mismatch)
{
	/* Every bound at its maximum: the size arithmetic must not wrap. */
	struct hdr h = { 65536, 262144, 1024, 65536 / 2, 65536 / 2, -2097152, 1048576 };
	struct ogx_llama2c ck;
	uint8_t d[28];
	int err;

	memcpy(d, &h, 28);
	err = ogx_llama2c_parse(&ck, d, sizeof(d));
	EXPECT_EQ(-EINVAL, err);
	EXPECT_NE(NULL, strstr(ogx_errmsg(err), "implies 282575033860124"));
}

TEST(misaligned_buffer)
{
	struct ogx_llama2c ck;
	size_t len;
	uint8_t *d = make_ck(&tiny, 0, &len);

	memmove(d + 1, d, len);
	EXPECT_FAIL(ogx_llama2c_parse(&ck, d + 1, len), "checkpoint data is not 4-byte aligned");
	free(d);
}

FIXTURE(files) {
	char dir[64];
	char path[128];
};

FIXTURE_SETUP(files)
{
	strcpy(self->dir, "/tmp/ogx-llama2c-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/f.bin", self->dir);
}

FIXTURE_TEARDOWN(files)
{
	unlink(self->path);
	rmdir(self->dir);
}

static void write_file(const char *path, const void *d, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, d, n) != (ssize_t)n)
		abort();
	close(fd);
}

TEST_F(files, open_maps_good_file)
{
	struct ogx_llama2c ck;
	size_t len;
	uint8_t *d = make_ck(&tiny, 0, &len);

	write_file(self->path, d, len);
	ASSERT_EQ(0, ogx_llama2c_open(&ck, self->path));
	EXPECT_NE(NULL, ck.map);
	EXPECT_EQ(len, ck.size);
	EXPECT_EQ(0, memcmp(ck.w.layers[0].w3.data, d + 28 + 4 * 464, 4 * 96));
	ogx_llama2c_close(&ck);
	free(d);
}

TEST_F(files, open_errors)
{
	struct ogx_llama2c ck;
	size_t len;
	uint8_t *d = make_ck(&tiny, -1, &len);

	EXPECT_EQ(-ENOENT, ogx_llama2c_open(&ck, "/nonexistent/model.bin"));
	EXPECT_FAIL(ogx_llama2c_open(&ck, self->dir), "not a regular file");
	write_file(self->path, "", 0);
	EXPECT_FAIL(ogx_llama2c_open(&ck, self->path),
		    "file is 0 bytes, shorter than the 28-byte llama2.c header");
	write_file(self->path, d, len);
	EXPECT_FAIL(ogx_llama2c_open(&ck, self->path),
		    "file is 2363 bytes, the header (dim 8, hidden_dim 12, n_layers 1, n_heads 2, n_kv_heads 1, vocab_size 8, seq_len 4, shared classifier) implies 2364");
	free(d);
}

/* tokenizer.bin ------------------------------------------------------------ */

struct tokbuf {
	uint8_t d[4096];
	size_t len;
};

static void put_i32(struct tokbuf *b, int32_t v)
{
	memcpy(b->d + b->len, &v, 4);
	b->len += 4;
}

static void put_token(struct tokbuf *b, float score, int32_t len, const char *s)
{
	memcpy(b->d + b->len, &score, 4);
	b->len += 4;
	put_i32(b, len);
	memcpy(b->d + b->len, s, strlen(s));
	b->len += strlen(s);
}

/* <unk>, <s>, </s>, " ", "a", "b", " a", "ab" */
static void good_tokenizer(struct tokbuf *b)
{
	static const char *pieces[] = { "<unk>", "\n<s>\n", "\n</s>\n", " ", "a", "b", " a", "ab" };

	b->len = 0;
	put_i32(b, 6);
	for (int i = 0; i < 8; i++)
		put_token(b, (float)-i, strlen(pieces[i]), pieces[i]);
}

static int parse_tok(const struct tokbuf *b, size_t len, uint32_t vocab)
{
	struct ogx_tokenizer t;
	int err;

	ogx_clearerr();
	err = ogx_llama2c_tokenizer_parse(&t, b->d, len, vocab);
	if (!err)
		ogx_tokenizer_free(&t);
	return err;
}

TEST(tokenizer_good)
{
	struct ogx_tokenizer t;
	struct tokbuf b;

	good_tokenizer(&b);
	ASSERT_EQ(0, ogx_llama2c_tokenizer_parse(&t, b.d, b.len, 8));
	EXPECT_EQ(8, t.vocab_size);
	EXPECT_EQ(6, t.max_token_length);
	EXPECT_STREQ("ab", ogx_tokenizer_piece(&t, 7));
	EXPECT_EQ(2, t.len[7]);
	EXPECT_EQ(-7.0f, t.score[7]);
	EXPECT_EQ(3, t.space_id);
	EXPECT_EQ(7, ogx_tokenizer_lookup(&t, "ab", 2));
	EXPECT_EQ(OGX_TOKEN_NONE, ogx_tokenizer_lookup(&t, "ba", 2));
	ogx_tokenizer_free(&t);
}

TEST(tokenizer_errors)
{
	struct tokbuf b;
	size_t tail;

	good_tokenizer(&b);
	EXPECT_FAIL(parse_tok(&b, 3, 8), "tokenizer: file is 3 bytes, shorter than its 4-byte header");
	EXPECT_FAIL(parse_tok(&b, b.len, 2), "tokenizer: vocab_size 2 out of range 3..2097152");
	/* Too few tokens for the model's vocabulary. */
	EXPECT_FAIL(parse_tok(&b, b.len, 9),
		    "tokenizer: truncated at token 8 of 9 (offset 91, file 91 bytes)");
	/* Too many. */
	EXPECT_FAIL(parse_tok(&b, b.len, 7),
		    "tokenizer: 10 bytes left after 7 tokens (is it the model's tokenizer?)");
	/* Cut inside the last token's bytes, and inside its record header. */
	EXPECT_FAIL(parse_tok(&b, b.len - 1, 8), "tokenizer: token 7 truncated (want 2 bytes, have 1)");
	EXPECT_FAIL(parse_tok(&b, b.len - 5, 8),
		    "tokenizer: truncated at token 7 of 8 (offset 81, file 86 bytes)");

	good_tokenizer(&b);
	memcpy(b.d, &(int32_t){ 0 }, 4);
	EXPECT_FAIL(parse_tok(&b, b.len, 8), "tokenizer: max_token_length 0 out of range 1..4096");
	memcpy(b.d, &(int32_t){ 5000 }, 4);
	EXPECT_FAIL(parse_tok(&b, b.len, 8), "tokenizer: max_token_length 5000 out of range 1..4096");

	/* Bad token lengths: negative, and above max_token_length. */
	good_tokenizer(&b);
	tail = b.len - 10;
	memcpy(b.d + tail + 4, &(int32_t){ -1 }, 4);
	EXPECT_FAIL(parse_tok(&b, b.len, 8), "tokenizer: token 7 has length -1, outside 0..6");
	memcpy(b.d + tail + 4, &(int32_t){ 7 }, 4);
	EXPECT_FAIL(parse_tok(&b, b.len, 8), "tokenizer: token 7 has length 7, outside 0..6");
	memcpy(b.d + tail + 4, &(int32_t){ 0x7fffffff }, 4);
	EXPECT_FAIL(parse_tok(&b, b.len, 8), "tokenizer: token 7 has length 2147483647, outside 0..6");

	/* A NaN score would make merge priorities meaningless. */
	good_tokenizer(&b);
	memcpy(b.d + tail, &(uint32_t){ 0x7fc00000 }, 4);
	EXPECT_FAIL(parse_tok(&b, b.len, 8), "tokenizer: token 7 has a non-finite score");
}

TEST(tokenizer_load_missing_file)
{
	struct ogx_tokenizer t;

	EXPECT_EQ(-ENOENT, ogx_llama2c_tokenizer_load(&t, "/nonexistent/tok.bin", 512));
}

TEST_HARNESS_MAIN
