// Attention for every sequence of a joint step (vk/llama_streams.c) in one
// dispatch: workgroup (h, s) is query head h of row s of q ([n][HEADS *
// HEAD]), over sequence s's own caches up to its position params[2 + s] (the
// joint parameter table, POSTAB), into row s of o.
//
// Each sequence's cache is its own buffer, and core Vulkan 1.0 cannot index
// an array of bindings by a value computed in the shader (that needs
// descriptor indexing, or the optional dynamic-indexing features), so the
// up to 8 caches are 8 separate bindings each and a switch on s picks the
// body (attention.glsl) that reads binding s: the choice is control flow on
// a workgroup-uniform value, and each copy of the body reads one fixed
// buffer. Bindings of streams >= n are bound to stream 0's caches and never
// read. The body is the one attention.comp runs, so each row is the bytes of
// the sequence stepped alone. 3 + 2 x 8 = 19 storage buffers: the engine
// checks maxPerStageDescriptorStorageBuffers and keeps a dispatch per stream
// on a device that allows fewer.
#version 450
#include "common.glsl"

layout(local_size_x = 64) in;

layout(constant_id = 0) const uint HEADS = 8;
layout(constant_id = 1) const uint KV_HEADS = 8;
layout(constant_id = 2) const uint HEAD = 8;
layout(constant_id = 3) const uint SEQ = 512;

layout(std430, binding = 0) readonly buffer Qbuf { float q[]; };
layout(std430, binding = 1) writeonly buffer Obuf { float o[]; };
layout(std430, binding = 2) readonly buffer Pbuf { uint params[]; };
layout(std430, binding = 3) readonly buffer K0buf { float kc0[]; };
layout(std430, binding = 4) readonly buffer K1buf { float kc1[]; };
layout(std430, binding = 5) readonly buffer K2buf { float kc2[]; };
layout(std430, binding = 6) readonly buffer K3buf { float kc3[]; };
layout(std430, binding = 7) readonly buffer K4buf { float kc4[]; };
layout(std430, binding = 8) readonly buffer K5buf { float kc5[]; };
layout(std430, binding = 9) readonly buffer K6buf { float kc6[]; };
layout(std430, binding = 10) readonly buffer K7buf { float kc7[]; };
layout(std430, binding = 11) readonly buffer V0buf { float vc0[]; };
layout(std430, binding = 12) readonly buffer V1buf { float vc1[]; };
layout(std430, binding = 13) readonly buffer V2buf { float vc2[]; };
layout(std430, binding = 14) readonly buffer V3buf { float vc3[]; };
layout(std430, binding = 15) readonly buffer V4buf { float vc4[]; };
layout(std430, binding = 16) readonly buffer V5buf { float vc5[]; };
layout(std430, binding = 17) readonly buffer V6buf { float vc6[]; };
layout(std430, binding = 18) readonly buffer V7buf { float vc7[]; };

shared float att[SEQ];
shared float red[64];

#define ATTEND attend0
#define KC kc0
#define VC vc0
#include "attention.glsl"
#undef ATTEND
#undef KC
#undef VC

#define ATTEND attend1
#define KC kc1
#define VC vc1
#include "attention.glsl"
#undef ATTEND
#undef KC
#undef VC

#define ATTEND attend2
#define KC kc2
#define VC vc2
#include "attention.glsl"
#undef ATTEND
#undef KC
#undef VC

#define ATTEND attend3
#define KC kc3
#define VC vc3
#include "attention.glsl"
#undef ATTEND
#undef KC
#undef VC

#define ATTEND attend4
#define KC kc4
#define VC vc4
#include "attention.glsl"
#undef ATTEND
#undef KC
#undef VC

#define ATTEND attend5
#define KC kc5
#define VC vc5
#include "attention.glsl"
#undef ATTEND
#undef KC
#undef VC

#define ATTEND attend6
#define KC kc6
#define VC vc6
#include "attention.glsl"
#undef ATTEND
#undef KC
#undef VC

#define ATTEND attend7
#define KC kc7
#define VC vc7
#include "attention.glsl"
#undef ATTEND
#undef KC
#undef VC

void main()
{
	uint h = gl_WorkGroupID.x, s = gl_WorkGroupID.y;
	uint qo = s * HEADS * HEAD + h * HEAD, n = min(params[2 + s] + 1, SEQ);

	switch (s) {
	case 0: attend0(h, qo, n); break;
	case 1: attend1(h, qo, n); break;
	case 2: attend2(h, qo, n); break;
	case 3: attend3(h, qo, n); break;
	case 4: attend4(h, qo, n); break;
	case 5: attend5(h, qo, n); break;
	case 6: attend6(h, qo, n); break;
	case 7: attend7(h, qo, n); break;
	}
}
