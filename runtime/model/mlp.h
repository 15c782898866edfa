/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MLP classifier: layers fc1..fcL, ReLU between them, softmax (f32) or
 * argmax of int32 logits (q8) at the end. Two kinds share one structure:
 *
 *  - f32: ggml's mnist-fc layout, y = softmax(fcL(... relu(fc1(x)))) with
 *    x = pixels / 255;
 *  - q8 ("ogx-mlp-q8"): the integer-exact variant. uint8 activations, int8
 *    weights, int32 accumulators and biases, fixed-point requantization of
 *    every hidden layer in int64, int32 logits. No floating point at
 *    inference, so a Vulkan shader or a ZK circuit can reproduce it bit for
 *    bit. The scheme is specified in Documentation/classifier.md.
 */
#ifndef OGX_MODEL_MLP_H
#define OGX_MODEL_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define OGX_MLP_ARCH_F32 "mnist-fc"
#define OGX_MLP_ARCH_Q8 "ogx-mlp-q8"

#define OGX_MLP_MAX_LAYERS 8
/*
 * Widest layer accepted. With |w| <= 127, x <= 255 and |bias| <= 2^30, a
 * layer of at most this many inputs cannot overflow its int32 accumulator:
 * 16384 * 127 * 255 + 2^30 < 2^31.
 */
#define OGX_MLP_MAX_WIDTH 16384
#define OGX_MLP_MAX_BIAS (1 << 30)
#define OGX_MLP_WEIGHT_MAX 127
/* Requantization: 0 <= mult < 2^31, OGX_REQUANT_SHIFT_MIN <= shift <= MAX. */
#define OGX_REQUANT_SHIFT_MIN 1
#define OGX_REQUANT_SHIFT_MAX 62

enum ogx_mlp_kind {
	OGX_MLP_F32,
	OGX_MLP_Q8,
};

struct ogx_mlp_layer {
	uint32_t n_in, n_out;
	/* f32 */
	float *w;		/* n_out rows of n_in */
	float *b;		/* n_out */
	/* q8 */
	int8_t *wq;		/* n_out rows of n_in, each in [-127, 127] */
	int32_t *bq;		/* n_out, in units of in_scale * w_scale[j] */
	int32_t *mult;		/* hidden layers: n_out fixed-point multipliers */
	int32_t *shift;		/* hidden layers: n_out right shifts */
	/* q8 scales: what the integers mean; never used by inference */
	float *w_scale;		/* n_out: real weight = w_scale[j] * wq */
	float in_scale;		/* real input = in_scale * uint8 input */
	float out_scale;	/* hidden layers: real output = out_scale * uint8 output */
};

struct ogx_mlp {
	enum ogx_mlp_kind kind;
	unsigned int n_layers;
	struct ogx_mlp_layer layer[OGX_MLP_MAX_LAYERS];
};

/*
 * The requantization of a hidden layer's accumulator to its uint8 output:
 * clamp(floor((acc * mult + 2^(shift-1)) / 2^shift), 0, 255), exact in int64
 * (|acc| < 2^31, mult < 2^31). It rounds half up, and every acc <= 0 gives 0,
 * so the clamp is also the ReLU.
 */
static inline uint8_t ogx_requant_u8(int32_t acc, int32_t mult, int32_t shift)
{
	int64_t v;

	if (acc <= 0)
		return 0;
	v = ((int64_t)acc * mult + ((int64_t)1 << (shift - 1))) >> shift;
	return v > 255 ? 255 : (uint8_t)v;
}

/* Index of the largest value; the lowest index among equals. */
unsigned int ogx_argmax_i32(const int32_t *v, unsigned int n);
unsigned int ogx_argmax_f32(const float *v, unsigned int n);

/* Allocate the arrays of every layer for dims[0..n_layers] (zeroed). */
OGX_MUST_CHECK
int ogx_mlp_alloc(struct ogx_mlp *m, enum ogx_mlp_kind kind, unsigned int n_layers,
		  const uint32_t *dims);

/*
 * Check a model's invariants: layer sizes chain and stay within limits;
 * for q8 also every weight, bias, multiplier and shift in range.
 */
OGX_MUST_CHECK
int ogx_mlp_check(const struct ogx_mlp *m);

void ogx_mlp_free(struct ogx_mlp *m);

static inline uint32_t ogx_mlp_n_in(const struct ogx_mlp *m)
{
	return m->layer[0].n_in;
}

static inline uint32_t ogx_mlp_n_out(const struct ogx_mlp *m)
{
	return m->layer[m->n_layers - 1].n_out;
}

/*
 * f32 forward of n inputs x (n rows of n_in floats, pixels / 255): probs gets
 * n rows of n_out softmax probabilities. Each row's result is independent of n.
 */
OGX_MUST_CHECK
int ogx_mlp_f32_forward(const struct ogx_mlp *m, const float *x, size_t n, float *probs);

/*
 * The largest output of each hidden layer (amax[0..n_layers-2]) over n f32
 * inputs: what calibration needs.
 */
OGX_MUST_CHECK
int ogx_mlp_f32_activation_max(const struct ogx_mlp *m, const float *x, size_t n, float *amax);

/*
 * q8 forward of n inputs (n rows of n_in uint8 pixels): logits gets n rows
 * of n_out int32 accumulators of the last layer. Exact integer arithmetic.
 */
OGX_MUST_CHECK
int ogx_mlp_q8_forward(const struct ogx_mlp *m, const uint8_t *x, size_t n, int32_t *logits);

/*
 * One q8 layer over n rows: the int32 accumulators (bias + w . x) into acc,
 * and for hidden layers (out != NULL) their requantized uint8 values.
 */
void ogx_mlp_q8_layer(const struct ogx_mlp_layer *l, const uint8_t *x, size_t n, int32_t *acc,
		      uint8_t *out);

/* Classes of n images of uint8 pixels, with either kind of model. */
OGX_MUST_CHECK
int ogx_mlp_classify(const struct ogx_mlp *m, const uint8_t *pixels, size_t n,
		     unsigned int *classes);

/* How many of n images are classified as their labels say. */
OGX_MUST_CHECK
int ogx_mlp_count_correct(const struct ogx_mlp *m, const uint8_t *pixels, const uint8_t *labels,
			  size_t n, size_t *correct);

/* "ogx-mlp-q8 784-128-10" (architecture and widths) into buf. */
void ogx_mlp_describe(const struct ogx_mlp *m, char *buf, size_t size);

#endif
