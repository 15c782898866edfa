// SPDX-License-Identifier: GPL-2.0
/*
 * BPE encode/decode; see tokenizer.h. Behaviour follows llama2.c's run.c
 * (encode/decode), with pieces compared by length so an embedded NUL cannot
 * truncate a comparison.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/tokenizer.h"
#include "util/err.h"

int ogx_tokenizer_alloc(struct ogx_tokenizer *t, uint32_t vocab_size, size_t blob_bytes)
{
	memset(t, 0, sizeof(*t));
	t->vocab_size = vocab_size;
	t->blob = malloc(blob_bytes ? blob_bytes : 1);
	t->offset = calloc(vocab_size, sizeof(*t->offset));
	t->len = calloc(vocab_size, sizeof(*t->len));
	t->score = calloc(vocab_size, sizeof(*t->score));
	t->sorted = calloc(vocab_size, sizeof(*t->sorted));
	t->byte_value = calloc(vocab_size, sizeof(*t->byte_value));
	if (!t->blob || !t->offset || !t->len || !t->score || !t->sorted || !t->byte_value) {
		ogx_tokenizer_free(t);
		return -ENOMEM;
	}
	return 0;
}

void ogx_tokenizer_free(struct ogx_tokenizer *t)
{
	free(t->blob);
	free(t->offset);
	free(t->len);
	free(t->score);
	free(t->sorted);
	free(t->byte_value);
	memset(t, 0, sizeof(*t));
}

static int piece_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* qsort has no context argument in C11; the vocabulary being sorted. */
static __thread const struct ogx_tokenizer *sorting;

static int sorted_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	int c = piece_cmp(ogx_tokenizer_piece(sorting, a), sorting->len[a],
			  ogx_tokenizer_piece(sorting, b), sorting->len[b]);

	return c ? c : (a > b) - (a < b);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int ogx_tokenizer_index(struct ogx_tokenizer *t)
{
	if (t->vocab_size < 3)
		return ogx_fail(-EINVAL, "vocabulary of %u tokens has no BOS and EOS", t->vocab_size);
	t->bos_id = 1;
	t->eos_id = 2;
	for (int b = 0; b < 256; b++)
		t->byte_token[b] = OGX_TOKEN_NONE;
	t->max_token_length = 0;
	for (uint32_t i = 0; i < t->vocab_size; i++) {
		const char *p = ogx_tokenizer_piece(t, i);
		int hi, lo;

		t->sorted[i] = i;
		if (t->len[i] > t->max_token_length)
			t->max_token_length = t->len[i];
		t->byte_value[i] = -1;
		if (t->len[i] != 6 || memcmp(p, "<0x", 3) || p[5] != '>')
			continue;
		hi = hexval(p[3]);
		lo = hexval(p[4]);
		if (hi < 0 || lo < 0)
			continue;
		t->byte_value[i] = (int16_t)(hi << 4 | lo);
		if (t->byte_token[hi << 4 | lo] == OGX_TOKEN_NONE)
			t->byte_token[hi << 4 | lo] = i;
	}
	sorting = t;
	qsort(t->sorted, t->vocab_size, sizeof(*t->sorted), sorted_cmp);
	sorting = NULL;
	t->space_id = ogx_tokenizer_lookup(t, " ", 1);
	return 0;
}

uint32_t ogx_tokenizer_lookup(const struct ogx_tokenizer *t, const char *s, size_t len)
{
	uint32_t lo = 0, hi = t->vocab_size;

	/* Lower bound: the first sorted piece >= s, so duplicates give the lowest id. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2, id = t->sorted[mid];

		if (piece_cmp(ogx_tokenizer_piece(t, id), t->len[id], s, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->vocab_size) {
		uint32_t id = t->sorted[lo];

		if (!piece_cmp(ogx_tokenizer_piece(t, id), t->len[id], s, len))
			return id;
	}
	return OGX_TOKEN_NONE;
}

static int push_bytes(const struct ogx_tokenizer *t, const unsigned char *s, size_t n,
		      uint32_t *tokens, size_t *count)
{
	uint32_t id = ogx_tokenizer_lookup(t, (const char *)s, n);

	if (id != OGX_TOKEN_NONE) {
		tokens[(*count)++] = id;
		return 0;
	}
	/* Byte fallback: a code point not in the vocabulary becomes its bytes. */
	for (size_t i = 0; i < n; i++) {
		if (t->byte_token[s[i]] == OGX_TOKEN_NONE)
			return ogx_fail(-EINVAL, "byte 0x%02x is not in the vocabulary", s[i]);
		tokens[(*count)++] = t->byte_token[s[i]];
	}
	return 0;
}

