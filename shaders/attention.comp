// Causal self-attention of one token over the KV cache, one workgroup per
// query head (the body: attention.glsl). Grouped-query heads share a KV
// head (HEADS/KV_HEADS query heads each). The caches are
// [SEQ][KV_HEADS * HEAD] floats.
// BATCH: workgroup (h, t) is token t of a prompt batch at position
// params[0] + t, q and out being [t][HEADS * HEAD]; tokens >= params[1] idle.
// push.row: q and out are row push.row of [n][HEADS * HEAD] (the joint step
// of several sequences on a device with too few storage-buffer bindings for
// attention_streams.comp: one dispatch per sequence over its own cache).
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

#define ATTEND attend
#define KC kc
#define VC vc
#include "attention.glsl"

void main()
{
	uint h = gl_WorkGroupID.x, t0 = BATCH != 0 ? gl_WorkGroupID.y : 0;

	if (BATCH != 0 && t0 >= params[1])
		return;		// the whole workgroup
	attend(h, (t0 + push.row) * HEADS * HEAD + h * HEAD, min(params[0] + t0 + 1, SEQ));
}
