// SPDX-License-Identifier: GPL-2.0
// The OpenAI npm client through a paid ogrun serve endpoint: its fetch is
// @x402/fetch's wrapFetchWithPayment (the official x402 client paying with
// `prefer`: exact or upto). Prints {content, usage, og} of the answer.
//   node x402-openai.mjs BASE_URL MODEL PAYER_KEY PREFER ALLOWED_ASSET...
import OpenAI from 'openai';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { ExactEvmScheme, UptoEvmScheme } from '@x402/evm';
import { privateKeyToAccount } from 'viem/accounts';

const [baseURL, model, key, prefer, ...assets] = process.argv.slice(2);
const account = privateKeyToAccount(key);
const client = new x402Client((version, accepts) => accepts.find((a) => a.scheme === prefer) ?? accepts[0]);
client.register('eip155:*', new ExactEvmScheme(account));
client.register('eip155:*', new UptoEvmScheme(account));
client.setSpendControls({ allowedAssets: assets.map((asset) => ({ network: 'eip155:*', asset })) });
const openai = new OpenAI({ baseURL, apiKey: 'unused', fetch: wrapFetchWithPayment(fetch, client), maxRetries: 0 });
const r = await openai.chat.completions.create({ model, max_tokens: 6,
	messages: [{ role: 'user', content: 'Once' }] });
console.log(JSON.stringify({ content: r.choices[0].message.content, usage: r.usage, og: r.og }));
