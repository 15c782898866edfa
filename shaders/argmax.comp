// Index of the largest of N floats (the lowest index on ties, as the CPU
// reference's greedy sampler), written to out[0]. One workgroup.
// push.row: of row push.row of [n][N] floats, into out[push.row].
#version 450
#extension GL_EXT_control_flow_attributes : enable

layout(local_size_x = 64) in;

layout(constant_id = 0) const uint N = 512;

layout(std430, binding = 0) readonly buffer Lbuf { float logits[]; };
layout(std430, binding = 1) writeonly buffer Obuf { uint outi[]; };

layout(push_constant) uniform Push { uint row; } push;

shared float bv[64];
shared uint bi[64];

void main()
{
	uint tid = gl_LocalInvocationID.x;
	float v = -1.0 / 0.0;
	uint idx = 0xffffffffu;

	for (uint i = tid; i < N; i += 64)
		if (idx == 0xffffffffu || logits[push.row * N + i] > v) {
			v = logits[push.row * N + i];
			idx = i;
		}
	bv[tid] = v;
	bi[tid] = idx;
	barrier();
	[[unroll]] for (uint s = 32; s > 0; s >>= 1) {
		if (tid < s) {
			float ov = bv[tid + s];
			uint oi = bi[tid + s];
			if (oi != 0xffffffffu && (bi[tid] == 0xffffffffu || ov > bv[tid] ||
						  (ov == bv[tid] && oi < bi[tid]))) {
				bv[tid] = ov;
				bi[tid] = oi;
			}
		}
		barrier();
	}
	if (tid == 0)
		outi[push.row] = bi[0];
}
