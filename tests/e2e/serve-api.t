#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogrun serve with curl: every endpoint, every error answer exactly, records
# that are the same claim as `ogrun run`'s, pipelining, timeouts, 429, a
# restart that continues the spool.
. "$OGX_SRC/tests/e2e/tap.sh"
. "$OGX_SRC/tests/e2e/serve-lib.sh"
need_models
"$OGRUN" key gen >/dev/null || exit 1
MODEL=$(classifier_model) || { echo "1..1"; echo "not ok 1 - training the classifier"; exit 1; }
ST=$OGX_MODELS/stories260K
zcat "$FASHION/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c 784 >"$TMP/img0"
zcat "$FASHION/t10k-images-idx3-ubyte.gz" | tail -c +$((17 + 784)) | head -c 784 >"$TMP/img1"
infer_body fashion "$TMP/img0" >"$TMP/infer0.json"
JSON=(-H 'Content-Type: application/json')

serve_start --model "fashion=$MODEL" --model "stories=$ST/stories260K.bin,tokenizer=$ST/tok512.bin" \
	--request-timeout-ms 500 --max-body 65536
ok $? "server starts and prints its port"
# The levels this node offers, by evidence label (the module's INFO gives tee's).
if [ -e /dev/ogx ]; then
	TEE=$(sed -n 's/^levels vanilla, \(tee\/kmod-sw\|tee\/kmod-tpm\)$/\1/p' "$TMP/serve.out")
	[ -n "$TEE" ]
	ok $? "the start-up line names tee's evidence: $TEE"
	LEVELS="[\"vanilla\",\"$TEE\"]"
else
	check "the start-up line names the levels, and why there is no tee" \
		"levels vanilla (no tee: /dev/ogx: not present (is ogx.ko loaded?))" \
		"$(head -1 "$TMP/serve.out")"
	LEVELS='["vanilla"]'
fi

req "$URL/healthz"
check "GET /healthz" '200 {"status":"ok"}' "$STATUS $BODY"

req "$URL/v1/models"
check "GET /v1/models lists both models" "200 fashion,stories classifier,llm" \
	"$STATUS $(jget "$BODY" data | node -e 'const d=JSON.parse(require("fs").readFileSync(0));console.log(d.map(m=>m.id).join(","),d.map(m=>m.og.kind).join(","))')"
check "with the model file's SHA-256" "$(sha256sum "$MODEL" | cut -c1-64)" \
	"$(jget "$BODY" data.0.og.sha256)"
check "each model's levels by evidence label" "$LEVELS $LEVELS" \
	"$(jget "$BODY" data.0.og.levels) $(jget "$BODY" data.1.og.levels)"

# A classification, and the same image through ogrun run: the same claim.
req "${JSON[@]}" --data @"$TMP/infer0.json" "$URL/v1/infer"
check "POST /v1/infer answers 200" 200 "$STATUS"
ID=$(jget "$BODY" og.id)
CLS=$(jget "$BODY" class)
# The CLI as another node (a key signs one chain, in one spool: the server's).
"$OGRUN" key gen "$TMP/cli.key" >/dev/null
"$OGRUN" run -q -m "$MODEL" -i "$TMP/img0" --key "$TMP/cli.key" --spool "$TMP/cli-spool" \
	--save "$TMP/cli" >/dev/null
check "the class is ogrun run's" "$CLS" \
	"$("$OGRUN" run -m "$MODEL" -i "$TMP/img0" --key "$TMP/cli.key" --spool "$TMP/cli-spool" | sed -n 's/^job 0: class \([0-9]*\).*/\1/p')"
check "og carries seq, level, 128-hex signature" "0 vanilla 128" \
	"$(jget "$BODY" og.seq) $(jget "$BODY" og.level) $(jget "$BODY" og.signature | tr -d '\n' | wc -c)"
printf '%s' "$(jget "$BODY" output.b64)" | base64 -d >"$TMP/out0"
cmp -s "$TMP/out0" "$TMP/cli/0.output"
ok $? "output bytes (b64) are ogrun run's"

curl -s -o "$TMP/rec0.cbor" "$URL/v1/records/$ID"
"$OGVERIFY" record "$TMP/rec0.cbor" --input "$TMP/cli/0.input" --output "$TMP/cli/0.output" \
	--params "$TMP/cli/params" --model "$MODEL" >"$TMP/v.out" 2>&1
