#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# x402 settlement end to end on a real anvil: an EIP-3009 token (the test
# fixture Eip3009Token.sol, compiled with the pinned solc) is deployed and
# mints to a payer; the payer signs authorizations with micro-eth-signer
# (npm, independent of ogx); a real `ogrun serve` takes them as payment for
# /v1/infer and writes each into the answer's proof record; `ogsubmit run`
# (settle_asset = the token) settles them, killed with -9 nine times in the
# middle (right after its first transaction, then at random moments) and
# restarted each time. Then payTo holds exactly the sum of the payments, one
# Transfer each; an authorization that expired before ogsubmit got to it,
# one whose nonce someone else used on chain first, and one from a payer
# without tokens (the token rejects it) are each reported, not sent. Last, a
# payment whose transaction a raised base fee keeps out of blocks is settled
# by its fee-bumped replacement, once.
set -u
. "$OGX_SRC/tests/e2e/tap.sh"
. "$OGX_SRC/tests/e2e/serve-lib.sh"
. "$OGX_SRC/tests/e2e/anvil.sh"
DAEMON=
trap 'for p in $SERVE_PIDS $DAEMON; do kill -KILL "$p" 2>/dev/null; done; anvil_cleanup; rm -rf "$TMP"' EXIT
OGSUBMIT=$OGX_BUILD/ogsubmit
N=24
PRICE=1000
SHORT_S=20 # valid when paid (under load, signing to paying took over 6 s), expired before ogsubmit
PAYTO=0x1111111111111111111111111111111111111111
TRANSFER_TOPIC=0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef

MODEL=$(classifier_model) || { echo "not ok 1 - training the classifier"; echo "1..1"; exit 1; }
zcat "$FASHION/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c 784 >"$TMP/img0"
infer_body fashion "$TMP/img0" >"$TMP/infer0.json"

