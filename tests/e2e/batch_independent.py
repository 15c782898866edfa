#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Independent check of the batch format (Documentation/chain.md) with
Debian's python3-cbor2 and python3-nacl, and a second implementation of the
RFC 6962 Merkle tree.

    batch_independent.py BATCH OUTDIR

Checks BATCH (made by ogsubmit): canonical CBOR (re-encoding gives the same
bytes), the keys, the operator's Ed25519 signature over "ogx-batch-v1" and the
body, and the Merkle root of its records. Then writes, for ogverify to check:
OUTDIR/record5 (the batch's sixth record), OUTDIR/proof5 ("5 h1,h2,..." its
inclusion proof) and OUTDIR/root.batch (a root-only batch of the same records,
signed by a new operator key).
"""
import hashlib
import sys

import cbor2
import nacl.signing

CONTEXT = b"ogx-batch-v1"


def h(b):
    return hashlib.sha256(b).digest()


def mth(d):
    if len(d) == 1:
        return h(b"\x00" + d[0])
    k = 1
    while k * 2 < len(d):
        k *= 2
    return h(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(d, m):
    if len(d) == 1:
        return []
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m < k:
        return path(d[:k], m) + [mth(d[k:])]
    return path(d[k:], m - k) + [mth(d[:k])]


raw = open(sys.argv[1], "rb").read()
out = sys.argv[2]
b = cbor2.loads(raw)
assert cbor2.dumps(b, canonical=True) == raw, "not canonical CBOR"
assert sorted(b) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 20], sorted(b)
assert b[0] == 1 and b[6] == 0
body = {k: v for k, v in b.items() if k != 20}
nacl.signing.VerifyKey(b[8]).verify(CONTEXT + cbor2.dumps(body, canonical=True), b[20])
recs = b[7]
assert len(recs) == b[4] == b[3] - b[2] + 1
digests = [h(r) for r in recs]
assert mth(digests) == b[5], "Merkle root"

open(out + "/record5", "wb").write(recs[5])
with open(out + "/proof5", "w") as f:
    f.write("5 " + ",".join(p.hex() for p in path(digests, 5)) + "\n")
op = nacl.signing.SigningKey.generate()
root = {k: v for k, v in body.items() if k != 7}
root[6] = 1
root[8] = bytes(op.verify_key)
root[20] = op.sign(CONTEXT + cbor2.dumps(root, canonical=True)).signature
open(out + "/root.batch", "wb").write(cbor2.dumps(root, canonical=True))
print("ok: %d records, seq %d..%d, signature and Merkle root check" % (len(recs), b[2], b[3]))
