// SPDX-License-Identifier: GPL-2.0
// Permit2 and the x402 upto proxy on anvil (tests/e2e/chain-permit2.t): the
// fixtures' runtime code is put at the canonical addresses the official
// client signs for (anvil_setCode), OPG is deployed, and a payment made by
// the official x402 client (@x402/core x402Client, @x402/evm UptoEvmScheme
// on a viem account) is settled through the proxy with viem and
// @x402/evm's x402UptoPermit2ProxyABI — for less than its cap — by the
// facilitator it names. Prints TAP lines from 1.
//   node chain-permit2.mjs RPC_URL SOLDIR
import { x402Client, x402HTTPClient } from '@x402/core/client';
import { UptoEvmScheme, PERMIT2_ADDRESS, x402UptoPermit2ProxyABI,
	x402UptoPermit2ProxyAddress } from '@x402/evm';
import { createPublicClient, createWalletClient, http, encodeFunctionData, decodeErrorResult,
	hashDomain, parseAbi, getAddress, keccak256, toHex, defineChain } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { readFileSync, readdirSync } from 'node:fs';

const [url, soldir] = process.argv.slice(2);
const chain = defineChain({ id: 31337, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
	rpcUrls: { default: { http: [url] } } });
const pub = createPublicClient({ chain, transport: http(url) });
const sol = (name, ext) => readFileSync(`${soldir}/${readdirSync(soldir).find((f) => f.endsWith(`_${name}.${ext}`))}`, 'utf8');

let n = 0;
function check(desc, want, got) {
	n++;
	if (String(want) === String(got)) {
		console.log(`ok ${n} - ${desc}`);
	} else {
		console.log(`not ok ${n} - ${desc}\n#   want: ${want}\n#   got:  ${got}`);
		console.error(`not ok ${n} - ${desc} (chain-permit2.t)`);
		process.exitCode = 1;
	}
}
const rpc = (method, params) => pub.request({ method, params });

// anvil's dev accounts 1..3 (0 is left to ogsubmit in other tests)
const deployer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const facilitator = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const stranger = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
const payTo = '0x1111111111111111111111111111111111111111';
const payer = privateKeyToAccount(keccak256(toHex('ogx chain-permit2 payer')));
const wallet = (account) => createWalletClient({ account, chain, transport: http(url) });

async function deploy(name, args = '') {
	const hash = await rpc('eth_sendTransaction', [{ from: deployer, data: '0x' + sol(name, 'bin').trim() + args, gas: '0x989680' }]);
	return (await pub.waitForTransactionReceipt({ hash })).contractAddress;
}
// Put a fixture's runtime code at a canonical address.
async function install(name, at) {
	const tmp = await deploy(name);
	await rpc('anvil_setCode', [at, await rpc('eth_getCode', [tmp, 'latest'])]);
}
await install('Permit2Fixture', PERMIT2_ADDRESS);
await install('X402UptoProxyFixture', x402UptoPermit2ProxyAddress);

const permit2Abi = parseAbi(['function DOMAIN_SEPARATOR() view returns (bytes32)',
	'function nonceBitmap(address, uint256) view returns (uint256)',
	'error InvalidNonce()', 'error SignatureExpired(uint256)', 'error InvalidSigner()',
	'error InvalidAmount(uint256)']);
check('Permit2 fixture at the canonical address: its DOMAIN_SEPARATOR is viem\'s ("Permit2", 31337, address)',
	hashDomain({ domain: { name: 'Permit2', chainId: 31337, verifyingContract: PERMIT2_ADDRESS },
		types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'chainId', type: 'uint256' },
			{ name: 'verifyingContract', type: 'address' }] } }),
	await pub.readContract({ address: PERMIT2_ADDRESS, abi: permit2Abi, functionName: 'DOMAIN_SEPARATOR' }));
check('the upto proxy at its canonical address points at Permit2', PERMIT2_ADDRESS,
	await pub.readContract({ address: x402UptoPermit2ProxyAddress, abi: x402UptoPermit2ProxyABI, functionName: 'PERMIT2' }));

// OPG: every allocation to the payer-side accounts; the payer gets 1,000 OPG.
const E18 = 10n ** 18n;
const holder = privateKeyToAccount(keccak256(toHex('ogx chain-permit2 holder')));
const ctor = Array(6).fill(holder.address.slice(2).toLowerCase().padStart(64, '0')).join('');
const opg = getAddress(await deploy('OPG', ctor));
const erc20 = parseAbi(['function transfer(address, uint256) returns (bool)', 'function approve(address, uint256) returns (bool)',
	'function balanceOf(address) view returns (uint256)']);
for (const a of [holder.address, payer.address])
	await rpc('anvil_setBalance', [a, '0xde0b6b3a7640000']);
const tx = async (w, args) => (await pub.waitForTransactionReceipt({ hash: await w.writeContract(args) })).status;
await tx(wallet(holder), { address: opg, abi: erc20, functionName: 'transfer', args: [payer.address, 1000n * E18] });
check('payer approves Permit2 for OPG (the one-time step of Permit2 payments)', 'success',
	await tx(wallet(payer), { address: opg, abi: erc20, functionName: 'approve', args: [PERMIT2_ADDRESS, 2n ** 256n - 1n] }));

