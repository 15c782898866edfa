// SPDX-License-Identifier: GPL-2.0
// The chain of tests/e2e/chain-x402-official.t, set up with viem: the
// Permit2 and x402 upto proxy fixtures at their canonical addresses
// (anvil_setCode), the USDC-like EIP-3009 token and OPG deployed, the payer
// funded with both and its Permit2 approval for OPG given. Prints JSON.
//   node x402-anvil.mjs setup RPC_URL SOLDIR PAYER_KEY
//   node x402-anvil.mjs balance RPC_URL TOKEN ADDRESS
import { PERMIT2_ADDRESS, x402UptoPermit2ProxyAddress } from '@x402/evm';
import { createPublicClient, createWalletClient, http, parseAbi, getAddress, defineChain } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { readFileSync, readdirSync } from 'node:fs';

const [cmd, url, ...args] = process.argv.slice(2);
const chain = defineChain({ id: 31337, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
	rpcUrls: { default: { http: [url] } } });
const pub = createPublicClient({ chain, transport: http(url) });
const rpc = (method, params) => pub.request({ method, params });
const erc20 = parseAbi(['function transfer(address, uint256) returns (bool)',
	'function approve(address, uint256) returns (bool)', 'function mint(address, uint256)',
	'function balanceOf(address) view returns (uint256)']);

if (cmd === 'balance') {
	console.log(String(await pub.readContract({ address: args[0], abi: erc20, functionName: 'balanceOf', args: [args[1]] })));
	process.exit(0);
}
const [soldir, payerKey] = args;
const sol = (name) => readFileSync(`${soldir}/${readdirSync(soldir).find((f) => f.endsWith(`_${name}.bin`))}`, 'utf8').trim();
const deployer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'; // anvil dev account 1
async function deploy(name, ctor = '') {
	const hash = await rpc('eth_sendTransaction', [{ from: deployer, data: '0x' + sol(name) + ctor, gas: '0x989680' }]);
	const r = await pub.waitForTransactionReceipt({ hash });
	if (r.status !== 'success')
		throw new Error(`deploying ${name} failed`);
	return getAddress(r.contractAddress);
}
for (const [name, at] of [['Permit2Fixture', PERMIT2_ADDRESS], ['X402UptoProxyFixture', x402UptoPermit2ProxyAddress]])
	await rpc('anvil_setCode', [at, await rpc('eth_getCode', [await deploy(name), 'latest'])]);
const payer = privateKeyToAccount(payerKey);
const token = await deploy('Eip3009Token');
// OPG: all six allocations to the deployer (a dev account anvil signs for)
const opg = await deploy('OPG', Array(6).fill(deployer.slice(2).toLowerCase().padStart(64, '0')).join(''));
const dev = createWalletClient({ account: deployer, chain, transport: http(url) });
const payerW = createWalletClient({ account: payer, chain, transport: http(url) });
const mined = async (hash) => {
	if ((await pub.waitForTransactionReceipt({ hash })).status !== 'success')
		throw new Error(`transaction ${hash} failed`);
};
await mined(await dev.writeContract({ address: token, abi: erc20, functionName: 'mint', args: [payer.address, 10n ** 12n] }));
await mined(await dev.writeContract({ address: opg, abi: erc20, functionName: 'transfer', args: [payer.address, 10n ** 24n] }));
await rpc('anvil_setBalance', [payer.address, '0xde0b6b3a7640000']);
await mined(await payerW.writeContract({ address: opg, abi: erc20, functionName: 'approve', args: [PERMIT2_ADDRESS, 2n ** 256n - 1n] }));
console.log(JSON.stringify({ token, opg, payer: payer.address }));
