/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Random Llama-2 weights at given shapes (F32), for benchmark models: speed
 * depends on shapes, not on values. Deterministic for a seed.
 */
#ifndef OGX_MODEL_LLAMA_SYNTH_H
#define OGX_MODEL_LLAMA_SYNTH_H

#include <stdint.h>

#include "model/llama.h"
#include "util/err.h"

/* The stories15M shape: dim 288, hidden 768, 6 layers, 6 heads, vocab 32000. */
extern const struct ogx_llama_config ogx_llama_shape_15m;
/* The stories260K shape: dim 64, hidden 172, 5 layers, 8 heads (4 KV), vocab 512. */
extern const struct ogx_llama_config ogx_llama_shape_260k;

/* Allocate and fill w (output tied to the embedding); -EINVAL for a bad shape. */
OGX_MUST_CHECK
int ogx_llama_synth(const struct ogx_llama_config *c, uint64_t seed,
		    struct ogx_llama_weights *w);
void ogx_llama_synth_free(struct ogx_llama_weights *w);

#endif
