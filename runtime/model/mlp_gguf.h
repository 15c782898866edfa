/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MLP classifier's GGUF layouts (Documentation/classifier.md):
 *
 *   mnist-fc (f32): fcN.weight F32 [n_in, n_out] (ggml order: n_out rows of
 *     n_in), fcN.bias F32 [n_out], for N = 1, 2, ... while fcN.weight exists.
 *   ogx-mlp-q8: ogx-mlp-q8.layer_count (u32), ogx-mlp-q8.input_scales (f32
 *     array, one per layer), and per layer fcN.weight I8 [n_in, n_out],
 *     fcN.bias I32 [n_out], fcN.weight_scale F32 [n_out], and for every layer
 *     but the last fcN.requant_mult and fcN.requant_shift I32 [n_out].
 *
 * Loading checks every tensor against the architecture: a missing, mistyped
 * or mis-shaped one is -EINVAL naming it and saying what was expected.
 */
#ifndef OGX_MODEL_MLP_GGUF_H
#define OGX_MODEL_MLP_GGUF_H

#include "model/mlp.h"
#include "util/err.h"

struct ogx_gguf;
struct ogx_gguf_writer;

/* The model in an open GGUF file; the kind follows general.architecture. */
OGX_MUST_CHECK
int ogx_mlp_from_gguf(const struct ogx_gguf *g, struct ogx_mlp *m);

/* ogx_mlp_from_gguf() of the file at path. */
OGX_MUST_CHECK
int ogx_mlp_load(const char *path, struct ogx_mlp *m);

/* Add m's metadata and tensors to w; the tensor data stays borrowed from m. */
OGX_MUST_CHECK
int ogx_mlp_to_gguf(const struct ogx_mlp *m, struct ogx_gguf_writer *w);

/* Write m to path atomically (mode 0644). */
OGX_MUST_CHECK
int ogx_mlp_save(const struct ogx_mlp *m, const char *path);

#endif
