#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Two nodes taking payments for one pay-to address: each payment header
# (signed by micro-eth-signer) is sent to both nodes at the same moment.
# Each node alone keeps its own nonce log, so both answer (measured here:
# the replay the issue saw); with --x402-shared-nonces on one file, exactly
# one of the two answers 200 and the other 402 nonce_already_used.
. "$OGX_SRC/tests/e2e/tap.sh"
. "$OGX_SRC/tests/e2e/serve-lib.sh"
need_models
MODEL=$(classifier_model) || { echo "1..1"; echo "not ok 1 - training the classifier"; exit 1; }
zcat "$FASHION/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c 784 >"$TMP/img0"
infer_body fashion "$TMP/img0" >"$TMP/infer0.json"
PAYTO=0x1111111111111111111111111111111111111111
ASSET=0x036CbD53842c5426634e7929541eC2318f3dCF7e
N=20
ARGS=(--model "fashion=$MODEL,price=1000" --pay-to $PAYTO --asset $ASSET --chain-id 84532
	--network base-sepolia)

# node I ARGS...: a node with its own key, spool and nonce log; URL_I set
node_start() {
	local i=$1 port
	shift
	mkdir -p "$TMP/n$i"
	[ -f "$TMP/n$i/node.key" ] || "$OGRUN" key gen "$TMP/n$i/node.key" >/dev/null
	"$OGRUN" serve --listen 127.0.0.1:0 --key "$TMP/n$i/node.key" --spool "$TMP/n$i/spool" \
		--state "$TMP/n$i/state" "${ARGS[@]}" "$@" >"$TMP/n$i/out" 2>"$TMP/n$i/err" &
	eval "PID_$i=$!"
	SERVE_PIDS="$SERVE_PIDS $!"
	for _ in $(seq 600); do
		grep -q '^listening on ' "$TMP/n$i/out" 2>/dev/null && break
		sleep 0.05
	done
	port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/n$i/out")
	eval "URL_$i=http://127.0.0.1:$port"
	[ -n "$port" ]
}
# headers: N fresh payments, one per line
headers() {
	node --input-type=module -e '
import { randomBytes } from "node:crypto";
import { hex, payer, signAuthorization } from "'"$OGX_SRC"'/tests/e2e/x402-sign.mjs";
const [payTo, asset, n] = process.argv.slice(1);
const now = Math.floor(Date.now() / 1000);
for (let i = 0; i < Number(n); i++) {
	const a = { from: payer, to: payTo, value: "1000", validAfter: String(now - 60),
		    validBefore: String(now + 600), nonce: hex(randomBytes(32)) };
	const signature = signAuthorization(a, asset, 84532);
	console.log(Buffer.from(JSON.stringify({ x402Version: 1, scheme: "exact",
		network: "base-sepolia", payload: { signature, authorization: a } })).toString("base64"));
}' "$PAYTO" "$ASSET" "$N"
}
# race: every header to both nodes at once; prints "OK BOTH" (headers with exactly one
# 200, with two)
race() {
	local one=0 both=0 i=0 h a b
	while read -r h; do
		i=$((i + 1))
		for u in 1 2; do
			url=URL_$u
			curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' \
				-H "X-PAYMENT: $h" --data @"$TMP/infer0.json" "${!url}/v1/infer" \
				>"$TMP/r$i.$u" &
		done
		wait
		a=$(cat "$TMP/r$i.1")
		b=$(cat "$TMP/r$i.2")
		[ "$a $b" = "200 402" ] || [ "$a $b" = "402 200" ] && one=$((one + 1))
		[ "$a $b" = "200 200" ] && both=$((both + 1))
	done <"$1"
	echo "$one $both"
}

headers >"$TMP/h1"
check "$N payments signed with micro-eth-signer" $N "$(wc -l <"$TMP/h1")"
node_start 1 && node_start 2
ok $? "two nodes, one pay-to address, each its own nonce log"
res=$(race "$TMP/h1")
check "without shared nonces: every header answered by both nodes (measured: one 200 each)" \
	"0 $N" "$res"
kill "$PID_1" "$PID_2"
wait "$PID_1" "$PID_2"

headers >"$TMP/h2"
node_start 1 --x402-shared-nonces "$TMP/shared-nonces" &&
	node_start 2 --x402-shared-nonces "$TMP/shared-nonces"
ok $? "the same two nodes with --x402-shared-nonces on one file"
res=$(race "$TMP/h2")
check "with shared nonces: each header exactly one 200 (the other node 402)" "$N 0" "$res"
# replay URL: "reason code" of the answer to the first header again
replay() {
	curl -s -D "$TMP/hdr" -o "$TMP/body" -H 'Content-Type: application/json' \
		-H "X-PAYMENT: $(head -1 "$TMP/h2")" --data @"$TMP/infer0.json" "$1/v1/infer" >/dev/null
	echo "$(grep -i '^X-OG-Payment-Error' "$TMP/hdr" | tr -d '\r') $(jget "$(cat "$TMP/body")" error)"
}
if [ "$(cat "$TMP/r1.1")" = 200 ]; then win=$URL_1 lose=$URL_2; else win=$URL_2 lose=$URL_1; fi
check "a replay to the node that lost the race: refused by the shared file" \
	"X-OG-Payment-Error: this authorization's nonce was already used (claimed by a node sharing --x402-shared-nonces) nonce_already_used" \
	"$(replay "$lose")"
check "a replay to the node that answered: refused by its own log" \
	"X-OG-Payment-Error: this authorization's nonce was already used nonce_already_used" \
	"$(replay "$win")"
check "the shared file: one line per header" $N "$(wc -l <"$TMP/shared-nonces")"
kill "$PID_1" "$PID_2"
wait "$PID_1" "$PID_2"
check "both stop cleanly" 0 $?

# A damaged shared file: refused with 503 (never answered unclaimed), the line named.
printf '%0106d' 0 | tr 0 x >"$TMP/bad-nonces"
N=1 headers >"$TMP/h3"
node_start 1 --x402-shared-nonces "$TMP/bad-nonces"
curl -s -D "$TMP/hdr" -o "$TMP/body" -H 'Content-Type: application/json' \
	-H "X-PAYMENT: $(cat "$TMP/h3")" --data @"$TMP/infer0.json" "$URL_1/v1/infer" >/dev/null
check "a shared file that is not 'from nonce' lines: 503 with Retry-After, the line named" \
	"503 Retry-After: 5 payment_check_unavailable: cannot claim the nonce among the nodes (shared nonces: line at byte 0 is not 'from nonce'); retry after 5 s" \
	"$(head -1 "$TMP/hdr" | cut -d' ' -f2) $(grep -i '^Retry-After' "$TMP/hdr" | tr -d '\r') $(jget "$(cat "$TMP/body")" error.code): $(jget "$(cat "$TMP/body")" error.message)"
kill "$PID_1"
wait "$PID_1"
done_testing
