/* SPDX-License-Identifier: GPL-2.0 */
/*
 * f32 MLP -> q8 MLP (ogx-mlp-q8), post-training: weights symmetric int8 per
 * output row (one scale for the whole last layer, so its int32 logits share a
 * scale and their argmax is the real argmax), activation scales calibrated on
 * a set of images. Floating point is used here, once, to derive the integers;
 * inference on the result uses none. Documentation/classifier.md has the
 * exact rules.
 */
#ifndef OGX_MODEL_MLP_QUANT_H
#define OGX_MODEL_MLP_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "model/mlp.h"
#include "util/err.h"

/*
 * The fixed-point form of a positive real multiplier m: mult in [2^30, 2^31)
 * and shift with m ~= mult / 2^shift, rounded to nearest. When m is too small
 * for shift 62, mult is smaller (down to 0); -ERANGE when m >= 2^30.
 */
OGX_MUST_CHECK
int ogx_requant_params(double m, int32_t *mult, int32_t *shift);

/*
 * Quantize f32 model f to q8 model q, calibrating each hidden layer's output
 * scale on n images (n rows of n_in uint8 pixels): the largest activation
 * seen maps to 255.
 */
OGX_MUST_CHECK
int ogx_mlp_quantize(const struct ogx_mlp *f, const uint8_t *images, size_t n,
		     struct ogx_mlp *q);

#endif
