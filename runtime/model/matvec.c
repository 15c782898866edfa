// SPDX-License-Identifier: GPL-2.0
/*
 * Matrix-vector kernels; see matvec.h. The build has no -march, so the AVX2
 * kernel is compiled with a target attribute and only called after
 * __builtin_cpu_supports() said yes.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

#include "matvec.h"
#include "model/matvec_avx2.h"
#include "model/gguf.h"
#include "util/err.h"
#include "util/pool.h"

typedef float (*dot_fn)(const void *row, const float *x, uint32_t n);
typedef float (*qdot_fn)(const void *row, const struct ogx_q8x *x, uint32_t n);

/* Below this many multiply-adds a job is not worth waking other threads. */
#define PARALLEL_MIN_MACS 16384

static float dot_f32_portable(const void *row, const float *x, uint32_t n)
{
	const float *w = row;
	float sum = 0.0f;

	/* In index order, as llama2.c's matmul: this kernel is the oracle. */
	for (uint32_t i = 0; i < n; i++)
		sum += w[i] * x[i];
	return sum;
}

#if HAVE_X86
__attribute__((target("avx2,fma")))
static float dot_f32_avx2(const void *row, const float *x, uint32_t n)
{
	const float *w = row;
	__m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
	__m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
	__m128 lo;
	uint32_t i = 0;
	float sum;

	/* Four accumulators hide the FMA latency. */
	for (; i + 32 <= n; i += 32) {
		a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
		a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(x + i + 8), a1);
		a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 16), _mm256_loadu_ps(x + i + 16), a2);
		a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 24), _mm256_loadu_ps(x + i + 24), a3);
	}
	for (; i + 8 <= n; i += 8)
		a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
	a0 = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
	lo = _mm_add_ps(_mm256_castps256_ps128(a0), _mm256_extractf128_ps(a0, 1));
	lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
	lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
	sum = _mm_cvtss_f32(lo);
	for (; i < n; i++)
		sum += w[i] * x[i];
	return sum;
}
#endif

static void dequant_f32(const void *row, float *out, uint32_t n)
{
	memcpy(out, row, (size_t)n * sizeof(float));
}

static float dot_f16_portable(const void *row, const float *x, uint32_t n)
{
	const uint8_t *w = row;
	float sum = 0.0f;

	for (uint32_t i = 0; i < n; i++)
		sum += ogx_f16_to_f32((uint16_t)(w[2 * i] | w[2 * i + 1] << 8)) * x[i];
	return sum;
}

/*
 * Q8_0 and Q4_0 rows multiply x quantized to Q8_0 blocks (ogx_quant_x_q8_0),
 * as llama.cpp's CPU backend does: per block exact integer sums, then float
 * multiply-adds with the product of the two scales. The order of those float
 * operations is fixed here, and every kernel (portable, AVX2, AVX-512, the
 * several-vector ones) follows it, so that they all give the same bits:
 *
 *  - block k gives 8 lane sums L_k[l] = sum_{j=4l..4l+3} w_j q_j, exact in
 *    int32 (w_j the weight codes, Q4_0's nibbles minus 8), and the scale
 *    c_k = d_w * d_x, one float multiply;
 *  - even blocks accumulate into A[l] = fma(c_k, (float)L_k[l], A[l]), odd
 *    blocks into B[l] likewise, in block order, each an fmaf (one rounding);
 *  - the row's result is the 8 lanes of A + B summed as lanes_sum() does.
 *
 * That is the order the AVX2 kernels took first (eight int32 lanes per
 * 32-byte block, one FMA per block into two accumulators); fmaf() is C99's
 * fused multiply-add, one rounding on every target, so the portable kernel
 * is that order written out, and the reference the others are tested against
 * with memcmp (tests/unit/qdot_test.c).
 */
static void block_fma(float acc[8], float c, const int32_t lane[8])
{
	for (int l = 0; l < 8; l++)
		acc[l] = fmaf(c, (float)lane[l], acc[l]);
}

