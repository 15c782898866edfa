// y = W x for one weight type, a row of W being K elements contiguous as in
// GGUF (ne0 = K). The including file defines the type (WT_F32, WT_F16,
// WT_Q8_0, WT_Q4_0) and this file does the rest; modes fused into the same
// dispatch, chosen by specialization constants:
//   NORM  x is first RMS-normalised and scaled by aux (the norm's weight)
//   GLU   the input is silu(x) * aux (SwiGLU), element-wise
//   ROPE  rotate adjacent output pairs by the position (Llama RoPE)
//   ACC   y += W x (a residual add) instead of y = W x
// Output element r goes to y[push.yoff + pos * YPOS + row0 + r], pos read from
// params[0]: that is how a K or V projection lands in its KV-cache row.
//
// Two ways to split the work, chosen per device (ROWMODE):
//   0  ROWS rows per workgroup, 64 / ROWS lanes per row, a shared-memory
//      reduction: coalesced loads, for GPUs;
//   1  one row per invocation, 64 rows per workgroup, no reduction and no
//      barrier in the loop: for CPU implementations (lavapipe), where a
//      workgroup runs as SIMD lanes of one thread and barriers are costly.
// Either way the (normalised or gated) input is computed once per
// workgroup into shared memory when it fits (XS = K), not once per row.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(constant_id = 0) const uint K = 64;
layout(constant_id = 1) const uint M = 64;
layout(constant_id = 2) const uint NORM = 0;
layout(constant_id = 3) const uint GLU = 0;
layout(constant_id = 4) const uint ROPE = 0;
layout(constant_id = 5) const uint ACC = 0;
layout(constant_id = 6) const uint YPOS = 0;
layout(constant_id = 7) const uint HEAD = 8;	// RoPE head size
layout(constant_id = 8) const float EPS = 1e-5;
layout(constant_id = 9) const uint ROWS = 8;	// rows per workgroup; 64 / ROWS lanes per row
layout(constant_id = 10) const float THETA = 10000.0;
layout(constant_id = 11) const uint ROWMODE = 0;
layout(constant_id = 12) const uint XS = 1;	// K / 4 when the input is cached, else 1

layout(std430, binding = 0) readonly buffer Wbuf { uint w[]; };
layout(std430, binding = 0) readonly buffer W2buf { uvec2 w2[]; };
layout(std430, binding = 0) readonly buffer W4buf { uvec4 w4[]; };
layout(std430, binding = 1) readonly buffer Xbuf { float x[]; };
layout(std430, binding = 2) buffer Ybuf { float y[]; };
layout(std430, binding = 3) readonly buffer Abuf { float aux[]; };
layout(std430, binding = 4) readonly buffer Pbuf { uint params[]; };

layout(push_constant) uniform Push { uint yoff; uint row0; } push;

shared float red[64];
shared float outv[64];
shared float scale;
shared vec4 xs[XS];

float xin_direct(uint k)
{
	if (NORM != 0)
		return x[k] * scale * aux[k];
	if (GLU != 0)
		return silu(x[k]) * aux[k];
	return x[k];
}

// Input elements 4i .. 4i + 3.
vec4 xin4(uint i)
{
	if (XS * 4 == K)
		return xs[i];
	return vec4(xin_direct(4 * i), xin_direct(4 * i + 1), xin_direct(4 * i + 2),
		    xin_direct(4 * i + 3));
}

