#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogrun model add/list/show against a private store: the real mnist-fc model,
# idempotent adds, every kind of reference, and the exact error line for a
# broken model, a file that is no model, a taken name and an unknown ref.
set -u
OGRUN=${OGX_BUILD:-build}/ogrun
MNIST=${OGX_MODELS:-../shared/models}/mnist-fc/mnist-fc-f32.gguf
ID=6b081dac7aaaf20701db25026eb43ae1f5093f3aab4f79f54a2b3251b72834b9
T=$(mktemp -d /tmp/ogx-model-t.XXXXXX)
trap 'rm -rf "$T"' EXIT
export OGX_HOME=$T/home

n=0
fails=0
# check NAME WANT_RC WANT_STDOUT WANT_STDERR -- CMD...
check() {
	local name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 5
	local out err rc
	out=$("$@" 2>"$T/err"); rc=$?
	err=$(cat "$T/err")
	n=$((n + 1))
	if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ] && [ "$err" = "$want_err" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		echo "# rc $rc (want $want_rc)"
		diff <(echo "$want_out") <(echo "$out") | sed 's/^/# out: /'
		diff <(echo "$want_err") <(echo "$err") | sed 's/^/# err: /'
		fails=$((fails + 1))
	fi
}

echo "1..17"
check "empty store lists nothing" 0 "no models in $OGX_HOME/models" "" -- \
	"$OGRUN" model list
check "add prints the SHA-256 id" 0 "$ID" "" -- "$OGRUN" model add "$MNIST" --name mnist
check "adding again changes nothing" 0 "$ID" "" -- "$OGRUN" model add "$MNIST" --name mnist
check "list" 0 "ID                  SIZE  FORMAT                NAME
6b081dac7aaa     1.5 MiB  gguf/mnist-fc         mnist" "" -- "$OGRUN" model list

SHOW="id:       $ID
file:     $OGX_HOME/models/$ID
size:     1590336 bytes (1.5 MiB)
arch:     mnist-fc
format:   GGUF v3, alignment 32, data at byte 256
metadata: 1 key
  general.architecture                     string       \"mnist-fc\"
tensors:  4, 397510 parameters
  NAME                             TYPE  DIMS (ggml order)               BYTES       OFFSET
  fc1.weight                       F32   784 x 500                     1568000            0
  fc1.bias                         F32   500                              2000      1568000
  fc2.weight                       F32   500 x 10                        20000      1570016
  fc2.bias                         F32   10                                 40      1590016"
check "show by name" 0 "$SHOW" "" -- "$OGRUN" model show mnist
check "show by id prefix" 0 "$SHOW" "" -- "$OGRUN" model show 6b081dac
check "show by full id" 0 "$SHOW" "" -- "$OGRUN" model show $ID
check "show by path" 0 "${SHOW//$OGX_HOME\/models\/$ID/$MNIST}" "" -- "$OGRUN" model show "$MNIST"

head -c 1000 "$MNIST" > "$T/bad.gguf"
check "a truncated model is refused" 1 "" \
	"ogrun: $T/bad.gguf: tensor 'fc1.weight' truncated (want 1568000 bytes, have 744)" -- \
	"$OGRUN" model add "$T/bad.gguf"
echo "just some text, not a model at all" > "$T/notes.txt"
check "a file that is no model is refused" 1 "" \
	"ogrun: $T/notes.txt: not a GGUF file (bad magic) nor a llama2.c checkpoint (header: dim 1953723754 out of range 1..65536)" -- \
	"$OGRUN" model add "$T/notes.txt"
check "nothing was left in the store" 0 "$ID
index" "" -- ls "$OGX_HOME/models"
printf 'GGUF\3\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' > "$T/x.gguf"
check "show of a broken file names the problem" 1 "" \
	"ogrun: $T/x.gguf: absurd tensor count 1 (0 bytes left)" -- "$OGRUN" model show "$T/x.gguf"
STORIES=${OGX_MODELS:-../shared/models}/stories260K/stories260K.bin
check "a taken name is refused" 1 "" \
	"ogrun: $STORIES: name 'mnist' already names model 6b081dac7aaa" -- \
	"$OGRUN" model add "$STORIES" --name mnist
check "a refused name stores nothing" 0 "$ID
index" "" -- ls "$OGX_HOME/models"
"$OGRUN" model add "$STORIES" --name stories260K >/dev/null
check "a llama2.c checkpoint is listed as such" 0 "ID                  SIZE  FORMAT                NAME
6b081dac7aaa     1.5 MiB  gguf/mnist-fc         mnist
b0a507e7ad0f     1.0 MiB  llama2c               stories260K" "" -- "$OGRUN" model list
check "unknown ref" 1 "" "ogrun: nothing: no such model file, name or id" -- \
	"$OGRUN" model show nothing
check "unknown model command" 2 "" "ogrun: model: 'frob' is not a model command
Usage: ogrun model <command> [<args>]

Commands:
  add       FILE [--name NAME]   copy a model file into the store
  list                           list the stored models
  show      REF                  format, metadata and tensors of a model
  train     -o FILE [--data DIR] train the default int8 classifier
  quantize  REF -o OUT --calib F f32 classifier to integer-exact int8
  eval      REF --images F ...   accuracy of a classifier on IDX files
  synth     -o OUT [--type T]    random-weight Llama-2 GGUF (benchmarks)
  convert   CKPT -o OUT          llama2.c checkpoint to Llama-2 GGUF

REF is a model file, a name, an id or an id prefix of at least 8 digits.
The store is \$OGX_HOME/models (OGX_HOME: ~/.local/share/ogx)." -- "$OGRUN" model frob
exit $((fails > 0))
