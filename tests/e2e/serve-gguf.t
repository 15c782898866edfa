#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogrun serve with a Llama GGUF (llama.cpp's names, its tokenizer inside):
# the text and the record are those of ogrun generate on the same file (also
# for streams batched together), and a
# tokenizer= that does not exist stops the server at start with its reason.
. "$OGX_SRC/tests/e2e/tap.sh"
. "$OGX_SRC/tests/e2e/serve-lib.sh"
need_models
"$OGRUN" key gen >/dev/null || exit 1
ST=$OGX_MODELS/stories260K
G=$TMP/stories260K.gguf
PROMPT="Once upon a time"
"$OGRUN" model convert "$ST/stories260K.bin" -t "$ST/tok512.bin" -o "$G" >/dev/null
ok $? "stories260K converted to GGUF"
"$OGRUN" generate -m "$G" -p "$PROMPT" -n 40 --temp 0 --top-p 1 --seed 42 \
	>"$TMP/cli.txt" 2>"$TMP/cli.err"
ok $? "ogrun generate on the GGUF writes its record"
CLI_ID=$(sed -n 's/^ogrun: record \([0-9a-f]*\) seq 0 (vanilla)$/\1/p' "$TMP/cli.err")

serve_start --model "stories=$G"
ok $? "the server loads the GGUF as a Llama model"
req -H 'Content-Type: application/json' -d "{\"model\":\"stories\",\"prompt\":\"$PROMPT\",\"max_tokens\":40,\"temperature\":0,\"top_p\":1,\"seed\":42}" \
	"$URL/v1/completions"
O=$BODY
check "200, 40 tokens" "200 40" "$STATUS $(jget "$O" usage.completion_tokens)"
check "= ogrun generate's text" "$(sed 's/^ //' "$TMP/cli.txt")" "$(jget "$O" choices.0.text | sed 's/^ //')"
req -H 'Accept: application/json' "$URL/v1/records/$(jget "$O" og.id)"
S=$BODY
req -H 'Accept: application/json' "$URL/v1/records/$CLI_ID"
C=$BODY
check "server record = ogrun generate record (model, input, output, params digests)" \
	"$(jget "$C" model) $(jget "$C" input) $(jget "$C" output) $(jget "$C" params)" \
	"$(jget "$S" model) $(jget "$S" input) $(jget "$S" output) $(jget "$S" params)"
# Streams of different prompts and lengths at once (they join and leave the
# joint steps at different times): each gets the text of its lone generation.
# The lone texts first, then all requests at once. The long prompt (over 100
# tokens) is taken in chunks between the others' steps.
LONG="Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high. Lily asked her mom to help her get the ball. Her mom said yes and they went to the park together. They played with the ball all day long"
set -- "Once upon a time" 160 "Lily" 125 "$LONG" 145 "One day" 110 "Tom" 170 "" 135
same=0
n=$(($# / 2))
for i in $(seq $n); do
	eval "p$i=\$1 k$i=\$2"
	"$OGRUN" generate -m "$G" -p "$1" -n "$2" --temp 0 --no-record >"$TMP/lone$i" 2>/dev/null
	shift 2
done
for i in $(seq $n); do
	eval "p=\$p$i k=\$k$i"
	curl -s -H 'Content-Type: application/json' -d "{\"model\":\"stories\",\"prompt\":\"$p\",\"max_tokens\":$k,\"temperature\":0}" \
		"$URL/v1/completions" >"$TMP/conc$i" &
	bg="${bg:-} $!"
done
wait $bg
for i in $(seq $n); do
	[ "$(sed 's/^ //' "$TMP/lone$i")" == "$(jget "$(cat "$TMP/conc$i")" choices.0.text | sed 's/^ //')" ] &&
		same=$((same + 1))
done
# How much they overlapped depends on timing (not asserted): joint steps vs tokens.
req "$URL/metrics"
echo "# $(grep '^ogx_batches_total{model="stories"}' "$TMP/body" | cut -d' ' -f2) forward steps" \
	"for $(grep '^ogx_jobs_total{model="stories"}' "$TMP/body" | cut -d' ' -f2) generations of up to 885 tokens"
check "$n concurrent streams of different prompts and lengths: each one's lone text" $n $same
# A stream that goes away in the middle leaves the joint steps; the others
# go on unchanged.
"$OGRUN" generate -m "$G" -p "Lily" -n 400 --temp 0 --no-record >"$TMP/lone_a" 2>/dev/null
"$OGRUN" generate -m "$G" -p "Tom" -n 400 --temp 0 --no-record >"$TMP/lone_b" 2>/dev/null
for p in Lily Tom; do
	curl -s -H 'Content-Type: application/json' -d "{\"model\":\"stories\",\"prompt\":\"$p\",\"max_tokens\":400,\"temperature\":0}" \
		"$URL/v1/completions" >"$TMP/cut_$p" &
	bg2="${bg2:-} $!"
done
timeout 0.05 curl -sN -H 'Content-Type: application/json' \
	-d '{"model":"stories","prompt":"The dog","max_tokens":500,"temperature":0,"stream":true}' \
	"$URL/v1/completions" >/dev/null
wait $bg2
check "a stream cut off among others: theirs are their lone texts" \
	"$(sed 's/^ //' "$TMP/lone_a")|$(sed 's/^ //' "$TMP/lone_b")" \
	"$(jget "$(cat "$TMP/cut_Lily")" choices.0.text | sed 's/^ //')|$(jget "$(cat "$TMP/cut_Tom")" choices.0.text | sed 's/^ //')"
serve_stop
ok $? "the server stops cleanly"

"$OGRUN" serve --listen 127.0.0.1:0 --model "stories=$G,tokenizer=$TMP/none.bin" \
	>"$TMP/bad.out" 2>"$TMP/bad.err"
rc=$?
check "a missing tokenizer= file: exit 1 and the reason" \
	"1 ogrun: serve: $TMP/none.bin: No such file or directory" "$rc $(cat "$TMP/bad.err")"
done_testing
