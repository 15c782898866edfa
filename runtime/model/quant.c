// SPDX-License-Identifier: GPL-2.0
/*
 * ggml tensor types: their block sizes, f16 conversion, and (de)quantization
 * of Q8_0 and Q4_0 rows, computed exactly as ggml's reference C code does so
 * that a model quantized here or by llama.cpp gives the same floats.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "model/gguf.h"

static const struct {
	uint32_t type;
	const char *name;
	uint32_t block_elems;	/* 0: a ggml type this reader does not accept */
	uint32_t block_bytes;
} types[] = {
	{ OGX_GGML_F32, "F32", 1, 4 },
	{ OGX_GGML_F16, "F16", 1, 2 },
	{ OGX_GGML_Q4_0, "Q4_0", OGX_QK, sizeof(struct ogx_block_q4_0) },
	{ 3, "Q4_1", 0, 0 },
	{ 6, "Q5_0", 0, 0 },
	{ 7, "Q5_1", 0, 0 },
	{ OGX_GGML_Q8_0, "Q8_0", OGX_QK, sizeof(struct ogx_block_q8_0) },
	{ 9, "Q8_1", 0, 0 },
	{ 10, "Q2_K", 0, 0 },
	{ 11, "Q3_K", 0, 0 },
	{ 12, "Q4_K", 0, 0 },
	{ 13, "Q5_K", 0, 0 },
	{ 14, "Q6_K", 0, 0 },
	{ 15, "Q8_K", 0, 0 },
	{ OGX_GGML_I8, "I8", 1, 1 },
	{ OGX_GGML_I16, "I16", 1, 2 },
	{ OGX_GGML_I32, "I32", 1, 4 },
	{ 27, "I64", 0, 0 },
	{ 28, "F64", 0, 0 },
	{ 30, "BF16", 0, 0 },
};

static int type_index(uint32_t type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return (int)i;
	return -1;
}

const char *ogx_ggml_type_name(uint32_t type)
{
	int i = type_index(type);

	return i < 0 ? NULL : types[i].name;
}

uint32_t ogx_ggml_block_elems(uint32_t type)
{
	int i = type_index(type);

	return i < 0 ? 0 : types[i].block_elems;
}

uint32_t ogx_ggml_block_bytes(uint32_t type)
{
	int i = type_index(type);

	return i < 0 ? 0 : types[i].block_bytes;
}

int ogx_ggml_bytes(uint32_t type, uint64_t n, size_t *bytes)
{
	uint32_t be = ogx_ggml_block_elems(type);
	uint64_t b;

	if (!be || n % be)
		return -EINVAL;
	if (__builtin_mul_overflow(n / be, (uint64_t)ogx_ggml_block_bytes(type), &b) ||
	    b > SIZE_MAX)
		return -EOVERFLOW;
	*bytes = (size_t)b;
	return 0;
}

static float from_bits(uint32_t u)
{
	float f;

	memcpy(&f, &u, 4);
	return f;
}

static uint32_t to_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

float ogx_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;

	if (exp == 0) {
		/* zero or subnormal: mant * 2^-24, exact in a float */
		float v = ldexpf((float)mant, -24);

		return from_bits(sign | to_bits(v));
	}
	if (exp == 31)
		return from_bits(sign | 0x7f800000 | (mant << 13));
	return from_bits(sign | ((exp + 112) << 23) | (mant << 13));
}

/* Round-to-nearest-even right shift of m by s (1 <= s <= 31). */
static uint32_t rne_shift(uint32_t m, unsigned int s)
{
	uint32_t r = m >> s, rem = m & ((1u << s) - 1), half = 1u << (s - 1);

	if (rem > half || (rem == half && (r & 1)))
		r++;
	return r;
}

uint16_t ogx_f32_to_f16(float f)
{
	uint32_t x = to_bits(f);
	uint16_t sign = (x >> 16) & 0x8000;
	uint32_t e;

	x &= 0x7fffffff;
	if (x > 0x7f800000)
		return sign | 0x7e00;			/* NaN */
	if (x >= 0x477ff000)
		return sign | 0x7c00;			/* rounds to infinity */
	e = x >> 23;
	if (e < 113) {
		/* f16 subnormal (or zero): round(value * 2^24) */
		if (e < 102)
			return sign;
		return sign | (uint16_t)rne_shift((x & 0x7fffff) | 0x800000, 126 - e);
	}
	/* normal; a carry out of the mantissa correctly bumps the exponent */
	return sign | (uint16_t)rne_shift(((e - 112) << 23) | (x & 0x7fffff), 13);
}

