#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# OPG, the fixture ERC-20 for tests and local networks
# (tools/ogsubmit/contracts/OPG.sol, on OpenZeppelin Contracts from npm,
# compiled with the pinned solc), deployed on anvil and checked by
# chain-opg.mjs with micro-eth-signer: supply and each allocation, no way to
# mint, an EIP-2612 permit signed outside ogx (and the permits it must
# refuse), transfers.
set -u
. "$OGX_SRC/tests/e2e/anvil.sh"
echo "1..23"

anvil_start
sol=$ANVIL_TMP/sol
(cd "$OGX_SRC" && node_modules/.bin/solcjs --bin --abi --optimize --base-path . \
	--include-path node_modules -o "$sol" tools/ogsubmit/contracts/OPG.sol >/dev/null)
check "solc compiles OPG.sol with OpenZeppelin's ERC20 and ERC20Permit" 0 "$?"
node "$OGX_SRC/tests/e2e/chain-opg.mjs" "$ANVIL_URL" "$sol"/*OPG_sol_OPG.bin \
	"$sol"/*OPG_sol_OPG.abi | awk -v t=1 '/^(not )?ok [0-9]+ /{ sub(/ok [0-9]+ /, "ok " ++t " ") } { print }'
exit $((FAILED | PIPESTATUS[0]))
