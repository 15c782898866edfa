#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# x402 v2 upto (Permit2) on ogrun serve, without a chain: a 402 offers exact
# and upto; payments signed by the official client (@x402/evm UptoEvmScheme,
# tests/e2e/x402-upto-sign.mjs) for the offer, or for the offer changed as a
# cheat would, are served or refused with the reference facilitator's code;
# a nonce is refused the second time, also after a restart; the record's
# payment holds the charge; a model without token_price refuses upto.
. "$OGX_SRC/tests/e2e/tap.sh"
. "$OGX_SRC/tests/e2e/serve-lib.sh"
need_models
"$OGRUN" key gen >/dev/null || exit 1
ST=$OGX_MODELS/stories260K
PAYTO=0x1111111111111111111111111111111111111111
ASSET=0x036CbD53842c5426634e7929541eC2318f3dCF7e
OPG=0x3333333333333333333333333333333333333333
FAC=0x2222222222222222222222222222222222222222
KEY=0x$(printf '5a%.0s' $(seq 32))
SERVE_ARGS=(--model "stories=$ST/stories260K.bin,tokenizer=$ST/tok512.bin,price=1000,token_price=3"
	--model "exactonly=$ST/stories260K.bin,tokenizer=$ST/tok512.bin,price=1000"
	--model "uptoonly=$ST/stories260K.bin,tokenizer=$ST/tok512.bin,token_price=3"
	--pay-to $PAYTO --asset $ASSET --chain-id 84532 --network base-sepolia
	--upto-asset $OPG --facilitator $FAC --max-timeout 600 --state "$TMP/state")
JSON=(-H 'Content-Type: application/json')
body() { echo "{\"model\":\"$1\",\"messages\":[{\"role\":\"user\",\"content\":\"Once\"}],\"max_tokens\":${2:-5}}"; }
serve_start "${SERVE_ARGS[@]}"
ok $? "server starts with token_price and --upto-asset/--facilitator"

req "${JSON[@]}" --data "$(body stories)" "$URL/v1/chat/completions"
PR=$(grep -i '^PAYMENT-REQUIRED: ' "$TMP/headers" | cut -d' ' -f2 | tr -d '\r')
v2=$(echo "$PR" | base64 -d)
check "402: PAYMENT-REQUIRED offers exact then upto (cap 3 x max_tokens 5, Permit2)" \
	"402 exact upto 15 $OPG permit2 $FAC" \
	"$STATUS $(jget "$v2" accepts.0.scheme) $(jget "$v2" accepts.1.scheme) $(jget "$v2" accepts.1.amount) $(jget "$v2" accepts.1.asset) $(jget "$v2" accepts.1.extra.assetTransferMethod) $(jget "$v2" accepts.1.extra.facilitatorAddress)"
check "and the body is the v1 exact offer, for v1 clients" "1 exact 1000 1" \
	"$(jget "$BODY" x402Version) $(jget "$BODY" accepts.0.scheme) $(jget "$BODY" accepts.0.maxAmountRequired) $(jget "$BODY" accepts.length)"

sign() { node "$OGX_SRC/tests/e2e/x402-upto-sign.mjs" "$PR" "$KEY" "$@"; }
# paid MODEL HEADER: the chat with that payment
paid() { req "${JSON[@]}" -H "PAYMENT-SIGNATURE: $2" --data "$(body "$1")" "$URL/v1/chat/completions"; }
# refused DESC CODE HEADER [MODEL]
refused() {
	paid "${4:-stories}" "$3"
	check "$1: 402 $2" "402 $2" "$STATUS $(jget "$BODY" error)"
}
GOOD=$(sign)
paid stories "$GOOD"
resp=$(grep -i '^PAYMENT-RESPONSE: ' "$TMP/headers" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
ID=$(jget "$BODY" og.id)
CT=$(jget "$BODY" usage.completion_tokens)
check "a payment by the official client: 200, PAYMENT-RESPONSE with the charge for the record" \
	"200 true $((3 * CT)) queued $ID" \
	"$STATUS $(jget "$resp" success) $(jget "$resp" amount) $(jget "$resp" settlement) $(jget "$resp" record)"
req -H 'Accept: application/json' "$URL/v1/records/$ID"
check "the record's payment: scheme upto, the charge (key 7), the cap (key 13), the facilitator" \
	"upto $((3 * CT)) 15 ${FAC#0x}" \
	"$(jget "$BODY" payment.1) $(jget "$BODY" payment.7) $(jget "$BODY" payment.13) $(jget "$BODY" payment.15)"
refused "the same header again" permit2_invalid_nonce "$GOOD"
# a stream: the headers leave before the charge is known ("pending"); the record has it
curl -s -N -D "$TMP/sh" -o "$TMP/stream" "${JSON[@]}" -H "PAYMENT-SIGNATURE: $(sign)" \
	--data '{"model":"stories","stream":true,"messages":[{"role":"user","content":"Once"}],"max_tokens":5}' \
	"$URL/v1/chat/completions"
sresp=$(grep -i '^PAYMENT-RESPONSE: ' "$TMP/sh" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
SID=$(grep '"og"' "$TMP/stream" | tail -1 | sed 's/^data: //' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).og.id))')
NOUT=$(grep -c '"delta":{"content"' "$TMP/stream")
req -H 'Accept: application/json' "$URL/v1/records/$SID"
check "a paid stream: PAYMENT-RESPONSE pending (no amount); its record holds the charge" \
	"pending undefined upto yes" \
	"$(jget "$sresp" settlement) $(jget "$sresp" amount) $(jget "$BODY" payment.1) $([ "$(jget "$BODY" payment.7)" -gt 0 ] && [ "$(jget "$BODY" payment.7)" -le 15 ] && echo yes)"
