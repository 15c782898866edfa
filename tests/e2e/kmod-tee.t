#!/bin/bash
# ogrun run --level tee needs ogx.ko's evidence and never downgrades: without
# /dev/ogx it fails with one line saying so. (With the module, tests/kmod runs
# the same command in a qemu guest and checks the evidence.)
. "$(dirname "$0")/tap.sh"
need_models
M=$OGX_MODELS/mnist-fc
"$OGRUN" key gen >/dev/null
if [ -e /dev/ogx ]; then
	"$OGRUN" run -m "$M/mnist-fc-f32.gguf" -i "$M/t10k-images-idx3-ubyte.gz" --limit 2 \
		--level tee -q | grep -Eq 'level tee/kmod-(sw|tpm), '
	ok $? "ogx.ko is loaded here: ogrun run --level tee writes tee records, named by their evidence"
else
	expect_fail "without /dev/ogx, --level tee fails and says why" \
		"ogrun: run: level tee: /dev/ogx: not present (is ogx.ko loaded?)" \
		"$OGRUN" run -m "$M/mnist-fc-f32.gguf" -i "$M/t10k-images-idx3-ubyte.gz" \
		--limit 2 --level tee
	[ ! -e "$OGX_HOME/spool" ] || [ -z "$(ls -A "$OGX_HOME/spool")" ]
	ok $? "and leaves no spool behind"
fi
done_testing
