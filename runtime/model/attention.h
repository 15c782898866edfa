/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attention of one query head over the KV cache: scores q.k_t / sqrt(hs)
 * for t = 0..npos-1, softmax, then out = sum_t att[t] * v_t. The portable
 * kernel is llama2.c's loop, operation for operation. The AVX2 kernel (for
 * head sizes that are a multiple of 8, chosen with the matvec ISA) scores
 * eight positions at once, takes exponentials with an 8-lane polynomial
 * (about 2 ulp from expf) and divides by the softmax sum once per output:
 * it moves results by rounding only (OGX_LLAMA_LOGIT_TOLERANCE end to end).
 */
#ifndef OGX_MODEL_ATTENTION_H
#define OGX_MODEL_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

/*
 * q: hs floats. k, v: npos rows of hs floats, stride floats apart (the
 * cache rows of this head's KV group). att: npos floats of scratch.
 */
void ogx_attention_head(const float *q, const float *k, const float *v, size_t stride,
			uint32_t hs, uint32_t npos, float *att, float *out);

#endif
