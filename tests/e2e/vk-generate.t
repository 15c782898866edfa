#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogrun generate on the Vulkan engine (lavapipe here): stories260K's greedy
# and seeded samples are llama2.c's documented ones byte for byte, as on the
# CPU; a device that does not exist is one clear line and a non-zero exit.
set -u
OGRUN=$OGX_BUILD/ogrun
M=$OGX_MODELS/stories260K
V=$OGX_SRC/tests/vectors
TMP=$(mktemp -d /tmp/ogx-vk-generate-XXXXXX)
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
gen() {
	"$OGRUN" generate -m "$M/stories260K.bin" -t "$M/tok512.bin" "$@"
}
echo "1..13"

gen --temp 0 -n 256 --device 0 >"$TMP/greedy" 2>"$TMP/err"
check "greedy on device 0 exits 0" 0 $?
check "greedy text on Vulkan is llama2.c's documented sample" \
	"$(cat "$V/stories260K-greedy.txt")" "$(cat "$TMP/greedy")"
check "stderr names the Vulkan device" 1 \
	"$(grep -c '^ogrun: prompt 1 tokens, .* tok/s (vulkan device 0: ' "$TMP/err")"
check "the pipeline cache is kept under OGX_HOME" 1 "$(ls "$TMP/home/cache" | grep -c '^vk-')"

gen --temp 1.0 --top-p 0.9 --seed 133742 -n 256 --device 0 >"$TMP/sampled" 2>/dev/null
check "seeded sample on Vulkan is llama2.c's documented one" \
	"$(cat "$V/stories260K-t1-p0.9-s133742.txt")" "$(cat "$TMP/sampled")"

OGX_VK_VALIDATION=1 gen --temp 0 -n 100 --device 0 >"$TMP/val" 2>"$TMP/err"
check "validation layers: no error, same text" "0 $(head -c 200 "$TMP/greedy")" \
	"$(grep -c 'vulkan validation' "$TMP/err") $(head -c 200 "$TMP/val")"

# The discrete-GPU memory policy forced: weights staged into device-local memory.
OGX_VK_UPLOAD=staging OGX_VK_VALIDATION=1 gen --temp 0 -n 100 --device 0 >"$TMP/st" 2>"$TMP/err"
check "OGX_VK_UPLOAD=staging: no validation error, same text" \
	"0 $(head -c 200 "$TMP/greedy")" \
	"$(grep -c 'vulkan validation' "$TMP/err") $(head -c 200 "$TMP/st")"
OGX_VK_UPLOAD=vram gen --temp 0 -n 8 --device 0 >/dev/null 2>"$TMP/err"
check "a malformed OGX_VK_UPLOAD fails" \
	"1 ogrun: vulkan: OGX_VK_UPLOAD=vram: want staging, direct or auto" "$? $(cat "$TMP/err")"

gen --temp 0 -n 80 -p "Lily and Tom went to the park to play with a big red ball" \
	--device cpu >"$TMP/p-cpu" 2>/dev/null
gen --temp 0 -n 80 -p "Lily and Tom went to the park to play with a big red ball" \
	--device 0 >"$TMP/p-vk" 2>/dev/null
check "a prompt (batched prefill on Vulkan) gives the CPU's text" "$(cat "$TMP/p-cpu")" \
	"$(cat "$TMP/p-vk")"

OGX_VK_DEVICE=0 gen --temp 0 -n 8 >/dev/null 2>"$TMP/err"
check "OGX_VK_DEVICE=0 selects Vulkan" 1 "$(grep -c '(vulkan device 0: ' "$TMP/err")"

OGX_VK_DEVICE=cpu gen --temp 0 -n 8 >/dev/null 2>"$TMP/err"
check "OGX_VK_DEVICE=cpu selects the CPU backend" 0 "$(grep -c 'vulkan' "$TMP/err")"

gen --temp 0 -n 8 --device 99 >/dev/null 2>"$TMP/err"
check "a device that does not exist fails" \
	"1 ogrun: vulkan: no Vulkan device 99 (there" "$? $(cut -c1-41 "$TMP/err")"

gen --temp 0 -n 8 --device gpu >/dev/null 2>"$TMP/err"
check "a malformed device fails" \
	"1 ogrun: vulkan: device 'gpu' is not a device number or 'cpu'" "$? $(cat "$TMP/err")"
