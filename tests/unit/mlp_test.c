// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the MLP classifier: the integer requantization, the int8 forward
 * against an independent reference, the real mnist-fc model (f32 accuracy as
 * numpy computes it, int8 within half a point), GGUF layout checks, and a
 * short training run on Fashion-MNIST.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "model/gguf.h"
#include "model/gguf_write.h"
#include "model/idx.h"
#include "model/mlp.h"
#include "model/mlp_gguf.h"
#include "model/mlp_quant.h"
#include "model/mlp_train.h"
#include "util/err.h"

#define FASHION "/usr/share/datasets/fashion-mnist"

static uint64_t rng_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/* The requantization as the spec writes it, floor division of a 128-bit value. */
static int64_t requant_ref(int64_t acc, int64_t mult, int shift)
{
	__int128 v = (__int128)acc * mult + ((__int128)1 << (shift - 1));
	__int128 d = (__int128)1 << shift;
	__int128 q = v / d;

	if (v % d && v < 0)	/* C truncates toward zero; the spec floors */
		q--;
	return q < 0 ? 0 : q > 255 ? 255 : (int64_t)q;
}

TEST(requant_rounding)
{
	/* x.5 rounds up, just below .5 rounds down. */
	EXPECT_EQ(1, ogx_requant_u8(1, 1 << 30, 31));		/* 0.5 */
	EXPECT_EQ(0, ogx_requant_u8(1, (1 << 30) - 1, 31));	/* 0.4999... */
	EXPECT_EQ(2, ogx_requant_u8(3, 1 << 30, 31));		/* 1.5 */
	EXPECT_EQ(1, ogx_requant_u8(5, 1 << 30, 32));		/* 1.25 */
	EXPECT_EQ(2, ogx_requant_u8(7, 1 << 30, 32));		/* 1.75 */
	EXPECT_EQ(255, ogx_requant_u8(509, 1 << 30, 31));	/* 254.5 */
	EXPECT_EQ(254, ogx_requant_u8(508, 1 << 30, 31));	/* 254 */
	/* The smallest shift: the rounding term is 1. */
	EXPECT_EQ(2, ogx_requant_u8(3, 1, 1));			/* 1.5 */
	EXPECT_EQ(1, ogx_requant_u8(2, 1, 1));			/* 1.0 */
}

TEST(requant_negative_and_saturation)
{
	EXPECT_EQ(0, ogx_requant_u8(0, INT32_MAX, 1));
	EXPECT_EQ(0, ogx_requant_u8(-1, INT32_MAX, 1));
	EXPECT_EQ(0, ogx_requant_u8(INT32_MIN, INT32_MAX, 62));
	EXPECT_EQ(0, ogx_requant_u8(-1000000, 1 << 30, 31));
	EXPECT_EQ(255, ogx_requant_u8(256, 1 << 30, 30));
	EXPECT_EQ(255, ogx_requant_u8(INT32_MAX, INT32_MAX, 1));
	EXPECT_EQ(255, ogx_requant_u8(INT32_MAX, 1, 1));
	/* The largest product, 2^62 - 2^32 + 1, and the largest shift: 0.99999... -> 1. */
	EXPECT_EQ(1, ogx_requant_u8(INT32_MAX, INT32_MAX, 62));
	EXPECT_EQ(0, ogx_requant_u8(1, INT32_MAX, 62));
	EXPECT_EQ(0, ogx_requant_u8(INT32_MAX, 0, 5));
}

TEST(requant_matches_spec)
{
	uint64_t s = 42;

	for (int i = 0; i < 200000; i++) {
		int32_t acc = (int32_t)(rng_next(&s) << 1 ^ rng_next(&s));
		int32_t mult = (int32_t)(rng_next(&s) & 0x7fffffff);
		int shift = 1 + (int)(rng_next(&s) % 62);

		if (i % 3 == 0)	/* also small accumulators, where rounding matters */
			acc = (int32_t)(rng_next(&s) % 2001) - 1000;
		ASSERT_EQ(requant_ref(acc, mult, shift), ogx_requant_u8(acc, mult, shift));
	}
}

