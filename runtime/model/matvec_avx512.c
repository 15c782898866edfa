// SPDX-License-Identifier: GPL-2.0
/*
 * AVX-512 (F, BW, VL) + VNNI kernels of the Q8_0 and Q4_0 dot products, the
 * avx512 level's (matvec.c chooses them at run time). They follow the one
 * order of float operations that matvec.c defines for every quantized
 * kernel, so they give the portable and AVX2 kernels' bits
 * (tests/unit/qdot_test.c compares them with memcmp):
 *
 *  - one 512-bit register holds two blocks, lanes 0-7 block k (even) and
 *    8-15 block k + 1 (odd), so that one FMA makes A's step for block k and
 *    B's for block k + 1, each half with its own block's scale;
 *  - VPDPBUSD sums 4 products of unsigned and signed bytes into each int32
 *    lane: the same 4 elements as the AVX2 kernels' maddubs + madd, exactly
 *    (no int16 step, no saturation). For Q8_0, w + 128 (w ^ 0x80) is the
 *    unsigned operand and the 128 * sum(q) that adds is taken back through
 *    the accumulator; for Q4_0 the nibbles are, and 8 * sum(q) is taken
 *    back the same way. Both corrections depend on x only: computed once for
 *    all rows;
 *  - a row with an odd number of blocks ends with its last block in A.
 *
 * What bounds these kernels is vector instructions per byte of weights, not
 * memory: so blocks go in groups of 8, whose 8 F16 scales come out of a few
 * wide loads through word permutes (not 8 scalar loads and inserts), and
 * ROWS rows at a time share x's loads and corrections. One row's FMAs into
 * its accumulator also wait on each other (4 cycles); other rows' fill in.
 *
 * Faster still, on rows repacked 16 at a time (ogx_pack_avx512(), the same
 * number of bytes, made once per matrix: see ogx_matrix_enable_packing()):
 * lane i of every register is row i, so each lane sum of a block is one
 * VPDPBUSD for 16 rows with x's 4 codes broadcast, the A/B accumulators
 * are 16 registers of 16 rows each, and the final sums are vertical adds:
 * about half the instructions per byte of the layout above.
 * Internal to runtime/model; x86-64 only, called after the CPU check.
 */
#include <string.h>

#include "model/matvec_avx2.h"

/* The packed layout (below): rows per group, bytes per group and block. */
#define PACK_ROWS 16
#define Q8_0_PACKED 544		/* 32 + 8 * 64 */
#define Q4_0_PACKED 288		/* 32 + 4 * 64 */
#define PACKED_MAX_BLOCKS 512	/* x up to 16,384 columns: the corrections on the stack */

#if defined(__x86_64__)
#define OGX_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))
#define KERNEL static inline __attribute__((always_inline)) OGX_AVX512
#define ROWS 4		/* rows at a time */

/* Two blocks' scales d_w * d_x, each broadcast over its half of the lanes. */
KERNEL __m512 pair_scale(const uint8_t *b0, const uint8_t *b1, const struct ogx_q8x *x)
{
	__m128 s = _mm_unpacklo_ps(_mm_set_ss(ogx_w_scale(b0) * x[0].d),
				   _mm_set_ss(ogx_w_scale(b1) * x[1].d));

	return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
				     _mm512_castps128_ps512(s));
}

/* Two consecutive blocks' 32 x codes each, block k in the low half. */
KERNEL __m512i pair_x(const struct ogx_q8x *x)
{
	return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)x[0].q)),
				  _mm256_loadu_si256((const __m256i *)x[1].q), 1);
}

/*
 * 16 int32 lane sums of w * q for two Q8_0 blocks. VPDPBUSD multiplies
 * unsigned by signed bytes: w + 128 (w ^ 0x80) is unsigned, and what that
 * adds, 128 * (q0 + .. + q3) per lane, depends on x alone, so it is
 * subtracted through the accumulator, computed once for every row (corr).
 */
