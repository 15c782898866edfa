#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0
//
// Golden vectors for x402 v2 `upto` payments through Permit2, made by the
// official x402 client (npm @x402/core x402Client + x402HTTPClient, @x402/evm
// UptoEvmScheme, on viem): each good case is the PAYMENT-SIGNATURE header
// value the client sends for a PaymentRequired, the EIP-712 digest
// (viem hashTypedData), the upto proxy's settle() calldata for a charge
// (viem encodeFunctionData over @x402/evm's x402UptoPermit2ProxyABI) and
// Permit2's nonceBitmap() calldata. The adversarial cases are signed with
// real keys by viem's signTypedData (the client would not make them) and
// carry the rejection code ogrun serve must give. The clock and the
// client's random nonce are fixed so that the file is reproducible.
// tests/unit/x402_upto_test.c holds the C code to the committed file;
// tests/e2e/chain-vectors.t checks the file is still what these produce.
//
//   node tests/e2e/uptovectors.mjs > tests/vectors/x402-upto.json
import { x402Client, x402HTTPClient } from '@x402/core/client';
import { UptoEvmScheme, PERMIT2_ADDRESS, x402UptoPermit2ProxyABI, x402UptoPermit2ProxyAddress,
	x402ExactPermit2ProxyAddress, uptoPermit2WitnessTypes } from '@x402/evm';
