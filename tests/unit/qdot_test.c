// SPDX-License-Identifier: GPL-2.0
/*
 * Q8_0/Q4_0 matrices times a Q8_0-quantized input (runtime/model/matvec.c):
 * the activation quantizer on hand-computed blocks, the portable and AVX2
 * integer block dots against an exact reference, thread independence, and
 * how far a quantized synthetic model's logits move from its F32 model's.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "model/gguf.h"
#include "model/llama.h"
#include "model/llama_gguf.h"
#include "model/llama_synth.h"
#include "model/matvec.h"
#include "util/err.h"
#include "util/pool.h"

static int cpu_has_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/*
 * Block 0: largest |x| 127, so d = 1 (exact in F16) and q = roundf(x):
 * halves round away from zero. Block 1: all zero. Block 2: largest |x| is
 * negative and not a multiple of anything: it still maps to exactly -127.
 */
static void hand_blocks(struct __test_metadata *_metadata);

/* Under each ISA: the quantizer has a portable and an AVX2 version. */
TEST(quant_x_hand_blocks)
{
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_PORTABLE));
	hand_blocks(_metadata);
	if (cpu_has_avx2()) {
		ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AVX2));
		hand_blocks(_metadata);
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

static void hand_blocks(struct __test_metadata *_metadata)
{
	float x[96] = { 0 };
	struct ogx_q8x q[3];
	static const float b0[8] = { 127, 2.5f, -2.5f, 0.49f, -0.5f, 126.5f, -126.49f, 1.5f };
	static const int8_t e0[8] = { 127, 3, -3, 0, -1, 127, -126, 2 };

	memcpy(x, b0, sizeof(b0));
	x[64] = -3.3f;
	x[65] = 1.1f;
	x[66] = 3.29f;
	x[67] = 0.0125f;
	ogx_quant_x_q8_0(x, q, 96);
	EXPECT_EQ(1.0f, q[0].d);
	for (int j = 0; j < 8; j++) {
		EXPECT_EQ(e0[j], q[0].q[j]) TH_LOG("element %d", j);
	}
	for (int j = 8; j < 32; j++)
		EXPECT_EQ(0, q[0].q[j]);
	EXPECT_EQ(0.0f, q[1].d);
	for (int j = 0; j < 32; j++)
		EXPECT_EQ(0, q[1].q[j]);
	/* d = 3.3/127 = 0.025984... -> F16 0.0259857177734375 (0x26a7). */
	EXPECT_EQ(0.0259857177734375f, q[2].d);
	EXPECT_EQ(-127, q[2].q[0]);
	EXPECT_EQ(42, q[2].q[1]);	/* 1.1 * 127 / 3.3 = 42.33 */
	EXPECT_EQ(127, q[2].q[2]);	/* 126.6 rounds up to the same code as the max */
	EXPECT_EQ(0, q[2].q[3]);	/* 0.48 */
}

/* Largest |x| of any size maps to exactly +-127 (1/d from the unrounded d). */
TEST(quant_x_max_is_127)
{
	float x[32] = { 0 };
	struct ogx_q8x q;
	uint64_t s = 5;

	for (int i = 0; i < 2000; i++) {
		float m = ldexpf((float)(lcg(&s) % 1000000 + 1), (int)(lcg(&s) % 40) - 40);

		memset(x, 0, sizeof(x));
		x[i % 32] = (i & 1) ? m : -m;
		x[(i + 7) % 32] = m / 3;
		ogx_quant_x_q8_0(x, &q, 32);
		ASSERT_EQ((i & 1) ? 127 : -127, q.q[i % 32]) TH_LOG("max %g", m);
		ASSERT_EQ(ogx_f16_to_f32(ogx_f32_to_f16(m / 127)), q.d);
	}
}

/*
 * Both quantizers (portable: ogx_quant_row() itself; AVX2: 8 lanes) give
 * ggml's reference bytes, on random x with exact halves (x * (1/d) = k + 0.5)
 * and ties, zeros and negative zeros mixed in; lane8 is 8 * each 4-sum.
 */
