// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the llama2.c checkpoint and tokenizer.bin readers. The
 * first byte picks the reader. A checkpoint that parses is run for two
 * forward steps; a tokenizer that parses encodes and decodes the input's
 * tail. Neither may crash, leak or read outside the buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "model/llama2c.h"

static void fuzz_checkpoint(const uint8_t *data, size_t len)
{
	struct ogx_llama2c ck;
	struct ogx_llama m;
	float *copy = malloc(len + 4);	/* the reader wants float alignment */

	memcpy(copy, data, len);
	if (!ogx_llama2c_parse(&ck, copy, len)) {
		if (ck.w.cfg.seq_len >= 2 && !ogx_llama_init(&m, &ck.w, 1)) {
			ogx_llama_forward(&m, 0, 0, 1);
			ogx_llama_forward(&m, ck.w.cfg.vocab_size - 1, 1, 1);
			ogx_llama_fini(&m);
		}
		ogx_llama2c_close(&ck);
	}
	free(copy);
}

static void fuzz_tokenizer(const uint8_t *data, size_t len)
{
	struct ogx_tokenizer t;
	uint32_t vocab, *ids;
	size_t split, n;
	char *text;

	if (len < 4)
		return;
	vocab = data[0] | data[1] << 8;
	split = data[2] | data[3] << 8;
	data += 4;
	len -= 4;
	if (split > len)
		split = len;
	if (ogx_llama2c_tokenizer_parse(&t, data, split, vocab))
		return;
	text = malloc(len - split + 1);
	memcpy(text, data + split, len - split);
	text[len - split] = '\0';
	if (!ogx_tokenizer_encode(&t, text, 1, 1, &ids, &n)) {
		for (size_t i = 1; i < n; i++) {
			const char *p;
			size_t l;

			/* what encode gave is in the vocabulary */
			if (ogx_tokenizer_decode(&t, ids[i - 1], ids[i], &p, &l))
				abort();
		}
		free(ids);
	}
	free(text);
	ogx_tokenizer_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < 1)
		return 0;
	if (data[0] & 1)
		fuzz_tokenizer(data + 1, len - 1);
	else
		fuzz_checkpoint(data + 1, len - 1);
	return 0;
}