TEST(requant_params)
{
	static const double ms[] = { 0.5, 1.0 / 3, 1e-3, 0.999999999999, 7.25, 1e-9 };
	int32_t mult, shift;
	int err;

	ASSERT_EQ(0, ogx_requant_params(0.5, &mult, &shift));
	EXPECT_EQ(1 << 30, mult);
	EXPECT_EQ(31, shift);
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		ASSERT_EQ(0, ogx_requant_params(ms[i], &mult, &shift));
		EXPECT_GE(mult, 1 << 30);
		EXPECT_GE(shift, 1);
		EXPECT_LE(shift, 62);
		EXPECT_LE(fabs(ldexp(mult, -shift) - ms[i]) / ms[i], 0x1p-31);
	}
	/* Too small for shift 62: a smaller multiplier, rounded. */
	ASSERT_EQ(0, ogx_requant_params(1e-15, &mult, &shift));
	EXPECT_EQ(62, shift);
	EXPECT_EQ(llround(ldexp(1e-15, 62)), mult);
	err = ogx_requant_params(0x1p30, &mult, &shift);
	EXPECT_EQ(-ERANGE, err);
	EXPECT_STREQ("requantization multiplier 1.07374e+09 too large", ogx_errmsg(err));
	err = ogx_requant_params(0, &mult, &shift);
	EXPECT_EQ(-ERANGE, err);
	EXPECT_STREQ("requantization multiplier 0 is not positive", ogx_errmsg(err));
}

/* A random q8 model with dims[0..n_layers], every value within the format's limits. */
static int random_q8(struct ogx_mlp *m, unsigned int n_layers, const uint32_t *dims, uint64_t s)
{
	int err = ogx_mlp_alloc(m, OGX_MLP_Q8, n_layers, dims);

	for (unsigned int k = 0; !err && k < n_layers; k++) {
		struct ogx_mlp_layer *l = &m->layer[k];

		for (size_t i = 0; i < (size_t)l->n_in * l->n_out; i++)
			l->wq[i] = (int8_t)((int)(rng_next(&s) % 255) - 127);
		for (uint32_t j = 0; j < l->n_out; j++) {
			l->bq[j] = (int32_t)(rng_next(&s) % 200001) - 100000;
			if (k + 1 == n_layers)
				continue;
			/* About 2^-10: these accumulators then spread over 0..255. */
			l->mult[j] = (int32_t)((1u << 30) + rng_next(&s) % (1u << 30));
			l->shift[j] = 40 + (int)(rng_next(&s) % 3);
		}
	}
	return err;
}

TEST(q8_forward_matches_reference)
{
	const uint32_t dims[] = { 50, 40, 30, 7 };
	const size_t n = 20;
	struct ogx_mlp m;
	uint8_t x[20 * 50], a[64], b[64];
	int32_t logits[20 * 7];
	uint64_t s = 7;
	int nonzero = 0, saturated = 0;

	ASSERT_EQ(0, random_q8(&m, 3, dims, 99));
	ASSERT_EQ(0, ogx_mlp_check(&m));
	for (size_t i = 0; i < sizeof(x); i++)
		x[i] = (uint8_t)rng_next(&s);
	ASSERT_EQ(0, ogx_mlp_q8_forward(&m, x, n, logits));
	for (size_t r = 0; r < n; r++) {
		const uint8_t *in = x + r * 50;

		for (unsigned int k = 0; k < 3; k++) {
			const struct ogx_mlp_layer *l = &m.layer[k];
			uint8_t *out = k % 2 ? b : a;

			for (uint32_t j = 0; j < l->n_out; j++) {
				int64_t acc = l->bq[j];

				for (uint32_t i = 0; i < l->n_in; i++)
					acc += (int64_t)l->wq[j * l->n_in + i] * in[i];
				ASSERT_LE(llabs(acc), INT32_MAX);
				if (k == 2) {
					ASSERT_EQ(acc, logits[r * 7 + j]);
					continue;
				}
				out[j] = (uint8_t)requant_ref(acc, l->mult[j], l->shift[j]);
				nonzero += out[j] > 0;
				saturated += out[j] == 255;
			}
			in = out;
		}
	}
	/* The reference exercised the interesting range, not just zeros. */
	EXPECT_GT(nonzero, 100);
	EXPECT_LT(saturated, nonzero);
	ogx_mlp_free(&m);
}