/* (A + B) lane by lane, then lanes l and l+4, l and l+2, 0 and 1 (ogx_hsum256_ps). */
static float lanes_sum(const float a[8], const float b[8])
{
	float t[8];

	for (int l = 0; l < 8; l++)
		t[l] = a[l] + b[l];
	for (int l = 0; l < 4; l++)
		t[l] = t[l] + t[l + 4];
	for (int l = 0; l < 2; l++)
		t[l] = t[l] + t[l + 2];
	return t[0] + t[1];
}

static float qdot_q8_0_portable(const void *row, const struct ogx_q8x *x, uint32_t n)
{
	const uint8_t *b = row;
	float acc[2][8] = { { 0 } };

	for (uint32_t k = 0; k < n / 32; k++, b += 34) {
		int32_t lane[8] = { 0 };

		for (uint32_t j = 0; j < 32; j++)
			lane[j / 4] += (int8_t)b[2 + j] * x[k].q[j];
		block_fma(acc[k & 1], ogx_f16_to_f32((uint16_t)(b[0] | b[1] << 8)) * x[k].d, lane);
	}
	return lanes_sum(acc[0], acc[1]);
}

static float qdot_q4_0_portable(const void *row, const struct ogx_q8x *x, uint32_t n)
{
	const uint8_t *b = row;
	float acc[2][8] = { { 0 } };

	for (uint32_t k = 0; k < n / 32; k++, b += 18) {
		int32_t lane[8] = { 0 };

		/* Byte j holds element j (low nibble) and element 16 + j (high). */
		for (uint32_t j = 0; j < 16; j++) {
			lane[j / 4] += ((b[2 + j] & 15) - 8) * x[k].q[j];
			lane[4 + j / 4] += ((b[2 + j] >> 4) - 8) * x[k].q[16 + j];
		}
		block_fma(acc[k & 1], ogx_f16_to_f32((uint16_t)(b[0] | b[1] << 8)) * x[k].d, lane);
	}
	return lanes_sum(acc[0], acc[1]);
}

#if HAVE_X86
OGX_AVX2 static float dot_f16_avx2(const void *row, const float *x, uint32_t n)
{
	const uint8_t *w = row;
	__m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
	uint32_t i = 0;
	float sum;

	for (; i + 16 <= n; i += 16) {
		a0 = _mm256_fmadd_ps(ogx_f16x8(w + 2 * i), _mm256_loadu_ps(x + i), a0);
		a1 = _mm256_fmadd_ps(ogx_f16x8(w + 2 * (i + 8)), _mm256_loadu_ps(x + i + 8), a1);
	}
	for (; i + 8 <= n; i += 8)
		a0 = _mm256_fmadd_ps(ogx_f16x8(w + 2 * i), _mm256_loadu_ps(x + i), a0);
	sum = ogx_hsum256_ps(_mm256_add_ps(a0, a1));
	for (; i < n; i++)
		sum += ogx_f16_to_f32((uint16_t)(w[2 * i] | w[2 * i + 1] << 8)) * x[i];
	return sum;
}

static inline OGX_AVX2 __m256 q8_0_block(const uint8_t *b, const struct ogx_q8x *x)
{
	__m256i w = _mm256_loadu_si256((const __m256i *)(b + 2));

	return ogx_mul_sum_i8(_mm256_sign_epi8(w, w), w, _mm256_loadu_si256((const __m256i *)x->q));
}

OGX_AVX2 static float qdot_q8_0_avx2(const void *row, const struct ogx_q8x *x, uint32_t n)
{
	const uint8_t *b = row;
	__m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
	uint32_t k = 0, nb = n / 32;

	/* Two accumulators: consecutive blocks' FMAs do not wait on each other. */
	for (; k + 2 <= nb; k += 2, b += 68) {
		__m256 s0 = q8_0_block(b, &x[k]), s1 = q8_0_block(b + 34, &x[k + 1]);

		a0 = _mm256_fmadd_ps(_mm256_set1_ps(ogx_w_scale(b) * x[k].d), s0, a0);
		a1 = _mm256_fmadd_ps(_mm256_set1_ps(ogx_w_scale(b + 34) * x[k + 1].d), s1, a1);
	}
	if (k < nb)
		a0 = _mm256_fmadd_ps(_mm256_set1_ps(ogx_w_scale(b) * x[k].d), q8_0_block(b, &x[k]),
				     a0);
	return ogx_hsum256_ps(_mm256_add_ps(a0, a1));
}

