#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogrun generate on stories260K: llama2.c's documented samples come out of
# the command line byte for byte, with any thread count, and the errors a
# user meets are one clear line with a non-zero exit.
set -u
OGRUN=$OGX_BUILD/ogrun
M=$OGX_MODELS/stories260K
V=$OGX_SRC/tests/vectors
TMP=$(mktemp -d /tmp/ogx-generate-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export OGX_HOME=$TMP/home
"$OGRUN" key gen >/dev/null || exit 1
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
echo "1..23"

"$OGRUN" generate -m "$M/stories260K.bin" -t "$M/tok512.bin" --temp 0 -n 256 \
	>"$TMP/greedy" 2>"$TMP/err"
check "greedy exits 0" 0 $?
check "greedy text is llama2.c's documented sample" "$(cat "$V/stories260K-greedy.txt")" \
	"$(cat "$TMP/greedy")"
check "stderr reports prompt and generation speed" 1 \
	"$(grep -c '^ogrun: prompt 1 tokens, [0-9.]* tok/s; generated 256 tokens, [0-9.]* tok/s' "$TMP/err")"

check "the generation's proof record is reported" 1 \
	"$(grep -c '^ogrun: record [0-9a-f]\{64\} seq 0 (vanilla)$' "$TMP/err")"
out=$("$OGX_BUILD/ogverify" spool "$OGX_HOME/spool")
check "it verifies in the spool" 0 $?
"$OGRUN" generate -m "$M/stories260K.bin" -t "$M/tok512.bin" --temp 0 -n 8 --no-record \
	>/dev/null 2>&1
check "--no-record writes none" \
	"$OGX_HOME/spool: 1 records: 1 verified at their level, 0 not checkable here, 0 failed" \
	"$("$OGX_BUILD/ogverify" spool "$OGX_HOME/spool" | cut -d';' -f1)"

"$OGRUN" generate -m "$M/stories260K.bin" -t "$M/tok512.bin" --temp 0 -n 256 --threads 2 \
	>"$TMP/greedy2" 2>/dev/null
check "--threads 2 gives the same bytes" "" "$(cmp "$TMP/greedy" "$TMP/greedy2")"

"$OGRUN" generate -m "$M/stories260K.bin" -t "$M/tok512.bin" --temp 1.0 --top-p 0.9 \
	--seed 133742 -n 256 >"$TMP/sampled" 2>/dev/null
check "seeded sample is llama2.c's documented one" \
	"$(cat "$V/stories260K-t1-p0.9-s133742.txt")" "$(cat "$TMP/sampled")"

out=$("$OGRUN" generate -m "$M/stories260K.bin" -t "$M/tok512.bin" --temp 0 -n 16 \
	-p "Once upon a time" 2>/dev/null)
check "a prompt is continued as the greedy sample goes on" ", there was a little girl named Lily" \
	"${out:0:36}"

# The tokenizer defaults to tokenizer.bin beside the model.
ln -s "$M/stories260K.bin" "$TMP/model.bin"
ln -s "$M/tok512.bin" "$TMP/tokenizer.bin"
out=$("$OGRUN" generate -m "$TMP/model.bin" --temp 0 -n 5 2>/dev/null)
check "default tokenizer path" "Once upon a time," "$out"

# A GGUF model (converted here, F32) from the model store, by name: same text.
"$OGRUN" model convert "$M/stories260K.bin" -t "$M/tok512.bin" -o "$TMP/s.gguf" >/dev/null 2>&1
"$OGRUN" model add "$TMP/s.gguf" --name s260 >/dev/null
out=$("$OGRUN" generate -m s260 --temp 0 -n 256 2>"$TMP/err")
check "a GGUF model from the store by name gives the documented sample" \
	"$(cat "$V/stories260K-greedy.txt")" "$out"
check "its record is written" 1 "$(grep -c '^ogrun: record [0-9a-f]\{64\} seq [0-9]* (vanilla)$' "$TMP/err")"

out=$("$OGRUN" generate -m /nonexistent/model.bin -n 1 2>&1)
check "missing model" "ogrun: /nonexistent/model.bin: No such file or directory (rc 1)" "$out (rc $?)"

# A new node (its spool empty): the error is the tokenizer's, not a detail
# the signer left behind when it found no last record.
mkdir "$TMP/home2"
OGX_HOME=$TMP/home2 "$OGRUN" key gen >/dev/null
out=$(OGX_HOME=$TMP/home2 "$OGRUN" generate -m "$M/stories260K.bin" -t /nonexistent/tok.bin \
	-n 1 2>&1)
check "missing tokenizer, empty spool" "ogrun: /nonexistent/tok.bin: No such file or directory (rc 1)" \
	"$out (rc $?)"

head -c 1000 "$M/stories260K.bin" >"$TMP/trunc.bin"
out=$("$OGRUN" generate -m "$TMP/trunc.bin" -t "$M/tok512.bin" -n 1 2>&1)
check "truncated model" "ogrun: $TMP/trunc.bin: file is 1000 bytes, the header (dim 64, hidden_dim 172, n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 512, seq_len 512, shared classifier) implies 1056540 (rc 1)" "$out (rc $?)"

head -c 3000 "$M/tok512.bin" >"$TMP/trunc-tok.bin"
out=$("$OGRUN" generate -m "$M/stories260K.bin" -t "$TMP/trunc-tok.bin" -n 1 2>&1)
check "truncated tokenizer" 1 "$(echo "$out" | grep -c "^ogrun: $TMP/trunc-tok.bin: tokenizer: .*truncated")"

out=$("$OGRUN" generate -m "$M/stories260K.bin" --top-p 2 -n 1 2>&1)
check "bad top-p" "ogrun: generate: top-p 2 must be within 0..1 (rc 2)" "$out (rc $?)"

out=$("$OGRUN" generate -m "$M/stories260K.bin" --threads 0 -n 1 2>&1)
check "bad threads" "ogrun: generate: bad value '0' for --threads (rc 2)" "$out (rc $?)"

records() { "$OGX_BUILD/ogverify" spool "$OGX_HOME/spool" | sed 's/: \([0-9]*\) records:.*/ \1/'; }
before=$(records)
out=$("$OGRUN" generate -m "$M/stories260K.bin" -t "$M/tok512.bin" -n 0 2>&1)
check "-n 0 is refused: a record of nothing" "ogrun: generate: -n: at least 1 token (rc 2)" \
	"$out (rc $?)"
check "and writes no record" "$before" "$(records)"

out=$("$OGRUN" generate -m "$M/stories260K.bin" -t "$M/tok512.bin" -n 1 extra 2>&1)
check "an extra argument is named" "ogrun: generate: unexpected argument 'extra' (rc 2)" \
	"$out (rc $?)"

out=$(OGX_HOME=$TMP/new "$OGRUN" generate -m "$M/stories260K.bin" -t "$M/tok512.bin" -n 1 2>&1)
check "a new user's first generation, with no node key yet, says how to make one" \
	"ogrun: key $TMP/new/node.key: no node key (make one with: ogrun key gen) (rc 1)" \
	"$out (rc $?)"
check "and makes neither a key nor a spool" "" "$(ls -A "$TMP/new" 2>/dev/null)"