KERNEL __m512i q8_0_pair_lanes(const uint8_t *b, __m512i q, __m512i corr)
{
	__m512i w = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(b + 2))),
				       _mm256_loadu_si256((const __m256i *)(b + 36)), 1);

	return _mm512_dpbusd_epi32(corr, _mm512_xor_si512(w, _mm512_set1_epi8((char)0x80)), q);
}

/* -128 * (q[4l] + .. + q[4l + 3]) per lane: what q8_0_pair_lanes() takes back. */
KERNEL __m512i q8_0_corr(__m512i q)
{
	return _mm512_sub_epi32(_mm512_setzero_si512(),
				_mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8((char)0x80), q));
}

/* The same for two Q4_0 blocks: nibbles (elements j and 16 + j of byte j) against q, minus 8 sum q. */
KERNEL __m512i q4_0_pair_lanes(const uint8_t *b, __m512i q, __m512i lane8)
{
	__m256i qs = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(b + 2))),
					     _mm_loadu_si128((const __m128i *)(b + 20)), 1);
	/* 128-bit lanes: block k's bytes, again, block k + 1's, again; the copies shifted by 4 */
	__m512i v = _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 1, 0, 1, 2, 3, 2, 3),
					     _mm512_castsi256_si512(qs));

	v = _mm512_and_si512(_mm512_srlv_epi64(v, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4)),
			     _mm512_set1_epi8(15));
	return _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), v, q), lane8);
}

KERNEL __m512i pair_lane8(const struct ogx_q8x *x)
{
	return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)x[0].lane8)),
				  _mm256_loadu_si256((const __m256i *)x[1].lane8), 1);
}

/* Lanes 8-15 (AVX-512F has no 8 x 32 float extract; DQ does). */
KERNEL __m256 upper(__m512 v)
{
	return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
}

/* A single (even-numbered, last) block's 8 lanes, into A: the AVX2 kernel's step, 256 bits wide. */
KERNEL __m256i q8_0_lanes256(const uint8_t *b, const struct ogx_q8x *x)
{
	__m256i w = _mm256_loadu_si256((const __m256i *)(b + 2));
	__m256i q = _mm256_loadu_si256((const __m256i *)x->q);
	__m256i sq = _mm256_mask_sub_epi8(q, _mm256_movepi8_mask(w), _mm256_setzero_si256(), q);

	return _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(w), sq);
}

KERNEL __m256i q4_0_lanes256(const uint8_t *b, const struct ogx_q8x *x)
{
	__m256i v = ogx_q4_0_nibbles(b + 2);

	return _mm256_sub_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), v,
						    _mm256_loadu_si256((const __m256i *)x->q)),
				_mm256_loadu_si256((const __m256i *)x->lane8));
}

/*
 * One row's 8 consecutive Q8_0 block scales times x's, d_w * d_x as the other
 * kernels compute them: four 64-byte loads at blocks 0, 2, 4, 6 hold the
 * scales at words 0 and 17, and two word permutes gather the eight.
 */
static const uint16_t q8_0_scale_perm[2][32] __attribute__((aligned(64))) = {
	{ 0, 17, 32, 49 },
	{ 0, 0, 0, 0, 0, 17, 32, 49 },
};

KERNEL __m256 scales8(const uint8_t *b, __m256 xd)
{
	__m512i s0 = _mm512_permutex2var_epi16(_mm512_loadu_si512(b), _mm512_load_si512(q8_0_scale_perm[0]),
					       _mm512_loadu_si512(b + 68));
	__m512i s1 = _mm512_permutex2var_epi16(_mm512_loadu_si512(b + 136),
					       _mm512_load_si512(q8_0_scale_perm[1]),
					       _mm512_loadu_si512(b + 204));

	return _mm256_mul_ps(_mm256_cvtph_ps(_mm512_castsi512_si128(_mm512_mask_blend_epi16(0xf0, s0, s1))), xd);
}

