#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# x402 payments checked on chain before the answer (ogrun serve --x402-rpc),
# on a real anvil with the EIP-3009 test token, payments signed by
# micro-eth-signer (independent of ogx), as a cheating client would send
# them: a payer without tokens; an authorization whose nonce is already used
# on chain; a payer that moves its balance away after an answer (the
# exposure ledger refuses the next one, also after a restart, and lets it go
# once ogsubmit settled the first); validBefore inside the settlement
# margin; the RPC down (rpcproxy.py): 503 with Retry-After, or served at
# risk up to the cap. Each refusal with its exact error. Then ogsubmit
# settles every payment the server accepted: payTo's balance is their sum.
set -u
. "$OGX_SRC/tests/e2e/tap.sh"
. "$OGX_SRC/tests/e2e/serve-lib.sh"
. "$OGX_SRC/tests/e2e/anvil.sh"
PROXY=
trap 'for p in $SERVE_PIDS $PROXY; do kill -KILL "$p" 2>/dev/null; done; anvil_cleanup; rm -rf "$TMP"' EXIT
PRICE=1000
PAYTO=0x1111111111111111111111111111111111111111
PAYER_KEY=0x$(printf '11%.0s' $(seq 32))
BROKE_KEY=0x$(printf '22%.0s' $(seq 32))
OTHER=0x3333333333333333333333333333333333333333

MODEL=$(classifier_model) || { echo "not ok 1 - training the classifier"; echo "1..1"; exit 1; }
zcat "$FASHION/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c 784 >"$TMP/img0"
infer_body fashion "$TMP/img0" >"$TMP/infer0.json"