TEST(forward_independent_of_batch)
{
	const uint32_t dims[] = { 30, 20, 5 };
	struct ogx_mlp q, f;
	uint8_t x[13 * 30];
	int32_t all[13 * 5], one[5];
	float fx[13 * 30], fall[13 * 5], fone[5];
	unsigned int cls[13];
	uint64_t s = 3;

	ASSERT_EQ(0, random_q8(&q, 2, dims, 5));
	ASSERT_EQ(0, ogx_mlp_alloc(&f, OGX_MLP_F32, 2, dims));
	for (unsigned int k = 0; k < 2; k++) {
		for (size_t i = 0; i < (size_t)dims[k] * dims[k + 1]; i++)
			f.layer[k].w[i] = (float)((int)(rng_next(&s) % 2001) - 1000) / 3000;
		for (size_t j = 0; j < dims[k + 1]; j++)
			f.layer[k].b[j] = (float)((int)(rng_next(&s) % 201) - 100) / 1000;
	}
	for (size_t i = 0; i < sizeof(x); i++) {
		x[i] = (uint8_t)rng_next(&s);
		fx[i] = x[i] / 255.0f;
	}
	ASSERT_EQ(0, ogx_mlp_q8_forward(&q, x, 13, all));
	ASSERT_EQ(0, ogx_mlp_f32_forward(&f, fx, 13, fall));
	for (size_t r = 0; r < 13; r++) {
		ASSERT_EQ(0, ogx_mlp_q8_forward(&q, x + r * 30, 1, one));
		ASSERT_EQ(0, memcmp(one, all + r * 5, sizeof(one)));
		ASSERT_EQ(0, ogx_mlp_f32_forward(&f, fx + r * 30, 1, fone));
		ASSERT_EQ(0, memcmp(fone, fall + r * 5, sizeof(fone)));
	}
	/* And the same again: no state carried between calls. */
	ASSERT_EQ(0, ogx_mlp_q8_forward(&q, x, 13, all));
	ASSERT_EQ(0, ogx_mlp_classify(&q, x, 13, cls));
	for (size_t r = 0; r < 13; r++)
		EXPECT_EQ(ogx_argmax_i32(all + r * 5, 5), cls[r]);
	ogx_mlp_free(&q);
	ogx_mlp_free(&f);
}

TEST(argmax_ties_take_the_lowest_index)
{
	const int32_t v[] = { 3, 9, -1, 9, 9 };
	const float f[] = { 0.5f, 0.5f };

	EXPECT_EQ(1, ogx_argmax_i32(v, 5));
	EXPECT_EQ(0, ogx_argmax_f32(f, 2));
}

/* ---- GGUF layouts: every tensor checked against the architecture ---- */

struct tspec {
	const char *name;
	uint32_t type;
	uint32_t n_dims;
	uint64_t ne[3];
	const void *data;	/* NULL: zeros */
};

static const int32_t ones[64] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
static const uint8_t zeros[4096];

static const struct tspec f32_model[] = {
	{ .name = "fc1.weight", .type = OGX_GGML_F32, .n_dims = 2, .ne = { 6, 4 } },
	{ .name = "fc1.bias", .type = OGX_GGML_F32, .n_dims = 1, .ne = { 4 } },
	{ .name = "fc2.weight", .type = OGX_GGML_F32, .n_dims = 2, .ne = { 4, 3 } },
	{ .name = "fc2.bias", .type = OGX_GGML_F32, .n_dims = 1, .ne = { 3 } },
};

static const struct tspec q8_model[] = {
	{ .name = "fc1.weight", .type = OGX_GGML_I8, .n_dims = 2, .ne = { 6, 4 } },
	{ .name = "fc1.bias", .type = OGX_GGML_I32, .n_dims = 1, .ne = { 4 } },
	{ .name = "fc1.weight_scale", .type = OGX_GGML_F32, .n_dims = 1, .ne = { 4 } },
	{ .name = "fc1.requant_mult", .type = OGX_GGML_I32, .n_dims = 1, .ne = { 4 } },
	{ .name = "fc1.requant_shift", .type = OGX_GGML_I32, .n_dims = 1, .ne = { 4 }, .data = ones },
	{ .name = "fc2.weight", .type = OGX_GGML_I8, .n_dims = 2, .ne = { 4, 3 } },
	{ .name = "fc2.bias", .type = OGX_GGML_I32, .n_dims = 1, .ne = { 3 } },
	{ .name = "fc2.weight_scale", .type = OGX_GGML_F32, .n_dims = 1, .ne = { 3 } },
};

static const struct tspec q8_one_layer[] = {
	{ .name = "fc1.weight", .type = OGX_GGML_I8, .n_dims = 2, .ne = { 4, 3 } },
	{ .name = "fc1.bias", .type = OGX_GGML_I32, .n_dims = 1, .ne = { 3 } },
	{ .name = "fc1.weight_scale", .type = OGX_GGML_F32, .n_dims = 1, .ne = { 3 } },
};

