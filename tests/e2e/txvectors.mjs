#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0
//
// Golden vectors for Keccak-256 and EIP-1559 transactions, made by an independent signer
// (micro-eth-signer, on noble-curves and noble-hashes): for each case, the
// signing hash, the signature, the raw signed bytes, the transaction hash and
// the sender. tests/unit/chain_test.c checks the C implementation against the
// committed file; tests/e2e/chain-vectors.t checks that the file is still what
// this signer produces.
//
//   node tests/e2e/txvectors.mjs > tests/vectors/chain.json
import { Transaction, addr } from 'micro-eth-signer';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';

const hex = (b) => '0x' + bytesToHex(b);
const U64MAX = (1n << 64n) - 1n;

// Secrets: anvil's first dev account (from its well-known mnemonic), and
// keccak256("ogx vector N"), so nothing here is a key anyone funds.
const secrets = ['0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'];
for (let i = 1; i <= 3; i++)
	secrets.push(hex(keccak_256(new TextEncoder().encode(`ogx vector ${i}`))));

const data = (n, f) => Uint8Array.from({ length: n }, (_, i) => f(i));
const cases = [
	{ chainId: 31337n, nonce: 0n, tip: 1000000000n, fee: 2000000000n, gas: 21000n, value: 0n, data: new Uint8Array() },
	{ chainId: 8453n, nonce: 1n, tip: 1n, fee: 1n, gas: 100000n, value: 1n, data: Uint8Array.of(0x00) },
	{ chainId: 84532n, nonce: 127n, tip: 0n, fee: 0n, gas: 30000000n, value: 0n, data: Uint8Array.of(0x7f) },
	{ chainId: 1n, nonce: 128n, tip: 2n, fee: 255n, gas: 21000n, value: 256n, data: Uint8Array.of(0x80) },
	{ chainId: 31337n, nonce: 4294967296n, tip: 1500000000n, fee: 100000000000n, gas: 60000n, value: 0n, data: data(55, (i) => i) },
	{ chainId: 8453n, nonce: U64MAX - 1n, tip: U64MAX, fee: U64MAX, gas: U64MAX, value: U64MAX, data: data(56, (i) => 255 - i) },
	{ chainId: 31337n, nonce: 7n, tip: 1000000000n, fee: 3000000000n, gas: 500000n, value: 0n, data: data(1024, (i) => (i * 7) & 0xff) },
	{ chainId: 84532n, nonce: 65535n, tip: 100n, fee: 1000000n, gas: 21000n, value: 1000000000000000000n, data: data(300, (i) => i & 0xff) },
];
const tos = [
	'0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
	'0x000000000000000000000000000000000000dead',
	'0xff00000000000000000000000000000000000000',
	'0x0000000000000000000000000000000000000000',
];

const out = [];
cases.forEach((c, i) => {
	const secret = secrets[i % secrets.length];
	const to = tos[i % tos.length];
	const tx = new Transaction('eip1559', {
		chainId: c.chainId, nonce: c.nonce, maxPriorityFeePerGas: c.tip, maxFeePerGas: c.fee,
		gasLimit: c.gas, to, value: c.value, data: hex(c.data), accessList: [],
	}, { strict: false });
	// Deterministic RFC 6979 nonces (no extra entropy), as libsecp256k1 signs.
	const signed = tx.signBy(secret, false);
	const sigHash = keccak_256(tx.toBytes({ includeSignature: false }));
	out.push({
		secret,
		sender: addr.fromPrivateKey(secret).toLowerCase(),
		chainId: c.chainId.toString(),
		nonce: c.nonce.toString(),
		maxPriorityFeePerGas: c.tip.toString(),
		maxFeePerGas: c.fee.toString(),
		gasLimit: c.gas.toString(),
		to,
		value: c.value.toString(),
		data: hex(c.data),
		signingHash: hex(sigHash),
		yParity: Number(signed.raw.yParity),
		r: '0x' + signed.raw.r.toString(16).padStart(64, '0'),
		s: '0x' + signed.raw.s.toString(16).padStart(64, '0'),
		raw: signed.toHex(),
		hash: signed.hash,
	});
	if (signed.recoverSender().address.toLowerCase() !== out[i].sender)
		throw new Error(`case ${i}: sender does not recover`);
});
// Keccak-256 across the block boundaries of its 136-byte rate.
const keccak = [0, 1, 135, 136, 137, 271, 272, 1000].map((n) => {
	const d = data(n, (i) => (i * 31 + 7) & 0xff);
	return { data: hex(d), hash: hex(keccak_256(d)) };
});
process.stdout.write(JSON.stringify({ keccak, tx: out }, null, 1) + '\n');
