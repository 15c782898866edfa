// SPDX-License-Identifier: GPL-2.0
/* Post-training quantization f32 -> ogx-mlp-q8; see mlp_quant.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/mlp_quant.h"
#include "util/err.h"

/* Calibration images converted to float at a time. */
#define CALIB_CHUNK 1024

int ogx_requant_params(double m, int32_t *mult, int32_t *shift)
{
	long long q;
	int e, s;
	double f;

	if (!(m > 0) || !isfinite(m))
		return ogx_fail(-ERANGE, "requantization multiplier %g is not positive", m);
	f = frexp(m, &e);	/* m = f * 2^e, 0.5 <= f < 1 */
	q = llround(f * 2147483648.0);
	if (q == 1LL << 31) {	/* f rounded up to 1 */
		q >>= 1;
		e++;
	}
	s = 31 - e;
	if (s < OGX_REQUANT_SHIFT_MIN)
		return ogx_fail(-ERANGE, "requantization multiplier %g too large", m);
	if (s > OGX_REQUANT_SHIFT_MAX) {
		s = OGX_REQUANT_SHIFT_MAX;
		q = llround(ldexp(m, s));
	}
	*mult = (int32_t)q;
	*shift = s;
	return 0;
}

/* Largest activation of each hidden layer over the calibration images. */
static int calibrate(const struct ogx_mlp *f, const uint8_t *images, size_t n, float *amax)
{
	size_t n_in = ogx_mlp_n_in(f);
	float *x, chunk_max[OGX_MLP_MAX_LAYERS];
	int err = 0;

	x = malloc(CALIB_CHUNK * n_in * sizeof(float));
	if (!x)
		return -ENOMEM;
	memset(amax, 0, OGX_MLP_MAX_LAYERS * sizeof(float));
	for (size_t r = 0; r < n && !err; r += CALIB_CHUNK) {
		size_t k = n - r < CALIB_CHUNK ? n - r : CALIB_CHUNK;

		for (size_t i = 0; i < k * n_in; i++)
			x[i] = images[r * n_in + i] / 255.0f;
		err = ogx_mlp_f32_activation_max(f, x, k, chunk_max);
		for (unsigned int l = 0; l + 1 < f->n_layers; l++)
			if (chunk_max[l] > amax[l])
				amax[l] = chunk_max[l];
	}
	free(x);
	return err;
}

static float absmax(const float *v, size_t n)
{
	float m = 0;

	for (size_t i = 0; i < n; i++)
		if (fabsf(v[i]) > m)
			m = fabsf(v[i]);
	return m;
}

/*
 * A row's weight scale: its largest |w| maps to 127, unless the bias would
 * then not fit in OGX_MLP_MAX_BIAS units; an all-zero row gets scale 1.
 */
static double weight_scale(float wmax, float bias, double in_scale)
{
	double s = wmax / (double)OGX_MLP_WEIGHT_MAX;
	double sb = fabs(bias) / (in_scale * OGX_MLP_MAX_BIAS);

	if (sb > s)
		s = sb;
	return s > 0 ? s : 1.0;
}

static int quantize_layer(const struct ogx_mlp_layer *fl, struct ogx_mlp_layer *ql,
			  double in_scale, double out_scale, int last, unsigned int idx)
{
	double tensor_scale = 0;
	int err;

	if (last) {
		/* One scale for the whole layer, so all logits share it. */
		for (uint32_t j = 0; j < fl->n_out; j++) {
			double s = weight_scale(absmax(fl->w + (size_t)j * fl->n_in, fl->n_in),
						fl->b[j], in_scale);

			if (s > tensor_scale)
				tensor_scale = s;
		}
	}
	ql->in_scale = (float)in_scale;
	ql->out_scale = last ? 0 : (float)out_scale;
	for (uint32_t j = 0; j < fl->n_out; j++) {
		const float *w = fl->w + (size_t)j * fl->n_in;
		double s = last ? tensor_scale :
			   weight_scale(absmax(w, fl->n_in), fl->b[j], in_scale);

		ql->w_scale[j] = (float)s;
		for (uint32_t i = 0; i < fl->n_in; i++) {
			long q = lround(w[i] / s);

			if (q > OGX_MLP_WEIGHT_MAX)
				q = OGX_MLP_WEIGHT_MAX;
			if (q < -OGX_MLP_WEIGHT_MAX)
				q = -OGX_MLP_WEIGHT_MAX;
			ql->wq[(size_t)j * fl->n_in + i] = (int8_t)q;
		}
		ql->bq[j] = (int32_t)llround(fmax(fmin(fl->b[j] / (in_scale * s),
							OGX_MLP_MAX_BIAS), -OGX_MLP_MAX_BIAS));
		if (last)
			continue;
		err = ogx_requant_params(in_scale * s / out_scale, &ql->mult[j], &ql->shift[j]);
		if (err) {
			char why[256];

			snprintf(why, sizeof(why), "%s", ogx_errmsg(err));
			return ogx_fail(err, "fc%u row %u: %s", idx, j, why);
		}
	}
	return 0;
}

int ogx_mlp_quantize(const struct ogx_mlp *f, const uint8_t *images, size_t n,
		     struct ogx_mlp *q)
{
	uint32_t dims[OGX_MLP_MAX_LAYERS + 1];
	float amax[OGX_MLP_MAX_LAYERS];
	double in_scale = 1.0 / 255;
	int err;

	memset(q, 0, sizeof(*q));
	if (f->kind != OGX_MLP_F32)
		return ogx_fail(-EINVAL, "only an f32 model can be quantized");
	if (!n)
		return ogx_fail(-EINVAL, "no calibration images");
	err = ogx_mlp_check(f);
	if (err)
		return err;
	err = calibrate(f, images, n, amax);
	if (err)
		return err;
	dims[0] = ogx_mlp_n_in(f);
	for (unsigned int l = 0; l < f->n_layers; l++)
		dims[l + 1] = f->layer[l].n_out;
	err = ogx_mlp_alloc(q, OGX_MLP_Q8, f->n_layers, dims);
	if (err)
		return err;
	for (unsigned int l = 0; l < f->n_layers; l++) {
		int last = l + 1 == f->n_layers;
		/* A layer dead on every calibration image: any scale will do. */
		double out_scale = last ? 0 : amax[l] > 0 ? amax[l] / 255.0 : 1.0 / 255;

		err = quantize_layer(&f->layer[l], &q->layer[l], in_scale, out_scale, last, l + 1);
		if (err) {
			ogx_mlp_free(q);
			return err;
		}
		in_scale = out_scale;
	}
	return 0;
}
