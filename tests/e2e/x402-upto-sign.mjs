// SPDX-License-Identifier: GPL-2.0
// A PAYMENT-SIGNATURE header made by the official x402 client (@x402/core
// x402Client + x402HTTPClient, @x402/evm UptoEvmScheme on a viem account)
// for the upto offer of a 402's PAYMENT-REQUIRED header value, optionally
// with the offer changed first (what a client fooled or a cheat would sign):
//   node x402-upto-sign.mjs PAYMENT_REQUIRED_B64 PAYER_KEY [FIELD=VALUE...]
// FIELD: amount, payTo, asset, network, facilitator (extra.facilitatorAddress),
// maxTimeoutSeconds. Prints the header value.
import { x402Client, x402HTTPClient } from '@x402/core/client';
import { UptoEvmScheme } from '@x402/evm';
import { privateKeyToAccount } from 'viem/accounts';

const [required, key, ...edits] = process.argv.slice(2);
const pr = JSON.parse(Buffer.from(required, 'base64').toString());
const offer = pr.accepts.find((a) => a.scheme === 'upto');
for (const e of edits) {
	const [k, v] = e.split('=');
	if (k === 'facilitator')
		offer.extra.facilitatorAddress = v;
	else
		offer[k] = k === 'maxTimeoutSeconds' ? Number(v) : v;
}
pr.accepts = [offer];
const client = new x402Client();
client.register('eip155:*', new UptoEvmScheme(privateKeyToAccount(key)));
client.setSpendControls(false); // the test's token is no default asset
const http = new x402HTTPClient(client);
console.log(http.encodePaymentSignatureHeader(await client.createPaymentPayload(pr))['PAYMENT-SIGNATURE']);
