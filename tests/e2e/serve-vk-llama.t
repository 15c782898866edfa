#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogrun serve --device 0: Llama generation on the Vulkan engine (lavapipe
# here, under the validation layers). A completion, whole or streamed, has
# exactly the tokens of ogrun generate --device 0 (the records' output digest
# covers the token ids), and its record names the Vulkan device and
# verifies; streams at once (each its own device KV cache over one copy of
# the weights) each get their lone text, also when one of them is cut off;
# the default engine for Llama is ogrun generate's; a bad device and a KV
# cache the device cannot hold stop the server at start with one clear line.
# An int8 classifier served beside it on the same device (the one queue
# shared by both workers) answers the same bytes while the streams run.
. "$OGX_SRC/tests/e2e/tap.sh"
. "$OGX_SRC/tests/e2e/serve-lib.sh"
need_models
"$OGRUN" key gen >/dev/null || exit 1
FMODEL=$(classifier_model) || { echo "1..1"; echo "not ok 1 - training the classifier"; exit 1; }
zcat "$FASHION/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c $((16 * 784)) >"$TMP/imgs"
ST=$OGX_MODELS/stories260K
MODEL="stories=$ST/stories260K.bin,tokenizer=$ST/tok512.bin"
JSON=(-H 'Content-Type: application/json')
PROMPT="Once upon a time"
gen() {
	"$OGRUN" generate -m "$ST/stories260K.bin" -t "$ST/tok512.bin" --temp 0 --top-p 1 \
		--seed 42 --device 0 "$@"
}
complete() { # PROMPT MAX_TOKENS [more JSON members]: greedy, generate's parameters
	printf '{"model":"stories","prompt":"%s","max_tokens":%s,"temperature":0,"top_p":1,%s}' \
		"$1" "$2" "\"seed\":42${3:-}"
}
# An SSE stream's text (file) and its last event's og.id, as "TEXT|ID".
sse_text() {
	node -e 'let t="",id="";for(const l of require("fs").readFileSync(process.argv[1],"utf8").split("\n")){if(!l.startsWith("data: ")||l==="data: [DONE]")continue;const e=JSON.parse(l.slice(6));t+=e.choices[0].text;if(e.og)id=e.og.id}console.log(t+"|"+id)' "$1"
}
text_of() { jget "$(cat "$1")" choices.0.text | sed 's/^ //'; }
classify() { # DIR: 16 images' answers, at once, into DIR/0..15
	local pids=""
	mkdir -p "$1"
	for i in $(seq 0 15); do
		b=$(tail -c +$((i * 784 + 1)) "$TMP/imgs" | head -c 784 | base64 -w0)
		curl -s "${JSON[@]}" -d "{\"model\":\"fashion\",\"input\":{\"b64\":\"$b\"}}" \
			"$URL/v1/infer" >"$1/$i" &
		pids="$pids $!"
	done
	wait $pids
}
outputs() { for i in $(seq 0 15); do jget "$(cat "$1/$i")" output.b64; done; }
digests() { # JSON record: what makes the claim, and the device
	echo "$(jget "$1" model) $(jget "$1" input) $(jget "$1" output) $(jget "$1" params)" \
		"$(jget "$1" device)"
}

# generate's record goes to the spool the server then opens (and serves).
gen -p "$PROMPT" -n 60 >"$TMP/cli.txt" 2>"$TMP/cli.err"
ok $? "ogrun generate --device 0 writes its record"
CLI_ID=$(sed -n 's/^ogrun: record \([0-9a-f]*\) seq 0 (vanilla)$/\1/p' "$TMP/cli.err")

OGX_VK_VALIDATION=1 serve_start --model "$MODEL" --model "fashion=$FMODEL" --device 0
ok $? "server with stories260K and an int8 classifier on Vulkan device 0, validation layers on"
classify "$TMP/idle"
req -H 'Accept: application/json' "$URL/v1/records/$CLI_ID"
C=$BODY
check "generate's record names the Vulkan device" "200 vulkan" \
	"$STATUS $(jget "$C" device.kind)"

req "${JSON[@]}" -d "$(complete "$PROMPT" 60)" "$URL/v1/completions"
O=$BODY
check "a whole completion: 200, 60 tokens, ogrun generate's text" \
	"200 60 $(sed 's/^ //' "$TMP/cli.txt")" \
	"$STATUS $(jget "$O" usage.completion_tokens) $(jget "$O" choices.0.text | sed 's/^ //')"
req -H 'Accept: application/json' "$URL/v1/records/$(jget "$O" og.id)"
check "its record = generate's: model, input, output (the token ids), params, device" \
	"$(digests "$C")" "$(digests "$BODY")"
curl -s -o "$TMP/rec.cbor" "$URL/v1/records/$(jget "$O" og.id)"
"$OGVERIFY" record "$TMP/rec.cbor" >"$TMP/v.out" 2>&1
ok $? "its record (CBOR) verifies with ogverify record"

curl -sN "${JSON[@]}" -d "$(complete "$PROMPT" 60 ',"stream":true')" "$URL/v1/completions" \
	>"$TMP/sse"
R=$(sse_text "$TMP/sse")
check "a streamed completion: ogrun generate's text" "$(sed 's/^ //' "$TMP/cli.txt")" \
	"$(printf '%s' "${R%|*}" | sed 's/^ //')"
req -H 'Accept: application/json' "$URL/v1/records/${R##*|}"
check "its record = generate's too" "$(digests "$C")" "$(digests "$BODY")"