ok $? "GET /v1/records/{id} (CBOR) verifies against ogrun run's input, output, params, model"
check "its digest is the id" "$ID" "$(sha256sum "$TMP/rec0.cbor" | cut -c1-64)"
req -H 'Accept: application/json' "$URL/v1/records/$ID"
check "GET /v1/records/{id} as JSON" "200 $ID 0 vanilla" \
	"$STATUS $(jget "$BODY" id) $(jget "$BODY" seq) $(jget "$BODY" level)"

b64=$(base64 -w0 "$TMP/img0")
req "${JSON[@]}" -d "{\"model\":\"fashion\",\"input\":{\"b64\":\"$b64\"}}" "$URL/v1/infer"
check "input as base64 raw bytes: same class" "200 $CLS" "$STATUS $(jget "$BODY" class)"
req "${JSON[@]}" -H 'X-OG-Level: vanilla' -d "{\"model\":\"fashion\",\"og\":{\"level\":\"vanilla\"},\"input\":{\"b64\":\"$b64\"}}" "$URL/v1/infer"
check "level vanilla asked in header and body" "200 vanilla" "$STATUS $(jget "$BODY" og.level)"
node -e 'const fs=require("fs");const px=[...fs.readFileSync(process.argv[1])];console.log(JSON.stringify({model:"fashion",input:{value:px.map(x=>x*100),decimals:2}}))' "$TMP/img0" >"$TMP/dec2.json"
req "${JSON[@]}" --data @"$TMP/dec2.json" "$URL/v1/infer"
check "fixed-point input with decimals 2: same class" "200 $CLS" "$STATUS $(jget "$BODY" class)"
req "${JSON[@]}" -H 'Expect: 100-continue' --data @"$TMP/infer0.json" "$URL/v1/infer"
check "Expect: 100-continue is answered" "200 $CLS" "$STATUS $(jget "$BODY" class)"

# Attestation: a signed statement over the client's nonce.
req "$URL/v1/attestation?nonce=00c0ffee"
if [ ! -e /dev/ogx ]; then
	check "GET /v1/attestation" '200 00c0ffee absent ["vanilla"]' \
		"$STATUS $(jget "$BODY" nonce) $(jget "$BODY" module) $(jget "$BODY" levels)"
else
	check "GET /v1/attestation: levels by evidence label" "200 00c0ffee $LEVELS" \
		"$STATUS $(jget "$BODY" nonce) $(jget "$BODY" levels)"
fi
node -e '
const c=require("crypto");const a=JSON.parse(process.argv[1]);
const pk=c.createPublicKey({key:Buffer.concat([Buffer.from("302a300506032b6570032100","hex"),Buffer.from(a.node,"hex")]),format:"der",type:"spki"});
process.exit(c.verify(null,Buffer.from(a.statement),pk,Buffer.from(a.signature,"hex"))&&a.statement.includes("\nnonce=00c0ffee\n")&&a.statement.endsWith("\nlevels="+a.levels.join(",")+"\n")?0:1)' "$BODY"
ok $? "its Ed25519 signature by the node key verifies (node:crypto) and covers the nonce and the levels"

req "$URL/metrics"
check "GET /metrics (Prometheus text)" "200 1" \
	"$STATUS $(grep -c '^ogx_records_total [0-9]' "$TMP/body")"
