// One layer of the integer classifier (ogx-mlp-q8, Documentation/
// classifier.md) for a batch: acc = bias + w . x in int32 with int8 weights
// and uint8 activations, then for a hidden layer the requantization
// clamp(floor((acc * mult + 2^(shift-1)) / 2^shift), 0, 255) done exactly in
// 64 bits built from 32-bit halves (no shaderInt64 needed), so the result is
// the CPU reference's bit for bit. The last layer writes the int32 acc.
// Weights: N_OUT rows of N_IN int8, each row zero-padded to 16 bytes.
// Activations: one uint per element, BATCH rows (plus 16 elements of slack
// at the end, which meet only zero weights); rows >= params[0] idle.
// ROWMODE 1 (CPU devices): one output per invocation, 16 weights per load.
#version 450
#extension GL_EXT_control_flow_attributes : enable

layout(local_size_x = 64) in;

layout(constant_id = 0) const uint N_IN = 784;
layout(constant_id = 1) const uint N_OUT = 500;
layout(constant_id = 2) const uint HIDDEN = 1;
layout(constant_id = 3) const uint ROWS = 8;
layout(constant_id = 4) const uint ROWMODE = 0;

layout(std430, binding = 0) readonly buffer Wbuf { uint w[]; };
layout(std430, binding = 0) readonly buffer W4buf { uvec4 w4[]; };
layout(std430, binding = 1) readonly buffer Xbuf { uint x[]; };
layout(std430, binding = 2) readonly buffer Bbuf { int bias[]; };
layout(std430, binding = 3) readonly buffer Mbuf { int mult[]; };
layout(std430, binding = 4) readonly buffer Sbuf { int shift[]; };
layout(std430, binding = 5) writeonly buffer Obuf { uint o[]; };
layout(std430, binding = 6) readonly buffer Pbuf { uint params[]; };

shared int red[64];

uint requant(int acc, int m, int s)
{
	if (acc <= 0)
		return 0u;
	uint hi, lo, carry;
	umulExtended(uint(acc), uint(m), hi, lo);
	uint r = uint(s - 1);
	lo = uaddCarry(lo, r < 32u ? 1u << r : 0u, carry);
	hi += (r >= 32u ? 1u << (r - 32u) : 0u) + carry;
	uint vhi, vlo;
	if (s >= 32) {
		vhi = 0u;
		vlo = hi >> uint(s - 32);
	} else {
		vhi = hi >> uint(s);
		vlo = (lo >> uint(s)) | (hi << uint(32 - s));
	}
	return vhi != 0u || vlo > 255u ? 255u : vlo;
}

int dot4(uint q, uint xb)
{
	int qi = int(q);
	return bitfieldExtract(qi, 0, 8) * int(x[xb]) + bitfieldExtract(qi, 8, 8) * int(x[xb + 1]) +
	       bitfieldExtract(qi, 16, 8) * int(x[xb + 2]) +
	       bitfieldExtract(qi, 24, 8) * int(x[xb + 3]);
}

void main()
{
	const uint WPR = (N_IN + 15) / 16 * 4;	// words per weight row
	uint tid = gl_LocalInvocationID.x;
	uint tpr = ROWMODE != 0 ? 1 : 64 / ROWS;
	uint lr = tid / tpr, lane = tid % tpr;
	uint row = gl_WorkGroupID.x * (ROWMODE != 0 ? 64 : ROWS) + lr;
	uint b = gl_WorkGroupID.y;

	if (b >= params[0])
		return;		// the whole workgroup: no barrier is skipped by half of it
	int acc = 0;
	if (ROWMODE != 0) {
		if (row >= N_OUT)
			return;	// no barrier follows in this mode
		for (uint v = 0; v < WPR / 4; v++) {
			uvec4 q = w4[row * (WPR / 4) + v];
			uint xb = b * N_IN + v * 16;
			acc += dot4(q.x, xb) + dot4(q.y, xb + 4) + dot4(q.z, xb + 8) +
			       dot4(q.w, xb + 12);
		}
		acc += bias[row];
		o[b * N_OUT + row] = HIDDEN != 0 ? requant(acc, mult[row], shift[row]) : uint(acc);
		return;
	}
	if (row < N_OUT)
		for (uint i = lane; i < WPR; i += tpr)
			acc += dot4(w[row * WPR + i], b * N_IN + i * 4);
	red[tid] = acc;
	barrier();
	for (uint s = tpr / 2; s > 0; s >>= 1) {
		if (lane < s)
			red[tid] += red[tid + s];
		barrier();
	}
	if (lane != 0 || row >= N_OUT)
		return;
	acc = red[tid] + bias[row];
	o[b * N_OUT + row] = HIDDEN != 0 ? requant(acc, mult[row], shift[row]) : uint(acc);
}
