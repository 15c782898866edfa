// The joint step of several sequences (vk/llama_streams.c): row s of the
// batch's [n][KVDIM] key and value projections (RoPE applied) into
// sequence s's caches at its position params[2 + s] (the joint parameter
// table), for every s in one dispatch: workgroup (i, s). The position is
// read on the device, so the step is recorded once and only the parameter
// words change per token (a vkCmdCopyBuffer would bake the offset into the
// recording). Each sequence's caches are their own bindings, chosen by a
// switch on s (core Vulkan 1.0 cannot index bindings; see
// attention_streams.comp); bindings of streams >= n are stream 0's, unused.
#version 450

layout(local_size_x = 64) in;

layout(constant_id = 0) const uint KVDIM = 64;

layout(std430, binding = 0) readonly buffer Kbuf { float ks[]; };
layout(std430, binding = 1) readonly buffer Vbuf { float vs[]; };
layout(std430, binding = 2) readonly buffer Pbuf { uint params[]; };
layout(std430, binding = 3) writeonly buffer K0buf { float kc0[]; };
layout(std430, binding = 4) writeonly buffer K1buf { float kc1[]; };
layout(std430, binding = 5) writeonly buffer K2buf { float kc2[]; };
layout(std430, binding = 6) writeonly buffer K3buf { float kc3[]; };
layout(std430, binding = 7) writeonly buffer K4buf { float kc4[]; };
layout(std430, binding = 8) writeonly buffer K5buf { float kc5[]; };
layout(std430, binding = 9) writeonly buffer K6buf { float kc6[]; };
layout(std430, binding = 10) writeonly buffer K7buf { float kc7[]; };
layout(std430, binding = 11) writeonly buffer V0buf { float vc0[]; };
layout(std430, binding = 12) writeonly buffer V1buf { float vc1[]; };
layout(std430, binding = 13) writeonly buffer V2buf { float vc2[]; };
layout(std430, binding = 14) writeonly buffer V3buf { float vc3[]; };
layout(std430, binding = 15) writeonly buffer V4buf { float vc4[]; };
layout(std430, binding = 16) writeonly buffer V5buf { float vc5[]; };
layout(std430, binding = 17) writeonly buffer V6buf { float vc6[]; };
layout(std430, binding = 18) writeonly buffer V7buf { float vc7[]; };

void main()
{
	uint i = gl_GlobalInvocationID.x, s = gl_WorkGroupID.y;

	if (i >= KVDIM)
		return;
	float k = ks[s * KVDIM + i], v = vs[s * KVDIM + i];
	uint at = params[2 + s] * KVDIM + i;

	switch (s) {
	case 0: kc0[at] = k; vc0[at] = v; break;
	case 1: kc1[at] = k; vc1[at] = v; break;
	case 2: kc2[at] = k; vc2[at] = v; break;
	case 3: kc3[at] = k; vc3[at] = v; break;
	case 4: kc4[at] = k; vc4[at] = v; break;
	case 5: kc5[at] = k; vc5[at] = v; break;
	case 6: kc6[at] = k; vc6[at] = v; break;
	case 7: kc7[at] = k; vc7[at] = v; break;
	}
}