import { encodeFunctionData, hashTypedData, keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const NOW = 1765000000;
let draw = 0;
Date.now = () => NOW * 1000;
globalThis.crypto.getRandomValues = (a) => {
	// keccak256("ogx upto nonce N"): fixed, different per payment
	const h = Buffer.from(keccak256(toHex(`ogx upto nonce ${draw++}`)).slice(2), 'hex');
	a.set(h.subarray(0, a.length));
	return a;
};

// keccak256("ogx vector upto payer" / "... other"): keys nobody funds.
const payer = privateKeyToAccount(keccak256(toHex('ogx vector upto payer')));
const other = privateKeyToAccount(keccak256(toHex('ogx vector upto other')));
const PAY_TO = '0x1111111111111111111111111111111111111111';
const FACILITATOR = '0x2222222222222222222222222222222222222222';
const OPG = '0x3333333333333333333333333333333333333333';

function required(chainId, amount) {
	return {
		x402Version: 2,
		error: 'payment_required',
		resource: { url: '/v1/chat/completions' },
		accepts: [{ scheme: 'upto', network: `eip155:${chainId}`, amount: String(amount), asset: OPG,
			payTo: PAY_TO, maxTimeoutSeconds: 300,
			extra: { name: 'OPG', version: '1', assetTransferMethod: 'permit2',
				facilitatorAddress: FACILITATOR } }],
	};
}

// OPG is no default asset of the client: the payer allows it explicitly.
const client = new x402Client();
client.setSpendControls({ allowedAssets: [{ network: 'eip155:*', asset: OPG }] });
client.register('eip155:*', new UptoEvmScheme(payer));
const http = new x402HTTPClient(client);

const bitmapAbi = [{ type: 'function', name: 'nonceBitmap', stateMutability: 'view',
	inputs: [{ name: 'owner', type: 'address' }, { name: 'word', type: 'uint256' }],
	outputs: [{ type: 'uint256' }] }];

function typed(chainId, a, verifyingContract = PERMIT2_ADDRESS) {
	return {
		domain: { name: 'Permit2', chainId, verifyingContract },
		types: uptoPermit2WitnessTypes,
		primaryType: 'PermitWitnessTransferFrom',
		message: {
			permitted: { token: a.permitted.token, amount: BigInt(a.permitted.amount) },
			spender: a.spender, nonce: BigInt(a.nonce), deadline: BigInt(a.deadline),
			witness: { to: a.witness.to, facilitator: a.witness.facilitator,
				validAfter: BigInt(a.witness.validAfter) },
		},
	};
}

async function good(chainId, cap, charge) {
	const payload = await client.createPaymentPayload(required(chainId, cap));
	const header = http.encodePaymentSignatureHeader(payload)['PAYMENT-SIGNATURE'];
	const a = payload.payload.permit2Authorization;
	return {
		header, chainId, cap: String(cap), charge: String(charge),
		payer: payer.address, nonce: a.nonce, deadline: a.deadline,
		digest: hashTypedData(typed(chainId, a)),
		settle: encodeFunctionData({ abi: x402UptoPermit2ProxyABI, functionName: 'settle', args: [
			{ permitted: { token: a.permitted.token, amount: BigInt(a.permitted.amount) },
			  nonce: BigInt(a.nonce), deadline: BigInt(a.deadline) },
			BigInt(charge), a.from,
			{ to: a.witness.to, facilitator: a.witness.facilitator, validAfter: BigInt(a.witness.validAfter) },
			payload.payload.signature] }),
		bitmap: encodeFunctionData({ abi: bitmapAbi, functionName: 'nonceBitmap',
			args: [a.from, BigInt(a.nonce) >> 8n] }),
	};
}

// A payment the client made, changed in `edit` and signed again by `signer`
// (the signature is over the changed fields unless keepSig: then the old one).
async function bad(name, code, edit, { signer = payer, domain, keepSig, network } = {}) {
	const payload = await client.createPaymentPayload(required(8453, 1000000));
	const a = payload.payload.permit2Authorization;
	edit(a);
	const t = typed(domain?.chainId ?? 8453, a, domain?.verifyingContract);
	if (!keepSig)
		payload.payload.signature = await signer.signTypedData(t);
	if (network)
		payload.accepted.network = network;
	const header = http.encodePaymentSignatureHeader(payload)['PAYMENT-SIGNATURE'];
	return { name, code, header };
}

const out = {
	generator: 'tests/e2e/uptovectors.mjs (@x402/core, @x402/evm 2.27.0 on viem)',
	now: NOW,
	payTo: PAY_TO, facilitator: FACILITATOR, asset: OPG,
	permit2: PERMIT2_ADDRESS, proxy: x402UptoPermit2ProxyAddress,
	good: [
		await good(8453, 1000000, 1234),
		await good(31337, '1000000000000000000000', '999999999999999999999'),
		await good(8453, 5000, 0),
	],
	bad: [
		await bad('spender is the exact proxy', 'invalid_permit2_spender',
			(a) => { a.spender = x402ExactPermit2ProxyAddress; }),
		await bad('witness.to is not payTo', 'invalid_permit2_recipient_mismatch',
			(a) => { a.witness.to = other.address; }),
		await bad('witness.facilitator is someone else', 'upto_facilitator_mismatch',
			(a) => { a.witness.facilitator = other.address; }),
		await bad('another token', 'permit2_token_mismatch',
			(a) => { a.permitted.token = PAY_TO; }),
		await bad('cap below the price', 'permit2_amount_mismatch',
			(a) => { a.permitted.amount = '999999'; }),
		await bad('deadline passed', 'permit2_deadline_expired',
			(a) => { a.deadline = String(NOW - 1); }),
		await bad('deadline within the 6 s margin', 'permit2_deadline_expired',
			(a) => { a.deadline = String(NOW + 5); }),
		await bad('validAfter in the future', 'permit2_not_yet_valid',
			(a) => { a.witness.validAfter = String(NOW + 60); }),
		await bad('signed by another key', 'invalid_permit2_signature', () => {},
			{ signer: other }),
		await bad('signed for another chain (1)', 'invalid_permit2_signature', () => {},
			{ domain: { chainId: 1 } }),
		await bad('signed for another verifying contract', 'invalid_permit2_signature', () => {},
			{ domain: { chainId: 8453, verifyingContract: x402UptoPermit2ProxyAddress } }),
		await bad('amount raised after signing', 'invalid_permit2_signature',
			(a) => { a.permitted.amount = '1000001'; }, { keepSig: true }),
		await bad('network of another chain', 'invalid_upto_evm_network_mismatch', () => {},
			{ network: 'eip155:1' }),
	],
};
console.log(JSON.stringify(out, null, 1));
