#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The committed golden vectors (tests/vectors/chain.json, which
# tests/unit/chain_test.c holds the C code to) are exactly what the
# independent signer (npm micro-eth-signer) produces today.
set -u
echo "1..1"
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