#define N_F32 (sizeof(f32_model) / sizeof(f32_model[0]))
#define N_Q8 (sizeof(q8_model) / sizeof(q8_model[0]))

/*
 * Load a model made of the tensors t[0..n) (one of them replaced by *edit,
 * or dropped when edit->name is NULL) with arch (NULL: none), q8's
 * layer_count (< 0: none) and n_scales input scales (< 0: none).
 */
static int try_load(const char *arch, int layers, int n_scales, const struct tspec *t, size_t n,
		    const char *edit_name, const struct tspec *edit, struct ogx_mlp *m)
{
	static const float scales[8] = { 1.0f / 255, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f };
	struct ogx_gguf_writer w;
	struct ogx_gguf *g;
	uint8_t *mem;
	size_t len;
	int err;

	ogx_gguf_writer_init(&w);
	if (arch)
		ogx_gguf_writer_str(&w, "general.architecture", arch);
	if (layers >= 0)
		ogx_gguf_writer_u32(&w, "ogx-mlp-q8.layer_count", (uint32_t)layers);
	if (n_scales >= 0)
		ogx_gguf_writer_array(&w, "ogx-mlp-q8.input_scales", OGX_GGUF_F32, scales,
				      (uint64_t)n_scales);
	for (size_t i = 0; i < n; i++) {
		const struct tspec *s = t + i;

		if (edit_name && !strcmp(edit_name, s->name)) {
			if (!edit->name)
				continue;
			s = edit;
		}
		ogx_gguf_writer_tensor(&w, s->name, s->type, s->n_dims, s->ne,
				       s->data ? s->data : zeros);
	}
	err = ogx_gguf_writer_to_mem(&w, &mem, &len);
	ogx_gguf_writer_free(&w);
	if (err)
		return err;
	err = ogx_gguf_open_mem(mem, len, &g);
	if (!err) {
		err = ogx_mlp_from_gguf(g, m);
		ogx_gguf_close(g);
	}
	free(mem);
	return err;
}

static int load_fails(int ret, int err, const char *msg)
{
	if (ret == err && !strcmp(ogx_errmsg(ret), msg))
		return 1;
	fprintf(stderr, "# got %d '%s', want %d '%s'\n", ret, ogx_errmsg(ret), err, msg);
	return 0;
}

#define F32_EDIT(name, ...) ({ const struct tspec e_ = __VA_ARGS__; \
	try_load("mnist-fc", -1, -1, f32_model, N_F32, name, &e_, &m); })
#define Q8_EDIT(name, ...) ({ const struct tspec e_ = __VA_ARGS__; \
	try_load("ogx-mlp-q8", 2, 2, q8_model, N_Q8, name, &e_, &m); })

