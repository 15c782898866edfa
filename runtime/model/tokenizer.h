/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SentencePiece-style BPE tokenizer as llama2.c runs it: encode adds BOS, a
 * dummy-prefix space, looks up whole UTF-8 code points, falls back to
 * <0xXX> byte tokens, then merges the best-scoring adjacent pair until none
 * is in the vocabulary. Decode strips the leading space after BOS and turns
 * byte tokens back into raw bytes.
 *
 * The vocabulary is filled by a loader (llama2c.c for tokenizer.bin; later
 * GGUF's tokenizer.ggml.*) through ogx_tokenizer_alloc() and
 * ogx_tokenizer_index().
 */
#ifndef OGX_MODEL_TOKENIZER_H
#define OGX_MODEL_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define OGX_TOKEN_NONE UINT32_MAX

struct ogx_tokenizer {
	uint32_t vocab_size;
	uint32_t max_token_length;	/* longest piece, in bytes */
	char *blob;			/* all pieces, each NUL-terminated */
	uint32_t *offset;		/* piece i starts at blob + offset[i] */
	uint32_t *len;			/* and has len[i] bytes */
	float *score;			/* merge priority: higher merges first */
	uint32_t *sorted;		/* ids ordered by piece, for lookups */
	int16_t *byte_value;		/* the byte a <0xXX> token stands for, or -1 */
	uint32_t byte_token[256];	/* the <0xXX> token of each byte, or NONE */
	uint32_t bos_id, eos_id;	/* 1 and 2 in llama2.c / SentencePiece */
	uint32_t space_id;		/* " ", the dummy prefix, or NONE */
};

/* Allocate room for vocab_size pieces of blob_bytes bytes in all (NULs included). */
OGX_MUST_CHECK
int ogx_tokenizer_alloc(struct ogx_tokenizer *t, uint32_t vocab_size, size_t blob_bytes);

/* Build the lookup tables once every piece, length and score is set. */
OGX_MUST_CHECK
int ogx_tokenizer_index(struct ogx_tokenizer *t);

void ogx_tokenizer_free(struct ogx_tokenizer *t);

static inline const char *ogx_tokenizer_piece(const struct ogx_tokenizer *t, uint32_t id)
{
	return t->blob + t->offset[id];
}

/* The id of exactly this piece, or OGX_TOKEN_NONE (the lowest id on duplicates). */
uint32_t ogx_tokenizer_lookup(const struct ogx_tokenizer *t, const char *s, size_t len);

/*
 * Encode text into a malloc'd array of *n token ids (*tokens, free()d by the
 * caller), with BOS first when bos and EOS last when eos.
 */
OGX_MUST_CHECK
int ogx_tokenizer_encode(const struct ogx_tokenizer *t, const char *text, int bos, int eos,
			 uint32_t **tokens, size_t *n);

/*
 * The bytes token stands for when it follows prev (prev = OGX_TOKEN_NONE at
 * the start): *piece points into the tokenizer and stays valid while it lives.
 */
OGX_MUST_CHECK
int ogx_tokenizer_decode(const struct ogx_tokenizer *t, uint32_t prev, uint32_t token,
			 const char **piece, size_t *len);

#endif
