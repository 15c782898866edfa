/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llama2.c files: the legacy (version 0) checkpoint and tokenizer.bin.
 *
 * Checkpoint: 7 little-endian int32 (dim, hidden_dim, n_layers, n_heads,
 * n_kv_heads, vocab_size, seq_len; a negative vocab_size means the classifier
 * is stored separately instead of shared with the embedding), then fp32
 * weights: token embedding, attention norms, wq, wk, wv, wo, FFN norms, w1,
 * w2, w3, final norm, the unused freq_cis_real/imag tables (seq_len *
 * head_size/2 floats each), and the classifier when unshared. The file is
 * mapped, and its size must be exactly what the header implies.
 *
 * tokenizer.bin: int32 max_token_length, then per token: float score,
 * int32 length, the bytes. The token count is the model's vocab_size.
 */
#ifndef OGX_MODEL_LLAMA2C_H
#define OGX_MODEL_LLAMA2C_H

#include <stddef.h>
#include <stdint.h>

#include "model/llama.h"
#include "model/tokenizer.h"
#include "util/err.h"

#define OGX_LLAMA2C_HEADER_BYTES 28

/* Header bounds: far above any Llama 2/3 model, low enough to rule out garbage. */
#define OGX_LLAMA2C_MAX_DIM (1 << 16)
#define OGX_LLAMA2C_MAX_HIDDEN (1 << 18)
#define OGX_LLAMA2C_MAX_LAYERS 1024
#define OGX_LLAMA2C_MAX_VOCAB (1 << 21)
#define OGX_LLAMA2C_MAX_SEQ (1 << 20)
#define OGX_LLAMA2C_MAX_TOKEN_LENGTH 4096

struct ogx_llama2c {
	void *map;		/* the mapped file, or NULL after parse() */
	size_t size;
	int shared_classifier;
	struct ogx_llama_weights w;	/* pointers into the file */
};

/* Map and check path; fill ck->w. */
OGX_MUST_CHECK
int ogx_llama2c_open(struct ogx_llama2c *ck, const char *path);

/* Check an in-memory checkpoint (4-byte aligned, kept alive by the caller). */
OGX_MUST_CHECK
int ogx_llama2c_parse(struct ogx_llama2c *ck, const void *data, size_t size);

void ogx_llama2c_close(struct ogx_llama2c *ck);

/*
 * A checkpoint of the given shape with seeded pseudo-random weights (uniform
 * in +-1/sqrt(fan-in), norms 1), as a malloc'd buffer: models for tests and
 * benchmarks, whose speed depends on shapes, not values.
 */
OGX_MUST_CHECK
int ogx_llama2c_synth(const struct ogx_llama_config *c, int shared_classifier, uint64_t seed,
		      uint8_t **data, size_t *size);

/* Read a tokenizer.bin of vocab_size tokens. */
OGX_MUST_CHECK
int ogx_llama2c_tokenizer_load(struct ogx_tokenizer *t, const char *path, uint32_t vocab_size);
OGX_MUST_CHECK
int ogx_llama2c_tokenizer_parse(struct ogx_tokenizer *t, const void *data, size_t size,
				uint32_t vocab_size);

#endif
