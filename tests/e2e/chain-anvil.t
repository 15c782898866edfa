#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# EIP-1559 transactions built and signed in C (ogsubmit send) against a real
# EVM node (anvil): mined, read back identical, nonces in order, and the
# errors a user meets (wrong chain id, a key without funds, no node) reported
# as one clear line.
set -u
. "$OGX_SRC/tests/e2e/anvil.sh"
OGSUBMIT=$OGX_BUILD/ogsubmit
echo "1..17"

anvil_start
check "anvil answers eth_chainId" 31337 "$(rpc_get eth_chainId '[]' 'int(r, 16)')"

key=$ANVIL_TMP/dev0.key
(umask 077 && echo "$ANVIL_KEY0" >"$key")
check "key show gives the dev account's address" "$ANVIL_ADDR0" "$("$OGSUBMIT" key show "$key")"

# A transaction with calldata, waited for.
out=$("$OGSUBMIT" send --rpc "$ANVIL_URL" --key "$key" --to "$ANVIL_ADDR1" \
	--data 0xdeadbeef --chain-id 31337 --wait 30 2>&1)
rc=$?
check "send with --wait exits 0" 0 "$rc"
hash=$(echo "$out" | sed -n 1p)
check "receipt says success" success "$(echo "$out" | sed -n 2p | awk '{print $4}')"
tx=$(rpc "eth_getTransactionByHash" "[\"$hash\"]")
check "node indexes it under our hash, type 2, our calldata, nonce 0" \
	"$hash 0x2 0xdeadbeef 0x0" \
	"$(echo "$tx" | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(r["hash"], r["type"], r["input"], r["nonce"])')"
check "sender recovered by the node is the dev account" "${ANVIL_ADDR0,,}" \
	"$(echo "$tx" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["from"].lower())')"

# 1 KiB of calldata (long RLP headers) with the next nonce.
data=0x$(head -c 1024 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
out=$("$OGSUBMIT" send --rpc "$ANVIL_URL" --key "$key" --to "$ANVIL_ADDR1" --data "$data" \
	--wait 30 2>&1)
check "1 KiB calldata transaction mined" 0 "$?"
hash=$(echo "$out" | sed -n 1p)
check "calldata read back byte for byte, nonce 1" "$data 0x1" \
	"$(rpc_get eth_getTransactionByHash "[\"$hash\"]" 'r["input"], r["nonce"]' | tr -d "(),'")"
gas_used=$(rpc_get eth_getTransactionReceipt "[\"$hash\"]" 'int(r["gasUsed"], 16)')
check "gas used is the calldata gas (EIP-2028 / EIP-7623 floor) computed here" \
	"$(python3 -c "import sys; d=bytes.fromhex('${data#0x}'); z=d.count(0); n=len(d)-z; print(max(21000+4*z+16*n, 21000+10*(z+4*n)))")" \
	"$gas_used"
check "account nonce is now 2" 2 \
	"$(rpc_get eth_getTransactionCount "[\"$ANVIL_ADDR0\",\"latest\"]" 'int(r, 16)')"

# Errors a user can reach.
out=$("$OGSUBMIT" send --rpc "$ANVIL_URL" --key "$key" --to "$ANVIL_ADDR1" --chain-id 8453 2>&1)
rc=$?
check "wrong chain id refused" \
	"1 ogsubmit: $ANVIL_URL: chain id is 31337, not 8453 as --chain-id says" "$rc $out"

poor=$ANVIL_TMP/poor.key
"$OGSUBMIT" key gen "$poor" >/dev/null
out=$("$OGSUBMIT" send --rpc "$ANVIL_URL" --key "$poor" --to "$ANVIL_ADDR1" --gas 21000 2>&1)
rc=$?
check "a key without funds fails with exit 1" 1 "$rc"
case "$out" in
"ogsubmit: $ANVIL_URL: eth_sendRawTransaction: "*[Ii]nsufficient\ funds*) ok "and says insufficient funds" ;;
*) not_ok "and says insufficient funds"; echo "# $out" ;;
esac

out=$("$OGSUBMIT" send --rpc "$ANVIL_URL" --key "$key" --to "$ANVIL_ADDR1" --data 0xabc 2>&1)
check "--data that is not hex bytes" "2 ogsubmit: send: --data is not hex bytes" "$? $out"
out=$("$OGSUBMIT" send --rpc "$ANVIL_URL" --key "$key" --to 0x1234 2>&1)
check "--to that is not an address" \
	"2 ogsubmit: send: --to: address '0x1234' is not 40 hex digits" "$? $out"

chmod 644 "$key"
check "a key readable by others is refused" \
	"ogsubmit: $key: key file mode 0644 is readable by others; chmod 600 it" \
	"$("$OGSUBMIT" send --rpc "$ANVIL_URL" --key "$key" --to "$ANVIL_ADDR1" 2>&1)"
chmod 600 "$key"

kill "$ANVIL_PID"
wait "$ANVIL_PID" 2>/dev/null
url=$ANVIL_URL
ANVIL_PID=
check "no node: one line naming the URL" \
	"ogsubmit: $url: eth_chainId: Couldn't connect to server" \
	"$("$OGSUBMIT" send --rpc "$url" --key "$key" --to "$ANVIL_ADDR1" 2>&1)"
exit $FAILED