KERNEL __m256 xscales8(const struct ogx_q8x *x)
{
	return _mm256_setr_ps(x[0].d, x[1].d, x[2].d, x[3].d, x[4].d, x[5].d, x[6].d, x[7].d);
}

/* Scales 2p and 2p + 1 of 8, each over its half of the lanes. */
KERNEL __m512 pair_of(__m256 c, int p)
{
	return _mm512_permutexvar_ps(_mm512_add_epi32(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
						      _mm512_set1_epi32(2 * p)),
				     _mm512_castps256_ps512(c));
}

/*
 * nr rows (stride bytes apart) against x: groups of 8 blocks, then pairs,
 * then the odd last block into A alone; A + B summed as ogx_hsum256_ps().
 */
KERNEL void q8_0_rows(const uint8_t *row, size_t stride, const struct ogx_q8x *x, uint32_t n,
		      float *out, const uint32_t nr)
{
	__m512 acc[ROWS];
	uint32_t k = 0, nb = n / 32;

#pragma GCC unroll 4
	for (uint32_t r = 0; r < nr; r++)
		acc[r] = _mm512_setzero_ps();
	for (; k + 8 <= nb; k += 8) {
		__m256 xd = xscales8(x + k);
		__m512i q[4], corr[4];

#pragma GCC unroll 4
		for (int p = 0; p < 4; p++) {
			q[p] = pair_x(x + k + 2 * p);
			corr[p] = q8_0_corr(q[p]);
		}
#pragma GCC unroll 4
		for (uint32_t r = 0; r < nr; r++) {
			const uint8_t *b = row + r * stride + (size_t)k * 34;
			__m256 c = scales8(b, xd);

#pragma GCC unroll 4
			for (int p = 0; p < 4; p++)
				acc[r] = _mm512_fmadd_ps(pair_of(c, p),
							 _mm512_cvtepi32_ps(q8_0_pair_lanes(b + 68 * p, q[p], corr[p])),
							 acc[r]);
		}
	}
	for (; k + 2 <= nb; k += 2) {
		__m512i q = pair_x(x + k), corr = q8_0_corr(q);

#pragma GCC unroll 4
		for (uint32_t r = 0; r < nr; r++) {
			const uint8_t *b = row + r * stride + (size_t)k * 34;

			acc[r] = _mm512_fmadd_ps(pair_scale(b, b + 34, x + k),
						 _mm512_cvtepi32_ps(q8_0_pair_lanes(b, q, corr)), acc[r]);
		}
	}
#pragma GCC unroll 4
	for (uint32_t r = 0; r < nr; r++) {
		const uint8_t *b = row + r * stride + (size_t)k * 34;
		__m256 a = _mm512_castps512_ps256(acc[r]);

		if (k < nb)
			a = _mm256_fmadd_ps(_mm256_set1_ps(ogx_w_scale(b) * x[k].d),
					    _mm256_cvtepi32_ps(q8_0_lanes256(b, x + k)), a);
		out[r] = ogx_hsum256_ps(_mm256_add_ps(a, upper(acc[r])));
	}
}

/*
 * Eight Q4_0 blocks are 144 bytes: two 64-byte loads and a 16-byte one. Word
 * indices into two of them (0-31 the first, 32-63 the next; loads 0 and 1
 * for pairs 0 and 1, loads 1 and 2 for pairs 2 and 3): pair p's codes as
 * block 2p's 16 bytes twice then block 2p + 1's twice (the second copy of
 * each is shifted to its high nibbles), and the eight scales (words 9j).
 */
