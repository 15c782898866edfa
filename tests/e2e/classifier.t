#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogrun model eval/quantize/train on the MLP classifier: mnist-fc's f32
# accuracy as numpy computes it, the int8 model within half a point of it,
# a quick training run, and the exact error line for each way a user can
# get the inputs wrong. (The full default-model training is train.t.)
set -u
OGRUN=${OGX_BUILD:-build}/ogrun
M=${OGX_MODELS:-../shared/models}/mnist-fc
F=/usr/share/datasets/fashion-mnist
T=$(mktemp -d /tmp/ogx-classifier-t.XXXXXX)
trap 'rm -rf "$T"' EXIT
export OGX_HOME=$T/home

n=0
fails=0
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
	fi
}
# check NAME WANT_RC WANT_STDOUT WANT_STDERR -- CMD...
check() {
	local name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 5
	local out err rc
	out=$("$@" 2>"$T/err"); rc=$?
	err=$(cat "$T/err")
	if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ] && [ "$err" = "$want_err" ]; then
		result 0 "$name"
	else
		result 1 "$name"
		echo "# rc $rc (want $want_rc)"
		diff <(echo "$want_out") <(echo "$out") | sed 's/^/# out: /'
		diff <(echo "$want_err") <(echo "$err") | sed 's/^/# err: /'
	fi
}
# correct FILE: the N of "N of M correct" in an eval line.
correct() {
	sed -n 's/.*: \([0-9]*\) of [0-9]* correct.*/\1/p' "$1"
}

echo "1..16"
check "mnist-fc f32: 97.96 %, as numpy" 0 \
	"$M/mnist-fc-f32.gguf (mnist-fc 784-500-10): 9796 of 10000 correct, accuracy 97.96 %" "" -- \
	"$OGRUN" model eval "$M/mnist-fc-f32.gguf" --images "$M/t10k-images-idx3-ubyte.gz" \
	--labels "$M/t10k-labels-idx1-ubyte.gz"

"$OGRUN" model quantize "$M/mnist-fc-f32.gguf" -o "$T/mnist-q8.gguf" \
	--calib "$M/t10k-images-idx3-ubyte.gz" >"$T/out" 2>&1
rc=$?
grep -q "^$T/mnist-q8.gguf: ogx-mlp-q8 784-500-10, calibrated on 10000 images of " "$T/out"
result $((rc | $?)) "quantize mnist-fc to ogx-mlp-q8"
sed 's/^/# /' "$T/out"

"$OGRUN" model eval "$T/mnist-q8.gguf" --images "$M/t10k-images-idx3-ubyte.gz" \
	--labels "$M/t10k-labels-idx1-ubyte.gz" >"$T/out" 2>&1
c=$(correct "$T/out")
sed 's/^/# /' "$T/out"
[ -n "$c" ] && [ "$c" -ge 9746 ] && [ "$c" -le 9846 ]
result $? "int8 mnist-fc within 0.5 points of 97.96 %"

"$OGRUN" model eval "$T/mnist-q8.gguf" --images "$M/t10k-images-idx3-ubyte.gz" \
	--labels "$M/t10k-labels-idx1-ubyte.gz" --limit 100 >"$T/out" 2>&1
grep -q ": [0-9]* of 100 correct, accuracy " "$T/out"
result $? "--limit evaluates the first N images"

"$OGRUN" model train -o "$T/tiny.gguf" --limit 6000 --epochs 2 --hidden 32 --threads 2 \
	>"$T/out" 2>&1
rc=$?
sed 's/^/# /' "$T/out"
grep -q "^  epoch  2/2   loss " "$T/out" && grep -q "^  int8 test accuracy " "$T/out"
result $((rc | $?)) "train a tiny model (2 epochs on 6000 images)"
"$OGRUN" model eval "$T/tiny.gguf" --images "$F/t10k-images-idx3-ubyte.gz" \
	--labels "$F/t10k-labels-idx1-ubyte.gz" >"$T/out" 2>&1
c=$(correct "$T/out")
[ -n "$c" ] && [ "$c" -gt 5000 ]
result $? "the tiny int8 model beats chance clearly ($c of 10000)"

# A data set of 2 x 2 images: a model that does not fit 28 x 28 images.
python3 - "$T/d" <<'PY'
import gzip, os, struct, sys
d = sys.argv[1]; os.makedirs(d)
n = 40
with open(f"{d}/train-images-idx3-ubyte", "wb") as f:
    f.write(struct.pack(">4B3I", 0, 0, 8, 3, n, 2, 2) + bytes((i * 7 + j * 60) % 256 for i in range(n) for j in range(4)))
with gzip.open(f"{d}/train-labels-idx1-ubyte.gz", "wb") as f:
    f.write(struct.pack(">4BI", 0, 0, 8, 1, n) + bytes(i % 10 for i in range(n)))
PY
"$OGRUN" model train --data "$T/d" -o "$T/small.gguf" --epochs 2 --hidden 8 >"$T/out" 2>&1
result $? "train on a data set without a test set"
check "a model for other images is refused" 1 "" \
	"ogrun: $M/t10k-images-idx3-ubyte.gz: model ogx-mlp-q8 4-8-10 takes 4 inputs, images have 784 pixels" -- \
	"$OGRUN" model eval "$T/small.gguf" --images "$M/t10k-images-idx3-ubyte.gz" \
	--labels "$M/t10k-labels-idx1-ubyte.gz"

check "labels given as images" 1 "" \
	"ogrun: $M/t10k-labels-idx1-ubyte.gz: IDX has 1 dimensions, want 3" -- \
	"$OGRUN" model eval "$T/mnist-q8.gguf" --images "$M/t10k-labels-idx1-ubyte.gz" \
	--labels "$M/t10k-labels-idx1-ubyte.gz"
check "images and labels of different sets" 1 "" \
	"ogrun: $M/t10k-images-idx3-ubyte.gz has 10000 images but $F/train-labels-idx1-ubyte.gz has 60000 labels" -- \
	"$OGRUN" model eval "$T/mnist-q8.gguf" --images "$M/t10k-images-idx3-ubyte.gz" \
	--labels "$F/train-labels-idx1-ubyte.gz"
check "an int8 model cannot be quantized again" 1 "" \
	"ogrun: $T/mnist-q8.gguf: only an f32 model can be quantized" -- \
	"$OGRUN" model quantize "$T/mnist-q8.gguf" -o "$T/again.gguf" \
	--calib "$M/t10k-images-idx3-ubyte.gz"
check "calibration images that are labels" 1 "" \
	"ogrun: $M/t10k-labels-idx1-ubyte.gz: IDX has 1 dimensions, want 3" -- \
	"$OGRUN" model quantize "$M/mnist-fc-f32.gguf" -o "$T/again.gguf" \
	--calib "$M/t10k-labels-idx1-ubyte.gz"
check "a model that is no classifier" 1 "" \
	"ogrun: $T/notes.gguf: bad magic (not a GGUF file)" -- \
	bash -c "echo 'not a model' > $T/notes.gguf; $OGRUN model eval $T/notes.gguf --images x --labels y"
check "training data that is not there" 1 "" \
	"ogrun: $T/none: no train-images-idx3-ubyte[.gz]" -- \
	"$OGRUN" model train --data "$T/none" -o "$T/x.gguf"
check "a bad number" 2 "" "ogrun: --epochs '12x' is not a number from 0 to 1000" -- \
	"$OGRUN" model train -o "$T/x.gguf" --epochs 12x
[ ! -e "$T/x.gguf" ] && [ ! -e "$T/again.gguf" ]
result $? "no output file is left behind by a failure"
[ "$fails" = 0 ]