OGX_AVX2 static float qdot_q4_0_avx2(const void *row, const struct ogx_q8x *x, uint32_t n)
{
	const uint8_t *b = row;
	__m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
	uint32_t k = 0, nb = n / 32;

	for (; k + 2 <= nb; k += 2, b += 36) {
		__m256 s0 = ogx_q4_0_lanes(ogx_q4_0_nibbles(b + 2), &x[k]);
		__m256 s1 = ogx_q4_0_lanes(ogx_q4_0_nibbles(b + 20), &x[k + 1]);

		a0 = _mm256_fmadd_ps(_mm256_set1_ps(ogx_w_scale(b) * x[k].d), s0, a0);
		a1 = _mm256_fmadd_ps(_mm256_set1_ps(ogx_w_scale(b + 18) * x[k + 1].d), s1, a1);
	}
	if (k < nb)
		a0 = _mm256_fmadd_ps(_mm256_set1_ps(ogx_w_scale(b) * x[k].d),
				     ogx_q4_0_lanes(ogx_q4_0_nibbles(b + 2), &x[k]), a0);
	return ogx_hsum256_ps(_mm256_add_ps(a0, a1));
}
#endif

/* Rows of whole blocks (ogx_llama_check() refuses other matrices): these cannot fail. */
static void dequant_f16(const void *row, float *out, uint32_t n)
{
	ogx_cannot_fail(ogx_dequant_row(OGX_GGML_F16, row, out, n));
}

static void dequant_q8_0(const void *row, float *out, uint32_t n)
{
	ogx_cannot_fail(ogx_dequant_row(OGX_GGML_Q8_0, row, out, n));
}

static void dequant_q4_0(const void *row, float *out, uint32_t n)
{
	ogx_cannot_fail(ogx_dequant_row(OGX_GGML_Q4_0, row, out, n));
}

static const struct wtype_ops {
	const char *name;
	uint32_t block;			/* elements per block (1: unblocked) */
	size_t block_bytes;
	dot_fn dot_portable;
	dot_fn dot_avx2;
	qdot_fn qdot_portable;		/* set instead of dot_*: x as Q8_0 */
	qdot_fn qdot_avx2;
	void (*dequant)(const void *row, float *out, uint32_t n);
} wtypes[] = {
	[OGX_WTYPE_F32] = {
		.name = "F32",
		.block = 1,
		.block_bytes = 4,
		.dot_portable = dot_f32_portable,
#if HAVE_X86
		.dot_avx2 = dot_f32_avx2,
#endif
		.dequant = dequant_f32,
	},
	[OGX_WTYPE_F16] = {
		.name = "F16", .block = 1, .block_bytes = 2,
		.dot_portable = dot_f16_portable, .dequant = dequant_f16,
#if HAVE_X86
		.dot_avx2 = dot_f16_avx2,
#endif
	},
	[OGX_WTYPE_Q4_0] = {
		.name = "Q4_0", .block = 32, .block_bytes = 18,
		.qdot_portable = qdot_q4_0_portable, .dequant = dequant_q4_0,
#if HAVE_X86
		.qdot_avx2 = qdot_q4_0_avx2,
#endif
	},
	[OGX_WTYPE_Q8_0] = {
		.name = "Q8_0", .block = 32, .block_bytes = 34,
		.qdot_portable = qdot_q8_0_portable, .dequant = dequant_q8_0,
#if HAVE_X86
		.qdot_avx2 = qdot_q8_0_avx2,
#endif
	},
};

static const struct wtype_ops *wtype_ops(enum ogx_wtype type)
{
	if ((unsigned int)type >= sizeof(wtypes) / sizeof(wtypes[0]) || !wtypes[type].name)
		return NULL;
	return &wtypes[type];
}

size_t ogx_wtype_row_bytes(enum ogx_wtype type, uint32_t cols)
{
	const struct wtype_ops *ops = wtype_ops(type);

	if (!ops || cols % ops->block)
		return 0;
	return ops->block_bytes * (cols / ops->block);
}

const char *ogx_wtype_name(enum ogx_wtype type)
{
	const struct wtype_ops *ops = wtype_ops(type);

	return ops ? ops->name : "unknown";
}