static const uint16_t q4_0_perm[5][32] __attribute__((aligned(64))) = {
	{
		1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
		10, 11, 12, 13, 14, 15, 16, 17, 10, 11, 12, 13, 14, 15, 16, 17,
	},
	{
		19, 20, 21, 22, 23, 24, 25, 26, 19, 20, 21, 22, 23, 24, 25, 26,
		28, 29, 30, 31, 32, 33, 34, 35, 28, 29, 30, 31, 32, 33, 34, 35,
	},
	{
		5, 6, 7, 8, 9, 10, 11, 12, 5, 6, 7, 8, 9, 10, 11, 12,
		14, 15, 16, 17, 18, 19, 20, 21, 14, 15, 16, 17, 18, 19, 20, 21,
	},
	{
		23, 24, 25, 26, 27, 28, 29, 30, 23, 24, 25, 26, 27, 28, 29, 30,
		32, 33, 34, 35, 36, 37, 38, 39, 32, 33, 34, 35, 36, 37, 38, 39,
	},
	{ 0, 9, 18, 27, 36, 45, 54, 63 },
};

KERNEL void q4_0_rows(const uint8_t *row, size_t stride, const struct ogx_q8x *x, uint32_t n,
		      float *out, const uint32_t nr)
{
	const __m512i shift = _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4), low4 = _mm512_set1_epi8(15);
	__m512 acc[ROWS];
	uint32_t k = 0, nb = n / 32;

#pragma GCC unroll 4
	for (uint32_t r = 0; r < nr; r++)
		acc[r] = _mm512_setzero_ps();
	for (; k + 8 <= nb; k += 8) {
		__m256 xd = xscales8(x + k);
		__m512i q[4], nl8[4];

#pragma GCC unroll 4
		for (int p = 0; p < 4; p++) {
			q[p] = pair_x(x + k + 2 * p);
			nl8[p] = _mm512_sub_epi32(_mm512_setzero_si512(), pair_lane8(x + k + 2 * p));
		}
#pragma GCC unroll 4
		for (uint32_t r = 0; r < nr; r++) {
			const uint8_t *b = row + r * stride + (size_t)k * 18;
			__m512i z0 = _mm512_loadu_si512(b), z1 = _mm512_loadu_si512(b + 64);
			__m512i z2 = _mm512_maskz_loadu_epi16(0xff, b + 128);	/* not past the row */
			__m256 c = _mm256_mul_ps(_mm256_cvtph_ps(_mm512_castsi512_si128(
				_mm512_permutex2var_epi16(z0, _mm512_load_si512(q4_0_perm[4]), z1))), xd);

#pragma GCC unroll 4
			for (int p = 0; p < 4; p++) {
				__m512i v = _mm512_permutex2var_epi16(p < 2 ? z0 : z1, _mm512_load_si512(q4_0_perm[p]),
								      p < 2 ? z1 : z2);

				v = _mm512_and_si512(_mm512_srlv_epi64(v, shift), low4);
				/* nibbles x q - 8 sum q, the 8 sum q through the accumulator */
				acc[r] = _mm512_fmadd_ps(pair_of(c, p),
							 _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(nl8[p], v, q[p])),
							 acc[r]);
			}
		}
	}
	for (; k + 2 <= nb; k += 2) {
		__m512i q = pair_x(x + k), lane8 = pair_lane8(x + k);

#pragma GCC unroll 4
		for (uint32_t r = 0; r < nr; r++) {
			const uint8_t *b = row + r * stride + (size_t)k * 18;

			acc[r] = _mm512_fmadd_ps(pair_scale(b, b + 18, x + k),
						 _mm512_cvtepi32_ps(q4_0_pair_lanes(b, q, lane8)), acc[r]);
		}
	}
#pragma GCC unroll 4
	for (uint32_t r = 0; r < nr; r++) {
		const uint8_t *b = row + r * stride + (size_t)k * 18;
		__m256 a = _mm512_castps512_ps256(acc[r]);

		if (k < nb)
			a = _mm256_fmadd_ps(_mm256_set1_ps(ogx_w_scale(b) * x[k].d),
					    _mm256_cvtepi32_ps(q4_0_lanes256(b, x + k)), a);
		out[r] = ogx_hsum256_ps(_mm256_add_ps(a, upper(acc[r])));
	}
}

