/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Llama-2 forward pass on Vulkan, for the weights the CPU reference uses
 * (model/llama.h). Weights are uploaded once; the whole step (every layer,
 * the classifier and the greedy argmax) is one recorded command buffer
 * submitted once per token: 8 dispatches per layer + 2, barriers only between
 * dependent ones. The token's embedding row is written by the host, the
 * position goes in a small parameter buffer, so nothing is re-recorded.
 */
#ifndef OGX_VK_LLAMA_H
#define OGX_VK_LLAMA_H

#include <stdint.h>

#include "model/llama.h"

struct ogx_vk;
struct ogx_vk_llama;

/* Check w against its config and the device, upload it, record the step. */
int ogx_vk_llama_init(struct ogx_vk *vk, const struct ogx_llama_weights *w,
		      struct ogx_vk_llama **out);

/*
 * Run token at pos (positions in order from 0, as ogx_llama_forward()).
 * *logits (if asked) points at vocab_size floats valid until the next call,
 * *argmax (if asked) is the greedy choice computed on the device.
 */
int ogx_vk_llama_forward(struct ogx_vk_llama *m, uint32_t token, uint32_t pos,
			 const float **logits, uint32_t *argmax);

/*
 * Prompt processing: the KV entries of n tokens at positions pos0.., up to
 * ogx_vk_llama_batch() tokens per submission, each weight row read once per
 * batch (mat-mat). No logits: run the last prompt token with forward().
 */
int ogx_vk_llama_prefill(struct ogx_vk_llama *m, const uint32_t *tokens, uint32_t n,
			 uint32_t pos0);

/* Tokens per prefill submission (0: the device can't batch this model). */
uint32_t ogx_vk_llama_batch(const struct ogx_vk_llama *m);

/*
 * Make the CPU model m (ogx_llama_init'ed on the same weights) hand every
 * ogx_llama_forward() step to vm, so that ogx_llama_generate() runs on the
 * device unchanged.
 */
void ogx_vk_llama_attach(struct ogx_vk_llama *vm, struct ogx_llama *m);

/* Dispatches and barriers in one step (for benchmarks). */
void ogx_vk_llama_counts(const struct ogx_vk_llama *m, unsigned *dispatches,
			 unsigned *barriers);

void ogx_vk_llama_free(struct ogx_vk_llama *m);

#endif