TEST(quant_x_isas_equal_reference)
{
	enum { N = 4096 };
	static float x[N];
	static struct ogx_q8x q[N / 32];
	static struct ogx_block_q8_0 ref[N / 32];
	enum ogx_cpu_isa isas[2] = { OGX_ISA_PORTABLE, OGX_ISA_AVX2 };
	uint64_t s = 11;

	for (uint32_t i = 0; i < N; i++) {
		uint32_t k = i / 32, r = lcg(&s) % 8;

		if (k % 4 == 1)	/* max 127: d = 1, halves exact */
			x[i] = i % 32 == 0 ? 127.0f : (float)((int)(lcg(&s) % 254) - 127) / 2;
		else if (r == 0)
			x[i] = (i & 1) ? -0.0f : 0.0f;
		else
			x[i] = ((float)lcg(&s) / 1073741824.0f - 1.0f) * (float)(1 + k % 7) * 0.3f;
	}
	ASSERT_EQ(0, ogx_quant_row(OGX_GGML_Q8_0, x, ref, N));
	for (int a = 0; a < 2; a++) {
		if (isas[a] == OGX_ISA_AVX2 && !cpu_has_avx2())
			continue;
		ASSERT_EQ(0, ogx_matvec_set_isa(isas[a]));
		memset(q, 0x55, sizeof(q));
		ogx_quant_x_q8_0(x, q, N);
		for (uint32_t k = 0; k < N / 32; k++) {
			ASSERT_EQ(ogx_f16_to_f32(ref[k].d), q[k].d) TH_LOG("%s block %u", ogx_cpu_isa_name(isas[a]), k);
			ASSERT_EQ(0, memcmp(ref[k].qs, q[k].q, 32)) TH_LOG("%s block %u", ogx_cpu_isa_name(isas[a]), k);
			for (int l = 0; l < 8; l++)
				ASSERT_EQ(8 * (q[k].q[4 * l] + q[k].q[4 * l + 1] + q[k].q[4 * l + 2] +
					       q[k].q[4 * l + 3]), q[k].lane8[l]);
		}
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

/* Exact: sum over blocks of d_w * d_x * (integer dot), in double; mag: same with |.|. */
static void reference(const uint8_t *row, int q4, const struct ogx_q8x *xq, uint32_t n,
		      double *ref, double *mag)
{
	size_t bb = q4 ? 18 : 34;

	*ref = *mag = 0;
	for (uint32_t k = 0; k < n / 32; k++) {
		const uint8_t *b = row + k * bb;
		double d = (double)ogx_f16_to_f32((uint16_t)(b[0] | b[1] << 8)) * xq[k].d;
		int64_t s = 0, a = 0;

		for (int j = 0; j < 32; j++) {
			int w = q4 ? ((b[2 + j % 16] >> (j < 16 ? 0 : 4)) & 15) - 8 : (int8_t)b[2 + j];

			s += w * xq[k].q[j];
			a += abs(w * xq[k].q[j]);
		}
		*ref += d * (double)s;
		*mag += fabs(d) * (double)a;
	}
}

/* Random weight bytes (Q8_0 codes over the whole int8 range, -128 included). */
static void random_rows(uint8_t *q, int q4, uint32_t rows, uint32_t n, uint64_t *s)
{
	size_t bb = q4 ? 18 : 34;

	for (size_t k = 0; k < (size_t)rows * n / 32; k++) {
		uint16_t d = ogx_f32_to_f16(((float)lcg(s) / 2147483648.0f + 0.01f) *
					    ((lcg(s) & 1) ? 0.05f : -0.05f));

		memcpy(q + k * bb, &d, 2);
		for (size_t j = 2; j < bb; j++)
			q[k * bb + j] = (uint8_t)lcg(s);
	}
}

/* The kernel levels this CPU has, portable first (the reference). */
static int levels(struct __test_metadata *_metadata, enum ogx_cpu_isa *out)
{
	static const enum ogx_cpu_isa all[] = { OGX_ISA_PORTABLE, OGX_ISA_AVX2, OGX_ISA_AVX512 };
	int n = 0;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!ogx_matvec_set_isa(all[i]))
			out[n++] = all[i];
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
	return n;
}

/* avx512 has a second kernel, on rows packed 16 at a time: one more level to test. */
static int has_packing(const enum ogx_cpu_isa *isa, int nl)
{
	return nl && isa[nl - 1] == OGX_ISA_AVX512;
}

static const char *level_name(const enum ogx_cpu_isa *isa, int nl, int a)
{
	return a < nl ? ogx_cpu_isa_name(isa[a]) : "avx512 packed";
}

/*
 * The portable kernel is within the stated tolerance of the exact sum, and
 * every other kernel level gives its bits (matvec.c: one order of float
 * operations for all), one row at a time and in groups of rows.
 */
TEST(integer_dots_agree_on_every_width)
{
	static const uint32_t widths[] = { 32, 64, 96, 128, 160, 288, 768, 1024, 2048, 4096 };
	enum { ROWS = 37 };	/* two groups of 16 and part of one, for the packed kernels */
	static uint8_t q[ROWS * 4096 / 32 * 34];
	static float x[4096], out[4][ROWS];
	static struct ogx_q8x xq[4096 / 32];
	enum ogx_cpu_isa isa[3];
	int nl = levels(_metadata, isa), packs = has_packing(isa, nl);
	uint64_t s = 31;

	for (int q4 = 0; q4 < 2; q4++) {
		for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
			uint32_t n = widths[w];
			struct ogx_matrix m = { q4 ? OGX_WTYPE_Q4_0 : OGX_WTYPE_Q8_0, ROWS, n, q, NULL };

			random_rows(q, q4, ROWS, n, &s);
			for (uint32_t i = 0; i < n; i++)
				x[i] = ((float)lcg(&s) / 1073741824.0f - 1.0f) * (1 + i % 5);
			if (n >= 64)
				memset(x + 32, 0, 32 * sizeof(float));	/* an all-zero block */
			ogx_quant_x_q8_0(x, xq, n);
			for (int a = 0; a < nl + packs; a++) {
				ASSERT_EQ(0, ogx_matvec_set_isa(a < nl ? isa[a] : OGX_ISA_AVX512));
				if (a == nl)
					ASSERT_EQ(0, ogx_matrix_enable_packing(&m));
				ogx_matvec(NULL, out[a], &m, x);
				if (a)
					EXPECT_EQ(0, memcmp(out[0], out[a], sizeof(out[0])))
						TH_LOG("%s n %u: %s differs from portable",
						       ogx_wtype_name(m.type), n, level_name(isa, nl, a));
			}
			ogx_matrix_free_packing(&m);
			for (uint32_t r = 0; r < ROWS; r++) {
				const uint8_t *row = q + r * ogx_wtype_row_bytes(m.type, n);
				double ref, mag;

				reference(row, q4, xq, n, &ref, &mag);
				EXPECT_LE(fabs(out[0][r] - ref), OGX_MATVEC_TOLERANCE * mag)
					TH_LOG("%s n %u row %u: %.9g vs %.9g", ogx_wtype_name(m.type),
					       n, r, out[0][r], ref);
			}
		}
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
}

/*
 * Edge blocks, every level against portable with memcmp: weight codes at the
 * ends of their range (Q8_0 -128 and 127, whose |w| is 128 for the unsigned
 * operand; Q4_0 nibbles 0 and 15), x codes at +-127, scales that are F16
 * subnormals, the largest F16, zero and negative zero, and mixes of all of
 * these, on odd and even block counts, single products and batches of 1..6
 * inputs (the several-vector kernels), on 1 and 2 threads.
 */
TEST(every_level_gives_the_portable_bits_on_edge_blocks)
{
	static const uint16_t scales[] = { 0x0001, 0x03ff, 0x7bff, 0xfbff, 0x0000, 0x8000, 0x3c00,
					   0xbc00, 0x2e66 };
	static const uint32_t widths[] = { 32, 64, 96, 288, 800 };
	enum { ROWS = 9, N = 800, B = 6 };
	static uint8_t q[ROWS * N / 32 * 34];
	static float x[B * N], out[4][B * ROWS];
	enum ogx_cpu_isa isa[3];
	int nl = levels(_metadata, isa), packs = has_packing(isa, nl);
	struct ogx_pool *pool;
	uint64_t s = 5;

	ASSERT_EQ(0, ogx_pool_create(&pool, 2));
	for (int round = 0; round < 40; round++) {
		int q4 = round & 1, kind = round / 2 % 5;
		uint32_t n = widths[round / 10 % 5];
		size_t bb = q4 ? 18 : 34, ldo = ROWS;
		struct ogx_matrix m = { q4 ? OGX_WTYPE_Q4_0 : OGX_WTYPE_Q8_0, ROWS, n, q, NULL };
		const struct ogx_matrix *mp = &m;

		for (size_t k = 0; k < (size_t)ROWS * n / 32; k++) {
			uint16_t d = scales[lcg(&s) % (sizeof(scales) / sizeof(scales[0]))];
			uint8_t code = kind == 0 ? 0x80 : kind == 1 ? 0x7f : kind == 2 ? 0x00 :
				       kind == 3 ? 0xff : 0;

			memcpy(q + k * bb, &d, 2);
			for (size_t j = 2; j < bb; j++)
				q[k * bb + j] = kind == 4 ? (uint8_t)lcg(&s) :
						(lcg(&s) % 4 ? code : (uint8_t)lcg(&s));
		}
		for (uint32_t i = 0; i < B * n; i++) {
			uint32_t r = lcg(&s) % 8;

			/* max |x| of each block at +-127 exactly, other codes anywhere */
			x[i] = r < 3 ? (r & 1 ? 1.0f : -1.0f) * 3.5f : ((float)lcg(&s) / 2147483648.0f - 0.5f) * 7;
		}
		for (int a = 0; a < nl + packs; a++) {
			float *o = out[a];

			ASSERT_EQ(0, ogx_matvec_set_isa(a < nl ? isa[a] : OGX_ISA_AVX512));
			if (a == nl)
				ASSERT_EQ(0, ogx_matrix_enable_packing(&m));
			for (uint32_t b = 0; b < B; b++)
				ogx_matvec(round & 2 ? pool : NULL, out[a] + b * ROWS, &m, x + b * n);
			if (a)
				ASSERT_EQ(0, memcmp(out[0], out[a], sizeof(out[0])))
					TH_LOG("%s n %u kind %d: %s differs from portable",
					       ogx_wtype_name(m.type), n, kind, level_name(isa, nl, a));
			for (uint32_t nb = 1; nb <= B; nb++) {
				static float batch[B * ROWS];

				ogx_matmul_multi(round & 2 ? NULL : pool, 1, (float *[]){ batch }, &ldo, &mp,
						 x, n, nb);
				ASSERT_EQ(0, memcmp(o, batch, nb * ROWS * sizeof(float)))
					TH_LOG("%s n %u kind %d: %s batch of %u",
					       ogx_wtype_name(m.type), n, kind, level_name(isa, nl, a), nb);
			}
		}
		ogx_matrix_free_packing(&m);
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
	ogx_pool_destroy(pool);
}

/*
 * x is quantized once, before the rows are split: same bits on 1 or 2
 * threads; a batch of 8 inputs (quantized x on the heap, not the stack)
 * gives each input's single product bit for bit.
 */
TEST(threads_give_identical_results)
{
	enum { ROWS = 300, N = 768, B = 8 };
	static uint8_t q[ROWS * N / 32 * 34];
	static float x[B * N], out[2][B * ROWS];
	struct ogx_pool *pool;
	uint64_t s = 77;

	ASSERT_EQ(0, ogx_pool_create(&pool, 2));
	for (uint32_t i = 0; i < B * N; i++)
		x[i] = (float)lcg(&s) / 1073741824.0f - 1.0f;
	for (int q4 = 0; q4 < 2; q4++) {
		struct ogx_matrix m = { q4 ? OGX_WTYPE_Q4_0 : OGX_WTYPE_Q8_0, ROWS, N, q, NULL };
		const struct ogx_matrix *mp = &m;
		size_t ldo = ROWS;
		float *o0 = out[0], *o1 = out[1];

		random_rows(q, q4, ROWS, N, &s);
		ogx_matmul_multi(NULL, 1, &o0, &ldo, &mp, x, N, B);
		ogx_matmul_multi(pool, 1, &o1, &ldo, &mp, x, N, B);
		EXPECT_EQ(0, memcmp(out[0], out[1], sizeof(out[0])));
		/* and each input of the batch as a single product, packed rows too (split mid-group) */
		ASSERT_EQ(0, ogx_matrix_enable_packing(&m));
		for (int b = 0; b < B; b++) {
			ogx_matvec(pool, out[1], &m, x + b * N);
			EXPECT_EQ(0, memcmp(out[0] + b * ROWS, out[1], ROWS * sizeof(float)));
		}
		ogx_matrix_free_packing(&m);
	}
	ogx_pool_destroy(pool);
}

/*
 * A synthetic model of stories260K's shape, F32 and converted to Q8_0 and
 * Q4_0 (ffn_down, rows of 172, stays F32): teacher-forced on the F32 model's
 * greedy tokens, the quantized logits stay within a stated distance of the
 * F32 logits, relative to the largest |logit|. Measured (seed 3, 24 steps):
 * Q8_0 0.025 and Q4_0 0.33 -- random weights give small, flat logits, so
 * quantization error is large relative to them; the bounds are twice that,
 * still well below the ~1 a wrong block, nibble order or scale gives.
 */
#define STEPS 24

static float *logits(struct __test_metadata *_metadata, const struct ogx_llama_weights *w,
		     const uint32_t *toks)
{
	uint32_t v = w->cfg.vocab_size;
	float *out = malloc(sizeof(float) * v * STEPS);
	struct ogx_llama m;

	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, ogx_llama_init(&m, w, 1));
	for (uint32_t p = 0; p < STEPS; p++)
		memcpy(out + p * v, ogx_llama_forward(&m, toks[p], p, 1), sizeof(float) * v);
	ogx_llama_fini(&m);
	return out;
}

TEST(quantized_model_logits_near_f32)
{
	static const enum ogx_wtype types[] = { OGX_WTYPE_Q8_0, OGX_WTYPE_Q4_0 };
	static const double bound[] = { 0.05, 0.66 };
	char tmp[] = "/tmp/ogx-qdot-XXXXXX";
	struct ogx_llama_weights w;
	uint32_t toks[STEPS + 1] = { 1 }, v;
	float *ref;
	int fd = mkstemp(tmp);

	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_EQ(0, ogx_llama_synth(&ogx_llama_shape_260k, 3, &w));
	v = w.cfg.vocab_size;
	{
		struct ogx_llama m;

		ASSERT_EQ(0, ogx_llama_init(&m, &w, 1));
		for (uint32_t p = 0; p < STEPS; p++) {
			const float *l = ogx_llama_forward(&m, toks[p], p, 1);
			uint32_t best = 0;

			for (uint32_t i = 1; i < v; i++)
				best = l[i] > l[best] ? i : best;
			toks[p + 1] = best;
		}
		ogx_llama_fini(&m);
	}
	ref = logits(_metadata, &w, toks);
	for (int t = 0; t < 2; t++) {
		struct ogx_llama_gguf g;
		double d = 0, mag = 0;
		float *l;

		ASSERT_EQ(0, ogx_llama_gguf_save(&w, NULL, types[t], "t", tmp, NULL));
		ASSERT_EQ(0, ogx_llama_gguf_open(&g, tmp));
		l = logits(_metadata, &g.w, toks);
		for (size_t i = 0; i < (size_t)v * STEPS; i++) {
			d = fmax(d, fabs((double)l[i] - ref[i]));
			mag = fmax(mag, fabs((double)ref[i]));
		}
		TH_LOG("%s: max |logit - F32 logit| / max |F32 logit| = %.3g",
		       ogx_wtype_name(types[t]), d / mag);
		EXPECT_LE(d / mag, bound[t]);
		EXPECT_LT(0, d);	/* really the quantized weights */
		free(l);
		ogx_llama_gguf_close(&g);
	}
	free(ref);
	unlink(tmp);
	ogx_llama_synth_free(&w);
}

/*
 * A quantized model's logits, bit for bit, at the AVX2 and AVX-512 levels:
 * the levels differ only in the Q8_0/Q4_0 kernels, which give the same bits
 * (the F32 rows and attention are AVX2's at both; against the portable level
 * those differ by rounding, see llama_test.c).
 */
TEST(quantized_model_logits_equal_at_avx2_and_avx512)
{
	static const enum ogx_wtype types[] = { OGX_WTYPE_Q8_0, OGX_WTYPE_Q4_0 };
	char tmp[] = "/tmp/ogx-qdot-XXXXXX";
	struct ogx_llama_weights w;
	uint32_t toks[STEPS + 1];
	int fd;

	if (ogx_matvec_set_isa(OGX_ISA_AVX512))
		SKIP(return, "this CPU has no AVX-512 F+BW+VL+VNNI");
	fd = mkstemp(tmp);
	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_EQ(0, ogx_llama_synth(&ogx_llama_shape_260k, 4, &w));
	for (uint32_t p = 0; p <= STEPS; p++)
		toks[p] = (p * 37 + 1) % w.cfg.vocab_size;
	for (int t = 0; t < 2; t++) {
		struct ogx_llama_gguf g;
		float *l[2];

		ASSERT_EQ(0, ogx_llama_gguf_save(&w, NULL, types[t], "t", tmp, NULL));
		ASSERT_EQ(0, ogx_llama_gguf_open(&g, tmp));
		for (int a = 0; a < 2; a++) {
			ASSERT_EQ(0, ogx_matvec_set_isa(a ? OGX_ISA_AVX512 : OGX_ISA_AVX2));
			l[a] = logits(_metadata, &g.w, toks);
		}
		EXPECT_EQ(0, memcmp(l[0], l[1], sizeof(float) * w.cfg.vocab_size * STEPS))
			TH_LOG("%s: avx512 logits differ from avx2", ogx_wtype_name(types[t]));
		free(l[0]);
		free(l[1]);
		ogx_llama_gguf_close(&g);
	}
	ASSERT_EQ(0, ogx_matvec_set_isa(OGX_ISA_AUTO));
	unlink(tmp);
	ogx_llama_synth_free(&w);
}

TEST_HARNESS_MAIN