static enum ogx_cpu_isa active_isa = OGX_ISA_AUTO;

/* AVX2 and FMA, and F16C for the F16 kernel (every AVX2 CPU has it). */
static int cpu_has_avx2(void)
{
#if HAVE_X86
	unsigned int a, b, c, d;

	__builtin_cpu_init();
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_F16C))
		return 0;
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
	return 0;
#endif
}

/* AVX2's set, and AVX-512 F, BW, VL, VNNI (libgcc checks that the OS saves ZMM state). */
static int cpu_has_avx512(void)
{
#if HAVE_X86
	return cpu_has_avx2() && __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
	       __builtin_cpu_supports("avx512vnni");
#else
	return 0;
#endif
}

const char *ogx_cpu_isa_name(enum ogx_cpu_isa isa)
{
	switch (isa) {
	case OGX_ISA_PORTABLE:
		return "portable";
	case OGX_ISA_AVX2:
		return "avx2";
	case OGX_ISA_AVX512:
		return "avx512";
	default:
		return "auto";
	}
}

int ogx_matvec_set_isa(enum ogx_cpu_isa isa)
{
	if (isa == OGX_ISA_AUTO) {
		const char *env = getenv("OGX_CPU_ISA");

		if (env && !strcmp(env, "portable"))
			isa = OGX_ISA_PORTABLE;
		else if (env && !strcmp(env, "avx2"))
			isa = OGX_ISA_AVX2;
		else if (env && !strcmp(env, "avx512"))
			isa = OGX_ISA_AVX512;
		else if (env && *env)
			return ogx_fail(-EINVAL, "OGX_CPU_ISA='%s' is not portable, avx2 or avx512",
					env);
		else
			isa = cpu_has_avx512() ? OGX_ISA_AVX512 :
			      cpu_has_avx2() ? OGX_ISA_AVX2 : OGX_ISA_PORTABLE;
	}
	if (isa == OGX_ISA_AVX2 && !cpu_has_avx2())
		return ogx_fail(-ENOTSUP, "this CPU has no AVX2+FMA+F16C");
	if (isa == OGX_ISA_AVX512 && !cpu_has_avx512())
		return ogx_fail(-ENOTSUP, "this CPU has no AVX-512 F+BW+VL+VNNI");
	if (isa != OGX_ISA_AVX512 && isa != OGX_ISA_AVX2 && isa != OGX_ISA_PORTABLE)
		return -EINVAL;
	active_isa = isa;
	return 0;
}

enum ogx_cpu_isa ogx_matvec_isa(void)
{
	/* A bad OGX_CPU_ISA falls back to portable here; tools report it earlier. */
	if (active_isa == OGX_ISA_AUTO && ogx_matvec_set_isa(OGX_ISA_AUTO))
		active_isa = OGX_ISA_PORTABLE;
	return active_isa;
}

static dot_fn pick_dot(enum ogx_wtype type)
{
	const struct wtype_ops *ops = wtype_ops(type);

	if (ogx_isa_has_avx2(ogx_matvec_isa()) && ops->dot_avx2)
		return ops->dot_avx2;
	return ops->dot_portable;
}

static qdot_fn pick_qdot(enum ogx_wtype type)
{
	const struct wtype_ops *ops = wtype_ops(type);

	if (ogx_isa_has_avx2(ogx_matvec_isa()) && ops->qdot_avx2)
		return ops->qdot_avx2;
	return ops->qdot_portable;
}

static void lane8(struct ogx_q8x *b)
{
	for (int l = 0; l < 8; l++)
		b->lane8[l] = 8 * (b->q[4 * l] + b->q[4 * l + 1] + b->q[4 * l + 2] + b->q[4 * l + 3]);
}

#if HAVE_X86
/*
 * The same bits as ogx_quant_row() for finite x, 8 lanes wide: max|x| and
 * x * (1/d) are the same IEEE operations, and roundf (halves away from zero)
 * is trunc(v) plus sign(v) where |v - trunc(v)| >= 0.5, that difference
 * being exact. Tested against ogx_quant_row() (tests/unit/qdot_test.c).
 */
