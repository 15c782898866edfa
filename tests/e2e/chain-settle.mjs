// SPDX-License-Identifier: GPL-2.0
// x402 payments for tests/e2e/chain-settle.t, signed by an independent
// implementation (micro-eth-signer's EIP-712 signTyped) for the test's
// EIP-3009 token on anvil, and the transferWithAuthorization calldata of one
// of them (micro-eth-signer's ABI encoder), which the test sends itself to
// use that nonce up before ogsubmit gets to it. Prints a JSON object.
//   node chain-settle.mjs PAY_TO TOKEN CHAIN_ID NETWORK PRICE COUNT SHORT_S
import { addr } from 'micro-eth-signer';
import { createContract } from 'micro-eth-signer/abi.js';
import { randomBytes } from 'node:crypto';
import { hex, payer, signAuthorization } from './x402-sign.mjs';

const [payTo, asset, chainId, network, price, count, shortS] = process.argv.slice(2);
const now = Math.floor(Date.now() / 1000);
const token = createContract([{
	type: 'function', name: 'transferWithAuthorization', outputs: [],
	inputs: ['from:address', 'to:address', 'value:uint256', 'validAfter:uint256',
		 'validBefore:uint256', 'nonce:bytes32', 'v:uint8', 'r:bytes32', 's:bytes32']
		.map((a) => ({ name: a.split(':')[0], type: a.split(':')[1] })),
}]);

const brokeKey = '0x' + '22'.repeat(32); // a payer the token never minted to

// lowV: the header carries v as 0/1 (the y parity alone), which the server
// accepts as 27/28 (one rule with ogsubmit): such a payment must settle too.
function pay(value, validBefore, key, lowV) {
	const from = key ? addr.fromPrivateKey(key) : payer;
	const a = { from, to: payTo, value: String(value), validAfter: String(now - 60),
		    validBefore: String(validBefore), nonce: hex(randomBytes(32)) };
	const signature = signAuthorization(a, asset, chainId, key);
	const sent = lowV ? signature.slice(0, 130) +
		(parseInt(signature.slice(130), 16) - 27).toString(16).padStart(2, '0') : signature;
	const header = Buffer.from(JSON.stringify({ x402Version: 1, scheme: 'exact', network,
		payload: { signature: sent, authorization: a } })).toString('base64');
	const sig = Buffer.from(signature.slice(2), 'hex');
	const calldata = hex(token.transferWithAuthorization.encodeInput({
		from: a.from, to: a.to, value: BigInt(a.value), validAfter: BigInt(a.validAfter),
		validBefore: BigInt(a.validBefore), nonce: Buffer.from(a.nonce.slice(2), 'hex'), v: BigInt(sig[64]),
		r: sig.subarray(0, 32), s: sig.subarray(32, 64) }));
	return { header, value: a.value, nonce: a.nonce, validBefore: a.validBefore, calldata,
		 v: parseInt(sent.slice(130), 16) };
}

// Values differ (price + i) so that a payment settled twice or lost shows in the sum.
// The first two with v 0/1 in the header.
const good = [...Array(Number(count)).keys()].map((i) => pay(BigInt(price) + BigInt(i), now + 900,
	undefined, i < 2));
console.log(JSON.stringify({
	payer,
	good,
	sum: String(good.reduce((s, p) => s + BigInt(p.value), 0n)),
	short: pay(BigInt(price) + 1000n, now + Number(shortS)),
	used: pay(BigInt(price) + 2000n, now + 900),
	broke: pay(BigInt(price) + 3000n, now + 900, brokeKey),
	late: pay(BigInt(price) + 5000n, now + 900),
	brokePayer: addr.fromPrivateKey(brokeKey),
}));
