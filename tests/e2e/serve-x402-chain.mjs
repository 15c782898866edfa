// SPDX-License-Identifier: GPL-2.0
// One x402 payment for tests/e2e/serve-x402-chain.t, signed by an independent
// implementation (micro-eth-signer's EIP-712 signTyped), and its
// transferWithAuthorization calldata (micro-eth-signer's ABI encoder), which
// the test may send to the token itself (a nonce used on chain first, a
// payer moving its balance away). Prints a JSON object.
//   node serve-x402-chain.mjs PAY_TO TOKEN CHAIN_ID NETWORK KEY VALUE VALID_FOR_S
import { addr } from 'micro-eth-signer';
import { createContract } from 'micro-eth-signer/abi.js';
import { randomBytes } from 'node:crypto';
import { hex, signAuthorization } from './x402-sign.mjs';

const [payTo, asset, chainId, network, key, value, validFor] = process.argv.slice(2);
const now = Math.floor(Date.now() / 1000);
const token = createContract([{
	type: 'function', name: 'transferWithAuthorization', outputs: [],
	inputs: ['from:address', 'to:address', 'value:uint256', 'validAfter:uint256',
		 'validBefore:uint256', 'nonce:bytes32', 'v:uint8', 'r:bytes32', 's:bytes32']
		.map((a) => ({ name: a.split(':')[0], type: a.split(':')[1] })),
}]);
const from = addr.fromPrivateKey(key);
const a = { from, to: payTo, value: String(value), validAfter: String(now - 60),
	    validBefore: String(now + Number(validFor)), nonce: hex(randomBytes(32)) };
const signature = signAuthorization(a, asset, chainId, key);
const sig = Buffer.from(signature.slice(2), 'hex');
console.log(JSON.stringify({
	from,
	header: Buffer.from(JSON.stringify({ x402Version: 1, scheme: 'exact', network,
		payload: { signature, authorization: a } })).toString('base64'),
	validBefore: a.validBefore,
	nonce: a.nonce,
	calldata: hex(token.transferWithAuthorization.encodeInput({
		from: a.from, to: a.to, value: BigInt(a.value), validAfter: BigInt(a.validAfter),
		validBefore: BigInt(a.validBefore), nonce: Buffer.from(a.nonce.slice(2), 'hex'),
		v: BigInt(sig[64]), r: sig.subarray(0, 32), s: sig.subarray(32, 64) })),
}));