/* Merge the best-scoring adjacent pair until no pair is a piece. */
static int bpe_merge(const struct ogx_tokenizer *t, uint32_t *tokens, size_t *count)
{
	char *buf = malloc(2 * (size_t)t->max_token_length + 1);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		/* llama2.c starts from -1e10, so a piece scoring lower never merges. */
		float best_score = -1e10f;
		uint32_t best_id = OGX_TOKEN_NONE;
		size_t best_idx = 0;

		for (size_t i = 0; i + 1 < *count; i++) {
			uint32_t a = tokens[i], b = tokens[i + 1], id;

			memcpy(buf, ogx_tokenizer_piece(t, a), t->len[a]);
			memcpy(buf + t->len[a], ogx_tokenizer_piece(t, b), t->len[b]);
			id = ogx_tokenizer_lookup(t, buf, t->len[a] + t->len[b]);
			if (id != OGX_TOKEN_NONE && t->score[id] > best_score) {
				best_score = t->score[id];
				best_id = id;
				best_idx = i;
			}
		}
		if (best_id == OGX_TOKEN_NONE)
			break;
		tokens[best_idx] = best_id;
		memmove(&tokens[best_idx + 1], &tokens[best_idx + 2],
			(*count - best_idx - 2) * sizeof(*tokens));
		(*count)--;
	}
	free(buf);
	return 0;
}

int ogx_tokenizer_encode(const struct ogx_tokenizer *t, const char *text, int bos, int eos,
			 uint32_t **tokens_out, size_t *n_out)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t textlen = strlen(text), count = 0, cap;
	uint32_t *tokens;
	int err = 0;

	/* Each byte gives at most one token, plus BOS, dummy prefix and EOS. */
	if (__builtin_add_overflow(textlen, 3, &cap) || cap > SIZE_MAX / sizeof(*tokens))
		return -EOVERFLOW;
	tokens = malloc(cap * sizeof(*tokens));
	if (!tokens)
		return -ENOMEM;
	if (bos)
		tokens[count++] = t->bos_id;
	if (textlen) {
		if (t->space_id == OGX_TOKEN_NONE) {
			free(tokens);
			return ogx_fail(-EINVAL, "the vocabulary has no ' ' piece for the dummy prefix");
		}
		tokens[count++] = t->space_id;
	}
	for (size_t i = 0; i < textlen && !err;) {
		size_t n = 1;

		/*
		 * A code point is a lead byte and its continuation bytes (at most
		 * four bytes in all); a stray continuation byte stands alone.
		 */
		while (i + n < textlen && (s[i + n] & 0xc0) == 0x80 && n < 4)
			n++;
		err = push_bytes(t, s + i, n, tokens, &count);
		i += n;
	}
	if (!err)
		err = bpe_merge(t, tokens, &count);
	if (err) {
		free(tokens);
		return err;
	}
	if (eos)
		tokens[count++] = t->eos_id;
	*tokens_out = tokens;
	*n_out = count;
	return 0;
}

static const unsigned char byte_pieces[256] = {
#define B4(n) n, n + 1, n + 2, n + 3
#define B16(n) B4(n), B4(n + 4), B4(n + 8), B4(n + 12)
#define B64(n) B16(n), B16(n + 16), B16(n + 32), B16(n + 48)
	B64(0), B64(64), B64(128), B64(192)
#undef B64
#undef B16
#undef B4
};

int ogx_tokenizer_decode(const struct ogx_tokenizer *t, uint32_t prev, uint32_t token,
			 const char **piece, size_t *len)
{
	const char *p;
	size_t n;

	if (token >= t->vocab_size)
		return ogx_fail(-EINVAL, "token %u is outside the vocabulary of %u", token,
				t->vocab_size);
	if (t->byte_value[token] >= 0) {
		*piece = (const char *)&byte_pieces[t->byte_value[token]];
		*len = 1;
		return 0;
	}
	p = ogx_tokenizer_piece(t, token);
	n = t->len[token];
	/* SentencePiece strips the dummy-prefix space of the first word. */
	if (prev == t->bos_id && n && p[0] == ' ') {
		p++;
		n--;
	}
	*piece = p;
	*len = n;
	return 0;
}
