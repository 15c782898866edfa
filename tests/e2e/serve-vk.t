#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogrun serve --device: the int8 classifier on the Vulkan engine (lavapipe
# here) answers with the CPU's output bytes for the same images, and its
# records name the Vulkan device; a device that does not exist stops the
# server at start with one clear line.
. "$OGX_SRC/tests/e2e/tap.sh"
. "$OGX_SRC/tests/e2e/serve-lib.sh"
need_models
"$OGRUN" key gen >/dev/null || exit 1
MODEL=$(classifier_model) || { echo "1..1"; echo "not ok 1 - training the classifier"; exit 1; }
JSON=(-H 'Content-Type: application/json')
zcat "$FASHION/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c $((16 * 784)) >"$TMP/imgs"

answers() { # OUT: the output b64 of 16 images, one per line
	for i in $(seq 0 15); do
		b=$(tail -c +$((i * 784 + 1)) "$TMP/imgs" | head -c 784 | base64 -w0)
		req "${JSON[@]}" -d "{\"model\":\"fashion\",\"input\":{\"b64\":\"$b\"}}" "$URL/v1/infer"
		jget "$BODY" output.b64
	done >"$1"
	LAST=$(jget "$BODY" og.id)
}

serve_start --model "fashion=$MODEL" --device cpu
ok $? "server on the CPU"
answers "$TMP/cpu"
serve_stop
serve_start --model "fashion=$MODEL" --device 0
ok $? "server on Vulkan device 0"
answers "$TMP/vk"
cmp -s "$TMP/cpu" "$TMP/vk"
ok $? "16 images: the Vulkan engine's output bytes are the CPU's"
req -H 'Accept: application/json' "$URL/v1/records/$LAST"
check "the record names the Vulkan device" vulkan "$(jget "$BODY" device.kind)"
serve_stop
"$OGRUN" serve --listen 127.0.0.1:0 --model "fashion=$MODEL" --device 99 >/dev/null 2>"$TMP/err"
check "a device that does not exist: exit 1" 1 $?
check "and one line naming it" 1 "$(grep -c '^ogrun: serve: vulkan: no Vulkan device 99 ' "$TMP/err")"
"$OGVERIFY" spool "$OGX_HOME/spool" >/dev/null 2>&1
ok $? "the spool verifies"
done_testing
