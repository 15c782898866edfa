/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One decode step for several sequences of a model in one submission
 * (continuous batching on the device). The joint step's state (struct
 * ogx_vk_llama_streams: [n][...] activation rows, and a program per stream
 * count recorded for the sequences it was last asked with) is an object of
 * its caller's, made for a model and freed before it; sequences are made
 * and freed as before (vk/llama.h), a program recorded for a sequence that
 * is gone is never run again. A server keeps one per model for its
 * streams; ogrun generate, with one sequence, has none.
 */
#ifndef OGX_VK_LLAMA_STREAMS_H
#define OGX_VK_LLAMA_STREAMS_H

#include <stdint.h>

#include "util/err.h"

struct ogx_vk_llama;
struct ogx_vk_llama_seq;
struct ogx_vk_llama_streams;

/*
 * The joint step's state for m: its buffers on the device (none when m
 * takes one stream at a time). -ENOMEM with the buffer named when the
 * device cannot hold it. Free it before m.
 */
OGX_MUST_CHECK
int ogx_vk_llama_streams_new(struct ogx_vk_llama *m, struct ogx_vk_llama_streams **out);
void ogx_vk_llama_streams_free(struct ogx_vk_llama_streams *st);

/* The most sequences one ogx_vk_llama_forward_streams() takes (the mat-mat's tokens; >= 1). */
unsigned int ogx_vk_llama_streams_max(const struct ogx_vk_llama *m);

/*
 * One token of each of n sequences of st's model (seqs distinct, each at
 * its own position pos[i], with its own KV cache) in one submission: every
 * weight matmul reads its rows once for all n (mat-mat over an [n][dim]
 * batch), then per sequence its K/V rows go into its cache and its
 * attention runs over it. *logits (if asked) points at n * vocab_size
 * floats, stream i's at i * vocab_size, valid until the next call on st or
 * on seqs[0]; argmax (if asked) gets n greedy choices. Stream i's logits
 * are bit for bit those of ogx_vk_llama_seq_forward(seqs[i], tokens[i],
 * pos[i]): the mat-mat sums each row in the mat-vec's order, for either of
 * its splits (one row per invocation, or lanes per row and a tree; both
 * checked on lavapipe, the second not on a GPU's compiler, none here).
 * n = 1 is seqs[0]'s own step. Errors: -EINVAL for n = 0, a sequence of
 * another model or twice in seqs, a token outside the vocabulary or a
 * position past the context (the stream named); -E2BIG for n above
 * ogx_vk_llama_streams_max(). The program is recorded once per set of
 * sequences and kept for the next step with the same n and seqs.
 * Submissions go to the device's one queue: the caller serializes them.
 */
OGX_MUST_CHECK
int ogx_vk_llama_forward_streams(struct ogx_vk_llama_streams *st,
				 struct ogx_vk_llama_seq *const *seqs, const uint32_t *tokens,
				 const uint32_t *pos, unsigned int n, const float **logits,
				 uint32_t *argmax);

#endif
