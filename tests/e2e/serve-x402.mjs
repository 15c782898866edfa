// SPDX-License-Identifier: GPL-2.0
// x402 payment headers for tests/e2e/serve-x402.t, signed by an independent
// implementation (micro-eth-signer's EIP-712 signTyped): one valid payment
// and one of each defect the server must reject. Prints a JSON object of
// name -> header value (base64 of the x402 payment JSON).
//   node serve-x402.mjs PAY_TO ASSET CHAIN_ID NETWORK PRICE
import { addr } from 'micro-eth-signer';
import { randomBytes } from 'node:crypto';
import { hex, payer, payerKey, signAuthorization } from './x402-sign.mjs';

const [payTo, asset, chainId, network, price] = process.argv.slice(2);
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const otherKey = '0x' + '22'.repeat(32);
const now = Math.floor(Date.now() / 1000);

function pay(over = {}, key = payerKey, version = 1) {
	const { highS, ...fields } = over;
	const a = {
		from: payer, to: payTo, value: String(price), validAfter: String(now - 60),
		validBefore: String(now + 600), nonce: hex(randomBytes(32)), ...fields,
	};
	let signature = signAuthorization(a, asset, chainId, key);
	if (highS) {
		const s = BigInt('0x' + signature.slice(66, 130));
		const v = parseInt(signature.slice(130), 16);
		signature = signature.slice(0, 66) + (N - s).toString(16).padStart(64, '0') +
			(v === 27 ? '1c' : '1b');
	}
	const body = version === 1 ?
		{ x402Version: 1, scheme: 'exact', network, payload: { signature, authorization: a } } :
		{ x402Version: 2, accepted: { scheme: 'exact', network: `eip155:${chainId}`, amount: String(price),
		  asset, payTo }, payload: { signature, authorization: a } };
	return Buffer.from(JSON.stringify(body)).toString('base64');
}

const out = {
	payer,
	valid: pay(),
	valid2: pay(),
	chat: pay(),
	stream: pay(),
	v2: pay({}, payerKey, 2),
	expired: pay({ validAfter: String(now - 600), validBefore: String(now - 10) }),
	notyet: pay({ validAfter: String(now + 300), validBefore: String(now + 600) }),
	underpaid: pay({ value: String(BigInt(price) - 1n) }),
	wrongto: pay({ to: addr.fromPrivateKey('0x' + '33'.repeat(32)) }),
	highs: pay({ highS: true }),
	impostor: pay({}, otherKey),
};
console.log(JSON.stringify(out));