__attribute__((target("avx2,fma,f16c")))
static void quant_x_avx2(const float *x, struct ogx_q8x *out, uint32_t n)
{
	const __m256 sign = _mm256_set1_ps(-0.0f), half = _mm256_set1_ps(0.5f);
	const __m256 one = _mm256_set1_ps(1.0f);

	for (uint32_t k = 0; k < n / 32; k++, x += 32) {
		__m256 v[4], m;
		__m256i q[4], p;
		__m128 h;
		float amax, d, id;

		for (int i = 0; i < 4; i++)
			v[i] = _mm256_loadu_ps(x + 8 * i);
		m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v[0]), _mm256_andnot_ps(sign, v[1])),
				  _mm256_max_ps(_mm256_andnot_ps(sign, v[2]), _mm256_andnot_ps(sign, v[3])));
		h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
		h = _mm_max_ps(h, _mm_movehl_ps(h, h));
		h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
		amax = _mm_cvtss_f32(h);
		d = amax / 127;
		id = d ? 1.0f / d : 0.0f;
		out[k].d = ogx_f16_to_f32(ogx_f32_to_f16(d));
		for (int i = 0; i < 4; i++) {
			__m256 s = _mm256_mul_ps(v[i], _mm256_set1_ps(id));
			__m256 t = _mm256_round_ps(s, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
			__m256 up = _mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_sub_ps(s, t)), half,
						  _CMP_GE_OQ);

			t = _mm256_add_ps(t, _mm256_and_ps(up, _mm256_or_ps(_mm256_and_ps(s, sign), one)));
			q[i] = _mm256_cvttps_epi32(t);
		}
		/* packs work per 128-bit half: put the dwords back in order */
		p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
		p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
		_mm256_storeu_si256((__m256i *)out[k].q, p);
		/* lane8 as lane8() computes it: 4-sums by maddubs and madd with ones, times 8 */
		_mm256_storeu_si256((__m256i *)out[k].lane8,
				    _mm256_slli_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(
					    _mm256_set1_epi8(1), p), _mm256_set1_epi16(1)), 3));
	}
}
#endif

void ogx_quant_x_q8_0(const float *x, struct ogx_q8x *out, uint32_t n)
{
	struct ogx_block_q8_0 blk;

#if HAVE_X86
	if (ogx_isa_has_avx2(ogx_matvec_isa())) {
		quant_x_avx2(x, out, n);
		return;
	}
#endif
	/* ggml's quantize_row_q8_0_reference, block by block; d kept as F32 of the F16. */
	for (uint32_t k = 0; k < n / 32; k++) {
		ogx_cannot_fail(ogx_quant_row(OGX_GGML_Q8_0, x + 32 * k, &blk, 32));
		out[k].d = ogx_f16_to_f32(blk.d);
		memcpy(out[k].q, blk.qs, 32);
		lane8(&out[k]);
	}
}

/*
 * The quantized inputs live on the stack when small (a generation step: up
 * to 120 blocks, 3840 columns), else in a buffer freed after the product, so
 * no thread (a server's worker included) leaves memory behind when it ends.
 */
#define Q8X_STACK_BLOCKS 120

static struct ogx_q8x *q8x_alloc(size_t blocks, struct ogx_q8x *stack)
{
	struct ogx_q8x *p;

	if (blocks <= Q8X_STACK_BLOCKS)
		return stack;
	p = malloc(blocks * sizeof(*p));
	if (!p) {
		/* No error return here; a few KiB beside a weight matrix. */
		fprintf(stderr, "ogx: out of memory for %zu quantized input blocks\n", blocks);
		abort();
	}
	return p;
}

/* A matrix's repacked rows, made once, under lock, by the first product that wants them. */
struct ogx_packed {
	pthread_mutex_t lock;
	void *rows;		/* NULL until made; 64-byte aligned, in map */
	void *map;		/* the mapping, map_len bytes */
	size_t map_len;
	int failed;		/* no memory for them: never tried again */
};

/*
 * Anonymous memory on 2 MiB boundaries, huge pages asked for: a 16 MiB copy
 * is then a few page faults, not four thousand (each a VM exit here).
 */
#define PACK_ALIGN (2u << 20)

