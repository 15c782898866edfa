#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# x402 on ogrun serve: payments signed by an independent EIP-712 signer
# (micro-eth-signer, npm); an unpaid request gets 402 with the v1 body and
# the v2 PAYMENT-REQUIRED header; a good payment is served with
# X-PAYMENT-RESPONSE and lands in the record; each defect gets its own
# rejection; a nonce is refused a second time, also after a restart.
. "$OGX_SRC/tests/e2e/tap.sh"
. "$OGX_SRC/tests/e2e/serve-lib.sh"
need_models
"$OGRUN" key gen >/dev/null || exit 1
MODEL=$(classifier_model) || { echo "1..1"; echo "not ok 1 - training the classifier"; exit 1; }
zcat "$FASHION/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c 784 >"$TMP/img0"
infer_body fashion "$TMP/img0" >"$TMP/infer0.json"
JSON=(-H 'Content-Type: application/json')
PAYTO=0x1111111111111111111111111111111111111111
ASSET=0x036CbD53842c5426634e7929541eC2318f3dCF7e
ST=$OGX_MODELS/stories260K
SERVE_ARGS=(--model "fashion=$MODEL,price=1000" --model "free=$MODEL"
	--model "stories=$ST/stories260K.bin,tokenizer=$ST/tok512.bin,price=1000" --pay-to $PAYTO
	--asset $ASSET --chain-id 84532 --network base-sepolia --asset-name USDC --asset-version 2
	--max-timeout 3600)

node "$OGX_SRC/tests/e2e/serve-x402.mjs" $PAYTO $ASSET 84532 base-sepolia 1000 >"$TMP/pay.json"
ok $? "payments signed with micro-eth-signer"
P=$(cat "$TMP/pay.json")
serve_start "${SERVE_ARGS[@]}"
ok $? "server starts with a price"

# pay NAME [HEADER]: /v1/infer with that payment
pay() {
	req "${JSON[@]}" -H "${2:-X-PAYMENT}: $(jget "$P" "$1")" --data @"$TMP/infer0.json" "$URL/v1/infer"
}
# rejected DESC NAME CODE MESSAGE
rejected() {
	pay "$2"
	check "$1: 402 $3" "402 $3" "$STATUS $(jget "$BODY" error)"
	check "$1: the reason" "X-OG-Payment-Error: $4" "$(grep -i '^X-OG-Payment-Error' "$TMP/headers" | tr -d '\r')"
}

req "${JSON[@]}" --data @"$TMP/infer0.json" "$URL/v1/infer"
check "unpaid: 402 with the x402 v1 body" \
	"402 1 payment_required exact base-sepolia 1000 $PAYTO $ASSET USDC 2 /v1/infer" \
	"$STATUS $(jget "$BODY" x402Version) $(jget "$BODY" error) $(jget "$BODY" accepts.0.scheme) $(jget "$BODY" accepts.0.network) $(jget "$BODY" accepts.0.maxAmountRequired) $(jget "$BODY" accepts.0.payTo) $(jget "$BODY" accepts.0.asset) $(jget "$BODY" accepts.0.extra.name) $(jget "$BODY" accepts.0.extra.version) $(jget "$BODY" accepts.0.resource)"
