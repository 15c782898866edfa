// SPDX-License-Identifier: GPL-2.0
// The OPG fixture token (tools/ogsubmit/contracts/OPG.sol) on anvil, checked
// from outside with an independent implementation (micro-eth-signer: ABI
// coder, EIP-712 signer, transaction signer). Prints TAP lines from 1; the
// plan is tests/e2e/chain-opg.t's.
//   node chain-opg.mjs RPC_URL INIT_HEX_FILE ABI_FILE
import { addr, signTyped, Transaction } from 'micro-eth-signer';
import { createContract } from 'micro-eth-signer/abi.js';
import { readFileSync } from 'node:fs';

const [url, initFile, abiFile] = process.argv.slice(2);
const abi = JSON.parse(readFileSync(abiFile, 'utf8'));
const opg = createContract(abi);
const hex = (b) => '0x' + Buffer.from(b).toString('hex');
const E18 = 10n ** 18n;

let n = 0;
function check(desc, want, got) {
	n++;
	if (String(want) === String(got)) {
		console.log(`ok ${n} - ${desc}`);
	} else {
		console.log(`not ok ${n} - ${desc}\n#   want: ${want}\n#   got:  ${got}`);
		console.error(`not ok ${n} - ${desc} (chain-opg.t)`);
		process.exitCode = 1;
	}
}

async function rpc(method, params) {
	const r = await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json();
	if (r.error)
		throw new Error(`${method}: ${r.error.message}`);
	return r.result;
}

// Keys of our own: every allocation holder, so that each can sign.
const key = (i) => '0x' + (i + 0x30).toString(16).padStart(2, '0').repeat(32);
const holders = [0, 1, 2, 3, 4, 5].map((i) => addr.fromPrivateKey(key(i)));
const percent = [40n, 30n, 10n, 10n, 6n, 4n];
const deployer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'; // anvil dev account 1
const relayer = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'; // anvil dev account 2

async function receipt(hash) {
	for (let i = 0; i < 100; i++) {
		const r = await rpc('eth_getTransactionReceipt', [hash]);
		if (r)
			return r;
		await new Promise((res) => setTimeout(res, 50));
	}
	throw new Error(`no receipt for ${hash}`);
}
// A transaction from an unlocked dev account (anvil signs).
async function sendDev(from, to, data) {
	const tx = { from, data, gas: '0x4c4b40' };
	if (to)
		tx.to = to;
	return receipt(await rpc('eth_sendTransaction', [tx]));
}
// A transaction signed here, by micro-eth-signer, from one of our keys.
async function sendSigned(k, to, data) {
	const from = addr.fromPrivateKey(k);
	const nonce = BigInt(await rpc('eth_getTransactionCount', [from, 'pending']));
	const tx = Transaction.prepare({ to, data, nonce, chainId: 31337n, value: 0n,
		maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n, gasLimit: 200000n });
	return receipt(await rpc('eth_sendRawTransaction', [tx.signBy(k).toHex(true)]));
}
async function call(token, name, args) {
	const data = hex(opg[name].encodeInput(args));
	return opg[name].decodeOutput(Buffer.from((await rpc('eth_call', [{ to: token, data }, 'latest'])).slice(2), 'hex'));
}
// eth_call that must revert: the revert data's selector, or "no revert".
async function revertSelector(to, data, from) {
	const r = await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call',
			params: [{ to, data, ...(from && { from }) }, 'latest'] }) })).json();
	if (!r.error)
		return 'no revert';
	return typeof r.error.data === 'string' && r.error.data.length > 2 ? r.error.data.slice(0, 10) :
		'revert without data';
}
// An error's selector, from the ABI: keccak of its signature via micro-eth-signer's coder.
function errorSelector(sig) {
	const [name, args] = sig.split(/[()]/);
	const c = createContract([{ type: 'function', name, outputs: [],
		inputs: args ? args.split(',').map((t, i) => ({ name: `a${i}`, type: t })) : [] }]);
	const ts = args ? args.split(',') : [];
	const v = (t) => (t === 'address' ? deployer : 0n);
	const input = ts.length === 0 ? undefined : ts.length === 1 ? v(ts[0]) :
		Object.fromEntries(ts.map((t, i) => [`a${i}`, v(t)]));
	return hex(c[name].encodeInput(input).slice(0, 4));
}

const init = readFileSync(initFile, 'utf8').trim();
// constructor(address ecosystem, contributors, investors, staking, liquidity, airdrop)
const ctorArgs = holders.map((h) => h.slice(2).toLowerCase().padStart(64, '0')).join('');
const dep = await sendDev(deployer, null, '0x' + init + ctorArgs);
check('OPG deploys with the six allocation addresses', '0x1', dep.status);
const token = dep.contractAddress;

check('name, symbol, decimals', 'OPG OPG 18',
	`${await call(token, 'name')} ${await call(token, 'symbol')} ${await call(token, 'decimals')}`);
check('total supply: 1,000,000,000 OPG (18 decimals)', 1000000000n * E18, await call(token, 'totalSupply'));
const bal = [];
for (const h of holders)
	bal.push(await call(token, 'balanceOf', h));
check('allocations 40/30/10/10/6/4 % of the supply',
	percent.map((p) => p * 10000000n * E18).join(' '), bal.join(' '));
check('the deployer holds nothing', 0n, await call(token, 'balanceOf', deployer));