TEST(gguf_f32_layout)
{
	struct ogx_mlp m;

	ASSERT_EQ(0, try_load("mnist-fc", -1, -1, f32_model, N_F32, NULL, NULL, &m));
	EXPECT_EQ(OGX_MLP_F32, m.kind);
	EXPECT_EQ(2, m.n_layers);
	EXPECT_EQ(6, m.layer[0].n_in);
	EXPECT_EQ(3, m.layer[1].n_out);
	ogx_mlp_free(&m);

	EXPECT_TRUE(load_fails(try_load(NULL, -1, -1, f32_model, N_F32, NULL, NULL, &m), -ENOENT,
			       "no metadata key 'general.architecture'"));
	EXPECT_TRUE(load_fails(try_load("llama", -1, -1, f32_model, N_F32, NULL, NULL, &m), -EINVAL,
			       "architecture 'llama' is not mnist-fc or ogx-mlp-q8"));
	EXPECT_TRUE(load_fails(try_load("mnist-fc", -1, -1, f32_model, 0, NULL, NULL, &m), -EINVAL,
			       "tensor 'fc1.weight' missing"));
	EXPECT_TRUE(load_fails(F32_EDIT("fc1.bias", { .name = NULL }), -EINVAL,
			       "tensor 'fc1.bias' missing"));
	EXPECT_TRUE(load_fails(F32_EDIT("fc1.bias", { .name = "fc1.bias", .type = OGX_GGML_F32, .n_dims = 1, .ne = { 5 } }),
			       -EINVAL, "tensor 'fc1.bias' has shape [5], want [4]"));
	EXPECT_TRUE(load_fails(F32_EDIT("fc2.weight", { .name = "fc2.weight", .type = OGX_GGML_F32, .n_dims = 2, .ne = { 5, 3 } }),
			       -EINVAL, "tensor 'fc2.weight' has shape [5, 3], want [4, n_out]"));
	EXPECT_TRUE(load_fails(F32_EDIT("fc1.weight", { .name = "fc1.weight", .type = OGX_GGML_I32, .n_dims = 2, .ne = { 6, 4 } }),
			       -EINVAL, "tensor 'fc1.weight' is I32, want F32"));
	EXPECT_TRUE(load_fails(F32_EDIT("fc1.weight", { .name = "fc1.weight", .type = OGX_GGML_F32, .n_dims = 1, .ne = { 24 } }),
			       -EINVAL,
			       "tensor 'fc1.weight' has shape [24], want [n_in, n_out] of 1 to 16384"));
	EXPECT_TRUE(load_fails(F32_EDIT("fc1.weight",
					{ .name = "fc1.weight", .type = OGX_GGML_F32, .n_dims = 3, .ne = { 6, 4, 1 } }), -EINVAL,
			       "tensor 'fc1.weight' has shape [6, 4, 1], want [n_in, n_out] of 1 to 16384"));
	EXPECT_TRUE(load_fails(F32_EDIT("fc2.bias", { .name = "fc2.bias", .type = OGX_GGML_F32, .n_dims = 2, .ne = { 3, 2 } }),
			       -EINVAL, "tensor 'fc2.bias' has shape [3, 2], want [3]"));
}

