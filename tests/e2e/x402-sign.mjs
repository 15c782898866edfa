// SPDX-License-Identifier: GPL-2.0
// What the x402 test signers share (serve-x402.mjs, chain-settle.mjs): the
// payer, and EIP-3009 TransferWithAuthorization typed data signed with
// micro-eth-signer's EIP-712 signTyped, independent of ogx.
import { addr, signTyped } from 'micro-eth-signer';

export const payerKey = '0x' + '11'.repeat(32);
export const payer = addr.fromPrivateKey(payerKey);
export const hex = (b) => '0x' + Buffer.from(b).toString('hex');

const types = {
	TransferWithAuthorization: [
		{ name: 'from', type: 'address' }, { name: 'to', type: 'address' },
		{ name: 'value', type: 'uint256' }, { name: 'validAfter', type: 'uint256' },
		{ name: 'validBefore', type: 'uint256' }, { name: 'nonce', type: 'bytes32' },
	],
};

// a: the authorization with decimal strings; the token's domain is USDC's ("USDC", "2").
export function signAuthorization(a, asset, chainId, key) {
	const message = { ...a, value: BigInt(a.value), validAfter: BigInt(a.validAfter),
			  validBefore: BigInt(a.validBefore) };
	const domain = { name: 'USDC', version: '2', chainId: BigInt(chainId),
			 verifyingContract: asset };
	return signTyped({ types, primaryType: 'TransferWithAuthorization', domain, message },
			 key || payerKey, false);
}
