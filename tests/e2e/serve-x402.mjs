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
	const { highS, v, enc, ...fields } = over;
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
	if (v === 'low') // the same signature with v 0/1 (the parity alone) for 27/28
		signature = signature.slice(0, 130) +
			(parseInt(signature.slice(130), 16) - 27).toString(16).padStart(2, '0');
	else if (v !== undefined)
		signature = signature.slice(0, 130) + v.toString(16).padStart(2, '0');
	if (enc) // the same numbers spelled otherwise (the signature covers the numbers)
		Object.assign(a, enc(a));
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
	// v 0/1 for 27/28 (wallets write either): accepted, and recorded as 27/28
	v0: withParity(0), v1: withParity(1),
	vtwo: pay({ v: 2 }),
	// quantities as BigInt() reads them: 0x hex and leading zeros
	hexq: pay({ enc: (a) => ({ value: '0x' + BigInt(a.value).toString(16).toUpperCase(),
		validBefore: '0x00' + BigInt(a.validBefore).toString(16),
		validAfter: '000' + a.validAfter }) }),
	// from with one letter's case flipped: fails the EIP-55 checksum
	badsum: pay({ enc: (a) => ({ from: flipCase(a.from) }) }),
	lowfrom: pay({ enc: (a) => ({ from: a.from.toLowerCase() }) }),
};
// A payment signed with y parity p, sent with v = p (not 27 + p).
function withParity(p) {
	for (;;) {
		const h = pay({ v: 'low' });
		const sig = JSON.parse(Buffer.from(h, 'base64')).payload.signature;
		if (parseInt(sig.slice(130), 16) === p)
			return h;
	}
}
function flipCase(addr) {
	const i = [...addr].findIndex((c, k) => k > 1 && /[a-fA-F]/.test(c));
	const c = addr[i];
	return addr.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) +
		addr.slice(i + 1);
}
console.log(JSON.stringify(out));
