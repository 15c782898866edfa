// SPDX-License-Identifier: GPL-2.0
// One request paid by the official x402 client: @x402/fetch's
// wrapFetchWithPayment over @x402/core's x402Client with @x402/evm's
// ExactEvmScheme (EIP-3009) and UptoEvmScheme (Permit2) registered for
// every eip155 chain, on a viem account. The 402's PAYMENT-REQUIRED header
// is what the client reads; `prefer` picks the scheme among the accepts.
// Prints {status, body, response} (response: PAYMENT-RESPONSE decoded).
//   node x402-official.mjs URL BODY_JSON PAYER_KEY PREFER(exact|upto) ALLOWED_ASSET...
import { wrapFetchWithPayment, x402Client, decodePaymentResponseHeader } from '@x402/fetch';
import { ExactEvmScheme, UptoEvmScheme } from '@x402/evm';
import { privateKeyToAccount } from 'viem/accounts';

const [url, body, key, prefer, ...assets] = process.argv.slice(2);
const account = privateKeyToAccount(key);
const client = new x402Client((version, accepts) =>
	accepts.find((a) => a.scheme === prefer) ?? accepts[0]);
client.register('eip155:*', new ExactEvmScheme(account));
client.register('eip155:*', new UptoEvmScheme(account));
// the test tokens are no default asset of the client: the payer allows them
client.setSpendControls({ allowedAssets: assets.map((asset) => ({ network: 'eip155:*', asset })) });
const pay = wrapFetchWithPayment(fetch, client);
const r = await pay(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const h = r.headers.get('PAYMENT-RESPONSE') ?? r.headers.get('X-PAYMENT-RESPONSE');
console.log(JSON.stringify({ status: r.status, body: await r.text(),
	response: h ? decodePaymentResponseHeader(h) : null }));
