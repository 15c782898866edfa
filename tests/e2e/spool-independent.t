#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Independent check of the spool's on-disk format (Documentation/spool.md):
# Python's hashlib BLAKE2b builds the segment that holds the golden records
# and compares it with tests/vectors/spool-0000000000000000.seg, byte for
# byte, then parses the vector frame by frame as the document says; it does
# the same for the ack mark (tests/vectors/spool-acked: those three records
# acknowledged, spool id 00 01 ... 0f). The unit tests spool.golden_segment
# and spool.golden_mark check that the C writer produces the same bytes and
# the C reader reads them back, so C, this script and the document agree.
import hashlib, os, struct, sys

src = os.environ.get("OGX_SRC", ".")
path = os.path.join(src, "tests/vectors/spool-0000000000000000.seg")
mark_path = os.path.join(src, "tests/vectors/spool-acked")
RECORDS = [b"hello", b"world!", bytes(range(256))]
SPOOL_ID = bytes(range(16))


def b2b16(data):
    return hashlib.blake2b(data, digest_size=16).digest()


def header(first):
    h = b"OGXSPOOL" + struct.pack("<IIQ", 1, 0, first)
    return h + b2b16(h)


def frame(payload):
    n = struct.pack("<I", len(payload))
    return n + payload + b2b16(n + payload)


def mark(spool_id, acked):
    m = b"OGXACKED" + struct.pack("<II", 1, 0) + spool_id + struct.pack("<Q", acked)
    return m + b2b16(m)


want = header(0) + b"".join(frame(r) for r in RECORDS)
want_mark = mark(SPOOL_ID, len(RECORDS))
if len(sys.argv) > 1 and sys.argv[1] == "--write":
    open(path, "wb").write(want)
    open(mark_path, "wb").write(want_mark)
    sys.exit(0)

print("1..6")
raw = open(path, "rb").read()
print("%s 1 - vector equals the segment built from the document (%d bytes)"
      % ("ok" if raw == want else "not ok", len(want)))

ok = (raw[0:8] == b"OGXSPOOL" and struct.unpack_from("<I", raw, 8)[0] == 1
      and struct.unpack_from("<I", raw, 12)[0] == 0
      and struct.unpack_from("<Q", raw, 16)[0] == 0 and raw[24:40] == b2b16(raw[0:24]))
print("%s 2 - header: magic, version 1, reserved 0, first index 0, checksum"
      % ("ok" if ok else "not ok"))

off, got = 40, []
while off < len(raw):
    (n,) = struct.unpack_from("<I", raw, off)
    if not 1 <= n <= 1 << 20 or off + 20 + n > len(raw):
        break
    if raw[off + 4 + n:off + 20 + n] != b2b16(raw[off:off + 4 + n]):
        break
    got.append(raw[off + 4:off + 4 + n])
    off += 20 + n
print("%s 3 - frames parse to the golden records" % ("ok" if got == RECORDS else "not ok"))
print("%s 4 - frames end exactly at the end of the file"
      % ("ok" if off == len(raw) else "not ok"))

rawm = open(mark_path, "rb").read()
print("%s 5 - ack mark vector equals the mark built from the document (%d bytes)"
      % ("ok" if rawm == want_mark else "not ok", len(want_mark)))
ok = (len(rawm) == 56 and rawm[0:8] == b"OGXACKED"
      and struct.unpack_from("<II", rawm, 8) == (1, 0) and rawm[16:32] == SPOOL_ID
      and struct.unpack_from("<Q", rawm, 32)[0] == len(got)
      and rawm[40:56] == b2b16(rawm[0:40]))
print("%s 6 - ack mark: magic, version 1, reserved 0, id, acked = the records read, checksum"
      % ("ok" if ok else "not ok"))
