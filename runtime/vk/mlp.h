/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The integer classifier (ogx-mlp-q8, model/mlp.h) on Vulkan: bit-exact with
 * ogx_mlp_q8_forward() (same int32 logits, hence the same output digest),
 * which is what lets a full node re-execute a job on another engine. One
 * recorded program of one dispatch per layer serves any batch up to the size
 * it was built for.
 */
#ifndef OGX_VK_MLP_H
#define OGX_VK_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "model/mlp.h"
#include "util/err.h"

struct ogx_vk;
struct ogx_vk_mlp;

/* Upload a q8 model (-ENOTSUP for f32) for batches of up to max_batch. */
OGX_MUST_CHECK
int ogx_vk_mlp_init(struct ogx_vk *vk, const struct ogx_mlp *m, uint32_t max_batch,
		    struct ogx_vk_mlp **out);

/* n inputs of n_in uint8 pixels -> n rows of n_out int32 logits. */
OGX_MUST_CHECK
int ogx_vk_mlp_q8_forward(struct ogx_vk_mlp *vm, const uint8_t *x, size_t n, int32_t *logits);

/* Dispatches and submissions for the last forward (benchmarks). */
void ogx_vk_mlp_counts(const struct ogx_vk_mlp *vm, unsigned *dispatches);

void ogx_vk_mlp_free(struct ogx_vk_mlp *vm);

#endif
