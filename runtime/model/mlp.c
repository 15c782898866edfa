// SPDX-License-Identifier: GPL-2.0
/*
 * CPU reference of the MLP classifier (see mlp.h): the oracle that the
 * Vulkan engine and the ZK prover are compared against.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/mlp.h"
#include "util/err.h"

/* Inputs processed side by side by the f32 forward; see f32_layer(). */
#define F32_TILE 8

/*
 * An AVX2 clone of the integer layer, picked at load time: integer sums are
 * exact in any order, so its results are those of the portable code. (The
 * f32 tile loop measured no faster with AVX2 here, so it has none.)
 */
#define HOT __attribute__((target_clones("avx2", "default")))

unsigned int ogx_argmax_i32(const int32_t *v, unsigned int n)
{
	unsigned int best = 0;

	for (unsigned int i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

unsigned int ogx_argmax_f32(const float *v, unsigned int n)
{
	unsigned int best = 0;

	for (unsigned int i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

void ogx_mlp_free(struct ogx_mlp *m)
{
	for (unsigned int i = 0; i < OGX_MLP_MAX_LAYERS; i++) {
		struct ogx_mlp_layer *l = &m->layer[i];

		free(l->w);
		free(l->b);
		free(l->wq);
		free(l->bq);
		free(l->mult);
		free(l->shift);
		free(l->w_scale);
	}
	memset(m, 0, sizeof(*m));
}

int ogx_mlp_alloc(struct ogx_mlp *m, enum ogx_mlp_kind kind, unsigned int n_layers,
		  const uint32_t *dims)
{
	memset(m, 0, sizeof(*m));
	if (n_layers < 1 || n_layers > OGX_MLP_MAX_LAYERS)
		return ogx_fail(-EINVAL, "%u layers (want 1 to %u)", n_layers, OGX_MLP_MAX_LAYERS);
	for (unsigned int i = 0; i <= n_layers; i++)
		if (dims[i] < 1 || dims[i] > OGX_MLP_MAX_WIDTH)
			return ogx_fail(-EINVAL, "layer width %u out of range (1 to %u)", dims[i],
					OGX_MLP_MAX_WIDTH);
	m->kind = kind;
	m->n_layers = n_layers;
	for (unsigned int i = 0; i < n_layers; i++) {
		struct ogx_mlp_layer *l = &m->layer[i];
		size_t nw = (size_t)dims[i] * dims[i + 1], no = dims[i + 1];

		l->n_in = dims[i];
		l->n_out = dims[i + 1];
		if (kind == OGX_MLP_F32) {
			l->w = calloc(nw, sizeof(float));
			l->b = calloc(no, sizeof(float));
			if (!l->w || !l->b)
				goto nomem;
			continue;
		}
		l->wq = calloc(nw, 1);
		l->bq = calloc(no, sizeof(int32_t));
		l->w_scale = calloc(no, sizeof(float));
		if (!l->wq || !l->bq || !l->w_scale)
			goto nomem;
		if (i + 1 < n_layers) {
			l->mult = calloc(no, sizeof(int32_t));
			l->shift = calloc(no, sizeof(int32_t));
			if (!l->mult || !l->shift)
				goto nomem;
		}
	}
	return 0;
nomem:
	ogx_mlp_free(m);
	return -ENOMEM;
}

static int check_q8_layer(const struct ogx_mlp_layer *l, unsigned int idx, int hidden)
{
	for (size_t k = 0; k < (size_t)l->n_in * l->n_out; k++)
		if (l->wq[k] < -OGX_MLP_WEIGHT_MAX)
			return ogx_fail(-EINVAL, "fc%u.weight[%zu] = %d (want -127 to 127)", idx,
					k, l->wq[k]);
	for (uint32_t j = 0; j < l->n_out; j++) {
		if (l->bq[j] > OGX_MLP_MAX_BIAS || l->bq[j] < -OGX_MLP_MAX_BIAS)
			return ogx_fail(-EINVAL, "fc%u.bias[%u] = %d (want |bias| <= 2^30)", idx,
					j, l->bq[j]);
		if (!hidden)
			continue;
		if (l->mult[j] < 0)
			return ogx_fail(-EINVAL, "fc%u.requant_mult[%u] = %d is negative", idx, j,
					l->mult[j]);
		if (l->shift[j] < OGX_REQUANT_SHIFT_MIN || l->shift[j] > OGX_REQUANT_SHIFT_MAX)
			return ogx_fail(-EINVAL, "fc%u.requant_shift[%u] = %d (want %d to %d)",
					idx, j, l->shift[j], OGX_REQUANT_SHIFT_MIN,
					OGX_REQUANT_SHIFT_MAX);
	}
	return 0;
}

int ogx_mlp_check(const struct ogx_mlp *m)
{
	if (m->n_layers < 1 || m->n_layers > OGX_MLP_MAX_LAYERS)
		return ogx_fail(-EINVAL, "%u layers (want 1 to %u)", m->n_layers,
				OGX_MLP_MAX_LAYERS);
	for (unsigned int i = 0; i < m->n_layers; i++) {
		const struct ogx_mlp_layer *l = &m->layer[i];
		int err;

		if (l->n_in < 1 || l->n_in > OGX_MLP_MAX_WIDTH || l->n_out < 1 ||
		    l->n_out > OGX_MLP_MAX_WIDTH)
			return ogx_fail(-EINVAL, "fc%u is %u x %u (widths 1 to %u)", i + 1,
					l->n_out, l->n_in, OGX_MLP_MAX_WIDTH);
		if (i && l->n_in != m->layer[i - 1].n_out)
			return ogx_fail(-EINVAL, "fc%u takes %u inputs but fc%u gives %u", i + 1,
					l->n_in, i, m->layer[i - 1].n_out);
		if (m->kind != OGX_MLP_Q8)
			continue;
		err = check_q8_layer(l, i + 1, i + 1 < m->n_layers);
		if (err)
			return err;
	}
	return 0;
}

static size_t widest(const struct ogx_mlp *m)
{
	size_t w = m->layer[0].n_in;

	for (unsigned int i = 0; i < m->n_layers; i++)
		if (m->layer[i].n_out > w)
			w = m->layer[i].n_out;
	return w;
}

/*
 * y = W x + b for up to F32_TILE inputs at once, stored lane-interleaved
 * (xt[i * F32_TILE + lane]). Each lane sums over i in order, the same as a
 * plain dot product, while the lane loop vectorizes without reassociating
 * anything: the result for one input does not depend on its neighbours.
 */
static void f32_layer(const struct ogx_mlp_layer *l, const float *xt, float *yt, int relu)
{
	for (uint32_t j = 0; j < l->n_out; j++) {
		const float *w = l->w + (size_t)j * l->n_in;
		float acc[F32_TILE];

		for (int t = 0; t < F32_TILE; t++)
			acc[t] = l->b[j];
		for (uint32_t i = 0; i < l->n_in; i++)
			for (int t = 0; t < F32_TILE; t++)
				acc[t] += w[i] * xt[(size_t)i * F32_TILE + t];
		for (int t = 0; t < F32_TILE; t++)
			yt[(size_t)j * F32_TILE + t] = relu && acc[t] < 0 ? 0 : acc[t];
	}
}

static void softmax(float *v, unsigned int n)
{
	float max = v[ogx_argmax_f32(v, n)], sum = 0;

	for (unsigned int i = 0; i < n; i++) {
		v[i] = expf(v[i] - max);
		sum += v[i];
	}
	for (unsigned int i = 0; i < n; i++)
		v[i] /= sum;
}

/* The f32 forward; with amax, also the largest output of each hidden layer. */
static int f32_run(const struct ogx_mlp *m, const float *x, size_t n, float *probs, float *amax)
{
	size_t w = widest(m), n_in = ogx_mlp_n_in(m), n_out = ogx_mlp_n_out(m);
	float *a, *b;

	if (m->kind != OGX_MLP_F32)
		return ogx_fail(-EINVAL, "not an f32 model");
	a = malloc(w * F32_TILE * sizeof(float));
	b = malloc(w * F32_TILE * sizeof(float));
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	for (size_t r = 0; r < n; r += F32_TILE) {
		size_t lanes = n - r < F32_TILE ? n - r : F32_TILE;
		float *in = a, *out = b, *tmp;

		memset(in, 0, n_in * F32_TILE * sizeof(float));
		for (size_t t = 0; t < lanes; t++)
			for (size_t i = 0; i < n_in; i++)
				in[i * F32_TILE + t] = x[(r + t) * n_in + i];
		for (unsigned int k = 0; k < m->n_layers; k++) {
			f32_layer(&m->layer[k], in, out, k + 1 < m->n_layers);
			for (size_t i = 0; amax && k + 1 < m->n_layers &&
					   i < m->layer[k].n_out * F32_TILE; i++)
				if (i % F32_TILE < lanes && out[i] > amax[k])
					amax[k] = out[i];
			tmp = in;
			in = out;
			out = tmp;
		}
		for (size_t t = 0; probs && t < lanes; t++) {
			float *p = probs + (r + t) * n_out;

			for (size_t j = 0; j < n_out; j++)
				p[j] = in[j * F32_TILE + t];
			softmax(p, n_out);
		}
	}
	free(a);
	free(b);
	return 0;
}

int ogx_mlp_f32_forward(const struct ogx_mlp *m, const float *x, size_t n, float *probs)
{
	return f32_run(m, x, n, probs, NULL);
}

int ogx_mlp_f32_activation_max(const struct ogx_mlp *m, const float *x, size_t n, float *amax)
{
	for (unsigned int k = 0; k < m->n_layers; k++)
		amax[k] = 0;
	return f32_run(m, x, n, NULL, amax);
}

HOT void ogx_mlp_q8_layer(const struct ogx_mlp_layer *l, const uint8_t *x, size_t n,
			  int32_t *acc, uint8_t *out)
{
	for (size_t r = 0; r < n; r++) {
		const uint8_t *xr = x + r * l->n_in;

		for (uint32_t j = 0; j < l->n_out; j++) {
			const int8_t *w = l->wq + (size_t)j * l->n_in;
			int32_t s = 0;

			/* Exact: the bounds checked at load keep s within int32. */
			for (uint32_t i = 0; i < l->n_in; i++)
				s += (int32_t)w[i] * (int32_t)xr[i];
			s += l->bq[j];
			acc[r * l->n_out + j] = s;
			if (out)
				out[r * l->n_out + j] = ogx_requant_u8(s, l->mult[j], l->shift[j]);
		}
	}
}

int ogx_mlp_q8_forward(const struct ogx_mlp *m, const uint8_t *x, size_t n, int32_t *logits)
{
	size_t w = widest(m);
	uint8_t *a = NULL, *b = NULL;
	int32_t *acc = NULL;
	int err = 0;

	if (m->kind != OGX_MLP_Q8)
		return ogx_fail(-EINVAL, "not an int8 model");
	/* Row by row keeps the scratch small; rows are independent anyway. */
	a = malloc(w);
	b = malloc(w);
	acc = malloc(w * sizeof(int32_t));
	if (!a || !b || !acc) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t r = 0; r < n; r++) {
		const uint8_t *in = x + r * ogx_mlp_n_in(m);
		uint8_t *out = a;

		for (unsigned int k = 0; k + 1 < m->n_layers; k++) {
			ogx_mlp_q8_layer(&m->layer[k], in, 1, acc, out);
			in = out;
			out = out == a ? b : a;
		}
		ogx_mlp_q8_layer(&m->layer[m->n_layers - 1], in, 1,
				 logits + r * ogx_mlp_n_out(m), NULL);
	}
out:
	free(a);
	free(b);
	free(acc);
	return err;
}

int ogx_mlp_classify(const struct ogx_mlp *m, const uint8_t *pixels, size_t n,
		     unsigned int *classes)
{
	size_t n_in = ogx_mlp_n_in(m), n_out = ogx_mlp_n_out(m), chunk = 256;
	void *xbuf = NULL, *ybuf;
	int err = 0;

	ybuf = malloc(chunk * n_out * 4);
	if (m->kind == OGX_MLP_F32)
		xbuf = malloc(chunk * n_in * sizeof(float));
	if (!ybuf || (m->kind == OGX_MLP_F32 && !xbuf)) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t r = 0; r < n && !err; r += chunk) {
		size_t k = n - r < chunk ? n - r : chunk;
		const uint8_t *px = pixels + r * n_in;

		if (m->kind == OGX_MLP_Q8) {
			err = ogx_mlp_q8_forward(m, px, k, ybuf);
			for (size_t t = 0; !err && t < k; t++)
				classes[r + t] = ogx_argmax_i32((int32_t *)ybuf + t * n_out, n_out);
			continue;
		}
		for (size_t i = 0; i < k * n_in; i++)
			((float *)xbuf)[i] = px[i] / 255.0f;
		err = ogx_mlp_f32_forward(m, xbuf, k, ybuf);
		for (size_t t = 0; !err && t < k; t++)
			classes[r + t] = ogx_argmax_f32((float *)ybuf + t * n_out, n_out);
	}
out:
	free(xbuf);
	free(ybuf);
	return err;
}

int ogx_mlp_count_correct(const struct ogx_mlp *m, const uint8_t *pixels, const uint8_t *labels,
			  size_t n, size_t *correct)
{
	unsigned int *classes = malloc((n ? n : 1) * sizeof(*classes));
	int err;

	if (!classes)
		return -ENOMEM;
	err = ogx_mlp_classify(m, pixels, n, classes);
	*correct = 0;
	for (size_t i = 0; !err && i < n; i++)
		*correct += classes[i] == labels[i];
	free(classes);
	return err;
}

void ogx_mlp_describe(const struct ogx_mlp *m, char *buf, size_t size)
{
	size_t off = snprintf(buf, size, "%s %u",
			      m->kind == OGX_MLP_Q8 ? OGX_MLP_ARCH_Q8 : OGX_MLP_ARCH_F32,
			      ogx_mlp_n_in(m));

	for (unsigned int i = 0; i < m->n_layers && off < size; i++)
		off += snprintf(buf + off, size - off, "-%u", m->layer[i].n_out);
}
