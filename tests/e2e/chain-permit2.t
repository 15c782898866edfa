#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Permit2 `upto` payments on anvil with the official x402 client: the
# Permit2 and x402 upto proxy fixtures (tests/e2e/Permit2Fixture.sol,
# X402UptoProxyFixture.sol, written to the interface @x402/evm calls) and
# OPG, compiled with the pinned solc; chain-permit2.mjs puts the fixtures
# at the canonical addresses, lets @x402/evm's UptoEvmScheme sign a payment
# and settles it through the proxy for less than the cap, and checks what
# the proxy and Permit2 must refuse.
set -u
. "$OGX_SRC/tests/e2e/anvil.sh"
echo "1..15"

anvil_start
sol=$ANVIL_TMP/sol
(cd "$OGX_SRC" && node_modules/.bin/solcjs --bin --abi --optimize --base-path . \
	--include-path node_modules -o "$sol" tests/e2e/Permit2Fixture.sol \
	tests/e2e/X402UptoProxyFixture.sol tools/ogsubmit/contracts/OPG.sol >/dev/null)
check "solc compiles the Permit2 and upto proxy fixtures and OPG" 0 "$?"
node "$OGX_SRC/tests/e2e/chain-permit2.mjs" "$ANVIL_URL" "$sol" |
	awk -v t=1 '/^(not )?ok [0-9]+ /{ sub(/ok [0-9]+ /, "ok " ++t " ") } { print }'
exit $((FAILED | PIPESTATUS[0]))
