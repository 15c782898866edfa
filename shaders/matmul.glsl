// Y = W X for NT tokens at once (prompt processing): each weight row is
// read once and used for every token. One row per invocation, 64 rows per
// workgroup; the NT inputs (normalised or gated, as in matvec.glsl) are
// computed once per workgroup into shared memory. params[0] is the first
// token's position p0, params[1] the number n <= NT of tokens this run;
// token t has position p0 + t, its output goes to
// y[push.yoff + t * YSTRIDE + (p0 + t) * YPOS + row0 + row] (YSTRIDE = M for
// activations, 0 with YPOS for KV-cache rows), and tokens >= n write nothing.
// Inputs are [NT][K] floats; aux is the norm weight (NORM) or [NT][K] (GLU).
// POSTAB (the joint step of several sequences, vk/llama_streams.c): token t
// is its own sequence's, at position params[2 + t], not p0 + t.
//
// A row's sum runs in the order of matvec.glsl's, so that a token's
// outputs are bit for bit the mat-vec's (a stream stepped with others gets
// its lone step's logits): within a block as it does, and block by block
// (LANES 1, its one-row-per-invocation mode) or, for its mode of LANES
// lanes per row, blocks c, c + LANES, ... summed per lane, then the lanes'
// sums added pairwise in the order of its shared-memory tree.
// The including file defines the weight type as for matvec.glsl.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(constant_id = 0) const uint K = 64;
layout(constant_id = 1) const uint M = 64;
layout(constant_id = 2) const uint NORM = 0;
layout(constant_id = 3) const uint GLU = 0;
layout(constant_id = 4) const uint ROPE = 0;
layout(constant_id = 5) const uint ACC = 0;
layout(constant_id = 6) const uint YPOS = 0;
layout(constant_id = 7) const uint HEAD = 8;
layout(constant_id = 8) const float EPS = 1e-5;
layout(constant_id = 9) const uint NT = 8;
layout(constant_id = 10) const float THETA = 10000.0;
layout(constant_id = 11) const uint YSTRIDE = 64;
layout(constant_id = 12) const uint POSTAB = 0;
layout(constant_id = 13) const uint LANES = 1;

layout(std430, binding = 0) readonly buffer Wbuf { uint w[]; };
layout(std430, binding = 0) readonly buffer W2buf { uvec2 w2[]; };
layout(std430, binding = 0) readonly buffer W4buf { uvec4 w4[]; };
layout(std430, binding = 1) readonly buffer Xbuf { float x[]; };
layout(std430, binding = 2) buffer Ybuf { float y[]; };
layout(std430, binding = 3) readonly buffer Abuf { float aux[]; };
layout(std430, binding = 4) readonly buffer Pbuf { uint params[]; };

layout(push_constant) uniform Push { uint yoff; uint row0; } push;

shared float red[64];
shared float scale[NT];
shared vec4 xs[NT * (K / 4)];
shared float outv[64 * NT];

// Weights of chunk c of a row as vec4s, and the chunk's scale.
#if defined(WT_F32)
const uint CW = 1;
float chunk_w(uint row, uint c, out vec4 wv[CW])
{
	wv[0] = uintBitsToFloat(w4[(row * K) / 4 + c]);
	return 1.0;
}
#elif defined(WT_F16)
const uint CW = 1;
float chunk_w(uint row, uint c, out vec4 wv[CW])
{
	uvec2 h = w2[(row * K) / 4 + c];
	wv[0] = vec4(unpackHalf2x16(h.x), unpackHalf2x16(h.y));
	return 1.0;
}
#elif defined(WT_Q8_0)
const uint CW = 8;
float chunk_w(uint row, uint c, out vec4 wv[CW])
{
	uint o = (row * (K / 32) + c) * 34, i = o >> 2;
	bool odd = (o & 2u) != 0;
	uint v[9];
	[[unroll]] for (uint j = 0; j < 9; j++)
		v[j] = w[i + j];
	[[unroll]] for (uint j = 0; j < 8; j++) {
		int q = int(odd ? v[j + 1] : (v[j] >> 16) | (v[j + 1] << 16));
		wv[j] = vec4(bitfieldExtract(q, 0, 8), bitfieldExtract(q, 8, 8),
			     bitfieldExtract(q, 16, 8), bitfieldExtract(q, 24, 8));
	}
	return unpackHalf2x16(odd ? v[0] >> 16 : v[0] & 0xffffu).x;
}
#elif defined(WT_Q4_0)
const uint CW = 8;
#define PAIRS	// matvec.glsl adds a word's low and high nibbles' dots first
float chunk_w(uint row, uint c, out vec4 wv[CW])
{
	uint o = (row * (K / 32) + c) * 18, i = o >> 2;
	bool odd = (o & 2u) != 0;
	uint v[5];
	[[unroll]] for (uint j = 0; j < 5; j++)
		v[j] = w[i + j];
	[[unroll]] for (uint j = 0; j < 4; j++) {
		uint q = odd ? v[j + 1] : (v[j] >> 16) | (v[j + 1] << 16);
		wv[j] = vec4(q & 15u, (q >> 8) & 15u, (q >> 16) & 15u, (q >> 24) & 15u) - 8.0;
		wv[j + 4] = vec4((q >> 4) & 15u, (q >> 12) & 15u, (q >> 20) & 15u, q >> 28) - 8.0;
	}
	return unpackHalf2x16(odd ? v[0] >> 16 : v[0] & 0xffffu).x;
}
#else
#error "define the weight type"
#endif

