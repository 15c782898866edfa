// SPDX-License-Identifier: GPL-2.0
// N concurrent streamed completions (POST /v1/completions, stream: true)
// against an OpenAI-compatible server, started at once; prints one JSON
// object: generated tokens (the final chunk's usage.completion_tokens, or the
// number of text chunks when a server sends no usage), wall time of the whole
// batch, aggregate tokens/s, each stream's tokens/s over its own request time,
// time to first token. Used by serve-gen-bench.sh for ogrun serve and
// llama.cpp's llama-server alike, so both are measured by the same client.
//   node serve-gen-client.mjs BASE_URL MODEL N MAX_TOKENS PROMPT
const [base, model, nStr, maxStr, prompt] = process.argv.slice(2);
const n = Number(nStr), maxTokens = Number(maxStr);

async function one() {
	const t0 = performance.now();
	const res = await fetch(`${base}/v1/completions`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ model, prompt, max_tokens: maxTokens, temperature: 0,
				       top_p: 1, seed: 1, stream: true }),
	});
	if (!res.ok)
		throw new Error(`HTTP ${res.status}: ${await res.text()}`);
	const dec = new TextDecoder();
	let buf = '', chunks = 0, usage = null, first = 0;
	for await (const part of res.body) {
		buf += dec.decode(part, { stream: true });
		let nl;
		while ((nl = buf.indexOf('\n\n')) >= 0) {
			const ev = buf.slice(0, nl).trim();
			buf = buf.slice(nl + 2);
			if (!ev.startsWith('data: ') || ev === 'data: [DONE]')
				continue;
			const o = JSON.parse(ev.slice(6));
			if (o.error)
				throw new Error(JSON.stringify(o.error));
			if (o.usage)
				usage = o.usage;
			if (o.choices?.[0]?.text) {
				chunks++;
				if (!first)
					first = performance.now();
			}
		}
	}
	const t1 = performance.now();
	const tokens = usage ? usage.completion_tokens : chunks;
	return { tokens, ttft_ms: (first || t1) - t0, tps: tokens * 1000 / (t1 - t0), end: t1 };
}

// The first request of a process pays for loading fetch itself: not timed.
await (await fetch(`${base}/v1/models`)).text();
const t0 = performance.now();
const r = await Promise.all(Array.from({ length: n }, one));
const wall = (Math.max(...r.map((x) => x.end)) - t0) / 1000;
const tokens = r.reduce((s, x) => s + x.tokens, 0);
const mean = (f) => r.reduce((s, x) => s + f(x), 0) / n;
console.log(JSON.stringify({
	streams: n, tokens, wall_s: +wall.toFixed(4),
	tokens_per_s: +(tokens / wall).toFixed(1),
	stream_tokens_per_s: +mean((x) => x.tps).toFixed(1),
	ttft_ms: +mean((x) => x.ttft_ms).toFixed(2),
	ttft_max_ms: +Math.max(...r.map((x) => x.ttft_ms)).toFixed(2),
}));
