#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogrun run --device 0: the integer classifier on the Vulkan engine gives the
# CPU reference's output bytes for every job (so a full node re-executing on
# either engine gets the same output digest), records name the Vulkan
# device, and an f32 model is refused on Vulkan with one clear line.
set -u
OGRUN=$OGX_BUILD/ogrun
MF=$OGX_MODELS/mnist-fc
TMP=$(mktemp -d /tmp/ogx-vk-run-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export OGX_HOME=$TMP/home
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
echo "1..7"

"$OGRUN" key gen >/dev/null
"$OGRUN" model quantize "$MF/mnist-fc-f32.gguf" -o "$TMP/q8.gguf" \
	--calib "$MF/t10k-images-idx3-ubyte.gz" --count 1000 >/dev/null
for d in cpu 0; do
	"$OGRUN" run -m "$TMP/q8.gguf" -i "$MF/t10k-images-idx3-ubyte.gz" --limit 300 -q \
		--device $d --save "$TMP/save-$d" >"$TMP/out-$d" 2>&1
	check "run --device $d exits 0" 0 $?
done
check "the summary names the Vulkan device" 1 "$(grep -c '), device vulkan: ' "$TMP/out-0")"
bad=0
for i in $(seq 0 299); do
	cmp -s "$TMP/save-cpu/$i.output" "$TMP/save-0/$((i + 300)).output" || bad=$((bad + 1))
done
check "300 jobs: Vulkan output bytes equal the CPU's" 0 $bad
# CBOR text strings are stored as their bytes: the device kind and name show.
check "records carry the Vulkan device, CPU records don't" "1 0" \
	"$(grep -c vulkan "$TMP/save-0/300.cbor") $(grep -c vulkan "$TMP/save-cpu/0.cbor")"
OGX_VK_VALIDATION=1 "$OGRUN" run -m "$TMP/q8.gguf" -i "$MF/t10k-images-idx3-ubyte.gz" \
	--limit 20 -q --device 0 >/dev/null 2>"$TMP/err"
check "validation layers report no error" "0 0" "$? $(grep -c 'vulkan validation' "$TMP/err")"
"$OGRUN" run -m "$MF/mnist-fc-f32.gguf" -i "$MF/t10k-images-idx3-ubyte.gz" --limit 2 -q \
	--device 0 >/dev/null 2>"$TMP/err"
check "an f32 model is refused on Vulkan" \
	"1 ogrun: $MF/mnist-fc-f32.gguf: the Vulkan engine runs integer (ogx-mlp-q8) classifiers; quantize this f32 model first (ogrun model quantize)" \
	"$? $(cat "$TMP/err")"
