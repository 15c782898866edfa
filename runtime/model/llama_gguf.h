/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Llama-2 models in GGUF, with llama.cpp's names, so files go both ways:
 * metadata llama.* (embedding_length, block_count, feed_forward_length,
 * attention.head_count[_kv], context_length, rope.freq_base,
 * attention.layer_norm_rms_epsilon) and tokenizer.ggml.* (model "llama",
 * tokens, scores, token_type, bos/eos ids); tensors token_embd, output_norm,
 * output (absent when tied to token_embd) and blk.N.{attn_norm, attn_q,
 * attn_k, attn_v, attn_output, ffn_norm, ffn_gate, ffn_down, ffn_up}.weight.
 * Projections may be F32, F16, Q8_0 or Q4_0; norms are F32. Q and K are
 * stored as llama2.c has them: llama.cpp's "normal" RoPE rotates the same
 * adjacent pairs, so no permutation is needed either way.
 */
#ifndef OGX_MODEL_LLAMA_GGUF_H
#define OGX_MODEL_LLAMA_GGUF_H

#include "model/gguf.h"
#include "model/llama.h"
#include "model/tokenizer.h"
#include "util/err.h"

struct ogx_llama_gguf {
	struct ogx_gguf *g;
	struct ogx_llama_weights w;	/* views into g's mapping */
};

/* Map path and describe its weights; shapes checked (ogx_llama_check()). */
OGX_MUST_CHECK
int ogx_llama_gguf_open(struct ogx_llama_gguf *m, const char *path);
void ogx_llama_gguf_close(struct ogx_llama_gguf *m);

/* The tokenizer stored in the file (tokenizer.ggml.*). */
OGX_MUST_CHECK
int ogx_llama_gguf_tokenizer(const struct ogx_llama_gguf *m, struct ogx_tokenizer *t);

/*
 * Write w as GGUF at path (atomically), projections converted to type;
 * a matrix whose rows are not whole blocks of type stays F32 (as llama.cpp's
 * quantizer falls back), counted in *kept_f32 when given. t NULL writes a
 * synthetic vocabulary (<unk>, <s>, </s>, the 256 byte tokens, then t<N>).
 */
OGX_MUST_CHECK
int ogx_llama_gguf_save(const struct ogx_llama_weights *w, const struct ogx_tokenizer *t,
			enum ogx_wtype type, const char *name, const char *path,
			unsigned *kept_f32);

#endif
