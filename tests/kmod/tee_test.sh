#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `ogrun run --level tee` against the real ogx.ko, in the qemu guest of
# tests/kmod/run.t: every record carries kernel evidence, and an independent
# reader (Python: cbor2, hashlib) recomputes each event digest from the
# record's own fields, checks the kmod-sw label, that the kernel measured the
# record's runtime, and that consecutive records chain in the kernel log;
# then ogverify log replays `cat /dev/ogx` and finds every record's event.
# Then `ogsubmit check` (the daemon's check_record()) verifies every
# record's kernel MAC through /dev/ogx VERIFY; a copy of the spool whose last
# record has an altered MAC and was signed again with the node key (by the
# same Python reader, with nacl, from the key file's seed) passes the
# signature check and is rejected by the kernel (FAILED tee); after a reload
# of the module (a new boot id and MAC key) the records are of another boot:
# UNCHECKED, exit 3, never passed.
# The module is left loaded as the guest loaded it (ring_events=16384).
# These share this file's one `ogrun run`: under TCG each run costs seconds.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${OGX_BUILD:-$src/build}
models=${OGX_MODELS:-$src/../shared/models}
fc=$models/mnist-fc/mnist-fc-f32.gguf
img=$models/mnist-fc/t10k-images-idx3-ubyte.gz
export OGX_HOME=$(mktemp -d /tmp/ogx-tee.XXXXXX)
n=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
summary() { # SPOOL N V U F K O W
	echo "$1: $2 records: $3 verified at their level, $4 not checkable here, $5 failed; kernel MACs: $6 verified through /dev/ogx, $7 of another boot, $8 without /dev/ogx"
}
# expect DESCRIPTION WANT-STATUS WANT-STDOUT SPOOL: ogsubmit check of SPOOL.
expect() {
	local got rc
	got=$("$build/ogsubmit" check --spool "$4" 2>&1)
	rc=$?
	[ "$rc" -eq "$2" ] && [ "$got" = "$3" ]
	ok $? "$1"
	echo "$got" | sed 's/^/# got: /'
	[ "$rc" -eq "$2" ] || echo "# exit $rc, want $2"
	[ "$got" = "$3" ] || echo "$3" | sed 's/^/# want: /'
}

"$build/ogrun" key gen >/dev/null
out=$("$build/ogrun" run -m "$fc" -i "$img" --limit 5 --batch 2 --level tee -q \
	--save "$OGX_HOME/saved" 2>&1)
ok $? "ogrun run --level tee with /dev/ogx"
echo "$out" | sed 's/^/# /'
grep -q "), level tee/kmod-sw, 3 group commits$" <<<"$out"
ok $? "records are level tee, named by their evidence: tee/kmod-sw"

/usr/bin/python3 - "$OGX_HOME/saved" "$OGX_HOME" <<'PY'
import glob, hashlib, os, struct, sys, cbor2, nacl.signing
d, home = sys.argv[1:3]
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

# The spool again in a fresh directory (Documentation/spool.md), its last
# record's kernel MAC altered and the record signed again with the node key.
b2b16 = lambda b: hashlib.blake2b(b, digest_size=16).digest()
recs = []
for seg in sorted(glob.glob(home + "/spool/*.seg")):
    raw = open(seg, "rb").read()
    off = 40
    while off + 4 <= len(raw):
        (L,) = struct.unpack_from("<I", raw, off)
        if L == 0 or off + 20 + L > len(raw):
            break
        assert raw[off + 4 + L:off + 20 + L] == b2b16(raw[off:off + 4 + L])
        recs.append(raw[off + 4:off + 4 + L])
        off += 20 + L
assert len(recs) == 5, len(recs)
r = cbor2.loads(recs[-1])
r[14][10] = bytes([r[14][10][0] ^ 1]) + r[14][10][1:]
sk = nacl.signing.SigningKey(bytes.fromhex(open(home + "/node.key").read().strip()))
assert bytes(sk.verify_key) == r[2]
del r[20]
r[20] = sk.sign(b"ogx-record-v2\0" + cbor2.dumps(r, canonical=True)).signature
recs[-1] = cbor2.dumps(r, canonical=True)
os.mkdir(home + "/bad")
h = b"OGXSPOOL" + struct.pack("<IIQ", 1, 0, 0)
out = h + b2b16(h)
for rec in recs:
    f = struct.pack("<I", len(rec)) + rec
    out += f + b2b16(f)
open(home + "/bad/0000000000000000.seg", "wb").write(out)
open(home + "/bad.kseq", "w").write(str(r[14][2]))
PY
ok $? "an independent reader checks the kernel evidence of every record (and alters one)"
cat /dev/ogx >"$OGX_HOME/ogx.log"
out=$("$build/ogverify" log "$OGX_HOME/ogx.log" --spool "$OGX_HOME/spool" 2>&1)
ok $? "ogverify log: the module's log replays and holds every record's event"
echo "$out" | sed 's/^/# /'
grep -q "5 records' kernel evidence in the log, 0 outside its window" <<<"$out"
ok $? "all 5 records found in the log"

expect "ogsubmit check: every kernel MAC verified through /dev/ogx VERIFY" 0 \
	"$(summary "$OGX_HOME/spool" 5 5 0 0 5 0 0)" "$OGX_HOME/spool"
expect "a re-signed record with an altered MAC: rejected by VERIFY" 1 \
	"ogsubmit: $OGX_HOME/bad: seq 4: FAILED tee [kernel]: kernel evidence: seq $(cat "$OGX_HOME/bad.kseq"): MAC not genuine on this boot
$(summary "$OGX_HOME/bad" 5 4 0 1 4 0 0)" "$OGX_HOME/bad"
/usr/sbin/rmmod ogx && /usr/sbin/insmod "$OGX_KO" ring_events=16384
ok $? "ogx.ko reloaded (a new boot id and MAC key)"
other="tee (kmod-sw): not checkable here (the evidence is of another boot than /dev/ogx's (its MAC key is gone))"
expect "after the reload: the records are of another boot, unchecked (exit 3), not passed" 3 \
	"$(for s in 0 1 2 3 4; do echo "ogsubmit: $OGX_HOME/spool: seq $s: UNCHECKED tee [kernel]: $other"; done)
$(summary "$OGX_HOME/spool" 5 0 5 0 0 5 0)" "$OGX_HOME/spool"
out=$("$build/ogverify" spool "$OGX_HOME/spool" --require tee 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -qxF "ogverify: $OGX_HOME/spool: seq 0: FAILED tee [kernel]: tee (kmod-sw): not checkable here (the evidence is of another boot than /dev/ogx's (its MAC key is gone)), and tee is required" <<<"$out"
ok $? "ogverify spool --require tee: evidence of another boot is a failure (exit $rc)"
echo "$out" | sed 's/^/# /'
rm -rf "$OGX_HOME"
echo "1..$n"