int ogx_dequant_row(uint32_t type, const void *src, float *dst, uint64_t n)
{
	const uint8_t *s = src;

	switch (type) {
	case OGX_GGML_F32:
		memcpy(dst, src, n * 4);
		return 0;
	case OGX_GGML_F16:
		for (uint64_t i = 0; i < n; i++) {
			uint16_t h;

			memcpy(&h, s + 2 * i, 2);
			dst[i] = ogx_f16_to_f32(h);
		}
		return 0;
	case OGX_GGML_Q8_0:
		if (n % OGX_QK)
			return -EINVAL;
		for (uint64_t b = 0; b < n / OGX_QK; b++) {
			struct ogx_block_q8_0 blk;
			float d;

			memcpy(&blk, s + b * sizeof(blk), sizeof(blk));
			d = ogx_f16_to_f32(blk.d);
			for (int j = 0; j < OGX_QK; j++)
				dst[b * OGX_QK + j] = blk.qs[j] * d;
		}
		return 0;
	case OGX_GGML_Q4_0:
		if (n % OGX_QK)
			return -EINVAL;
		for (uint64_t b = 0; b < n / OGX_QK; b++) {
			struct ogx_block_q4_0 blk;
			float d;

			memcpy(&blk, s + b * sizeof(blk), sizeof(blk));
			d = ogx_f16_to_f32(blk.d);
			for (int j = 0; j < OGX_QK / 2; j++) {
				dst[b * OGX_QK + j] = ((blk.qs[j] & 0x0f) - 8) * d;
				dst[b * OGX_QK + j + OGX_QK / 2] = ((blk.qs[j] >> 4) - 8) * d;
			}
		}
		return 0;
	default:
		return -EINVAL;
	}
}

int ogx_gguf_tensor_to_f32(const struct ogx_gguf_tensor *t, float *dst)
{
	return ogx_dequant_row(t->type, t->data, dst, t->n_elements);
}

int ogx_quant_row(uint32_t type, const float *src, void *dst, uint64_t n)
{
	uint8_t *out = dst;

	if (n % OGX_QK)
		return -EINVAL;
	switch (type) {
	case OGX_GGML_Q8_0:
		for (uint64_t b = 0; b < n / OGX_QK; b++) {
			const float *x = src + b * OGX_QK;
			struct ogx_block_q8_0 blk;
			float amax = 0, d, id;

			for (int j = 0; j < OGX_QK; j++)
				amax = fmaxf(amax, fabsf(x[j]));
			d = amax / 127;
			id = d ? 1.0f / d : 0.0f;
			blk.d = ogx_f32_to_f16(d);
			for (int j = 0; j < OGX_QK; j++)
				blk.qs[j] = (int8_t)roundf(x[j] * id);
			memcpy(out + b * sizeof(blk), &blk, sizeof(blk));
		}
		return 0;
	case OGX_GGML_Q4_0:
		for (uint64_t b = 0; b < n / OGX_QK; b++) {
			const float *x = src + b * OGX_QK;
			struct ogx_block_q4_0 blk;
			float amax = 0, max = 0, d, id;

			/* the signed value of largest magnitude maps to -8 */
			for (int j = 0; j < OGX_QK; j++)
				if (amax < fabsf(x[j])) {
					amax = fabsf(x[j]);
					max = x[j];
				}
			d = max / -8;
			id = d ? 1.0f / d : 0.0f;
			blk.d = ogx_f32_to_f16(d);
			for (int j = 0; j < OGX_QK / 2; j++) {
				int lo = (int8_t)(x[j] * id + 8.5f);
				int hi = (int8_t)(x[j + OGX_QK / 2] * id + 8.5f);

				blk.qs[j] = (uint8_t)((lo < 15 ? lo : 15) | (hi < 15 ? hi : 15) << 4);
			}
			memcpy(out + b * sizeof(blk), &blk, sizeof(blk));
		}
		return 0;
	default:
		return -EINVAL;
	}
}