static void *pack_map(struct ogx_packed *p, size_t bytes)
{
	uintptr_t a;

	p->map_len = bytes + PACK_ALIGN;
	p->map = mmap(NULL, p->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->map == MAP_FAILED) {
		p->map = NULL;
		return NULL;
	}
	a = ((uintptr_t)p->map + PACK_ALIGN - 1) & ~(uintptr_t)(PACK_ALIGN - 1);
	madvise((void *)a, bytes, MADV_HUGEPAGE);	/* a hint: without it, 4 KiB pages */
	return (void *)a;
}

int ogx_matrix_enable_packing(struct ogx_matrix *m)
{
	if (m->packed || !ogx_pack_bytes_avx512(m->type, m->rows, m->cols))
		return 0;
	m->packed = calloc(1, sizeof(*m->packed));
	if (!m->packed)
		return -ENOMEM;
	pthread_mutex_init(&m->packed->lock, NULL);
	return 0;
}

void ogx_matrix_free_packing(struct ogx_matrix *m)
{
	if (!m->packed)
		return;
	pthread_mutex_destroy(&m->packed->lock);
	if (m->packed->map)
		munmap(m->packed->map, m->packed->map_len);
	free(m->packed);
	m->packed = NULL;
}

/* m's packed rows for the avx512 kernels, made now if not yet; NULL: use m->data. */
static const void *packed_rows(const struct ogx_matrix *m)
{
	struct ogx_packed *p = m->packed;
	const void *rows;

	if (!p)
		return NULL;
	pthread_mutex_lock(&p->lock);
	if (!p->rows && !p->failed) {
		size_t bytes = ogx_pack_bytes_avx512(m->type, m->rows, m->cols);

		p->rows = pack_map(p, bytes);
		if (p->rows)
			ogx_pack_avx512(m->type, m->data, m->rows, m->cols, p->rows);
		p->failed = !p->rows;
	}
	rows = p->rows;
	pthread_mutex_unlock(&p->lock);
	return rows;
}

#define PACKED_MATRICES 4	/* at most this many of one job's matrices use packed rows */

struct matvec_job {
	unsigned int count;
	const void *packed[PACKED_MATRICES];	/* each matrix's packed rows, or NULL */
	float *const *out;
	const size_t *ldo;		/* NULL when nb == 1 */
	const struct ogx_matrix *const *m;
	const float *x;
	size_t ldx;
	const struct ogx_q8x *xq;	/* x as Q8_0, input b at xq + b * cols / 32 */
	uint32_t nb;
	uint64_t total_rows;
};

/* Part p of n covers rows [total*p/n, total*(p+1)/n) of the stacked matrices. */
static void matvec_part(void *arg, unsigned int part, unsigned int nparts)
{
	const struct matvec_job *job = arg;
	uint64_t begin = job->total_rows * part / nparts;
	uint64_t end = job->total_rows * (part + 1) / nparts;
	uint64_t base = 0;

	for (unsigned int k = 0; k < job->count && begin < end; k++) {
		const struct ogx_matrix *m = job->m[k];
		uint64_t r0, r1;
		size_t stride;
		ogx_qdot_multi_fn qmulti = NULL;
		ogx_dot_multi_fn multi = NULL;
		qdot_fn qdot;
		dot_fn dot;

		if (begin >= base + m->rows) {
			base += m->rows;
			continue;
		}
		r0 = begin - base;
		r1 = end - base < m->rows ? end - base : m->rows;
		stride = ogx_wtype_row_bytes(m->type, m->cols);
		qdot = pick_qdot(m->type);
		dot = qdot ? NULL : pick_dot(m->type);
		if (k < PACKED_MATRICES && job->packed[k]) {
			ogx_qdot_packed_avx512(m->type)(job->packed[k], (uint32_t)r0, (uint32_t)r1,
							job->xq, m->cols, job->out[k]);
			begin = base + r1;
			base += m->rows;
			continue;
		}
		if (job->nb == 1 && ogx_matvec_isa() == OGX_ISA_AVX512) {
			ogx_qdot_rows_fn rows = ogx_qdot_rows_avx512(m->type);

			if (rows) {
				/* Several rows at once: their FMA chains overlap. */
				rows((const uint8_t *)m->data + r0 * stride, stride, job->xq,
				     m->cols, (uint32_t)(r1 - r0), job->out[k] + r0);
				begin = base + r1;
				base += m->rows;
				continue;
			}
		}
		if (job->nb > 1 && ogx_isa_has_avx2(ogx_matvec_isa())) {
			qmulti = ogx_qdot_multi_avx2(m->type);
			multi = ogx_dot_multi_avx2(m->type);
		}
		for (uint64_t r = r0; r < r1; r++) {
			const void *row = (const uint8_t *)m->data + r * stride;
			uint32_t nblk = m->cols / 32;

			/* All inputs against one row while it is in L1. */
			for (uint32_t b = 0; (qmulti || multi) && b < job->nb; b += OGX_MULTI_MAX) {
				uint32_t nv = job->nb - b < OGX_MULTI_MAX ? job->nb - b : OGX_MULTI_MAX;
				float o[OGX_MULTI_MAX];

				if (qmulti)
					qmulti(row, job->xq + (size_t)b * nblk, nblk, m->cols, nv, o);
				else
					multi(row, job->x + b * job->ldx, job->ldx, m->cols, nv, o);
				for (uint32_t v = 0; v < nv; v++)
					job->out[k][b + v ? (b + v) * job->ldo[k] + r : r] = o[v];
			}
			if (qmulti || multi)
				continue;
			if (qdot) {
				job->out[k][r] = qdot(row, job->xq, m->cols);
				for (uint32_t b = 1; b < job->nb; b++)
					job->out[k][b * job->ldo[k] + r] =
						qdot(row, job->xq + b * nblk, m->cols);
			} else {
				job->out[k][r] = dot(row, job->x, m->cols);
				for (uint32_t b = 1; b < job->nb; b++)
					job->out[k][b * job->ldo[k] + r] =
						dot(row, job->x + b * job->ldx, m->cols);
			}
		}
		begin = base + r1;
		base += m->rows;
	}
}

