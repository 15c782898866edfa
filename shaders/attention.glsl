// The body of attention (attention.comp, attention_streams.comp): one query
// head h of the query at q[qo..] over cache positions 0..n-1, into o[qo..].
// Scores q.k_t / sqrt(HEAD), softmax, then the weighted sum of v_t; the
// sums run in the same order whichever shader includes it, so a sequence's
// attention is the same bytes stepped alone or in a joint step.
//
// The includer declares q, o, the shared att[SEQ] and red[64], the
// constants HEADS, KV_HEADS, HEAD, and defines KC and VC (the key and value
// cache arrays to read) and ATTEND (this function's name): a shader that
// selects among several caches includes this once per cache, since core
// Vulkan 1.0 cannot index bindings (see attention_streams.comp).

void ATTEND(uint h, uint qo, uint n)
{
	const uint KVDIM = KV_HEADS * HEAD;
	uint tid = gl_LocalInvocationID.x;
	uint kvh = h / (HEADS / KV_HEADS);
	float inv = 1.0 / sqrt(float(HEAD));

	float m = -3.402823466e38;
	for (uint t = tid; t < n; t += 64) {
		float s = 0.0;
		for (uint d = 0; d < HEAD; d++)
			s += q[qo + d] * KC[t * KVDIM + kvh * HEAD + d];
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
			acc += att[t] * norm * VC[t * KVDIM + kvh * HEAD + d];
		o[qo + d] = acc;
	}
}