refused "signed for another facilitator" upto_facilitator_mismatch "$(sign facilitator=0x4444444444444444444444444444444444444444)"
refused "signed to another payee" invalid_permit2_recipient_mismatch "$(sign payTo=0x4444444444444444444444444444444444444444)"
refused "another token" permit2_token_mismatch "$(sign asset=$ASSET)"
refused "a cap below this request's most" permit2_amount_mismatch "$(sign amount=14)"
refused "signed for another chain" invalid_upto_evm_network_mismatch "$(sign network=eip155:8453)"
refused "a deadline beyond --max-timeout" permit2_deadline_expired "$(sign maxTimeoutSeconds=700)"
refused "a deadline inside the 6 s margin" permit2_deadline_expired "$(sign maxTimeoutSeconds=3)"
refused "upto on a model priced in exact only" unsupported_scheme "$(sign)" exactonly
req "${JSON[@]}" --data "$(body exactonly)" "$URL/v1/chat/completions"
check "a model without token_price offers exact only, in v1 and v2" "402 1 exact" \
	"$STATUS $(jget "$BODY" x402Version) $(jget "$BODY" accepts.0.scheme)"
req "${JSON[@]}" --data "$(body uptoonly)" "$URL/v1/chat/completions"
check "a model priced in upto only: the 402 offers upto only, the body is the v2 JSON" \
	"402 2 upto 1 $(grep -i '^PAYMENT-REQUIRED: ' "$TMP/headers" | cut -d' ' -f2 | tr -d '\r' | base64 -d)" \
	"$STATUS $(jget "$BODY" x402Version) $(jget "$BODY" accepts.0.scheme) $(jget "$BODY" accepts.length) $BODY"
req "${JSON[@]}" -H "X-PAYMENT: eyJ4NDAyVmVyc2lvbiI6MX0=" --data "$(body uptoonly)" "$URL/v1/chat/completions"
check "an exact (v1) payment for a model priced in upto only: unsupported_scheme" \
	"402 unsupported_scheme X-OG-Payment-Error: this request is priced in scheme upto only" \
	"$STATUS $(jget "$BODY" error) $(grep -i '^X-OG-Payment-Error' "$TMP/headers" | tr -d '\r')"
req "${JSON[@]}" -H "PAYMENT-SIGNATURE: not-base64!" --data "$(body uptoonly)" "$URL/v1/chat/completions"
check "a PAYMENT-SIGNATURE that is not base64 JSON: invalid_payload" "402 invalid_payload" \
	"$STATUS $(jget "$BODY" error)"
serve_stop
ok $? "server stops"
serve_start "${SERVE_ARGS[@]}"
ok $? "server restarts"
refused "after a restart, the same header again" permit2_invalid_nonce "$GOOD"
serve_stop
"$OGRUN" serve --listen 127.0.0.1:0 --model "s=$ST/stories260K.bin,tokenizer=$ST/tok512.bin,token_price=3" \
	--pay-to $PAYTO --chain-id 84532 --state "$TMP/state2" >/dev/null 2>"$TMP/err"
check "token_price without --upto-asset: refused at start" \
	"2 ogrun: serve: a token_price needs --pay-to, --chain-id, --upto-asset and --facilitator" \
	"$? $(head -1 "$TMP/err")"
echo "1..$tap_n"
[ "$tap_fail" -eq 0 ]
