#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The default model end to end: `ogrun model train` with its defaults on
# Debian's dataset-fashion-mnist (784-128-10, 12 epochs), then `ogrun model
# eval` of the int8 file it wrote on the 10,000 test images: >= 85 %.
# Under the sanitizers (OGX_SAN=1, about 15 times slower here) it trains 3
# epochs instead of 12 (86.4 % int8): the same code, a shorter schedule.
set -u
OGRUN=${OGX_BUILD:-build}/ogrun
F=/usr/share/datasets/fashion-mnist
T=$(mktemp -d /tmp/ogx-train-t.XXXXXX)
trap 'rm -rf "$T"' EXIT

EPOCHS=()
[ "${OGX_SAN:-}" = 1 ] && EPOCHS=(--epochs 3)

echo "1..4"
"$OGRUN" model train -o "$T/fashion-q8.gguf" --f32 "$T/fashion-f32.gguf" "${EPOCHS[@]}" \
	>"$T/out" 2>&1
rc=$?
sed 's/^/# /' "$T/out"
[ "$rc" = 0 ] && [ -s "$T/fashion-q8.gguf" ] && [ -s "$T/fashion-f32.gguf" ]
if [ $? = 0 ]; then echo "ok 1 - ogrun model train"; else echo "not ok 1 - ogrun model train"; fi

fails=0
n=1
for kind in q8 f32; do
	n=$((n + 1))
	"$OGRUN" model eval "$T/fashion-$kind.gguf" --images "$F/t10k-images-idx3-ubyte.gz" \
		--labels "$F/t10k-labels-idx1-ubyte.gz" >"$T/eval" 2>&1
	sed 's/^/# /' "$T/eval"
	c=$(sed -n 's/.*: \([0-9]*\) of 10000 correct.*/\1/p' "$T/eval")
	if [ -n "$c" ] && [ "$c" -ge 8500 ]; then
		echo "ok $n - $kind test accuracy >= 85 % ($c of 10000)"
	else
		echo "not ok $n - $kind test accuracy >= 85 % (${c:-?} of 10000)"
		fails=1
	fi
done

# The default model on the Vulkan engine: the CPU reference's int32 logits,
# byte for byte, for the 1,000 images of `make demo` (the same output digest
# whichever engine a full node re-executes on).
export OGX_HOME=$T/home
for d in cpu 0; do
	# a key per spool: a key signs one chain, in one spool
	"$OGRUN" key gen "$T/node-$d.key" >/dev/null
	"$OGRUN" run -q -m "$T/fashion-q8.gguf" -i "$F/t10k-images-idx3-ubyte.gz" --limit 1000 \
		--device $d --key "$T/node-$d.key" --spool "$T/spool-$d" --save "$T/save-$d" \
		>/dev/null 2>&1 || fails=1
done
bad=0
for i in $(seq 0 999); do
	cmp -s "$T/save-cpu/$i.output" "$T/save-0/$i.output" || bad=$((bad + 1))
done
if [ "$fails" = 0 ] && [ "$bad" = 0 ] && [ -s "$T/save-0/999.output" ]; then
	echo "ok 4 - default model: Vulkan outputs equal the CPU's for 1,000 demo images"
else
	echo "not ok 4 - default model: Vulkan outputs equal the CPU's ($bad of 1000 differ)"
	fails=1
fi
[ "$rc" = 0 ] && [ "$fails" = 0 ]
