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

layout(std430, binding = 0) readonly buffer Wbuf { uint w[]; };
layout(std430, binding = 1) readonly buffer Xbuf { float x[]; };
layout(std430, binding = 2) buffer Ybuf { float y[]; };
layout(std430, binding = 3) readonly buffer Abuf { float aux[]; };
layout(std430, binding = 4) readonly buffer Pbuf { uint params[]; };

layout(push_constant) uniform Push { uint yoff; uint row0; } push;

shared float red[64];
shared float outv[64];
shared float scale;

float xin(uint k)
{
	if (NORM != 0)
		return x[k] * scale * aux[k];
	if (GLU != 0)
		return silu(x[k]) * aux[k];
	return x[k];
}

// Bytes of the weight buffer; offsets into GGUF blocks are always even.
uint byte_at(uint o)
{
	return (w[o >> 2] >> ((o & 3u) << 3)) & 0xffu;
}

uint word_at2(uint o)	// 4 bytes at an even offset
{
	uint i = o >> 2;
	return (o & 2u) == 0 ? w[i] : (w[i] >> 16) | (w[i + 1] << 16);
}

float half_at(uint o)
{
	uint i = o >> 2;
	uint h = (o & 2u) == 0 ? (w[i] & 0xffffu) : (w[i] >> 16);
	return unpackHalf2x16(h).x;
}

#if defined(WT_F32)
const uint CHUNK = 4;
float chunk_dot(uint row, uint c)
{
	uint base = row * K + c * 4;
	float s = 0.0;
	[[unroll]] for (uint j = 0; j < 4; j++)
		s += uintBitsToFloat(w[base + j]) * xin(c * 4 + j);
	return s;
}
#elif defined(WT_F16)
const uint CHUNK = 4;
float chunk_dot(uint row, uint c)
{
	uint base = (row * K + c * 4) >> 1;
	vec2 a = unpackHalf2x16(w[base]), b = unpackHalf2x16(w[base + 1]);
	uint k = c * 4;
	return a.x * xin(k) + a.y * xin(k + 1) + b.x * xin(k + 2) + b.y * xin(k + 3);
}
#elif defined(WT_Q8_0)
const uint CHUNK = 32;
float chunk_dot(uint row, uint c)
{
	uint o = (row * (K / 32) + c) * 34;
	float d = half_at(o);
	uint k = c * 32;
	float s = 0.0;
	[[unroll]] for (uint j = 0; j < 8; j++) {
		int q = int(word_at2(o + 2 + j * 4));
		s += float(bitfieldExtract(q, 0, 8)) * xin(k + j * 4) +
		     float(bitfieldExtract(q, 8, 8)) * xin(k + j * 4 + 1) +
		     float(bitfieldExtract(q, 16, 8)) * xin(k + j * 4 + 2) +
		     float(bitfieldExtract(q, 24, 8)) * xin(k + j * 4 + 3);
	}
	return s * d;
}
#elif defined(WT_Q4_0)
const uint CHUNK = 32;
float chunk_dot(uint row, uint c)
{
	uint o = (row * (K / 32) + c) * 18;
	float d = half_at(o);
	uint k = c * 32;
	float s = 0.0;
	[[unroll]] for (uint j = 0; j < 4; j++) {
		uint q = word_at2(o + 2 + j * 4);
		[[unroll]] for (uint b = 0; b < 4; b++) {
			uint v = (q >> (b * 8)) & 0xffu;
			s += (float(v & 15u) - 8.0) * xin(k + j * 4 + b) +
			     (float(v >> 4) - 8.0) * xin(k + 16 + j * 4 + b);
		}
	}
	return s * d;
}
#else
#error "define the weight type"
#endif

void main()
{
	const uint TPR = 64 / ROWS;
	uint tid = gl_LocalInvocationID.x;
	uint lr = tid / TPR, lane = tid % TPR;
	uint row = gl_WorkGroupID.x * ROWS + lr;
	uint pos = params[0];

	if (NORM != 0) {
		float ss = 0.0;
		for (uint k = tid; k < K; k += 64)
			ss += x[k] * x[k];
		red[tid] = ss;
		barrier();
		[[unroll]] for (uint s = 32; s > 0; s >>= 1) {
			if (tid < s)
				red[tid] += red[tid + s];
			barrier();
		}
		if (tid == 0)
			scale = 1.0 / sqrt(red[0] / float(K) + EPS);
		barrier();
	}

	float acc = 0.0;
	if (row < M)
		for (uint c = lane; c < K / CHUNK; c += TPR)
			acc += chunk_dot(row, c);
	red[tid] = acc;
	barrier();
	[[unroll]] for (uint s = TPR / 2; s > 0; s >>= 1) {
		if (lane < s)
			red[tid] += red[tid + s];
		barrier();
	}
	if (lane == 0)
		outv[lr] = red[tid];
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
