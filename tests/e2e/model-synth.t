#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogrun model synth / convert: Llama-2 GGUF files with llama.cpp's names at
# each type, and one-line errors for bad arguments.
set -u
OGRUN=$OGX_BUILD/ogrun
M=$OGX_MODELS/stories260K
TMP=$(mktemp -d /tmp/ogx-synth-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
n=0
check() {	# name want got
	n=$((n + 1))
	if [ "$2" == "$3" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '#   want: %s\n#   got:  %s\n' "$2" "$3" | head -20
	fi
}
echo "1..10"

for t in f32 q4_0; do
	"$OGRUN" model synth -o "$TMP/s-$t.gguf" --dim 64 --hidden 128 --layers 2 --heads 4 \
		--vocab 300 --seq 32 --type $t 2>"$TMP/err"
	check "synth --type $t exits 0" "0 " "$? $(cat "$TMP/err")"
done
"$OGRUN" model show "$TMP/s-q4_0.gguf" >"$TMP/show"
check "synth writes the llama architecture" 1 "$(grep -c 'general.architecture .*"llama"' "$TMP/show")"
check "synth projections are Q4_0" 14 "$(grep -c '^  blk\..*Q4_0' "$TMP/show")"
check "synth has 259 special and byte tokens then t<N>" 1 \
	"$(grep -c 'tokenizer.ggml.tokens .*string\[300\]' "$TMP/show")"

"$OGRUN" model convert "$M/stories260K.bin" -t "$M/tok512.bin" -o "$TMP/c.gguf" --type q8_0 \
	2>"$TMP/err"
check "convert to q8_0 exits 0, ffn_down kept f32" \
	"0 ogrun: $TMP/c.gguf: 5 matrices kept F32 (rows not whole blocks of 32)" "$? $(cat "$TMP/err")"
"$OGRUN" model show "$TMP/c.gguf" >"$TMP/show"
check "convert keeps the tokenizer" 1 "$(grep -c 'tokenizer.ggml.tokens .*string\[512\]' "$TMP/show")"

"$OGRUN" model synth -o "$TMP/x.gguf" --type q5_k 2>"$TMP/err"
check "unknown type" "2 ogrun: model: type 'q5_k' is not f32, f16, q8_0 or q4_0" "$? $(cat "$TMP/err")"
"$OGRUN" model synth -o "$TMP/x.gguf" --dim 64 --heads 6 2>"$TMP/err"
check "heads that don't divide dim" \
	"2 ogrun: model synth: dim 64, 6 heads, 6 kv heads do not form an architecture (dim / heads even, heads / kv heads whole)" \
	"$? $(cat "$TMP/err")"
"$OGRUN" model convert "$TMP/missing.bin" -o "$TMP/x.gguf" 2>/dev/null
check "convert of a missing checkpoint fails" 1 $?