/*
 * The packed layout (ogx_pack_avx512()): rows in groups of 16, and for each
 * group and block k, the 16 rows' F16 scales (32 bytes) then their codes
 * transposed, dword by dword: Q8_0 8 x 64 bytes, dword l of the 16 rows' w
 * (as w + 128) in the 64 bytes l; Q4_0 4 x 64 bytes of nibble pairs. Lane i
 * of every register is row i of the group, so a register holds one lane sum
 * of 16 rows, and accumulator l of the A and B sets holds A[l] or B[l] of
 * 16 rows: the same FMAs, in the same order, as every other kernel, with no
 * horizontal step: the 16 rows' A + B sums, l and l + 4, l and l + 2, 0 and
 * 1, are vertical adds. x's dword l of block k is a broadcast from memory,
 * the x-only correction of each lane sum a broadcast accumulator.
 */

/*
 * The hardware prefetchers alone leave these kernels well below what plain
 * reads get from the last-level cache (Documentation/benchmarks.md, "AVX-512
 * kernels, sampling and the roofline"): the weights PREFETCH_AHEAD bytes on
 * (a few groups) are asked for now.
 */
#define PREFETCH_AHEAD 8192

KERNEL void prefetch(const uint8_t *p, size_t bytes)
{
	for (size_t off = 0; off < bytes; off += 64)
		_mm_prefetch((const char *)p + PREFETCH_AHEAD + off, _MM_HINT_T0);
}

/* x's codes 4l..4l+3 of a block in every lane: a broadcast load. */
KERNEL __m512i xdword(const struct ogx_q8x *x, int l)
{
	return _mm512_broadcastd_epi32(_mm_loadu_si32(x->q + 4 * l));
}

/* One block's 8 lane sums of 16 rows into acc (A or B of the block's parity). */
KERNEL void q8_0_packed_block(const uint8_t *p, const struct ogx_q8x *x, const int32_t *corr,
			      __m512 *acc)
{
	__m512 c = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)),
				 _mm512_set1_ps(x->d));

	prefetch(p, Q8_0_PACKED);
#pragma GCC unroll 8
	for (int l = 0; l < 8; l++) {
		__m512i sum = _mm512_dpbusd_epi32(_mm512_set1_epi32(corr[l]),
						  _mm512_loadu_si512(p + 32 + 64 * l), xdword(x, l));

		acc[l] = _mm512_fmadd_ps(c, _mm512_cvtepi32_ps(sum), acc[l]);
	}
}

KERNEL void q4_0_packed_block(const uint8_t *p, const struct ogx_q8x *x, const int32_t *corr,
			      __m512 *acc)
{
	__m512 c = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)),
				 _mm512_set1_ps(x->d));
	const __m512i low4 = _mm512_set1_epi8(15);

	prefetch(p, Q4_0_PACKED);
#pragma GCC unroll 4
	for (int j = 0; j < 4; j++) {
		__m512i v = _mm512_loadu_si512(p + 32 + 64 * j);
		__m512i lo = _mm512_dpbusd_epi32(_mm512_set1_epi32(corr[j]), _mm512_and_si512(v, low4),
						 xdword(x, j));
		__m512i hi = _mm512_dpbusd_epi32(_mm512_set1_epi32(corr[4 + j]),
						 _mm512_and_si512(_mm512_srli_epi16(v, 4), low4),
						 xdword(x, 4 + j));

		acc[j] = _mm512_fmadd_ps(c, _mm512_cvtepi32_ps(lo), acc[j]);
		acc[4 + j] = _mm512_fmadd_ps(c, _mm512_cvtepi32_ps(hi), acc[4 + j]);
	}
}

