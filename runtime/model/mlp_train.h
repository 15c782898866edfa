/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Training of a one-hidden-layer MLP classifier (n_in - hidden - n_classes,
 * ReLU, softmax cross-entropy) with Adam and a cosine-decayed step size, on
 * uint8 images scaled by 1/255: the default model of the node's demo job.
 *
 * Deterministic: the same data, options and seed give the same weights bit
 * for bit, whatever the number of threads. Per-sample work (forward, and
 * the gradient with respect to the hidden layer) is split by samples; the
 * weight gradients are summed over the batch in sample order, split by
 * weight rows, so no floating-point sum depends on the thread layout.
 */
#ifndef OGX_MODEL_MLP_TRAIN_H
#define OGX_MODEL_MLP_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "model/mlp.h"
#include "util/err.h"

#define OGX_TRAIN_MAX_THREADS 16

struct ogx_mlp_train_epoch {
	unsigned int epoch, epochs;	/* 1-based */
	double loss;			/* mean cross-entropy over the epoch's batches */
	double train_acc;		/* share classified right during the epoch */
	double test_acc;		/* f32 accuracy on the test set; < 0 without one */
	double seconds;			/* wall time of the epoch (training only) */
};

struct ogx_mlp_train_opts {
	unsigned int hidden;		/* hidden layer width */
	unsigned int epochs;
	unsigned int batch;		/* samples per step */
	float lr;			/* Adam step size at the start */
	uint64_t seed;			/* initial weights and shuffling */
	unsigned int threads;		/* 0: one per online CPU */
	/* Optional: evaluated after each epoch (n_test images and labels). */
	const uint8_t *test_images, *test_labels;
	size_t n_test;
	void (*progress)(const struct ogx_mlp_train_epoch *e, void *ctx);
	void *ctx;
};

/* hidden 128, 12 epochs, batch 128, lr 2e-3, seed 1, threads 0. */
void ogx_mlp_train_defaults(struct ogx_mlp_train_opts *o);

/*
 * Train on n images (n rows of n_in uint8) with labels below n_classes into
 * an f32 model (two layers).
 */
OGX_MUST_CHECK
int ogx_mlp_train(const uint8_t *images, const uint8_t *labels, size_t n, uint32_t n_in,
		  uint32_t n_classes, const struct ogx_mlp_train_opts *o, struct ogx_mlp *out);

#endif