want='ogx_level_offered{level="vanilla"} 1'
[ -e /dev/ogx ] && want="$want
ogx_level_offered{level=\"$TEE\"} 1"
check "/metrics: the levels offered, by evidence label" "$want" "$(grep '^ogx_level_offered' "$TMP/body")"

# Errors: each one's exact answer.
expect_error "unknown path" 404 not_found "no endpoint /v2/nothing" "$URL/v2/nothing"
expect_error "wrong method" 405 method_not_allowed "/v1/infer takes POST" "$URL/v1/infer"
expect_error "POST to a GET endpoint" 405 method_not_allowed "/healthz takes GET" -X POST "$URL/healthz"
expect_error "not JSON content type" 415 unsupported_media_type "want Content-Type: application/json" \
	-H 'Content-Type: text/plain' -d x "$URL/v1/infer"
expect_error "invalid JSON" 400 invalid_json "body is not a JSON object: '[' or '{' expected near 'nope'" \
	"${JSON[@]}" -d 'nope' "$URL/v1/infer"
expect_error "no model" 400 missing_model "body.model: want a model name" "${JSON[@]}" -d '{}' "$URL/v1/infer"
expect_error "unknown model" 404 model_not_found "model 'mystery' is not served here" \
	"${JSON[@]}" -d '{"model":"mystery"}' "$URL/v1/infer"
expect_error "classifier on the chat endpoint" 400 wrong_model_kind "model 'fashion' is a classifier; use /v1/infer" \
	"${JSON[@]}" -d '{"model":"fashion","messages":[]}' "$URL/v1/chat/completions"
expect_error "short input" 400 invalid_input "input.value: the model takes 784 values, got 3" \
	"${JSON[@]}" -d '{"model":"fashion","input":{"value":[1,2,3],"decimals":0}}' "$URL/v1/infer"
expect_error "no input" 400 invalid_input 'input: want {\"value\": [784 integers], \"decimals\": 0} or {\"b64\": ...}' \
	"${JSON[@]}" -d '{"model":"fashion"}' "$URL/v1/infer"
expect_error "bad base64 input" 400 invalid_input "input.b64: want base64 of 784 bytes (uint8 pixels)" \
	"${JSON[@]}" -d '{"model":"fashion","input":{"b64":"AAAA"}}' "$URL/v1/infer"
expect_error "unknown level" 400 invalid_level "level 'gold' is not one of vanilla, tee, zkml" \
	"${JSON[@]}" -H 'X-OG-Level: gold' --data @"$TMP/infer0.json" "$URL/v1/infer"
if [ ! -e /dev/ogx ]; then
	expect_error "level tee without the module: refused, not downgraded" 400 level_unavailable \
		"level tee needs the ogx kernel module (/dev/ogx), which this node does not have; the request was not run at a lower level" \
		"${JSON[@]}" -H 'X-OG-Level: tee' --data @"$TMP/infer0.json" "$URL/v1/infer"
fi
expect_error "level zkml (in the body): refused" 400 level_unavailable \
	"level zkml needs a ZK prover, which this node does not have; the request was not run at a lower level" \
	"${JSON[@]}" -d '{"model":"fashion","og":{"level":"zkml"}}' "$URL/v1/infer"
expect_error "record id not hex" 400 invalid_record_id "want 64 hex digits" "$URL/v1/records/xyz"
expect_error "unknown record" 404 record_not_found "no record $(printf '0%.0s' $(seq 64)) in this node's spool" \
	"$URL/v1/records/$(printf '0%.0s' $(seq 64))"
expect_error "attestation without nonce" 400 invalid_nonce "want ?nonce= with 1 to 128 hex digits" \
	"$URL/v1/attestation"
head -c 70000 /dev/zero | tr '\0' 'a' >"$TMP/big"
expect_error "body over --max-body" 413 body_too_large "request body larger than 65536 bytes" \
	"${JSON[@]}" --data-binary @"$TMP/big" "$URL/v1/infer"
expect_error "header section over 8 KiB" 431 headers_too_large \
	"request line and headers larger than 8192 bytes (or one header the server keeps over its limit)" \
	-H "X-Big: $(head -c 9000 /dev/zero | tr '\0' 'b')" "$URL/healthz"
expect_error "generation parameter out of range" 400 invalid_parameter "temperature: want a number from 0 to 2" \
	"${JSON[@]}" -d '{"model":"stories","prompt":"x","temperature":5}' "$URL/v1/completions"
expect_error "chat without messages" 400 invalid_messages "messages: want a non-empty array of {role, content}" \
	"${JSON[@]}" -d '{"model":"stories"}' "$URL/v1/chat/completions"

# Raw sockets: malformed request, stalled request (408), pipelining.
raw() { # BYTES -> answer (the server closes or 2 s pass)
	exec 3<>"/dev/tcp/127.0.0.1/$PORT"
	printf '%b' "$1" >&3
	timeout 2 cat <&3
	exec 3<&-
}
got=$(raw 'GARBAGE / HTTP/1.1\r\n\r\n' | tr -d '\r' | sed -n '1p;$p')
check "malformed request line: 400 and close" "HTTP/1.1 400 Bad Request
{\"error\":{\"message\":\"malformed HTTP request: invalid HTTP method\",\"type\":\"invalid_request_error\",\"code\":\"bad_request\"}}" "$got"
got=$(raw 'GET /healthz HTTP/1.1\r\nHost: x\r\n' | tr -d '\r' | sed -n '1p;$p')
check "request stalled past --request-timeout-ms: 408" "HTTP/1.1 408 Request Timeout
{\"error\":{\"message\":\"request not complete within 500 ms\",\"type\":\"invalid_request_error\",\"code\":\"request_timeout\"}}" "$got"
( trap '' PIPE; exec 3<>"/dev/tcp/127.0.0.1/$PORT"; timeout 4 cat <&3 >"$TMP/slow" &
	printf 'GET /healthz HTTP/1.1\r\nX-Slow: ' >&3
	for _ in $(seq 8); do sleep 0.2; printf 'x' >&3 || break; done
	printf '\r\n\r\n' >&3; wait ) 2>/dev/null
got=$(tr -d '\r' <"$TMP/slow" | sed -n '1p')
check "a byte every 200 ms, then the end after 1.6 s: the 500 ms deadline held (408, not 200)" \
	"HTTP/1.1 408 Request Timeout" "$got"
got=$(raw 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	tr -d '\r' | grep '^HTTP/1.1' | tr '\n' ' ')
check "three pipelined requests: three answers in order" \
	"HTTP/1.1 200 OK HTTP/1.1 404 Not Found HTTP/1.1 200 OK " "$got"

# A client that goes away cancels its generation (queued behind 32 others).
before=$(curl -s "$URL/metrics" | sed -n 's/^ogx_jobs_cancelled_total //p')
bg=
for _ in $(seq 32); do
	curl -s -o /dev/null "${JSON[@]}" -d '{"model":"stories","prompt":"Once","max_tokens":512,"temperature":0}' \
		"$URL/v1/completions" &
	bg="$bg $!"
done
sleep 0.1
timeout 0.3 curl -sN "${JSON[@]}" -d '{"model":"stories","prompt":"Once","max_tokens":512,"temperature":0,"stream":true}' \
	"$URL/v1/completions" >/dev/null
for _ in $(seq 20); do
	after=$(curl -s "$URL/metrics" | sed -n 's/^ogx_jobs_cancelled_total //p')
	[ "$after" -gt "$before" ] && break
	sleep 0.1
done
check "a disconnected stream's job is cancelled" 1 "$((after > before))"
wait $bg

N=$(curl -s "$URL/metrics" | sed -n 's/^ogx_records_total //p')
serve_stop
check "SIGTERM: the server exits 0" 0 $?

# Restart on the same spool: the chain continues, old records are found.
# ...under a fake systemd: READY=1 on $NOTIFY_SOCKET once it listens.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(20); print(s.recv(256).decode())' \
	"$TMP/notify" >"$TMP/notify.out" 2>&1 &
NPID=$!
for _ in $(seq 50); do [ -S "$TMP/notify" ] && break; sleep 0.05; done
export NOTIFY_SOCKET=$TMP/notify
serve_start --model "fashion=$MODEL" --queue 1 --model "stories=$ST/stories260K.bin,tokenizer=$ST/tok512.bin"
unset NOTIFY_SOCKET
wait $NPID
check "sd_notify: READY=1 to \$NOTIFY_SOCKET" "READY=1" "$(cat "$TMP/notify.out")"
STATUS=$(curl -s -o "$TMP/rec0b.cbor" -w '%{http_code}' "$URL/v1/records/$ID")
check "after a restart, an earlier record is served" "200 $ID" "$STATUS $(sha256sum "$TMP/rec0b.cbor" | cut -c1-64)"
req "${JSON[@]}" --data @"$TMP/infer0.json" "$URL/v1/infer"
check "and the next record continues the sequence" "200 $N" "$STATUS $(jget "$BODY" og.seq)"

# A full queue: 429 with Retry-After (queue 1, 24 long generations at once).
seq 24 | xargs -P 24 -I{} curl -s -D "$TMP/h{}" -o "$TMP/b{}" -w '%{http_code}\n' "${JSON[@]}" \
	-d '{"model":"stories","prompt":"Once","max_tokens":512,"temperature":0}' "$URL/v1/completions" \
	>"$TMP/codes"
check "a full queue answers 429, everything else 200" "200 429" "$(sort -u "$TMP/codes" | tr '\n' ' ' | sed 's/ $//')"
h=$(grep -l '^HTTP/1.1 429' "$TMP"/h[0-9]* | head -1)
check "the 429 says Retry-After" 1 "$(grep -c $'^Retry-After: 1\r$' "$h")"
check "and its body" '{"error":{"message":"model '"'stories'"' has 1 jobs waiting; retry later","type":"rate_limit_error","code":"queue_full"}}' \
	"$(cat "${h/\/h/\/b}")"
serve_stop

"$OGVERIFY" spool "$OGX_HOME/spool" >"$TMP/verify.out" 2>&1
ok $? "every record in the spool verifies, chain included ($(tail -1 "$TMP/verify.out"))"

expect_fail "no node key: one line that says how to make one, before any model loads" \
	"ogrun: key $TMP/new/node.key: no node key (make one with: ogrun key gen)" \
	env OGX_HOME="$TMP/new" "$OGRUN" serve --listen 127.0.0.1:0 --model "fashion=$MODEL"
[ ! -e "$TMP/new" ]
ok $? "and makes neither a key nor a spool"
done_testing