anvil_start
submit_setup
# send_tx DATA [TO]: from anvil's second dev account (ogsubmit owns the first's
# nonces); prints the receipt's status and contract address.
send_tx() {
	local to=${2:+,\"to\":\"$2\"} h
	h=$(rpc_get eth_sendTransaction "[{\"from\":\"$ANVIL_ADDR1\",\"data\":\"$1\",\"gas\":\"0x4c4b40\"$to}]" 'r')
	rpc_get eth_getTransactionReceipt "[\"$h\"]" 'r["status"], r["contractAddress"]'
}
# call TO DATA: eth_call's result as a decimal number.
call() {
	rpc_get eth_call "[{\"to\":\"$1\",\"data\":\"$2\"},\"latest\"]" 'int(r, 16)'
}

(cd "$OGX_SRC" && node_modules/.bin/solcjs --bin --optimize -o "$ANVIL_TMP/sol" \
	tests/e2e/Eip3009Token.sol >/dev/null)
INIT=0x$(cat "$ANVIL_TMP"/sol/*Eip3009Token.bin)
read -r st TOKEN <<<"$(send_tx "$INIT")"
read -r st2 OTHER <<<"$(send_tx "$INIT")"
check "the EIP-3009 token is deployed (twice: a second token for the wrong-asset case)" \
	"0x1 0x1" "$st $st2"
TOKEN_CS=$(node -e 'import("micro-eth-signer").then(m=>console.log(m.addr.addChecksum(process.argv[1])))' "$TOKEN")
OTHER_CS=$(node -e 'import("micro-eth-signer").then(m=>console.log(m.addr.addChecksum(process.argv[1])))' "$OTHER")

SERVE_ARGS=(--model "fashion=$MODEL,price=$PRICE" --pay-to $PAYTO --asset "$TOKEN" --chain-id 31337
	--network anvil --asset-name USDC --asset-version 2 --key "$ANVIL_TMP/node.key"
	--spool "$ANVIL_TMP/spool" --state "$TMP/serve-state" --x402-settle-margin 0)
# (margin 0: the 'short' payment, SHORT_S ahead, must reach ogsubmit to be reported expired there;
# serve-x402-chain.t has the margin's refusal)
serve_start "${SERVE_ARGS[@]}"
check "ogrun serve starts, priced in the token" 0 $?
P=$(node "$OGX_SRC/tests/e2e/chain-settle.mjs" $PAYTO "$TOKEN" 31337 anvil $PRICE $N $SHORT_S)
check "payments signed with micro-eth-signer" 0 $?
PAYER=$(jget "$P" payer)
pad() { printf '%064s' "$(echo "${1#0x}" | tr 'A-F' 'a-f')" | tr ' ' 0; }
st=$(send_tx "0x40c10f19$(pad "$PAYER")$(printf '%064x' 1000000000)" "$TOKEN")
check "minted to the payer" "0x1 None" "$st"

# pay JSON-PATH: /v1/infer paid with that payment; "status settlement record og.id seq".
pay() {
	req -H 'Content-Type: application/json' -H "X-PAYMENT: $(jget "$P" "$1.header")" \
		--data @"$TMP/infer0.json" "$URL/v1/infer"
	local r
	r=$(grep -i '^X-PAYMENT-RESPONSE: ' "$TMP/headers" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
	echo "$STATUS $(jget "$r" settlement) $(jget "$r" record) $(jget "$BODY" og.id) $(jget "$BODY" og.seq)"
}
read -r s1 s2 rid oid SHORT_SEQ <<<"$(pay short)"
check "a paid answer: X-PAYMENT-RESPONSE says settlement queued, for the answer's record" \
	"200 queued $oid" "$s1 $s2 $rid"
good=0
for i in $(seq 0 $((N - 1))); do
	read -r s1 s2 rid oid _ <<<"$(pay "good.$i")"
	[ "$s1 $s2 $rid" = "200 queued $oid" ] && good=$((good + 1))
done
check "$N more paid answers, each queued for its record" $N $good
read -r s1 s2 rid oid USED_SEQ <<<"$(pay used)"
check "and one more, whose authorization someone else will settle first" "200 queued" "$s1 $s2"
read -r s1 s2 rid oid BROKE_SEQ <<<"$(pay broke)"
check "and one from a payer without tokens (the server cannot know)" "200 queued" "$s1 $s2"
serve_stop
check "ogrun serve stops cleanly" 0 $?

# Someone (anyone may) sends the last authorization to the token first.
st=$(send_tx "$(jget "$P" used.calldata)" "$TOKEN")
check "the 'used' authorization settled directly by a third party" "0x1 None" "$st"
balance() { call "$TOKEN" "0x70a08231$(pad $PAYTO)"; }
USED_VALUE=$(jget "$P" used.value)
check "payTo's balance before ogsubmit: that one payment" "$USED_VALUE" "$(balance)"

# Let the short authorization expire before ogsubmit sees it.
SHORT_VB=$(jget "$P" short.validBefore)
while [ "$(date +%s)" -le "$SHORT_VB" ]; do sleep 0.2; done

# Blocks now come every 200 ms, not per transaction, and at most 4 payments
# fly at once, so payments stay in flight long enough to be killed in the
# middle of: right after its first
# transaction, then at KILLS random moments (10-250 ms after each start).
KILLS=${OGX_SETTLE_KILLS:-8}
rpc evm_setAutomine '[false]' >/dev/null
miner_start
cat >>"$ANVIL_TMP/conf" <<EOC
settle_asset = $TOKEN
confirmations = 2
settle_inflight = 4
EOC
LOG=$ANVIL_TMP/run.log
: >"$LOG"
"$OGSUBMIT" run --config "$ANVIL_TMP/conf" 2>>"$LOG" &
DAEMON=$!
wait_for 60 grep -q 'transferWithAuthorization sent' "$LOG"
rc=$?
kill -9 $DAEMON
rc="$rc $?"
wait $DAEMON 2>/dev/null
check "kill -9 right after the first settlement transaction is sent" "0 0" "$rc"
for k in $(seq "$KILLS"); do
	"$OGSUBMIT" run --config "$ANVIL_TMP/conf" 2>>"$LOG" &
	DAEMON=$!
	sleep "0.$(printf '%03d' $((RANDOM % 240 + 10)))"
	kill -9 $DAEMON; wait $DAEMON 2>/dev/null
done
DAEMON=
timeout 180 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once 2>>"$LOG"
check "restarted, ogsubmit run --once: everything settled, exit 0" 0 $?

SUM=$(jget "$P" sum)
check "payTo's on-chain balance grew by exactly the sum of the $N payments" \
	"$((SUM + USED_VALUE))" "$(balance)"
transfers=$(rpc_get eth_getLogs "[{\"address\":\"$TOKEN\",\"fromBlock\":\"0x0\",\"topics\":[\"$TRANSFER_TOPIC\",null,\"0x$(pad $PAYTO)\"]}]" 'len(r)')
check "one Transfer to payTo per payment: each authorization used once" $((N + 1)) "$transfers"
nonces_used=0
for i in $(seq 0 $((N - 1))); do
	n=$(jget "$P" "good.$i.nonce")
	[ "$(call "$TOKEN" "0xe94a0102$(pad "$PAYER")${n#0x}")" = 1 ] && nonces_used=$((nonces_used + 1))
done
check "authorizationState: every paid nonce is used on chain" $N $nonces_used
check "those include two whose headers said v 0/1 (accepted as 27/28, settled as such)" \
	"yes yes" "$([ "$(jget "$P" good.0.v)" -lt 27 ] && echo yes) $([ "$(jget "$P" good.1.v)" -lt 27 ] && echo yes)"
settled=$(grep "^ogsubmit: payment [0-9]* (record seq [0-9]*, [0-9]* from $PAYER): settled to $PAYTO in block" "$LOG" | cut -d' ' -f3)
check "ogsubmit's log: no payment settled twice across the restarts" \
	"$(echo "$settled" | sort -u | wc -l)" "$(echo "$settled" | wc -l)"
check "the expired authorization: reported, not sent" \
	"ogsubmit: payment X (record seq $SHORT_SEQ, $(jget "$P" short.value) from $PAYER): not settled: authorization expired (validBefore $SHORT_VB); not sent" \
	"$(grep 'not settled: authorization expired' "$LOG" | sed 's/payment [0-9]* /payment X /' | sort -u)"
check "the nonce used by someone else: detected, not sent" \
	"ogsubmit: payment X (record seq $USED_SEQ, $USED_VALUE from $PAYER): not settled: nonce $(jget "$P" used.nonce) is already used on chain (authorizationState); not sent" \
	"$(grep 'not settled: nonce' "$LOG" | sed 's/payment [0-9]* /payment X /' | sort -u)"
check "the payer without tokens: the token rejects it, reported, not sent" \
	"ogsubmit: payment X (record seq $BROKE_SEQ, $(jget "$P" broke.value) from $(jget "$P" brokePayer)): not settled: the token rejects the transfer (eth_estimateGas: execution reverted: ERC20: transfer amount exceeds balance); not sent" \
	"$(grep 'not settled: the token rejects' "$LOG" | sed 's/payment [0-9]* /payment X /' | sort -u)"
check "no settlement transaction reverted" 0 "$(grep -c 'transaction reverted' "$LOG")"
check "the journal is compacted to nothing once all is settled" 0 "$(wc -c <"$ANVIL_TMP/state/journal")"
verify_chain $((N + 3)) >/dev/null
check "ogverify chain: the $((N + 3)) records on chain exactly once" 0 $?

# A fee bump: one more payment, whose transaction a raised base fee keeps
# out of the block; ogsubmit replaces it (same nonce, higher fee, journaled
# first) and the replacement settles it, once.
serve_start "${SERVE_ARGS[@]}"
read -r s1 s2 rid oid LATE_SEQ <<<"$(pay late)"
serve_stop
check "one more paid answer, later" "200 queued" "$s1 $s2"
kill "$MINER_PID"; wait "$MINER_PID" 2>/dev/null; MINER_PID=
BLOG=$TMP/bump.log
: >"$BLOG"
# systemd's STATUS= too, through a fake NOTIFY_SOCKET (as chain-submit.t).
notify_listen "$TMP/notify.sock" "$TMP/notify.log" 120
NOTIFY_SOCKET=$TMP/notify.sock "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --bump-after-ms 500 \
	2>"$BLOG" &
DAEMON=$!
wait_for 30 grep -q 'transferWithAuthorization sent' "$BLOG"
read -r LATE_ID hash1 <<<"$(sed -n 's/^ogsubmit: payment \([0-9]*\): transferWithAuthorization sent, nonce [0-9]*, transaction \(0x[0-9a-f]*\)$/\1 \2/p' "$BLOG")"
fee1=$(grep "^T $LATE_ID .* ${hash1#0x} " "$ANVIL_TMP/state/journal" | cut -d' ' -f5)
rpc anvil_setNextBlockBaseFeePerGas "[\"0x$(printf %x $((fee1 * 5)))\"]" >/dev/null
rpc evm_mine '[]' >/dev/null
check "a base fee above its max fee: the block leaves the payment's transaction out" None \
	"$(rpc_get eth_getTransactionReceipt "[\"$hash1\"]" 'r')"
wait_for 30 grep -q "^ogsubmit: payment $LATE_ID: fee bumped" "$BLOG"
check "ogsubmit replaces it with a bumped fee" 0 $?
nonces=$(grep "^T $LATE_ID " "$ANVIL_TMP/state/journal" | cut -d' ' -f3)
check "the replacement is journaled, with the same nonce" "1 yes" \
	"$(echo "$nonces" | sort -u | wc -l) $([ "$(echo "$nonces" | wc -l)" -ge 2 ] && echo yes)"
miner_start
wait_for 60 grep -q "^ogsubmit: payment $LATE_ID (record seq $LATE_SEQ, .*): settled to" "$BLOG"
check "the replacement settles it" 0 $?
kill -TERM $DAEMON; wait $DAEMON
check "SIGTERM: exit 0" 0 $?
DAEMON=
wait "$NOTIFY_PID"
grep -q '|STATUS=.*; payments: 1 open, 0 settled, 0 not settled$' "$TMP/notify.log"
check "STATUS= while it is in flight: payments: 1 open" 0 $?
check "STATUS= at the end: payments: 1 settled" "payments: 0 open, 1 settled, 0 not settled" \
	"$(grep '^WATCHDOG=1|STATUS=' "$TMP/notify.log" | tail -1 | sed 's/.*; //')"
LATE_VALUE=$(jget "$P" late.value)
check "payTo's balance: exactly one more payment" "$((SUM + USED_VALUE + LATE_VALUE))" "$(balance)"
check "the first transaction was never mined" None \
	"$(rpc_get eth_getTransactionReceipt "[\"$hash1\"]" 'r')"
h=$(rpc_get eth_getLogs "[{\"address\":\"$TOKEN\",\"fromBlock\":\"0x0\",\"topics\":[\"$TRANSFER_TOPIC\",null,\"0x$(pad $PAYTO)\"]}]" 'r[-1]["transactionHash"]')
echo "# gas used by one settlement (the test token, not USDC's proxy): $(rpc_get eth_getTransactionReceipt "[\"$h\"]" 'int(r["gasUsed"], 16)')"

# Configuration and payments that are not ours to settle.
"$OGSUBMIT" run --config "$ANVIL_TMP/conf" --settle-asset nope --check 2>"$TMP/err"
check "settle_asset not an address: exit 2, the key named" \
	"2 ogsubmit: --settle-asset: settle_asset: 'nope' is not 0x and 40 hex digits" "$? $(cat "$TMP/err")"
"$OGSUBMIT" run --config "$ANVIL_TMP/conf" --settle-asset 0x000000000000000000000000000000000000bEEF \
	--once 2>"$TMP/err"
check "settle_asset without code: refused at start" \
	"1 ogsubmit: settle_asset 0x000000000000000000000000000000000000bEEF has no code: it must be the EIP-3009 token contract" \
	"$? $(tail -1 "$TMP/err")"
sed -i '/^settle_asset/d' "$ANVIL_TMP/conf"
timeout 120 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --state-dir "$ANVIL_TMP/state2" --once 2>"$TMP/err"
check "without settle_asset: each payment reported as not settled" \
	"0 $((N + 4)) ogsubmit: record seq $LATE_SEQ: payment not settled: settle_asset is not set" \
	"$? $(grep -c 'payment not settled: settle_asset is not set' "$TMP/err") $(grep 'payment not settled' "$TMP/err" | tail -1)"
timeout 120 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --state-dir "$ANVIL_TMP/state3" \
	--settle-asset "$OTHER" --once 2>"$TMP/err"
check "another token's payments: reported as not settled" \
	"0 $((N + 4)) ogsubmit: record seq $LATE_SEQ: payment not settled: its asset $TOKEN_CS is not settle_asset $OTHER_CS" \
	"$? $(grep -c 'payment not settled: its asset' "$TMP/err") $(grep 'payment not settled' "$TMP/err" | tail -1)"
check "and payTo's balance did not move" "$((SUM + USED_VALUE + LATE_VALUE))" "$(balance)"
if [ $FAILED -ne 0 ]; then
	echo "# ogsubmit's log:"
	sed 's/^/#   /' "$LOG"
fi
echo "1..$T"
exit $FAILED