TEST(gguf_q8_layout)
{
	static const int8_t neg[24] = { 0, 0, 0, 0, 0, -128 };
	static const int32_t shift0[4] = { 0, 1, 1, 1 }, shift63[4] = { 1, 1, 1, 63 };
	static const int32_t mult_neg[4] = { 0, -1 }, big_bias[3] = { -(1 << 30) - 1 };
	struct ogx_mlp m;

	ASSERT_EQ(0, try_load("ogx-mlp-q8", 2, 2, q8_model, N_Q8, NULL, NULL, &m));
	EXPECT_EQ(OGX_MLP_Q8, m.kind);
	EXPECT_EQ(2, m.n_layers);
	EXPECT_EQ(4, m.layer[0].n_out);
	EXPECT_EQ(1.0f / 255, m.layer[0].in_scale);
	EXPECT_EQ(0.05f, m.layer[0].out_scale);
	EXPECT_EQ(0.05f, m.layer[1].in_scale);
	ogx_mlp_free(&m);
	/* One layer: no requantization at all. */
	ASSERT_EQ(0, try_load("ogx-mlp-q8", 1, 1, q8_one_layer, 3, NULL, NULL, &m));
	EXPECT_EQ(1, m.n_layers);
	EXPECT_EQ(4, m.layer[0].n_in);
	ogx_mlp_free(&m);

	EXPECT_TRUE(load_fails(try_load("ogx-mlp-q8", -1, 2, q8_model, N_Q8, NULL, NULL, &m),
			       -ENOENT, "no metadata key 'ogx-mlp-q8.layer_count'"));
	EXPECT_TRUE(load_fails(try_load("ogx-mlp-q8", 9, 2, q8_model, N_Q8, NULL, NULL, &m),
			       -EINVAL, "ogx-mlp-q8.layer_count = 9 (want 1 to 8)"));
	EXPECT_TRUE(load_fails(try_load("ogx-mlp-q8", 3, 3, q8_model, N_Q8, NULL, NULL, &m),
			       -EINVAL, "tensor 'fc3.weight' missing"));
	EXPECT_TRUE(load_fails(try_load("ogx-mlp-q8", 2, -1, q8_model, N_Q8, NULL, NULL, &m),
			       -ENOENT, "no metadata key 'ogx-mlp-q8.input_scales'"));
	EXPECT_TRUE(load_fails(try_load("ogx-mlp-q8", 2, 1, q8_model, N_Q8, NULL, NULL, &m),
			       -EINVAL, "ogx-mlp-q8.input_scales is 1 x f32, want 2 x f32"));
	EXPECT_TRUE(load_fails(Q8_EDIT("fc1.requant_shift", { .name = NULL }), -EINVAL,
			       "tensor 'fc1.requant_shift' missing"));
	EXPECT_TRUE(load_fails(Q8_EDIT("fc2.weight_scale", { .name = NULL }), -EINVAL,
			       "tensor 'fc2.weight_scale' missing"));
	EXPECT_TRUE(load_fails(Q8_EDIT("fc2.bias", { .name = "fc2.bias", .type = OGX_GGML_I32, .n_dims = 1, .ne = { 4 } }),
			       -EINVAL, "tensor 'fc2.bias' has shape [4], want [3]"));
	EXPECT_TRUE(load_fails(Q8_EDIT("fc1.weight", { .name = "fc1.weight", .type = OGX_GGML_F32, .n_dims = 2, .ne = { 6, 4 } }),
			       -EINVAL, "tensor 'fc1.weight' is F32, want I8"));
	EXPECT_TRUE(load_fails(Q8_EDIT("fc1.requant_mult",
				       { .name = "fc1.requant_mult", .type = OGX_GGML_F32, .n_dims = 1, .ne = { 4 } }),
			       -EINVAL, "tensor 'fc1.requant_mult' is F32, want I32"));
	EXPECT_TRUE(load_fails(Q8_EDIT("fc2.weight", { .name = "fc2.weight", .type = OGX_GGML_I8, .n_dims = 2, .ne = { 3, 3 } }),
			       -EINVAL, "tensor 'fc2.weight' has shape [3, 3], want [4, n_out]"));
	/* Values the integer scheme cannot take. */
	EXPECT_TRUE(load_fails(Q8_EDIT("fc1.weight", { .name = "fc1.weight", .type = OGX_GGML_I8, .n_dims = 2, .ne = { 6, 4 }, .data = neg }),
			       -EINVAL, "fc1.weight[5] = -128 (want -127 to 127)"));
	EXPECT_TRUE(load_fails(Q8_EDIT("fc1.requant_shift",
				       { .name = "fc1.requant_shift", .type = OGX_GGML_I32, .n_dims = 1, .ne = { 4 }, .data = shift0 }),
			       -EINVAL, "fc1.requant_shift[0] = 0 (want 1 to 62)"));
	EXPECT_TRUE(load_fails(Q8_EDIT("fc1.requant_shift",
				       { .name = "fc1.requant_shift", .type = OGX_GGML_I32, .n_dims = 1, .ne = { 4 }, .data = shift63 }),
			       -EINVAL, "fc1.requant_shift[3] = 63 (want 1 to 62)"));
	EXPECT_TRUE(load_fails(Q8_EDIT("fc1.requant_mult",
				       { .name = "fc1.requant_mult", .type = OGX_GGML_I32, .n_dims = 1, .ne = { 4 }, .data = mult_neg }),
			       -EINVAL, "fc1.requant_mult[1] = -1 is negative"));
	EXPECT_TRUE(load_fails(Q8_EDIT("fc2.bias", { .name = "fc2.bias", .type = OGX_GGML_I32, .n_dims = 1, .ne = { 3 }, .data = big_bias }),
			       -EINVAL, "fc2.bias[0] = -1073741825 (want |bias| <= 2^30)"));
}

/* ---- the real mnist-fc model (../shared/models) ---- */

FIXTURE(mnist) {
	struct ogx_mlp f;
	struct ogx_idx images, labels;
	char dir[64];
};