float xin_direct(uint t, uint k)
{
	if (NORM != 0)
		return x[t * K + k] * scale[t] * aux[k];
	if (GLU != 0)
		return silu(x[t * K + k]) * aux[t * K + k];
	return x[t * K + k];
}

void main()
{
	uint tid = gl_LocalInvocationID.x;
	uint row = gl_WorkGroupID.x * 64 + tid;
	uint p0 = params[0], n = min(params[1], NT);
	const uint K4 = K / 4;

	if (NORM != 0) {
		for (uint t = 0; t < NT; t++) {
			float ss = 0.0;
			for (uint k = tid; k < K && t < n; k += 64)
				ss += x[t * K + k] * x[t * K + k];
			red[tid] = ss;
			barrier();
			if (tid == 0) {
				float s = 0.0;
				for (uint i = 0; i < 64; i++)
					s += red[i];
				scale[t] = 1.0 / sqrt(s / float(K) + EPS);
			}
			barrier();
		}
	}
	for (uint i = tid; i < NT * K4; i += 64) {
		uint t = i / K4, k = (i % K4) * 4;
		xs[i] = t < n ? vec4(xin_direct(t, k), xin_direct(t, k + 1), xin_direct(t, k + 2),
				     xin_direct(t, k + 3)) : vec4(0.0);
	}
	barrier();

	// acc[t * LANES + l]: token t's sum of the blocks lane l takes.
	float acc[NT * LANES];
	[[unroll]] for (uint i = 0; i < NT * LANES; i++)
		acc[i] = 0.0;
	if (row < M) {
		for (uint c0 = 0; c0 < K / (4 * CW); c0 += LANES) {
			[[unroll]] for (uint l = 0; l < LANES; l++) {
				uint c = c0 + l;
				if (c >= K / (4 * CW))
					break;
				vec4 wv[CW];
				float d = chunk_w(row, c, wv);
				[[unroll]] for (uint t = 0; t < NT; t++) {
					float s = 0.0;
#ifdef PAIRS
					[[unroll]] for (uint j = 0; j < CW / 2; j++)
						s += dot(wv[j], xs[t * K4 + c * CW + j]) +
						     dot(wv[j + CW / 2],
							 xs[t * K4 + c * CW + CW / 2 + j]);
#else
					[[unroll]] for (uint j = 0; j < CW; j++)
						s += dot(wv[j], xs[t * K4 + c * CW + j]);
#endif
					acc[t * LANES + l] += s * d;
				}
			}
		}
	}
	[[unroll]] for (uint h = LANES / 2; h > 0; h >>= 1)
		[[unroll]] for (uint t = 0; t < NT; t++)
			[[unroll]] for (uint l = 0; l < h; l++)
				acc[t * LANES + l] += acc[t * LANES + l + h];
	[[unroll]] for (uint t = 0; t < NT; t++)
		outv[tid * NT + t] = acc[t * LANES];
	barrier();
	if (row >= M)
		return;
	for (uint t = 0; t < n; t++) {
		uint pos = POSTAB != 0 ? params[2 + t] : p0 + t;
		float v = outv[tid * NT + t];
		if (ROPE != 0) {
			uint r = push.row0 + row;
			float freq = 1.0 / pow(THETA, float((r % HEAD) & ~1u) / float(HEAD));
			float a = float(pos) * freq;
			float cs = cos(a), sn = sin(a);
			float other = outv[(tid ^ 1u) * NT + t];
			v = (r & 1u) == 0 ? v * cs - other * sn : other * sn + v * cs;
		}
		uint o = push.yoff + t * YSTRIDE + pos * YPOS + push.row0 + row;
		if (ACC != 0)
			y[o] += v;
		else
			y[o] = v;
	}
}