/* Groups g0..g1 of a packed matrix; out[i] for rows r0 <= i < r1 only. */
KERNEL void packed_groups(const uint8_t *packed, const int q4, uint32_t r0, uint32_t r1,
			  const struct ogx_q8x *x, const int32_t *corr, uint32_t nb, float *out)
{
	size_t step = q4 ? Q4_0_PACKED : Q8_0_PACKED;

	for (uint32_t g = r0 / PACK_ROWS; g * PACK_ROWS < r1; g++) {
		const uint8_t *p = packed + (size_t)g * nb * step;
		__m512 a[8], b[8];
		uint32_t k = 0, first = g * PACK_ROWS;
		__mmask16 keep = 0xffff;

#pragma GCC unroll 8
		for (int l = 0; l < 8; l++)
			a[l] = b[l] = _mm512_setzero_ps();
		for (; k + 2 <= nb; k += 2, p += 2 * step) {
			if (q4) {
				q4_0_packed_block(p, x + k, corr + 8 * k, a);
				q4_0_packed_block(p + step, x + k + 1, corr + 8 * k + 8, b);
			} else {
				q8_0_packed_block(p, x + k, corr + 8 * k, a);
				q8_0_packed_block(p + step, x + k + 1, corr + 8 * k + 8, b);
			}
		}
		if (k < nb) {
			if (q4)
				q4_0_packed_block(p, x + k, corr + 8 * k, a);
			else
				q8_0_packed_block(p, x + k, corr + 8 * k, a);
		}
#pragma GCC unroll 8
		for (int l = 0; l < 8; l++)
			a[l] = _mm512_add_ps(a[l], b[l]);
#pragma GCC unroll 4
		for (int l = 0; l < 4; l++)
			a[l] = _mm512_add_ps(a[l], a[l + 4]);
#pragma GCC unroll 2
		for (int l = 0; l < 2; l++)
			a[l] = _mm512_add_ps(a[l], a[l + 2]);
		if (first < r0)
			keep &= (__mmask16)(0xffffu << (r0 - first));
		if (r1 - first < PACK_ROWS)
			keep &= (__mmask16)(0xffffu >> (PACK_ROWS - (r1 - first)));
		_mm512_mask_storeu_ps(out + first, keep, _mm512_add_ps(a[0], a[1]));
	}
}

/*
 * x's correction of each lane sum, for every block: Q8_0 takes w + 128, so
 * -128 * (4 codes of x); Q4_0 takes the nibbles, so -8 * (4 codes of x).
 */
static void packed_corr(const struct ogx_q8x *x, uint32_t nb, int q4, int32_t *corr)
{
	for (uint32_t k = 0; k < nb; k++)
		for (int l = 0; l < 8; l++)
			corr[8 * k + l] = -(q4 ? 1 : 16) * x[k].lane8[l];
}


OGX_AVX512 static void qdot_q8_0_packed(const void *packed, uint32_t r0, uint32_t r1,
					const struct ogx_q8x *x, uint32_t n, float *out)
{
	int32_t corr[PACKED_MAX_BLOCKS * 8];

	packed_corr(x, n / 32, 0, corr);
	packed_groups(packed, 0, r0, r1, x, corr, n / 32, out);
}

OGX_AVX512 static void qdot_q4_0_packed(const void *packed, uint32_t r0, uint32_t r1,
					const struct ogx_q8x *x, uint32_t n, float *out)
{
	int32_t corr[PACKED_MAX_BLOCKS * 8];

	packed_corr(x, n / 32, 1, corr);
	packed_groups(packed, 1, r0, r1, x, corr, n / 32, out);
}

ogx_qdot_packed_fn ogx_qdot_packed_avx512(enum ogx_wtype type)
{
	switch (type) {
	case OGX_WTYPE_Q8_0: return qdot_q8_0_packed;
	case OGX_WTYPE_Q4_0: return qdot_q4_0_packed;
	default: return NULL;
	}
}

