// Causal self-attention of one token over the KV cache, one workgroup per
// query head: scores q.k_t / sqrt(HEAD) for t = 0..pos, softmax, then the
// weighted sum of v_t. Grouped-query heads share a KV head (HEADS/KV_HEADS
// query heads each). The caches are [SEQ][KV_HEADS * HEAD] floats.
// BATCH: workgroup (h, t) is token t of a prompt batch at position
// params[0] + t, q and out being [t][HEADS * HEAD]; tokens >= params[1] idle.
// push.row: q and out are row push.row of [n][HEADS * HEAD] (the joint step
// of several sequences, one dispatch per sequence over its own cache: its
// cache and position are bound, not looked up, so the step stays one
// recorded program and this shader the one that steps a sequence alone).
#version 450
#include "common.glsl"

layout(local_size_x = 64) in;

layout(constant_id = 0) const uint HEADS = 8;
layout(constant_id = 1) const uint KV_HEADS = 8;
layout(constant_id = 2) const uint HEAD = 8;
layout(constant_id = 3) const uint SEQ = 512;
layout(constant_id = 4) const uint BATCH = 0;

layout(std430, binding = 0) readonly buffer Qbuf { float q[]; };
layout(std430, binding = 1) readonly buffer Kbuf { float kc[]; };
layout(std430, binding = 2) readonly buffer Vbuf { float vc[]; };
layout(std430, binding = 3) writeonly buffer Obuf { float o[]; };
layout(std430, binding = 4) readonly buffer Pbuf { uint params[]; };

layout(push_constant) uniform Push { uint row; } push;

shared float att[SEQ];
shared float red[64];

void main()
{
	const uint KVDIM = KV_HEADS * HEAD;
	uint tid = gl_LocalInvocationID.x;
	uint h = gl_WorkGroupID.x, t0 = BATCH != 0 ? gl_WorkGroupID.y : 0;
	uint kvh = h / (HEADS / KV_HEADS);
	uint n = min(params[0] + t0 + 1, SEQ);
	uint qo = (t0 + push.row) * HEADS * HEAD + h * HEAD;

	if (BATCH != 0 && t0 >= params[1])
		return;		// the whole workgroup
	float inv = 1.0 / sqrt(float(HEAD));

	float m = -3.402823466e38;
	for (uint t = tid; t < n; t += 64) {
		float s = 0.0;
		for (uint d = 0; d < HEAD; d++)
			s += q[qo + d] * kc[t * KVDIM + kvh * HEAD + d];
		s *= inv;
		att[t] = s;
		m = max(m, s);
	}
	red[tid] = m;
	barrier();
	[[unroll]] for (uint s = 32; s > 0; s >>= 1) {
		if (tid < s)
			red[tid] = max(red[tid], red[tid + s]);
		barrier();
	}
	m = red[0];
	barrier();

	float sum = 0.0;
	for (uint t = tid; t < n; t += 64) {
		float e = exp(att[t] - m);
		att[t] = e;
		sum += e;
	}
	red[tid] = sum;
	barrier();
	[[unroll]] for (uint s = 32; s > 0; s >>= 1) {
		if (tid < s)
			red[tid] += red[tid + s];
		barrier();
	}
	float norm = 1.0 / red[0];

	for (uint d = tid; d < HEAD; d += 64) {
		float acc = 0.0;
		for (uint t = 0; t < n; t++)
			acc += att[t] * norm * vc[t * KVDIM + kvh * HEAD + d];
		o[qo + d] = acc;
	}
}
