#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `ogrun run --level tee` against the real ogx.ko, in the qemu guest of
# tests/kmod/run.t: every record carries kernel evidence, and an independent
# reader (Python: cbor2, hashlib) recomputes each event digest from the
# record's own fields, checks the kmod-sw label, that the kernel measured the
# record's runtime, and that consecutive records chain in the kernel log;
# then ogverify log replays `cat /dev/ogx` and finds every record's event.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${OGX_BUILD:-$src/build}
models=${OGX_MODELS:-$src/../shared/models}
fc=$models/mnist-fc/mnist-fc-f32.gguf
img=$models/mnist-fc/t10k-images-idx3-ubyte.gz
export OGX_HOME=$(mktemp -d /tmp/ogx-tee.XXXXXX)
n=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

"$build/ogrun" key gen >/dev/null
out=$("$build/ogrun" run -m "$fc" -i "$img" --limit 5 --batch 2 --level tee -q \
	--save "$OGX_HOME/saved" 2>&1)
ok $? "ogrun run --level tee with /dev/ogx"
echo "$out" | sed 's/^/# /'
grep -q "level tee" <<<"$out"
ok $? "records are level tee"

/usr/bin/python3 - "$OGX_HOME/saved" <<'PY'
import hashlib, struct, sys, cbor2
d = sys.argv[1]
prev = None
for seq in range(5):
    r = cbor2.loads(open(f"{d}/{seq}.cbor", "rb").read())
    k = r[14]
    assert k[0] == "kmod-sw", k[0]
    assert len(k) == 11, sorted(k)
    ev = struct.pack("<QQII", k[2], k[3], k[4], k[5]) + k[6] + r[5] + r[6] + r[7] + r[8] + k[7]
    assert hashlib.sha256(ev).digest() == k[8], f"record {seq}: event digest"
    assert k[6] == r[13], f"record {seq}: kernel exe != runtime"
    if prev is not None:
        assert k[1] == prev[1] and k[2] == prev[2] + 1, f"record {seq}: seq"
        assert hashlib.sha256(prev[9] + k[8]).digest() == k[9], f"record {seq}: head"
    prev = k
print("# 5 records: digests, label, exe and chain links check")
PY
ok $? "an independent reader checks the kernel evidence of every record"
cat /dev/ogx >"$OGX_HOME/ogx.log"
out=$("$build/ogverify" log "$OGX_HOME/ogx.log" --spool "$OGX_HOME/spool" 2>&1)
ok $? "ogverify log: the module's log replays and holds every record's event"
echo "$out" | sed 's/^/# /'
grep -q "5 records' kernel evidence in the log, 0 outside its window" <<<"$out"
ok $? "all 5 records found in the log"
rm -rf "$OGX_HOME"
echo "1..$n"
