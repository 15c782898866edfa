/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Llama-2 forward pass on Vulkan, for the weights the CPU reference uses
 * (model/llama.h). Weights are uploaded once; the whole step (every layer,
 * the classifier and the greedy argmax) is one recorded command buffer
 * submitted once per token: 8 dispatches per layer + 2, barriers only between
 * dependent ones. The token's embedding row is written by the host, the
 * position goes in a small parameter buffer, so nothing is re-recorded.
 *
 * The weights (struct ogx_vk_llama) are uploaded once and shared by any
 * number of sequences (struct ogx_vk_llama_seq), each with its own KV cache,
 * activations and recorded programs: a server runs several generations over
 * one copy of the weights. ogx_vk_llama_init() is the one-sequence case: the
 * weights with a first sequence that the functions taking the model use.
 * Several sequences step in one submission through a joint step's state
 * (vk/llama_streams.h: continuous batching, each weight row read once for
 * all of them).
 * Submissions go to the device's one queue: the caller serializes them.
 */
#ifndef OGX_VK_LLAMA_H
#define OGX_VK_LLAMA_H

#include <stdint.h>

#include "model/llama.h"
#include "util/err.h"

struct ogx_vk;
struct ogx_vk_llama;
struct ogx_vk_llama_seq;

/* Check w against its config and the device, upload it (no sequence yet). */
OGX_MUST_CHECK
int ogx_vk_llama_load(struct ogx_vk *vk, const struct ogx_llama_weights *w,
		      struct ogx_vk_llama **out);

/*
 * A new sequence over m's weights: its KV cache (seq_len positions) and
 * activations on the device, its step recorded. -ENOMEM with the buffer
 * named when the device cannot hold it. Free it before m.
 */
OGX_MUST_CHECK
int ogx_vk_llama_seq_new(struct ogx_vk_llama *m, struct ogx_vk_llama_seq **out);
void ogx_vk_llama_seq_free(struct ogx_vk_llama_seq *s);

/* As ogx_vk_llama_forward(), ogx_vk_llama_prefill(), ogx_vk_llama_attach(), for s. */
OGX_MUST_CHECK
int ogx_vk_llama_seq_forward(struct ogx_vk_llama_seq *s, uint32_t token, uint32_t pos,
			     const float **logits, uint32_t *argmax);
OGX_MUST_CHECK
int ogx_vk_llama_seq_prefill(struct ogx_vk_llama_seq *s, const uint32_t *tokens, uint32_t n,
			     uint32_t pos0);
void ogx_vk_llama_seq_attach(struct ogx_vk_llama_seq *s, struct ogx_llama *m);

/* ogx_vk_llama_load() and a first sequence, which the calls below on m use. */
OGX_MUST_CHECK
int ogx_vk_llama_init(struct ogx_vk *vk, const struct ogx_llama_weights *w,
		      struct ogx_vk_llama **out);

/*
 * Run token at pos (positions in order from 0, as ogx_llama_forward()).
 * *logits (if asked) points at vocab_size floats valid until the next call,
 * *argmax (if asked) is the greedy choice computed on the device.
 */
OGX_MUST_CHECK
int ogx_vk_llama_forward(struct ogx_vk_llama *m, uint32_t token, uint32_t pos,
			 const float **logits, uint32_t *argmax);

/*
 * Prompt processing: the KV entries of n tokens at positions pos0.., up to
 * ogx_vk_llama_batch() tokens per submission, each weight row read once per
 * batch (mat-mat). No logits: run the last prompt token with forward().
 */
OGX_MUST_CHECK
int ogx_vk_llama_prefill(struct ogx_vk_llama *m, const uint32_t *tokens, uint32_t n,
			 uint32_t pos0);

/* Tokens per prefill submission (0: the device can't batch this model). */
uint32_t ogx_vk_llama_batch(const struct ogx_vk_llama *m);

/*
 * Make the CPU model m (ogx_llama_init'ed on the same weights) hand every
 * ogx_llama_forward() step to vm, so that ogx_llama_generate() runs on the
 * device unchanged. m's own CPU buffers are then never used: m may also be a
 * bare state (zeroed, w set, no ogx_llama_init()) that only steps on the
 * engine, through ogx_llama_forward() and ogx_llama_forward_batch().
 */
void ogx_vk_llama_attach(struct ogx_vk_llama *vm, struct ogx_llama *m);

/* Dispatches and barriers in one step (for benchmarks). */
void ogx_vk_llama_counts(const struct ogx_vk_llama *m, unsigned *dispatches,
			 unsigned *barriers);

/* The weights and the first sequence (other sequences and joint steps are freed before). */
void ogx_vk_llama_free(struct ogx_vk_llama *m);

#endif