/* ROWS rows at a time, then one at a time: a function each, all inlined. */
#define ROWS_DISPATCH(name, kernel)							\
OGX_AVX512 static void name##_1(const void *row, size_t stride, const struct ogx_q8x *x,	\
				uint32_t n, float *out) { kernel(row, stride, x, n, out, 1); }	\
OGX_AVX512 static void name##_n(const void *row, size_t stride, const struct ogx_q8x *x,	\
				uint32_t n, float *out) { kernel(row, stride, x, n, out, ROWS); }	\
static void name(const void *row, size_t stride, const struct ogx_q8x *x, uint32_t n,	\
		 uint32_t nr, float *out)						\
{											\
	for (; nr >= ROWS; nr -= ROWS, row = (const uint8_t *)row + ROWS * stride, out += ROWS) \
		name##_n(row, stride, x, n, out);					\
	for (; nr; nr--, row = (const uint8_t *)row + stride, out++)			\
		name##_1(row, stride, x, n, out);					\
}

ROWS_DISPATCH(qdot_q8_0_rows, q8_0_rows)
ROWS_DISPATCH(qdot_q4_0_rows, q4_0_rows)

ogx_qdot_rows_fn ogx_qdot_rows_avx512(enum ogx_wtype type)
{
	switch (type) {
	case OGX_WTYPE_Q8_0: return qdot_q8_0_rows;
	case OGX_WTYPE_Q4_0: return qdot_q4_0_rows;
	default: return NULL;
	}
}
#else
ogx_qdot_rows_fn ogx_qdot_rows_avx512(enum ogx_wtype type)
{
	(void)type;
	return NULL;
}

ogx_qdot_packed_fn ogx_qdot_packed_avx512(enum ogx_wtype type)
{
	(void)type;
	return NULL;
}
#endif

size_t ogx_pack_bytes_avx512(enum ogx_wtype type, uint32_t rows, uint32_t cols)
{
	size_t groups = (rows + PACK_ROWS - 1) / PACK_ROWS;

	if ((type != OGX_WTYPE_Q8_0 && type != OGX_WTYPE_Q4_0) || cols % 32 ||
	    cols / 32 > PACKED_MAX_BLOCKS || !rows)
		return 0;
	return groups * (cols / 32) * (type == OGX_WTYPE_Q8_0 ? Q8_0_PACKED : Q4_0_PACKED);
}

void ogx_pack_avx512(enum ogx_wtype type, const void *data, uint32_t rows, uint32_t cols,
		     void *out)
{
	const int q4 = type == OGX_WTYPE_Q4_0;
	const size_t bb = q4 ? 18 : 34, step = q4 ? Q4_0_PACKED : Q8_0_PACKED;
	const uint32_t nb = cols / 32, dwords = q4 ? 4 : 8, groups = (rows + PACK_ROWS - 1) / PACK_ROWS;
	/* Q8_0 is stored as w + 128; rows past the end are scale 0, codes of w = 0 */
	const uint32_t flip = q4 ? 0 : 0x80808080u, zero = q4 ? 0x88888888u : 0x80808080u;
	uint8_t *o = out;

	for (uint32_t g = 0; g < groups; g++) {
		for (uint32_t i = 0; i < PACK_ROWS; i++) {
			uint32_t r = g * PACK_ROWS + i;
			const uint8_t *b = (const uint8_t *)data + (size_t)r * nb * bb;
			uint8_t *d = o + (size_t)g * nb * step;

			for (uint32_t k = 0; k < nb; k++, b += bb, d += step) {
				for (uint32_t l = 0; l < dwords; l++) {
					uint32_t v = zero;

					if (r < rows) {
						memcpy(&v, b + 2 + 4 * l, 4);
						v ^= flip;
					}
					memcpy(d + 32 + 64 * l + 4 * i, &v, 4);
				}
				if (r < rows)
					memcpy(d + 2 * i, b, 2);
				else
					memset(d + 2 * i, 0, 2);
			}
		}
	}
}
