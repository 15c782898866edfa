#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The committed golden vectors are exactly what their independent
# producers make today: tests/vectors/chain.json (tests/unit/chain_test.c)
# from micro-eth-signer, tests/vectors/x402-upto.json
# (tests/unit/x402_upto_test.c) from the official x402 client (@x402/evm).
set -u
echo "1..2"
if [ ! -d "$OGX_SRC/node_modules/micro-eth-signer" ]; then
	echo "Bail out! micro-eth-signer is not installed: run 'make node_modules' (npm ci)"
	exit 1
fi
tmp=$(mktemp /tmp/ogx-vectors-XXXXXX)
trap 'rm -f "$tmp"' EXIT
if (cd "$OGX_SRC" && node tests/e2e/txvectors.mjs >"$tmp") &&
	cmp -s "$tmp" "$OGX_SRC/tests/vectors/chain.json"; then
	echo "ok 1 - micro-eth-signer reproduces tests/vectors/chain.json"
else
	echo "not ok 1 - micro-eth-signer reproduces tests/vectors/chain.json"
	diff "$OGX_SRC/tests/vectors/chain.json" "$tmp" | head -20 | sed 's/^/# /'
	exit 1
fi
if (cd "$OGX_SRC" && node tests/e2e/uptovectors.mjs >"$tmp") &&
	cmp -s "$tmp" "$OGX_SRC/tests/vectors/x402-upto.json"; then
	echo "ok 2 - @x402/evm's upto client reproduces tests/vectors/x402-upto.json"
else
	echo "not ok 2 - @x402/evm's upto client reproduces tests/vectors/x402-upto.json"
	diff "$OGX_SRC/tests/vectors/x402-upto.json" "$tmp" | head -20 | sed 's/^/# /'
	exit 1
fi