v2=$(grep -i '^PAYMENT-REQUIRED: ' "$TMP/headers" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
check "and the v2 PAYMENT-REQUIRED header" "2 eip155:84532 1000 $PAYTO" \
	"$(jget "$v2" x402Version) $(jget "$v2" accepts.0.network) $(jget "$v2" accepts.0.amount) $(jget "$v2" accepts.0.payTo)"
req "${JSON[@]}" -d '{"model":"free","input":{"b64":"'"$(base64 -w0 "$TMP/img0")"'"}}' "$URL/v1/infer"
check "a model without a price needs no payment" 200 "$STATUS"

pay valid
check "a good payment: 200" 200 "$STATUS"
ID=$(jget "$BODY" og.id)
resp=$(grep -i '^X-PAYMENT-RESPONSE: ' "$TMP/headers" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
check "X-PAYMENT-RESPONSE names the payer" "true $(jget "$P" payer)" \
	"$(jget "$resp" success) $(jget "$resp" payer)"
check "and says the settlement is queued (ogsubmit's), with the answer's record" \
	"queued $ID " "$(jget "$resp" settlement) $(jget "$resp" record) $(jget "$resp" transaction)"
req -H 'Accept: application/json' "$URL/v1/records/$ID"
want_from=$(jget "$P" payer | tr 'A-F' 'a-f' | sed 's/^0x//')
check "the record carries the payment (key 15: scheme, network, payer, value)" \
	"exact base-sepolia $want_from 1000" \
	"$(jget "$BODY" payment.1) $(jget "$BODY" payment.2) $(jget "$BODY" payment.6) $(jget "$BODY" payment.7)"
curl -s -o "$TMP/rec.cbor" "$URL/v1/records/$ID"
"$OGVERIFY" record "$TMP/rec.cbor" >/dev/null 2>&1
ok $? "that record verifies (the payment is under the signature)"

rejected "replayed" valid nonce_already_used "this authorization's nonce was already used"
auth() { jget "$(jget "$P" "$1" | base64 -d)" "payload.authorization.$2"; }
rejected "expired" expired invalid_exact_evm_payload_authorization_valid_before \
	"authorization expired (validBefore $(auth expired validBefore))"
rejected "not yet valid" notyet invalid_exact_evm_payload_authorization_valid_after \
	"authorization not yet valid (validAfter $(auth notyet validAfter))"
rejected "underpaid" underpaid invalid_exact_evm_payload_authorization_value \
	"authorization.value 999 is below the price 1000"
rejected "wrong recipient" wrongto invalid_exact_evm_payload_recipient_mismatch \
	"authorization.to must be $PAYTO"
rejected "high-s signature (malleable twin of a good one)" highs invalid_exact_evm_payload_signature \
	"signature has a high s (malleable form; EIP-2 wants s <= n/2)"
rejected "signed by someone else than from" impostor invalid_exact_evm_payload_signature \
	"signature is not by authorization.from"
# One signature rule with ogsubmit (ogx_eth_sig65_normalize): v 0/1 is the parity of 27/28;
# accepted and recorded as 27/28, the form the token's ecrecover takes (chain-settle.t settles them).
for p in 0 1; do
	pay v$p
	st=$STATUS
	ID=$(jget "$BODY" og.id)
	req -H 'Accept: application/json' "$URL/v1/records/$ID"
	check "v $p (the same signature, y parity $p): 200, recorded with v $((27 + p))" \
		"200 $(printf '%x' $((27 + p)))" "$st $(jget "$BODY" payment.11 | tail -c 3)"
done
rejected "v 2" vtwo invalid_exact_evm_payload_signature "signature v 2 is not 27, 28, 0 or 1"
# Quantities as the x402 reference reads them (BigInt): 0x hex, leading zeros; recorded canonical.
pay hexq
ID=$(jget "$BODY" og.id)
check "0x hex and zero-padded quantities: 200" 200 "$STATUS"
req -H 'Accept: application/json' "$URL/v1/records/$ID"
check "and recorded in canonical decimal" \
	"1000 $(printf '%d' "$(auth hexq validBefore)") $((10#$(auth hexq validAfter)))" \
	"$(jget "$BODY" payment.7) $(jget "$BODY" payment.9) $(jget "$BODY" payment.8)"
bad=$(auth badsum from)
rejected "from with a wrong EIP-55 checksum (one letter's case flipped)" badsum invalid_payload \
	"authorization.from: address '$bad' fails its EIP-55 checksum (want $(jget "$P" payer))"
pay lowfrom
check "from in all lower case (no checksum): 200" 200 "$STATUS"
# The payment header's limit (4,096 bytes) and a 1 MB header: 431, written before the close.
big=$(head -c 4097 /dev/zero | tr '\0' A)
expect_error "an X-PAYMENT of 4,097 bytes: 431" 431 headers_too_large \
	"request line and headers larger than 8192 bytes (or one header the server keeps over its limit)" \
	"${JSON[@]}" -H "X-PAYMENT: $big" --data @"$TMP/infer0.json" "$URL/v1/infer"
# A client that sends all of its request before it reads (curl reads while it sends):
# the server answers 431 after 8 KiB, drains the rest, and only then closes. 20 times
# (without the drain about half of them were reset, here).
big=$(python3 -c '
import socket, sys
seen = set()
for _ in range(20):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    try:
        s.sendall(b"POST /v1/infer HTTP/1.1\r\nHost: x\r\nX-PAYMENT: " + b"A" * 1000000 +
                  b"\r\nContent-Length: 2\r\n\r\n{}")
        d = b""
        while True:
            x = s.recv(65536)
            if not x:
                break
            d += x
        seen.add(d.split(b" ")[1].decode() + " " +
                 d.split(b"\r\n\r\n", 1)[1].decode().strip())
    except OSError as e:
        seen.add(str(e))
    s.close()
print("\n".join(sorted(seen)))
' "$PORT" 2>&1)
check "a 1 MB X-PAYMENT, sent whole before reading (20 times): 431, never a connection reset" \
	'431 {"error":{"message":"request line and headers larger than 8192 bytes (or one header the server keeps over its limit)","type":"invalid_request_error","code":"headers_too_large"}}' \
	"$big"
req "${JSON[@]}" -H "X-PAYMENT: not base64!" --data @"$TMP/infer0.json" "$URL/v1/infer"
check "garbage header: 402 invalid_payload" "402 invalid_payload" "$STATUS $(jget "$BODY" error)"
req "${JSON[@]}" -H "X-PAYMENT: $(jget "$P" valid2)" -H "PAYMENT-SIGNATURE: $(jget "$P" v2)" \
	--data @"$TMP/infer0.json" "$URL/v1/infer"
check "two payment headers: 402 invalid_payload" "402 invalid_payload" "$STATUS $(jget "$BODY" error)"
pay v2 PAYMENT-SIGNATURE
check "x402 v2 PAYMENT-SIGNATURE: 200 with PAYMENT-RESPONSE" "200 1" \
	"$STATUS $(grep -ci '^PAYMENT-RESPONSE: ' "$TMP/headers")"
resp=$(grep -i '^PAYMENT-RESPONSE: ' "$TMP/headers" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
check "PAYMENT-RESPONSE: queued for the answer's record" "queued $(jget "$BODY" og.id)" \
	"$(jget "$resp" settlement) $(jget "$resp" record)"
# chat: the same header on the whole answer; a stream's headers leave before its record exists.
CHAT='{"model":"stories","messages":[{"role":"user","content":"Once"}],"max_tokens":8,"temperature":0'
req "${JSON[@]}" -H "X-PAYMENT: $(jget "$P" chat)" -d "$CHAT}" "$URL/v1/chat/completions"
resp=$(grep -i '^X-PAYMENT-RESPONSE: ' "$TMP/headers" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
check "paid chat completion: queued for the answer's record" "200 queued $(jget "$BODY" og.id)" \
	"$STATUS $(jget "$resp" settlement) $(jget "$resp" record)"
req "${JSON[@]}" -N -H "X-PAYMENT: $(jget "$P" stream)" -d "$CHAT"',"stream":true}' \
	"$URL/v1/chat/completions"
resp=$(grep -i '^X-PAYMENT-RESPONSE: ' "$TMP/headers" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
last=$(grep '^data: {' "$TMP/body" | tail -1 | cut -c7-)
check "paid stream: settlement pending in the headers (no record yet), the record in the last event" \
	"200 pending undefined 64" \
	"$STATUS $(jget "$resp" settlement) $(jget "$resp" record) $(jget "$last" og.id | tr -d '\n' | wc -c)"
serve_stop
check "server stops cleanly" 0 $?
"$OGRUN" serve --listen 127.0.0.1:0 "${SERVE_ARGS[@]}" --no-record >/dev/null 2>"$TMP/err"
check "a price without proof records is refused (settlement reads them)" \
	"2 ogrun: serve: a price needs proof records (ogsubmit settles payments from them): drop --no-record" \
	"$? $(cat "$TMP/err")"

check "the nonce log has one line per accepted payment" 8 "$(wc -l <"$OGX_HOME/serve/x402-nonces")"
serve_start "${SERVE_ARGS[@]}"
rejected "replayed after a restart" valid nonce_already_used "this authorization's nonce was already used"
pay valid2
check "a fresh payment after the restart: 200" 200 "$STATUS"
serve_stop
"$OGVERIFY" spool "$OGX_HOME/spool" >/dev/null 2>&1
ok $? "the spool verifies"
done_testing
