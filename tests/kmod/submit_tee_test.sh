#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `ogsubmit check` against the real ogx.ko, in the qemu guest of
# tests/kmod/run.t: the daemon's record checks (check_record()) verify the
# kernel MAC of every record `ogrun run --level tee` wrote through /dev/ogx
# VERIFY; a record whose MAC was altered and which was then signed again
# with the node key (independently: Python, cbor2 and nacl, from the key
# file's seed) passes the signature check and is rejected by the kernel; and
# after a reload of the module (a new boot id and MAC key) the same records
# are of another boot: checked for form only. The module is left loaded as
# the guest loaded it (ring_events=16384), for the tests after this one.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${OGX_BUILD:-$src/build}
models=${OGX_MODELS:-$src/../shared/models}
fc=$models/mnist-fc/mnist-fc-f32.gguf
img=$models/mnist-fc/t10k-images-idx3-ubyte.gz
export OGX_HOME=$(mktemp -d /tmp/ogx-subtee.XXXXXX)
n=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
summary() { # N K M U F
	echo "$1 records checked, $2 kernel MACs verified through /dev/ogx, $3 of another boot (form only), $4 without /dev/ogx (form only), $5 failed"
}
# expect DESCRIPTION WANT-STATUS WANT-STDOUT: ogsubmit check of spool $4.
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
"$build/ogrun" run -m "$fc" -i "$img" --limit 5 --batch 2 --level tee -q >/dev/null 2>&1
ok $? "ogrun run --level tee writes 5 records with kernel evidence"
expect "ogsubmit check: every kernel MAC verified through /dev/ogx VERIFY" 0 \
	"$(summary 5 5 0 0 0)" "$OGX_HOME/spool"

# The spool again in a fresh directory, its last record's kernel MAC altered
# and the record signed again: only the kernel can tell.
kseq=$(/usr/bin/python3 - "$OGX_HOME/spool" "$OGX_HOME/bad" "$OGX_HOME/node.key" <<'PY'
import glob, hashlib, os, struct, sys
import cbor2, nacl.signing
src, dst, keyfile = sys.argv[1:4]
b2b16 = lambda d: hashlib.blake2b(d, digest_size=16).digest()
recs = []
for seg in sorted(glob.glob(src + "/*.seg")):
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
seed = bytes.fromhex(open(keyfile).read().strip())
sk = nacl.signing.SigningKey(seed)
assert bytes(sk.verify_key) == r[2]
del r[20]
r[20] = sk.sign(b"ogx-record-v1\0" + cbor2.dumps(r, canonical=True)).signature
recs[-1] = cbor2.dumps(r, canonical=True)
os.mkdir(dst)
h = b"OGXSPOOL" + struct.pack("<IIQ", 1, 0, 0)
out = h + b2b16(h)
for rec in recs:
    f = struct.pack("<I", len(rec)) + rec
    out += f + b2b16(f)
open(dst + "/0000000000000000.seg", "wb").write(out)
print(r[14][2])
PY
)
ok $? "python3: the last record's kernel MAC altered, signed again with the node key"
expect "the altered MAC: rejected by /dev/ogx VERIFY, the other 4 verified" 1 \
	"spool record 4: kernel evidence: seq $kseq: MAC not genuine on this boot
$(summary 5 4 0 0 1)" "$OGX_HOME/bad"

# A new boot of the module: a new boot id and MAC key.
/usr/sbin/rmmod ogx && /usr/sbin/insmod "$OGX_KO" ring_events=16384
ok $? "ogx.ko reloaded"
expect "after the reload: records of another boot, form only" 0 \
	"$(summary 5 0 5 0 0)" "$OGX_HOME/spool"
rm -rf "$OGX_HOME"
echo "1..$n"