// No way to mint: neither in the ABI nor in the deployed code.
const code = await rpc('eth_getCode', [token, 'latest']);
const mintSigs = ['mint(address,uint256)', 'mint(uint256)', 'mintTo(address,uint256)',
	'issue(address,uint256)', '_mint(address,uint256)'];
const found = mintSigs.filter((s) => code.includes(errorSelector(s).slice(2)));
check('no mint selector in the runtime bytecode', '', found.join(','));
check('no mint, burn or owner function in the ABI', '',
	abi.filter((f) => f.type === 'function' && /mint|burn|owner/i.test(f.name)).map((f) => f.name).join(','));
check('mint(address,uint256) called anyway: reverts (no such function)', 'revert without data',
	await revertSelector(token, errorSelector('mint(address,uint256)').padEnd(2 + 8 + 128, '0'), deployer));

// EIP-2612 permit, signed by micro-eth-signer for the airdrop holder.
const owner = holders[5], ownerKey = key(5);
const domain = { name: 'OPG', version: '1', chainId: 31337n, verifyingContract: token };
const types = { Permit: [{ name: 'owner', type: 'address' }, { name: 'spender', type: 'address' },
	{ name: 'value', type: 'uint256' }, { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' }] };
function permitData(m, k) {
	const sig = Buffer.from(signTyped({ types, primaryType: 'Permit', domain, message: m }, k || ownerKey, false).slice(2), 'hex');
	return hex(opg.permit.encodeInput({ owner: m.owner, spender: m.spender, value: m.value,
		deadline: m.deadline, v: BigInt(sig[64]), r: sig.subarray(0, 32), s: sig.subarray(32, 64) }));
}
const m = { owner, spender: relayer, value: 1234n * E18, nonce: 0n, deadline: BigInt(Math.floor(Date.now() / 1000)) + 3600n };
check('eip712Domain(): name OPG, version 1, chain 31337, the token', `OPG 1 31337 ${token.toLowerCase()}`,
	(({ name, version, chainId, verifyingContract }) => `${name} ${version} ${chainId} ${verifyingContract.toLowerCase()}`)(await call(token, 'eip712Domain')));
// the chain's clock, not ours: eth_call runs at the latest block's timestamp
const chainNow = BigInt((await rpc('eth_getBlockByNumber', ['latest', false])).timestamp);
const expired = permitData({ ...m, deadline: chainNow - 1n });
check('a permit past its deadline is refused (ERC2612ExpiredSignature)',
	errorSelector('ERC2612ExpiredSignature(uint256)'), await revertSelector(token, expired, relayer));
const forged = permitData(m, key(4)); // signed by another holder for owner's tokens
check('a permit signed by someone else is refused (ERC2612InvalidSigner)',
	errorSelector('ERC2612InvalidSigner(address,address)'), await revertSelector(token, forged, relayer));
const good = permitData(m);
const r1 = await sendDev(relayer, token, good); // submitted by a third party, gas paid by it
check('a permit signed by the owner, sent by the spender: mined', '0x1', r1.status);
check('allowance set by the permit', m.value, await call(token, 'allowance', { owner, spender: relayer }));
check('the owner\'s permit nonce is now 1', 1n, await call(token, 'nonces', owner));
check('the same permit again is refused (nonce used)',
	errorSelector('ERC2612InvalidSigner(address,address)'), await revertSelector(token, good, relayer));

// Transfers: the spender moves part of the allowance; a holder transfers with its own signed tx.
const dest = addr.fromPrivateKey(key(9));
const r2 = await sendDev(relayer, token, hex(opg.transferFrom.encodeInput({ from: owner, to: dest, value: 1000n * E18 })));
check('transferFrom under the permit\'s allowance', '0x1', r2.status);
check('balances after transferFrom', `${40000000n * E18 - 1000n * E18} ${1000n * E18} ${234n * E18}`,
	`${await call(token, 'balanceOf', owner)} ${await call(token, 'balanceOf', dest)} ` +
	`${await call(token, 'allowance', { owner, spender: relayer })}`);
check('transferFrom above the allowance is refused (ERC20InsufficientAllowance)',
	errorSelector('ERC20InsufficientAllowance(address,uint256,uint256)'),
	await revertSelector(token, hex(opg.transferFrom.encodeInput({ from: owner, to: dest, value: 235n * E18 })), relayer));
await rpc('anvil_setBalance', [holders[0], '0xde0b6b3a7640000']); // gas for the ecosystem holder
const r3 = await sendSigned(key(0), token, hex(opg.transfer.encodeInput({ to: dest, value: 5n })));
check('transfer signed by the holder (micro-eth-signer transaction)', '0x1', r3.status);
check('balances after transfer', `${400000000n * E18 - 5n} ${1000n * E18 + 5n}`,
	`${await call(token, 'balanceOf', holders[0])} ${await call(token, 'balanceOf', dest)}`);
check('a transfer above the balance is refused (ERC20InsufficientBalance)',
	errorSelector('ERC20InsufficientBalance(address,uint256,uint256)'),
	await revertSelector(token, hex(opg.transfer.encodeInput({ to: dest, value: 1000n * E18 + 6n })), dest));
check('the supply did not change', 1000000000n * E18, await call(token, 'totalSupply'));
console.log(`# OPG at ${token}`);
