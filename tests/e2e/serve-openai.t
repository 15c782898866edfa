#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The `openai` npm client streams a chat completion from ogrun serve; the
# final chunk carries the proof record (id, seq, signature, level by its
# evidence label), and the record is the same claim as `ogrun generate`'s for
# the same parameters.
. "$OGX_SRC/tests/e2e/tap.sh"
. "$OGX_SRC/tests/e2e/serve-lib.sh"
need_models
"$OGRUN" key gen >/dev/null || exit 1
ST=$OGX_MODELS/stories260K
PROMPT="Once upon a time"

# ogrun generate first, into the spool the server then continues.
"$OGRUN" generate -m "$ST/stories260K.bin" -t "$ST/tok512.bin" -p "$PROMPT" -n 40 --temp 0 \
	--top-p 1 --seed 42 >"$TMP/cli.txt" 2>"$TMP/cli.err"
ok $? "ogrun generate writes its record"
CLI_ID=$(sed -n 's/^ogrun: record \([0-9a-f]*\) seq 0 (vanilla)$/\1/p' "$TMP/cli.err")

serve_start --model "stories=$ST/stories260K.bin,tokenizer=$ST/tok512.bin"
ok $? "server starts"
node "$OGX_SRC/tests/e2e/serve-openai.mjs" "$URL" stories "$PROMPT" >"$TMP/out.json" 2>"$TMP/node.err"
ok $? "the openai client streams a chat completion, then asks whole, then a legacy completion"
O=$(cat "$TMP/out.json")
check "streamed in many chunks, finished by length" "1 length chat.completion.chunk" \
	"$(( $(jget "$O" stream.chunks) > 10 )) $(jget "$O" stream.finish) $(jget "$O" stream.object)"
check "streamed text = whole text" "$(jget "$O" whole.text)" "$(jget "$O" stream.text)"
check "= ogrun generate's text" "$(sed 's/^ //' "$TMP/cli.txt" | head -c 2000)" "$(jget "$O" stream.text | sed 's/^ //')"
check "the final chunk carries the record: seq, level, signature" "1 vanilla 128" \
	"$(jget "$O" stream.og.seq) $(jget "$O" stream.og.level) $(jget "$O" stream.og.signature | tr -d '\n' | wc -c)"
ID=$(jget "$O" stream.og.id)
req -H 'Accept: application/json' "$URL/v1/records/$ID"
S=$BODY
req -H 'Accept: application/json' "$URL/v1/records/$CLI_ID"
C=$BODY
check "the whole answer's record, and the records as JSON, name the evidence: vanilla" \
	"2 vanilla vanilla vanilla" \
	"$(jget "$O" whole.og.seq) $(jget "$O" whole.og.level) $(jget "$S" level) $(jget "$C" level)"
check "server record = ogrun generate record (model, input, output, params digests)" \
	"$(jget "$C" model) $(jget "$C" input) $(jget "$C" output) $(jget "$C" params)" \
	"$(jget "$S" model) $(jget "$S" input) $(jget "$S" output) $(jget "$S" params)"
check "usage: 40 completion tokens, total = prompt + completion" \
	"40 $(( $(jget "$O" whole.usage.prompt_tokens) + 40 ))" \
	"$(jget "$O" whole.usage.completion_tokens) $(jget "$O" whole.usage.total_tokens)"
check "legacy completion streams too, with its record" "3 vanilla" \
	"$(jget "$O" legacy.og.seq) $(jget "$O" legacy.og.level)"
# Eight streams at once (--streams 8 by default: they run interleaved, step
# by step): each gets exactly the text a lone generation gets.
for i in $(seq 8); do
	curl -sN -H 'Content-Type: application/json' -d "{\"model\":\"stories\",\"prompt\":\"$PROMPT\",\"max_tokens\":40,\"temperature\":0,\"top_p\":1,\"seed\":42,\"stream\":true}" \
		"$URL/v1/completions" >"$TMP/s$i" &
	bg="${bg:-} $!"
done
wait $bg
same=0
for i in $(seq 8); do
	t=$(sed -n 's/^data: {/{/p' "$TMP/s$i" | node -e 'let t="";for(const l of require("fs").readFileSync(0,"utf8").split("\n").filter(Boolean))t+=JSON.parse(l).choices[0].text;process.stdout.write(t)')
	[ "$t" == "$(jget "$O" legacy.text)" ] && same=$((same + 1))
done
check "8 concurrent streams: each one's text is the lone stream's" 8 "$same"
serve_stop
"$OGVERIFY" spool "$OGX_HOME/spool" >/dev/null 2>&1
ok $? "the spool verifies (CLI and server records in one chain)"
done_testing
