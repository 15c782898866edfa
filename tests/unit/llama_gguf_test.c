// SPDX-License-Identifier: GPL-2.0
/*
 * Llama-2 GGUF files (model/llama_gguf.h): stories260K and its tokenizer
 * written and read back (same weights bit for bit at F32, same vocabulary,
 * same encoding), and the loader's errors for files that are not a Llama.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "model/gguf_write.h"
#include "model/llama2c.h"
#include "model/llama_gguf.h"
#include "util/err.h"

static const char *models_dir(void)
{
	const char *d = getenv("OGX_MODELS");

	return d && *d ? d : "../shared/models";
}

TEST(stories260k_round_trip)
{
	char path[512], tmp[] = "/tmp/ogx-llama-gguf-XXXXXX";
	struct ogx_tokenizer t1, t2;
	struct ogx_llama_gguf m;
	struct ogx_llama2c ck;
	uint32_t *a, *b;
	size_t na, nb;
	int fd = mkstemp(tmp);

	ASSERT_GE(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/stories260K/stories260K.bin", models_dir());
	ASSERT_EQ(0, ogx_llama2c_open(&ck, path));
	snprintf(path, sizeof(path), "%s/stories260K/tok512.bin", models_dir());
	ASSERT_EQ(0, ogx_llama2c_tokenizer_load(&t1, path, 512));
	ASSERT_EQ(0, ogx_llama_gguf_save(&ck.w, &t1, OGX_WTYPE_F32, "stories260K", tmp, NULL));
	ASSERT_EQ(0, ogx_llama_gguf_open(&m, tmp));
	ASSERT_EQ(0, memcmp(&ck.w.cfg, &m.w.cfg, sizeof(ck.w.cfg)));
	ASSERT_EQ(0, memcmp(ck.w.layers[4].w2.data, m.w.layers[4].w2.data, 172 * 64 * 4));
	ASSERT_EQ(0, memcmp(ck.w.out_norm, m.w.out_norm, 64 * 4));
	/* Tied classifier: no output.weight in the file, the embedding serves. */
	ASSERT_EQ(m.w.tok_embd.data, m.w.output.data);
	ASSERT_EQ(0, ogx_llama_gguf_tokenizer(&m, &t2));
	ASSERT_EQ(512, t2.vocab_size);
	for (uint32_t i = 0; i < 512; i++) {
		ASSERT_STREQ(ogx_tokenizer_piece(&t1, i), ogx_tokenizer_piece(&t2, i));
		ASSERT_EQ(t1.score[i], t2.score[i]);
	}
	ASSERT_EQ(0, ogx_tokenizer_encode(&t1, "Once upon a time, Lily saw a cat.", 1, 0, &a, &na));
	ASSERT_EQ(0, ogx_tokenizer_encode(&t2, "Once upon a time, Lily saw a cat.", 1, 0, &b, &nb));
	ASSERT_EQ(na, nb);
	ASSERT_EQ(0, memcmp(a, b, na * sizeof(*a)));
	free(a);
	free(b);
	ogx_tokenizer_free(&t1);
	ogx_tokenizer_free(&t2);
	ogx_llama_gguf_close(&m);
	ogx_llama2c_close(&ck);
	unlink(tmp);
}

/* A GGUF with the given architecture and llama metadata, and no tensors. */
static int write_bare(const char *path, const char *arch)
{
	struct ogx_gguf_writer w;
	int err;

	ogx_gguf_writer_init(&w);
	err = ogx_gguf_writer_str(&w, "general.architecture", arch);
	err = err ?: ogx_gguf_writer_u32(&w, "llama.embedding_length", 64);
	err = err ?: ogx_gguf_writer_u32(&w, "llama.feed_forward_length", 172);
	err = err ?: ogx_gguf_writer_u32(&w, "llama.block_count", 1);
	err = err ?: ogx_gguf_writer_u32(&w, "llama.attention.head_count", 8);
	err = err ?: ogx_gguf_writer_u32(&w, "llama.context_length", 32);
	err = err ?: ogx_gguf_writer_write(&w, path, 0644);
	ogx_gguf_writer_free(&w);
	return err;
}

TEST(loader_errors)
{
	char tmp[] = "/tmp/ogx-llama-gguf-XXXXXX";
	struct ogx_llama_gguf m;
	int fd = mkstemp(tmp), err;

	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_EQ(0, write_bare(tmp, "gpt2"));
	err = ogx_llama_gguf_open(&m, tmp);
	ASSERT_EQ(-EINVAL, err);
	ASSERT_STREQ("architecture 'gpt2' is not llama", ogx_errmsg(err));
	ASSERT_EQ(0, write_bare(tmp, "llama"));
	err = ogx_llama_gguf_open(&m, tmp);
	ASSERT_EQ(-EINVAL, err);
	ASSERT_STREQ("tensor 'token_embd.weight' is missing", ogx_errmsg(err));
	unlink(tmp);
}

TEST_HARNESS_MAIN