// Few, wide loads: on CPU implementations every storage-buffer load of a
// lane is a separate bounds-checked access, so one uvec4 beats four uints.
#if defined(WT_F32)
const uint CHUNK = 4;
float chunk_dot(uint row, uint c)
{
	return dot(uintBitsToFloat(w4[(row * K) / 4 + c]), xin4(c));
}
#elif defined(WT_F16)
const uint CHUNK = 4;
float chunk_dot(uint row, uint c)
{
	uvec2 h = w2[(row * K) / 4 + c];
	return dot(vec4(unpackHalf2x16(h.x), unpackHalf2x16(h.y)), xin4(c));
}
#elif defined(WT_Q8_0)
const uint CHUNK = 32;
// A 34-byte block starts 2 bytes into a word or on one: 9 words cover it.
float chunk_dot(uint row, uint c)
{
	uint o = (row * (K / 32) + c) * 34, i = o >> 2;
	bool odd = (o & 2u) != 0;
	uint wv[9];
	[[unroll]] for (uint j = 0; j < 9; j++)
		wv[j] = w[i + j];
	float d = unpackHalf2x16(odd ? wv[0] >> 16 : wv[0] & 0xffffu).x;
	float s = 0.0;
	[[unroll]] for (uint j = 0; j < 8; j++) {
		int q = int(odd ? wv[j + 1] : (wv[j] >> 16) | (wv[j + 1] << 16));
		vec4 qf = vec4(bitfieldExtract(q, 0, 8), bitfieldExtract(q, 8, 8),
			       bitfieldExtract(q, 16, 8), bitfieldExtract(q, 24, 8));
		s += dot(qf, xin4(c * 8 + j));
	}
	return s * d;
}
#elif defined(WT_Q4_0)
const uint CHUNK = 32;
// An 18-byte block: 5 words cover it; low nibbles are elements 0..15.
float chunk_dot(uint row, uint c)
{
	uint o = (row * (K / 32) + c) * 18, i = o >> 2;
	bool odd = (o & 2u) != 0;
	uint wv[5];
	[[unroll]] for (uint j = 0; j < 5; j++)
		wv[j] = w[i + j];
	float d = unpackHalf2x16(odd ? wv[0] >> 16 : wv[0] & 0xffffu).x;
	float s = 0.0;
	[[unroll]] for (uint j = 0; j < 4; j++) {
		uint q = odd ? wv[j + 1] : (wv[j] >> 16) | (wv[j + 1] << 16);
		vec4 lo = vec4(q & 15u, (q >> 8) & 15u, (q >> 16) & 15u, (q >> 24) & 15u) - 8.0;
		vec4 hi = vec4((q >> 4) & 15u, (q >> 12) & 15u, (q >> 20) & 15u, q >> 28) - 8.0;
		s += dot(lo, xin4(c * 8 + j)) + dot(hi, xin4(c * 8 + 4 + j));
	}
	return s * d;
}
#else
#error "define the weight type"
#endif

void main()
{
	uint tid = gl_LocalInvocationID.x;
	uint pos = params[0];
	uint tpr = ROWMODE != 0 ? 1 : 64 / ROWS;
	uint lr = tid / tpr, lane = tid % tpr;
	uint row = gl_WorkGroupID.x * (ROWMODE != 0 ? 64 : ROWS) + lr;

	if (NORM != 0) {
		float ss = 0.0;
		for (uint k = tid; k < K; k += 64)
			ss += x[k] * x[k];
		red[tid] = ss;
		barrier();
		if (tid == 0) {
			float t = 0.0;
			for (uint i = 0; i < 64; i++)
				t += red[i];
			scale = 1.0 / sqrt(t / float(K) + EPS);
		}
		barrier();
	}
	if (XS * 4 == K) {
		for (uint i = tid; i < K / 4; i += 64)
			xs[i] = vec4(xin_direct(4 * i), xin_direct(4 * i + 1), xin_direct(4 * i + 2),
				     xin_direct(4 * i + 3));
		barrier();
	}

	float acc = 0.0;
	if (ROWMODE != 0) {
		if (row < M)
			for (uint c = 0; c < K / CHUNK; c++)
				acc += chunk_dot(row, c);
		outv[lr] = acc;
	} else {
		if (row < M)
			for (uint c = lane; c < K / CHUNK; c += tpr)
				acc += chunk_dot(row, c);
		red[tid] = acc;
		barrier();
		for (uint s = tpr / 2; s > 0; s >>= 1) {
			if (lane < s)
				red[tid] += red[tid + s];
			barrier();
		}
		if (lane == 0)
			outv[lr] = red[tid];
	}
	barrier();
	if (lane != 0 || row >= M)
		return;

	float v = outv[lr];
	if (ROPE != 0) {
		// Pairs (2i, 2i+1) of each head rotate by pos * THETA^(-2i/HEAD).
		uint r = push.row0 + row;
		uint hd = r % HEAD;
		float freq = 1.0 / pow(THETA, float(hd & ~1u) / float(HEAD));
		float a = float(pos) * freq;
		float c = cos(a), s = sin(a);
		float other = outv[lr ^ 1u];
		v = (r & 1u) == 0 ? v * c - other * s : other * s + v * c;
	}
	uint o = push.yoff + pos * YPOS + push.row0 + row;
	if (ACC != 0)
		y[o] += v;
	else
		y[o] = v;
}
