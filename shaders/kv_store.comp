// The joint step of several sequences (vk/llama_streams.c): row ROW of the
// batch's [n][KVDIM] key and value projections (RoPE applied) into one
// sequence's caches at its position, params[0] of its own parameter buffer.
// A dispatch per sequence and layer, on a device with too few bindings for
// kv_store_streams.comp (which does all sequences at once): the position is
// read on the device, so the step is recorded once and only the parameter
// words change per token (a vkCmdCopyBuffer would bake the offset into the
// recording).
#version 450

layout(local_size_x = 64) in;

layout(constant_id = 0) const uint KVDIM = 64;

layout(std430, binding = 0) readonly buffer Kbuf { float ks[]; };
layout(std430, binding = 1) readonly buffer Vbuf { float vs[]; };
layout(std430, binding = 2) writeonly buffer KCbuf { float kc[]; };
layout(std430, binding = 3) writeonly buffer VCbuf { float vc[]; };
layout(std430, binding = 4) readonly buffer Pbuf { uint params[]; };

layout(push_constant) uniform Push { uint row; } push;

void main()
{
	uint i = gl_GlobalInvocationID.x;

	if (i >= KVDIM)
		return;
	kc[params[0] * KVDIM + i] = ks[push.row * KVDIM + i];
	vc[params[0] * KVDIM + i] = vs[push.row * KVDIM + i];
}
