// SPDX-License-Identifier: GPL-2.0
// The official `openai` npm client against ogrun serve (tests/e2e/serve-openai.t):
// a streamed chat completion, the same whole, and a streamed legacy completion.
// Prints one JSON object with what each returned.
//   node serve-openai.mjs BASE_URL MODEL PROMPT
import OpenAI from 'openai';

const [base, model, prompt] = process.argv.slice(2);
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
const params = { model, max_tokens: 40, temperature: 0, top_p: 1, seed: 42 };

const stream = await client.chat.completions.create({
	...params, stream: true, messages: [{ role: 'user', content: prompt }],
});
let text = '', chunks = 0, last;
for await (const chunk of stream) {
	text += chunk.choices[0]?.delta?.content ?? '';
	chunks++;
	last = chunk;
}
const whole = await client.chat.completions.create({
	...params, messages: [{ role: 'user', content: prompt }],
});
const legacy = await client.completions.create({ ...params, prompt, stream: true });
let ltext = '', llast;
for await (const chunk of legacy) {
	ltext += chunk.choices[0]?.text ?? '';
	llast = chunk;
}
console.log(JSON.stringify({
	stream: { text, chunks, finish: last.choices[0].finish_reason, og: last.og, object: last.object },
	whole: { text: whole.choices[0].message.content, og: whole.og, usage: whole.usage,
		 finish: whole.choices[0].finish_reason },
	legacy: { text: ltext, og: llast.og },
}));
