/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small vector operations shared by the forward pass and the sampler, in
 * llama2.c's order of float operations (the reference results depend on it).
 */
#ifndef OGX_MODEL_OPS_H
#define OGX_MODEL_OPS_H

#include <math.h>
#include <stdint.h>

static inline void ogx_softmax(float *x, uint32_t n)
{
	float max = x[0], sum = 0.0f;

	for (uint32_t i = 1; i < n; i++)
		if (x[i] > max)
			max = x[i];
	for (uint32_t i = 0; i < n; i++) {
		x[i] = expf(x[i] - max);
		sum += x[i];
	}
	for (uint32_t i = 0; i < n; i++)
		x[i] /= sum;
}

/* o = weight * x / sqrt(mean(x^2) + eps); o may be x. */
static inline void ogx_rmsnorm(float *o, const float *x, const float *weight, uint32_t n,
			       float eps)
{
	float ss = 0.0f;

	for (uint32_t j = 0; j < n; j++)
		ss += x[j] * x[j];
	ss /= n;
	ss += eps;
	ss = 1.0f / sqrtf(ss);
	for (uint32_t j = 0; j < n; j++)
		o[j] = weight[j] * (ss * x[j]);
}

#endif