// The official client pays a PaymentRequired for an upto cap of 5 OPG.
const cap = 5n * E18;
const client = new x402Client();
client.setSpendControls({ allowedAssets: [{ network: 'eip155:*', asset: opg }] });
client.register('eip155:*', new UptoEvmScheme(payer));
const required = { x402Version: 2, error: 'payment_required', resource: { url: '/v1/chat/completions' },
	accepts: [{ scheme: 'upto', network: 'eip155:31337', amount: String(cap), asset: opg, payTo,
		maxTimeoutSeconds: 300, extra: { name: 'OPG', version: '1', assetTransferMethod: 'permit2',
			facilitatorAddress: facilitator } }] };
const pay = async () => (await client.createPaymentPayload(required)).payload;
const settleArgs = (p, amount) => [
	{ permitted: { token: p.permit2Authorization.permitted.token, amount: BigInt(p.permit2Authorization.permitted.amount) },
	  nonce: BigInt(p.permit2Authorization.nonce), deadline: BigInt(p.permit2Authorization.deadline) },
	amount, p.permit2Authorization.from,
	{ to: p.permit2Authorization.witness.to, facilitator: p.permit2Authorization.witness.facilitator,
	  validAfter: BigInt(p.permit2Authorization.witness.validAfter) },
	p.signature];
// eth_call of settle() from `from`: "ok" or the custom error's name (either ABI).
async function simulate(from, args) {
	try {
		await rpc('eth_call', [{ from, to: x402UptoPermit2ProxyAddress,
			data: encodeFunctionData({ abi: x402UptoPermit2ProxyABI, functionName: 'settle', args }) }, 'latest']);
		return 'ok';
	} catch (e) {
		const data = e.cause?.data ?? e.data ?? e.details;
		const hex = typeof data === 'string' ? data : data?.data;
		// InvalidAmount() is the proxies' base contract's; the 2.27.0 upto ABI does not list it
		for (const abi of [x402UptoPermit2ProxyABI, permit2Abi, parseAbi(['error InvalidAmount()'])]) {
			try { return decodeErrorResult({ abi, data: hex }).errorName; } catch {}
		}
		return `revert ${hex}`;
	}
}
const p1 = await pay();
check('the client signed for the upto proxy, payTo and the facilitator, cap = amount',
	`${x402UptoPermit2ProxyAddress} ${payTo} ${facilitator} ${cap}`,
	`${p1.permit2Authorization.spender} ${getAddress(p1.permit2Authorization.witness.to)} ` +
	`${p1.permit2Authorization.witness.facilitator} ${p1.permit2Authorization.permitted.amount}`);
check('settle() above the cap is refused (AmountExceedsPermitted)', 'AmountExceedsPermitted',
	await simulate(facilitator, settleArgs(p1, cap + 1n)));
check('settle() by another account is refused (UnauthorizedFacilitator)', 'UnauthorizedFacilitator',
	await simulate(stranger, settleArgs(p1, 1n)));
const forged = settleArgs(p1, 1n);
forged[3] = { ...forged[3], to: stranger }; // the facilitator redirects the money
check('settle() to another payee is refused by Permit2 (the witness is signed: InvalidSigner)', 'InvalidSigner',
	await simulate(facilitator, forged));
const charged = 1234567890123456789n; // the actual cost, below the cap
const before = await pub.readContract({ address: opg, abi: erc20, functionName: 'balanceOf', args: [payTo] });
check('the facilitator settles the actual cost, below the cap', 'success',
	await tx(wallet(facilitator), { address: x402UptoPermit2ProxyAddress, abi: x402UptoPermit2ProxyABI,
		functionName: 'settle', args: settleArgs(p1, charged) }));
check('payTo rose by exactly the charge', charged,
	(await pub.readContract({ address: opg, abi: erc20, functionName: 'balanceOf', args: [payTo] })) - before);
check('the payer lost exactly the charge', 1000n * E18 - charged,
	await pub.readContract({ address: opg, abi: erc20, functionName: 'balanceOf', args: [payer.address] }));
const nonce = BigInt(p1.permit2Authorization.nonce);
const word = await pub.readContract({ address: PERMIT2_ADDRESS, abi: permit2Abi, functionName: 'nonceBitmap',
	args: [payer.address, nonce >> 8n] });
check('Permit2 marks the nonce used (bit nonce & 255 of word nonce >> 8)', 1n, (word >> (nonce & 255n)) & 1n);
check('the same permit again is refused (InvalidNonce), even for the rest of the cap', 'InvalidNonce',
	await simulate(facilitator, settleArgs(p1, cap - charged)));
const p2 = await pay();
check('a second payment of the client: the full cap settles', 'ok', await simulate(facilitator, settleArgs(p2, cap)));
check('a charge of 0 is not sent: the proxy refuses it (InvalidAmount)', 'InvalidAmount',
	await simulate(facilitator, settleArgs(p2, 0n)));
console.log(`# OPG ${opg}, Permit2 ${PERMIT2_ADDRESS}, upto proxy ${x402UptoPermit2ProxyAddress}`);