anvil_start
submit_setup
send_tx() { # DATA [TO]: from anvil's second dev account; the receipt's status and contract
	local to=${2:+,\"to\":\"$2\"} h
	h=$(rpc_get eth_sendTransaction "[{\"from\":\"$ANVIL_ADDR1\",\"data\":\"$1\",\"gas\":\"0x4c4b40\"$to}]" 'r')
	rpc_get eth_getTransactionReceipt "[\"$h\"]" 'r["status"], r["contractAddress"]'
}
call() { rpc_get eth_call "[{\"to\":\"$1\",\"data\":\"$2\"},\"latest\"]" 'int(r, 16)'; }
pad() { printf '%064s' "$(echo "${1#0x}" | tr 'A-F' 'a-f')" | tr ' ' 0; }
(cd "$OGX_SRC" && node_modules/.bin/solcjs --bin --optimize -o "$ANVIL_TMP/sol" \
	tests/e2e/Eip3009Token.sol >/dev/null)
read -r st TOKEN <<<"$(send_tx "0x$(cat "$ANVIL_TMP"/sol/*Eip3009Token.bin)")"
check "the EIP-3009 token is deployed" 0x1 "$st"
balance() { call "$TOKEN" "0x70a08231$(pad "$1")"; }
mint() { send_tx "0x40c10f19$(pad "$1")$(printf '%064x' "$2")" "$TOKEN" >/dev/null; }
# sign KEY VALUE VALID_FOR_S [TO]: one payment (JSON: header, calldata, nonce, from)
sign() {
	node "$OGX_SRC/tests/e2e/serve-x402-chain.mjs" "${4:-$PAYTO}" "$TOKEN" 31337 anvil "$1" "$2" "$3"
}
PAYER=$(jget "$(sign "$PAYER_KEY" 1 600)" from)
BROKE=$(jget "$(sign "$BROKE_KEY" 1 600)" from)
mint "$PAYER" 5000
check "the payer holds 5000" 5000 "$(balance "$PAYER")"

python3 "$OGX_SRC/tests/e2e/rpcproxy.py" "$ANVIL_TMP/proxy.port" "${ANVIL_URL##*:}" &
PROXY=$!
wait_for 10 test -s "$ANVIL_TMP/proxy.port"
RPC=http://127.0.0.1:$(cat "$ANVIL_TMP/proxy.port")
SERVE_ARGS=(--model "fashion=$MODEL,price=$PRICE" --pay-to $PAYTO --asset "$TOKEN" --chain-id 31337
	--network anvil --key "$ANVIL_TMP/node.key" --spool "$ANVIL_TMP/spool"
	--state "$TMP/serve-state" --x402-rpc "$RPC" --x402-payer-ttl-ms 0 --x402-retry-after 3)
serve_start "${SERVE_ARGS[@]}"
check "ogrun serve starts, checking payments on chain through $RPC" 0 $?

# stop: SIGTERM, and the server's exit status (a sanitizer build's findings make it non-zero)
stop() {
	serve_stop
	check "ogrun serve stops cleanly" 0 $?
}
ACCEPTED=0 # the sum of the payments answered 200: ogsubmit must settle exactly that
# pay JSON: /v1/infer paid with that payment's header
pay() {
	req -H 'Content-Type: application/json' -H "X-PAYMENT: $(jget "$1" header)" \
		--data @"${BODYFILE:-$TMP/infer0.json}" "$URL/v1/infer"
	[ "$STATUS" = 200 ] && ACCEPTED=$((ACCEPTED + $2))
}
# refused DESC JSON VALUE CODE MESSAGE: 402 with that error and reason
refused() {
	pay "$2" "$3"
	check "$1: 402 $4" "402 $4" "$STATUS $(jget "$BODY" error)"
	check "$1: the reason" "X-OG-Payment-Error: $5" \
		"$(grep -i '^X-OG-Payment-Error' "$TMP/headers" | tr -d '\r')"
}

P=$(sign "$BROKE_KEY" $PRICE 600)
refused "a payer without tokens (fresh key, signature good)" "$P" $PRICE insufficient_funds \
	"payer $BROKE holds 0, less than this payment (1000) plus its 0 unsettled payments here (0)"

P1=$(sign "$PAYER_KEY" $PRICE 600)
pay "$P1" $PRICE
check "a funded payer: 200" 200 "$STATUS"

P=$(sign "$PAYER_KEY" $PRICE 600)
st=$(send_tx "$(jget "$P" calldata)" "$TOKEN")
check "an authorization sent to the token directly first (its nonce used on chain)" "0x1 None" "$st"
refused "then offered as payment" "$P" $PRICE nonce_already_used \
	"this authorization's nonce is already used on chain (authorizationState)"

# The payer moves 2500 away after its answer: 1500 left, which covers one
# payment but not one more beside the unsettled first (1000).
st=$(send_tx "$(jget "$(sign "$PAYER_KEY" 2500 600 $OTHER)" calldata)" "$TOKEN")
check "the payer moves 2500 away after the answer" "0x1 None 1500" "$st $(balance "$PAYER")"
refused "the next payment: the ledger counts the unsettled first" "$(sign "$PAYER_KEY" $PRICE 600)" \
	$PRICE insufficient_funds \
	"payer $PAYER holds 1500, less than this payment (1000) plus its 1 unsettled payment here (1000)"

P=$(sign "$PAYER_KEY" $PRICE 30)
refused "validBefore 30 s ahead, inside the 60 s settlement margin" "$P" $PRICE \
	invalid_exact_evm_payload_authorization_valid_before \
	"validBefore $(jget "$P" validBefore) leaves less than the settlement margin (60 s)"

req "$URL/metrics"
m() { echo "$BODY" | grep "^$1 " | cut -d' ' -f2; }
check "/metrics: refusals by reason, exposure, limits" \
	"2 1 1 1000 1 60 2.000 0.000 3 0" \
	"$(m 'ogx_x402_refusals_total{reason="insufficient_funds"}') $(m 'ogx_x402_refusals_total{reason="nonce_already_used"}') $(m 'ogx_x402_refusals_total{reason="invalid_exact_evm_payload_authorization_valid_before"}') $(m ogx_x402_exposure) $(m ogx_x402_open_payments) $(m ogx_x402_settle_margin_seconds) $(m ogx_x402_rpc_budget_seconds) $(m ogx_x402_payer_ttl_seconds) $(m ogx_x402_retry_after_seconds) $(m ogx_x402_at_risk_cap)"
n=$(m ogx_x402_rpc_seconds_count)
check "/metrics: the RPC latency of each of the 4 checks that reached the chain" 4 "$n"
stop
serve_start "${SERVE_ARGS[@]}"
refused "after a restart: the ledger is rebuilt from the nonce log" "$(sign "$PAYER_KEY" $PRICE 600)" \
	$PRICE insufficient_funds \
	"payer $PAYER holds 1500, less than this payment (1000) plus its 1 unsettled payment here (1000)"

# ogsubmit settles the first payment: 500 left; the payer tops up by 1000.
cat >>"$ANVIL_TMP/conf" <<EOC
settle_asset = $TOKEN
EOC
timeout 120 "$OGX_BUILD/ogsubmit" run --config "$ANVIL_TMP/conf" --once 2>"$TMP/submit1.log"
check "ogsubmit settles the first payment" "0 500" "$? $(balance "$PAYER")"
mint "$PAYER" 1000
pay "$(sign "$PAYER_KEY" $PRICE 600)" $PRICE
check "balance 1500, the first settled: it leaves the ledger (authorizationState), the payment is taken" \
	200 "$STATUS"
mint "$PAYER" 10000

# RPC down: refused with 503 and Retry-After, not served unchecked.
H1=$(jget "$(sign "$PAYER_KEY" $PRICE 600)" header)
H2=$(jget "$(sign "$PAYER_KEY" $PRICE 600)" header)
kill -USR1 "$PROXY"
req -H 'Content-Type: application/json' -H "X-PAYMENT: $H1" --data @"$TMP/infer0.json" "$URL/v1/infer"
why=$(jget "$BODY" error.message)
req -H 'Content-Type: application/json' -H "X-PAYMENT: $H2" --data @"$TMP/infer0.json" "$URL/v1/infer"
why2="$STATUS $(jget "$BODY" error.message)"
req -H 'Content-Type: application/json' -H "X-PAYMENT: $H1" --data @"$TMP/infer0.json" "$URL/v1/infer"
check "RPC down: 503 payment_check_unavailable, Retry-After: 3" \
	"503 payment_check_unavailable Retry-After: 3" \
	"$STATUS $(jget "$BODY" error.code) $(grep -i '^Retry-After' "$TMP/headers" | tr -d '\r')"
check "the reason names the RPC failure" \
	"cannot check the payment on chain (eth_call: Couldn't connect to server); retry after 3 s" "$why"
check "within Retry-After: 503 at once, no RPC tried" \
	"503 cannot check the payment on chain (the RPC failed a moment ago); retry after 3 s" "$why2"
kill -USR2 "$PROXY"
sleep 3.2
pay "$(sign "$PAYER_KEY" $PRICE 600)" $PRICE
check "RPC back, after Retry-After: 200" 200 "$STATUS"

req "$URL/metrics"
check "/metrics: the three 503s counted as rpc_unavailable" 3 \
	"$(m 'ogx_x402_refusals_total{reason="rpc_unavailable"}')"
stop

# A warm payer: its cached balance answers (no RPC), the exposure still counted.
serve_start "${SERVE_ARGS[@]}" --x402-payer-ttl-ms 60000
pay "$(sign "$PAYER_KEY" $PRICE 600)" $PRICE
st1=$STATUS
kill -USR1 "$PROXY"
pay "$(sign "$PAYER_KEY" $PRICE 600)" $PRICE
check "a returning payer within the TTL: 200 with the RPC down (cached balance)" "200 200" "$st1 $STATUS"
req "$URL/metrics"
check "one cache hit" 1 "$(m ogx_x402_payer_cache_hits_total)"
stop

# At risk: with the RPC down, a payer is served unchecked up to the cap.
serve_start "${SERVE_ARGS[@]}" --x402-at-risk-cap 1000
pay "$(sign "$PAYER_KEY" $PRICE 600)" $PRICE
st1=$STATUS
req -H 'Content-Type: application/json' -H "X-PAYMENT: $(jget "$(sign "$PAYER_KEY" $PRICE 600)" header)" \
	--data @"$TMP/infer0.json" "$URL/v1/infer"
check "--x402-at-risk-cap 1000, RPC down: one payment served at risk, the next 503" \
	"200 503" "$st1 $STATUS"
req "$URL/metrics"
check "counted as at risk" 1 "$(m ogx_x402_at_risk_accepted_total)"
kill -USR2 "$PROXY"
stop

# --x402-simulate: the transfer itself is run (eth_call) before the answer; the token's
# own refusal is the reason.
serve_start "${SERVE_ARGS[@]}" --x402-simulate
refused "--x402-simulate, a payer without tokens: the token's revert" "$(sign "$BROKE_KEY" $PRICE 600)" \
	$PRICE invalid_transaction_state \
	"the token refuses the transfer (eth_call: execution reverted: ERC20: transfer amount exceeds balance)"
pay "$(sign "$PAYER_KEY" $PRICE 600)" $PRICE
check "--x402-simulate, a funded payer: 200" 200 "$STATUS"
stop

# settle=before: the answer waits for the transfer, sent by the node's settlement account
# (anvil's third dev account) and mined; its hash is in X-PAYMENT-RESPONSE.
(umask 077 && echo 5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a \
	>"$ANVIL_TMP/settle.key")
infer_body fsb "$TMP/img0" >"$TMP/infer_sb.json"
"$OGRUN" serve --listen 127.0.0.1:0 "${SERVE_ARGS[@]}" --model "fsb=$MODEL,price=$PRICE,settle=before" \
	>/dev/null 2>"$TMP/err"
check "settle=before without --x402-settle-key: refused at start" \
	"2 ogrun: serve: --model fsb: settle=before needs --x402-rpc and --x402-settle-key" "$? $(cat "$TMP/err")"
serve_start "${SERVE_ARGS[@]}" --model "fsb=$MODEL,price=$PRICE,settle=before" \
	--x402-settle-key "$ANVIL_TMP/settle.key"
b0=$(balance $PAYTO)
P=$(sign "$PAYER_KEY" $PRICE 600)
SB_NONCE=$(jget "$P" nonce)
BODYFILE=$TMP/infer_sb.json pay "$P" $PRICE
resp=$(grep -i '^X-PAYMENT-RESPONSE: ' "$TMP/headers" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
tx=$(jget "$resp" transaction)
check "settle=before: 200 once payTo is paid, X-PAYMENT-RESPONSE settled" \
	"200 settled $((b0 + PRICE))" "$STATUS $(jget "$resp" settlement) $(balance $PAYTO)"
check "its transaction: mined, successful, the authorization used" "0x1 1" \
	"$(rpc_get eth_getTransactionReceipt "[\"$tx\"]" 'r["status"]') $(call "$TOKEN" "0xe94a0102$(pad "$PAYER")${SB_NONCE#0x}")"
BODYFILE=$TMP/infer_sb.json refused "settle=before, a payer without tokens: refused, nothing sent" \
	"$(sign "$BROKE_KEY" $PRICE 600)" $PRICE insufficient_funds \
	"payer $BROKE holds 0, less than this payment (1000)"
req "$URL/metrics"
check "/metrics: one answer settled before" 1 "$(m ogx_x402_settled_before_total)"
stop
# Not mined in time (anvil stops mining): refused, and the risk documented for this mode:
# the transfer may still be mined later (here it is: paid, not answered).
serve_start "${SERVE_ARGS[@]}" --model "fsb=$MODEL,price=$PRICE,settle=before" \
	--x402-settle-key "$ANVIL_TMP/settle.key" --x402-settle-timeout 1
rpc evm_setAutomine '[false]' >/dev/null
BODYFILE=$TMP/infer_sb.json pay "$(sign "$PAYER_KEY" $PRICE 600)" $PRICE
why=$(grep -i '^X-OG-Payment-Error' "$TMP/headers" | tr -d '\r')
tx=$(echo "$why" | sed -n 's/.*(transaction \(0x[0-9a-f]\{64\}\); it may still be)$/\1/p')
check "settle=before, not mined within --x402-settle-timeout 1: 402 unexpected_settle_error" \
	"402 unexpected_settle_error X-OG-Payment-Error: the transfer was not mined within 1 s (transaction $tx; it may still be)" \
	"$STATUS $(jget "$BODY" error) $why"
rpc evm_mine '[]' >/dev/null
rpc evm_setAutomine '[true]' >/dev/null
check "mined later: paid without an answer (the bound: one payment per timeout)" 0x1 \
	"$(rpc_get eth_getTransactionReceipt "[\"$tx\"]" 'r["status"]')"
LATE_PAID=$PRICE
stop

# Everything accepted is settled.
timeout 120 "$OGX_BUILD/ogsubmit" run --config "$ANVIL_TMP/conf" --once 2>"$TMP/submit2.log"
check "ogsubmit --once: exit 0; only the payment settled before its answer is 'already used', nothing else unsettled" \
	"0 1 1" \
	"$? $(grep -c 'not settled' "$TMP/submit2.log") $(grep -c "not settled: nonce $SB_NONCE is already used on chain" "$TMP/submit2.log")"
check "payTo holds exactly the sum of every payment answered 200 (and the one sent directly, and the one mined after its timeout)" \
	"$((ACCEPTED + PRICE + LATE_PAID))" "$(balance $PAYTO)"
echo "1..$T"
exit $FAILED