FIXTURE_SETUP(mnist)
{
	const char *models = getenv("OGX_MODELS");
	char model[512], images[512], labels[512];

	ASSERT_NE(NULL, models);
	snprintf(model, sizeof(model), "%s/mnist-fc/mnist-fc-f32.gguf", models);
	snprintf(images, sizeof(images), "%s/mnist-fc/t10k-images-idx3-ubyte.gz", models);
	snprintf(labels, sizeof(labels), "%s/mnist-fc/t10k-labels-idx1-ubyte.gz", models);
	ASSERT_EQ(0, ogx_mlp_load(model, &self->f));
	ASSERT_EQ(0, ogx_idx_load_set(images, labels, 10, &self->images, &self->labels));
	strcpy(self->dir, "/tmp/ogx-mlp-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
}

FIXTURE_TEARDOWN(mnist)
{
	char cmd[128];

	ogx_mlp_free(&self->f);
	ogx_idx_free(&self->images);
	ogx_idx_free(&self->labels);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	ASSERT_EQ(0, system(cmd));
}

TEST_F(mnist, f32_accuracy_is_numpys)
{
	size_t correct;

	ASSERT_EQ(OGX_MLP_F32, self->f.kind);
	ASSERT_EQ(2, self->f.n_layers);
	ASSERT_EQ(784, ogx_mlp_n_in(&self->f));
	ASSERT_EQ(500, self->f.layer[0].n_out);
	ASSERT_EQ(10000, self->images.count);
	ASSERT_EQ(0, ogx_mlp_count_correct(&self->f, self->images.data, self->labels.data,
					   self->images.count, &correct));
	EXPECT_EQ(9796, correct);
}

TEST_F(mnist, q8_within_half_a_point)
{
	struct ogx_mlp q, back;
	char path[128];
	size_t correct;
	int32_t a[64 * 10], b[64 * 10];

	/* Calibrated on the test images themselves: mnist-fc ships no training set. */
	ASSERT_EQ(0, ogx_mlp_quantize(&self->f, self->images.data, self->images.count, &q));
	ASSERT_EQ(0, ogx_mlp_count_correct(&q, self->images.data, self->labels.data,
					   self->images.count, &correct));
	fprintf(stderr, "# int8 mnist-fc: %zu of 10000 (f32: 9796)\n", correct);
	EXPECT_GE(correct, 9796 - 50);
	EXPECT_LE(correct, 9796 + 50);
	/* The last layer shares one weight scale, so its logits are comparable. */
	for (uint32_t j = 1; j < 10; j++)
		EXPECT_EQ(q.layer[1].w_scale[0], q.layer[1].w_scale[j]);

	/* Through the file and back: the same integers, the same logits. */
	snprintf(path, sizeof(path), "%s/q8.gguf", self->dir);
	ASSERT_EQ(0, ogx_mlp_save(&q, path));
	ASSERT_EQ(0, ogx_mlp_load(path, &back));
	ASSERT_EQ(OGX_MLP_Q8, back.kind);
	ASSERT_EQ(0, memcmp(q.layer[0].wq, back.layer[0].wq, 784 * 500));
	ASSERT_EQ(0, memcmp(q.layer[0].mult, back.layer[0].mult, 500 * 4));
	ASSERT_EQ(q.layer[0].out_scale, back.layer[0].out_scale);
	ASSERT_EQ(0, ogx_mlp_q8_forward(&q, self->images.data, 64, a));
	ASSERT_EQ(0, ogx_mlp_q8_forward(&back, self->images.data, 64, b));
	ASSERT_EQ(0, memcmp(a, b, sizeof(a)));
	/* Batch size does not change a row's result. */
	for (size_t r = 0; r < 64; r += 9) {
		ASSERT_EQ(0, ogx_mlp_q8_forward(&back, self->images.data + r * 784, 1, b));
		ASSERT_EQ(0, memcmp(a + r * 10, b, 10 * 4));
	}
	ogx_mlp_free(&q);
	ogx_mlp_free(&back);
}

TEST_F(mnist, quantize_errors)
{
	struct ogx_mlp q, qq;
	int err;

	err = ogx_mlp_quantize(&self->f, self->images.data, 0, &q);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("no calibration images", ogx_errmsg(err));
	ASSERT_EQ(0, ogx_mlp_quantize(&self->f, self->images.data, 100, &q));
	err = ogx_mlp_quantize(&q, self->images.data, 100, &qq);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("only an f32 model can be quantized", ogx_errmsg(err));
	ogx_mlp_free(&q);
}

TEST(quantize_three_layers)
{
	const uint32_t dims[] = { 64, 48, 32, 10 };
	const size_t n = 400;
	struct ogx_mlp f, q;
	uint8_t *x = malloc(n * 64);
	unsigned int cf[400], cq[400];
	size_t agree = 0;
	uint64_t s = 11;

	ASSERT_NE(NULL, x);
	ASSERT_EQ(0, ogx_mlp_alloc(&f, OGX_MLP_F32, 3, dims));
	for (unsigned int k = 0; k < 3; k++) {
		for (size_t i = 0; i < (size_t)dims[k] * dims[k + 1]; i++)
			f.layer[k].w[i] = (float)((int)(rng_next(&s) % 2001) - 1000) / 4000;
		for (size_t j = 0; j < dims[k + 1]; j++)
			f.layer[k].b[j] = (float)((int)(rng_next(&s) % 201) - 100) / 500;
	}
	for (size_t i = 0; i < n * 64; i++)
		x[i] = (uint8_t)rng_next(&s);
	/* Calibrate on the first half, compare on all. */
	ASSERT_EQ(0, ogx_mlp_quantize(&f, x, n / 2, &q));
	ASSERT_EQ(3, q.n_layers);
	EXPECT_EQ(1.0f / 255, q.layer[0].in_scale);
	EXPECT_EQ(q.layer[0].out_scale, q.layer[1].in_scale);
	EXPECT_EQ(q.layer[1].out_scale, q.layer[2].in_scale);
	ASSERT_EQ(0, ogx_mlp_classify(&f, x, n, cf));
	ASSERT_EQ(0, ogx_mlp_classify(&q, x, n, cq));
	for (size_t i = 0; i < n; i++)
		agree += cf[i] == cq[i];
	fprintf(stderr, "# 3-layer int8 agrees with f32 on %zu of %zu inputs\n", agree, n);
	EXPECT_GE(agree, n * 95 / 100);
	ogx_mlp_free(&f);
	ogx_mlp_free(&q);
	free(x);
}

/* ---- training (the default model's recipe, on a small slice) ---- */

TEST(train_tiny_model)
{
	struct ogx_idx im, lb, tim, tlb;
	struct ogx_mlp_train_opts o;
	struct ogx_mlp a, b, q, back;
	char dir[64] = "/tmp/ogx-train-XXXXXX", path[128], cmd[128];
	size_t correct;

	ASSERT_EQ(0, ogx_idx_load_set(FASHION "/train-images-idx3-ubyte.gz",
				      FASHION "/train-labels-idx1-ubyte.gz", 10, &im, &lb));
	ASSERT_EQ(0, ogx_idx_load_set(FASHION "/t10k-images-idx3-ubyte.gz",
				      FASHION "/t10k-labels-idx1-ubyte.gz", 10, &tim, &tlb));
	ogx_mlp_train_defaults(&o);
	o.epochs = 1;
	o.hidden = 32;
	o.threads = 1;
	ASSERT_EQ(0, ogx_mlp_train(im.data, lb.data, 6000, 784, 10, &o, &a));
	/* Deterministic whatever the threads: the same weights bit for bit. */
	o.threads = 3;
	ASSERT_EQ(0, ogx_mlp_train(im.data, lb.data, 6000, 784, 10, &o, &b));
	ASSERT_EQ(0, memcmp(a.layer[0].w, b.layer[0].w, 784 * 32 * sizeof(float)));
	ASSERT_EQ(0, memcmp(a.layer[1].b, b.layer[1].b, 10 * sizeof(float)));

	ASSERT_EQ(0, ogx_mlp_quantize(&a, im.data, 1000, &q));
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tiny.gguf", dir);
	ASSERT_EQ(0, ogx_mlp_save(&q, path));
	ASSERT_EQ(0, ogx_mlp_load(path, &back));
	ASSERT_EQ(OGX_MLP_Q8, back.kind);
	ASSERT_EQ(32, back.layer[0].n_out);
	ASSERT_EQ(0, ogx_mlp_count_correct(&back, tim.data, tlb.data, 2000, &correct));
	fprintf(stderr, "# tiny int8 model: %zu of 2000 test images\n", correct);
	EXPECT_GT(correct, 2000 / 2);	/* chance is 1 in 10 */

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ(0, system(cmd));
	ogx_mlp_free(&a);
	ogx_mlp_free(&b);
	ogx_mlp_free(&q);
	ogx_mlp_free(&back);
	ogx_idx_free(&im);
	ogx_idx_free(&lb);
	ogx_idx_free(&tim);
	ogx_idx_free(&tlb);
}

TEST(train_errors)
{
	static const uint8_t x[2 * 4] = { 0 }, bad[2] = { 1, 12 };
	struct ogx_mlp_train_opts o;
	struct ogx_mlp m;
	int err;

	ogx_mlp_train_defaults(&o);
	err = ogx_mlp_train(x, bad, 2, 4, 10, &o, &m);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("label 12 of image 1 is not below 10", ogx_errmsg(err));
	o.hidden = 0;
	err = ogx_mlp_train(x, bad, 1, 4, 10, &o, &m);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("layer width 0 out of range (1 to 16384)", ogx_errmsg(err));
	o.hidden = 8;
	o.epochs = 0;
	err = ogx_mlp_train(x, bad, 1, 4, 10, &o, &m);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("epochs 0, batch 128: want both >= 1, batch <= 65536", ogx_errmsg(err));
}

TEST_HARNESS_MAIN
