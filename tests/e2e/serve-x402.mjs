// SPDX-License-Identifier: GPL-2.0
// x402 payment headers for tests/e2e/serve-x402.t, signed by an independent
// implementation (micro-eth-signer's EIP-712 signTyped): one valid payment
// and one of each defect the server must reject. Prints a JSON object of
// name -> header value (base64 of the x402 payment JSON).
//   node serve-x402.mjs PAY_TO ASSET CHAIN_ID NETWORK PRICE
import { addr, signTyped } from 'micro-eth-signer';
import { randomBytes } from 'node:crypto';

const [payTo, asset, chainId, network, price] = process.argv.slice(2);
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const payerKey = '0x' + '11'.repeat(32);
const otherKey = '0x' + '22'.repeat(32);
const payer = addr.fromPrivateKey(payerKey);
const now = Math.floor(Date.now() / 1000);
const hex = (b) => '0x' + Buffer.from(b).toString('hex');

const types = {
	TransferWithAuthorization: [
		{ name: 'from', type: 'address' }, { name: 'to', type: 'address' },
		{ name: 'value', type: 'uint256' }, { name: 'validAfter', type: 'uint256' },
		{ name: 'validBefore', type: 'uint256' }, { name: 'nonce', type: 'bytes32' },
	],
};
const domain = { name: 'USDC', version: '2', chainId: BigInt(chainId), verifyingContract: asset };

function pay(over = {}, key = payerKey, version = 1) {
	const { highS, ...fields } = over;
	const a = {
		from: payer, to: payTo, value: String(price), validAfter: String(now - 60),
		validBefore: String(now + 600), nonce: hex(randomBytes(32)), ...fields,
	};
	const message = { ...a, value: BigInt(a.value), validAfter: BigInt(a.validAfter),
			  validBefore: BigInt(a.validBefore) };
	let signature = signTyped({ types, primaryType: 'TransferWithAuthorization', domain, message },
				  key, false);
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
	v2: pay({}, payerKey, 2),
	expired: pay({ validAfter: String(now - 600), validBefore: String(now - 10) }),
	notyet: pay({ validAfter: String(now + 300), validBefore: String(now + 600) }),
	underpaid: pay({ value: String(BigInt(price) - 1n) }),
	wrongto: pay({ to: addr.fromPrivateKey('0x' + '33'.repeat(32)) }),
	highs: pay({ highS: true }),
	impostor: pay({}, otherKey),
};
console.log(JSON.stringify(out));