void ogx_matmul_multi(struct ogx_pool *pool, unsigned int count, float *const *out,
		      const size_t *ldo, const struct ogx_matrix *const *m, const float *x,
		      size_t ldx, uint32_t nb)
{
	struct matvec_job job = {
		.count = count, .out = out, .ldo = ldo, .m = m, .x = x, .ldx = ldx, .nb = nb,
	};
	uint64_t macs = 0;
	unsigned int nparts = 1;
	int quantized = 0;
	struct ogx_q8x stack[Q8X_STACK_BLOCKS], *xq = stack;

	for (unsigned int k = 0; k < count; k++) {
		if (nb == 1 && k < PACKED_MATRICES && ogx_matvec_isa() == OGX_ISA_AVX512)
			job.packed[k] = packed_rows(m[k]);
		job.total_rows += m[k]->rows;
		macs += (uint64_t)m[k]->rows * m[k]->cols * nb;
		quantized |= wtype_ops(m[k]->type)->qdot_portable != NULL;
	}
	if (quantized) {
		/* Once, before the rows are split: every thread reads the same blocks. */
		uint32_t nblk = m[0]->cols / 32;

		xq = q8x_alloc((size_t)nblk * nb, stack);
		for (uint32_t b = 0; b < nb; b++)
			ogx_quant_x_q8_0(x + b * ldx, xq + (size_t)b * nblk, m[0]->cols);
		job.xq = xq;
	}
	if (macs >= PARALLEL_MIN_MACS)
		nparts = ogx_pool_threads(pool);
	ogx_pool_run(pool, matvec_part, &job, nparts);
	if (xq != stack)
		free(xq);
}

void ogx_matvec_multi(struct ogx_pool *pool, unsigned int count, float *const *out,
		      const struct ogx_matrix *const *m, const float *x)
{
	ogx_matmul_multi(pool, count, out, NULL, m, x, 0, 1);
}

void ogx_matvec(struct ogx_pool *pool, float *out, const struct ogx_matrix *m, const float *x)
{
	ogx_matvec_multi(pool, 1, &out, &m, x);
}

void ogx_matrix_row(const struct ogx_matrix *m, uint32_t r, float *out)
{
	const struct wtype_ops *ops = wtype_ops(m->type);
	size_t stride = ogx_wtype_row_bytes(m->type, m->cols);

	ops->dequant((const uint8_t *)m->data + (size_t)r * stride, out, m->cols);
}
