#!/usr/bin/python3
# Independent check of the proof record format: Debian's python3-cbor2 decodes
# the golden records (and any records in $OGX_RECORDS), re-encodes them in
# canonical form (must give the same bytes), and python3-nacl verifies the
# Ed25519 signature over "ogx-record-v2\0" + canonical CBOR of the map without
# key 20, and hashlib checks that params (key 8) is the SHA-256 of the job
# text (key 18) — no line of our C code is involved in any check.
import glob, hashlib, os, sys

import cbor2
import nacl.exceptions
import nacl.signing

src = os.environ.get("OGX_SRC", ".")
files = sorted(glob.glob(os.path.join(src, "tests/vectors/record-v2-*.cbor")))
extra = os.environ.get("OGX_RECORDS")
if extra:
    files += sorted(glob.glob(os.path.join(extra, "*.cbor")))
if not files:
    print("1..1\nnot ok 1 - no records found")
    sys.exit(1)

print("1..%d" % (3 * len(files)))
n = 0
for path in files:
    raw = open(path, "rb").read()
    rec = cbor2.loads(raw)
    name = os.path.basename(path)
    n += 1
    same = cbor2.dumps(rec, canonical=True) == raw
    print("%s %d - %s is canonical CBOR" % ("ok" if same else "not ok", n, name))
    body = dict(rec)
    sig = body.pop(20)
    msg = b"ogx-record-v2\0" + cbor2.dumps(body, canonical=True)
    n += 1
    try:
        nacl.signing.VerifyKey(rec[2]).verify(msg, sig)
        print("ok %d - %s signature verifies (id %s)"
              % (n, name, hashlib.sha256(raw).hexdigest()[:16]))
    except nacl.exceptions.BadSignatureError:
        print("not ok %d - %s signature does not verify" % (n, name))
    n += 1
    job_ok = rec[0] == 2 and isinstance(rec[18], str) and \
        hashlib.sha256(rec[18].encode("utf-8")).digest() == rec[8]
    print("%s %d - %s params is the SHA-256 of its job text"
          % ("ok" if job_ok else "not ok", n, name))