# Streams at once, of different prompts and lengths (one over 16 tokens: its
# prompt goes in by chunks between the others' steps): each one's lone text.
LONG="Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball"
set -- "Once upon a time" 160 "Lily" 125 "$LONG" 145 "One day" 110 "Tom" 170
n=$(($# / 2))
for i in $(seq $n); do
	eval "p$i=\$1 k$i=\$2"
	gen -p "$1" -n "$2" --no-record >"$TMP/lone$i" 2>/dev/null
	shift 2
done
bg=""
for i in $(seq $n); do
	eval "p=\$p$i k=\$k$i"
	curl -s "${JSON[@]}" -d "$(complete "$p" "$k")" "$URL/v1/completions" >"$TMP/conc$i" &
	bg="$bg $!"
done
sleep 0.5
classify "$TMP/busy"
wait $bg
same=0
for i in $(seq $n); do
	[ "$(sed 's/^ //' "$TMP/lone$i")" == "$(text_of "$TMP/conc$i")" ] && same=$((same + 1))
done
req "$URL/metrics"
echo "# $(grep '^ogx_batches_total{model="stories"}' "$TMP/body" | cut -d' ' -f2) rounds" \
	"for $(grep '^ogx_jobs_total{model="stories"}' "$TMP/body" | cut -d' ' -f2) generations"
check "$n concurrent streams: each one's lone text" $n $same
check "16 classifications among the streams, on the same device: the idle answers' bytes" \
	"$(outputs "$TMP/idle")" "$(outputs "$TMP/busy")"
req -H 'Accept: application/json' "$URL/v1/records/$(jget "$(cat "$TMP/busy/0")" og.id)"
check "the classifier's record names the Vulkan device too" vulkan "$(jget "$BODY" device.kind)"

# A stream that goes away in the middle leaves; the others go on unchanged.
gen -p "Lily" -n 400 --no-record >"$TMP/lone_a" 2>/dev/null
gen -p "Tom" -n 400 --no-record >"$TMP/lone_b" 2>/dev/null
bg=""
for p in Lily Tom; do
	curl -s "${JSON[@]}" -d "$(complete "$p" 400)" "$URL/v1/completions" >"$TMP/cut_$p" &
	bg="$bg $!"
done
timeout 0.3 curl -sN "${JSON[@]}" -d "$(complete "The dog" 500 ',"stream":true')" \
	"$URL/v1/completions" >"$TMP/cut_sse"
wait $bg
check "a stream cut off among others: theirs are their lone texts" \
	"$(sed 's/^ //' "$TMP/lone_a")|$(sed 's/^ //' "$TMP/lone_b")" \
	"$(text_of "$TMP/cut_Lily")|$(text_of "$TMP/cut_Tom")"
check "(the cut stream had started and did not end)" "1 0" \
	"$(grep -c '^data: {' "$TMP/cut_sse" | sed 's/^[1-9][0-9]*$/1/') $(grep -c DONE "$TMP/cut_sse")"
serve_stop
ok $? "the server stops cleanly"
check "the validation layers reported no error" 0 "$(grep -c 'vulkan validation' "$TMP/serve.err")"
"$OGVERIFY" spool "$OGX_HOME/spool" >"$TMP/v.out" 2>&1
ok $? "the spool verifies (ogverify spool)"

# Without --device the engine is ogrun generate's (lavapipe alone: the CPU).
"$OGRUN" generate -m "$ST/stories260K.bin" -t "$ST/tok512.bin" --temp 0 -n 4 --no-record \
	>/dev/null 2>"$TMP/def.err"
grep -q '(vulkan device ' "$TMP/def.err" && want=vulkan || want=cpu
serve_start --model "$MODEL"
req "${JSON[@]}" -d "$(complete "$PROMPT" 4)" "$URL/v1/completions"
req -H 'Accept: application/json' "$URL/v1/records/$(jget "$BODY" og.id)"
check "no --device: the engine ogrun generate picks ($want)" "$want" "$(jget "$BODY" device.kind)"
serve_stop

"$OGRUN" serve --listen 127.0.0.1:0 --model "$MODEL" --device 99 >/dev/null 2>"$TMP/err"
check "a device that does not exist: exit 1 and one line naming it" \
	"1 1 1" "$? $(wc -l <"$TMP/err") $(grep -c '^ogrun: serve: vulkan: no Vulkan device 99 ' "$TMP/err")"
"$OGRUN" serve --listen 127.0.0.1:0 --model "$MODEL" --device gpu >/dev/null 2>"$TMP/err"
check "a malformed device: exit 1 and the reason" \
	"1 ogrun: serve: vulkan: device 'gpu' is not a device number or 'cpu'" "$? $(cat "$TMP/err")"

# A context of 2^20 positions at a KV width of 1024: one layer's key cache
# is 4 GiB, more than lavapipe's 2 GiB heap. The weights load; the first
# stream's cache cannot.
"$OGRUN" model synth -o "$TMP/long.gguf" --shape stories260K --dim 1024 --heads 8 \
	--kv-heads 8 --layers 1 --hidden 64 --seq 1048576 --type q4_0 >/dev/null
ok $? "a synthetic model with a 2^20-token context"
"$OGRUN" serve --listen 127.0.0.1:0 --model "long=$TMP/long.gguf" --device 0 >/dev/null \
	2>"$TMP/err"
check "its KV cache does not fit the device: exit 1 and the reason" \
	"1 ogrun: serve: $TMP/long.gguf: stream 1 of 8 (--streams): vulkan: out of device memory: 'key cache' needs 4294967296 bytes on llvmpipe" \
	"$? $(sed 's/ (LLVM.*//' "$TMP/err")"
done_testing
