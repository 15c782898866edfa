#!/bin/bash
# ogverify log on ogx.ko event logs written by an independent implementation
# of the format (Python, hashlib; Documentation/kmod.md): replay to the head,
# windows, and the exact failure of each kind of damage. tests/kmod checks
# `cat /dev/ogx` logs of the real module the same way.
. "$(dirname "$0")/tap.sh"

# gen N FIRST OUT: events 0..N-1 of a chain from the zero head, keeping
# those from FIRST on; prints the head before FIRST and the final head.
gen() {
	/usr/bin/python3 - "$@" <<'PY'
import hashlib, struct, sys
n, first, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
head, before, data = bytes(32), None, b""
for seq in range(n):
    if seq == first:
        before = head
    body = struct.pack("<QQII", seq, 1700000000 * 10**9 + seq, 2, seq % 2)
    body += bytes([0xee]) * 32 + b"".join(bytes([seq % 251, k]) * 16 for k in range(5))
    digest = hashlib.sha256(body).digest()
    head = hashlib.sha256(head + digest).digest()
    if seq >= first:
        data += body + digest + head
open(out, "wb").write(data)
print(before.hex(), head.hex())
PY
}

read -r _ head < <(gen 10 0 "$TMP/full.log")
out=$("$OGVERIFY" log "$TMP/full.log" --head "$head")
ok $? "a whole log replays to its head"
[ "$out" = "$TMP/full.log: 10 events, seq 0..9, replay reaches head $head = --head" ]
ok $? "and says so in one line"
"$OGVERIFY" log - --head "$head" <"$TMP/full.log" >/dev/null
ok $? "reads stdin"

read -r before head < <(gen 10 4 "$TMP/window.log")
out=$("$OGVERIFY" log "$TMP/window.log" --head "$head")
ok $? "a window (oldest events dropped from the ring) replays from its first event"
grep -q "seq 4..9 (a window: the link before it was not checked)" <<<"$out"
ok $? "and is reported as a window"
"$OGVERIFY" log "$TMP/window.log" --from "$before" --head "$head" >/dev/null
ok $? "--from checks its first link too"
expect_fail "--from with a wrong head" \
	"ogverify: $TMP/window.log: FAILED event log: seq 4: chain head mismatch" \
	"$OGVERIFY" log "$TMP/window.log" --from "$head" --head "$head"

cp "$TMP/full.log" "$TMP/flip.log"
printf '\x01' | dd of="$TMP/flip.log" bs=1 seek=$((3 * 280 + 100)) conv=notrunc status=none
expect_fail "a changed event" "ogverify: $TMP/flip.log: FAILED event log: seq 3: digest mismatch" \
	"$OGVERIFY" log "$TMP/flip.log"
head -c $((4 * 280)) "$TMP/full.log" >"$TMP/gap.log"
tail -c $((5 * 280)) "$TMP/full.log" >>"$TMP/gap.log"
expect_fail "a missing event" "ogverify: $TMP/gap.log: FAILED event log: seq 5 where 4 was due" \
	"$OGVERIFY" log "$TMP/gap.log"
head -c 1000 "$TMP/full.log" >"$TMP/torn.log"
expect_fail "a torn log" \
	"ogverify: $TMP/torn.log: 1000 bytes is not a whole number of 280-byte events" \
	"$OGVERIFY" log "$TMP/torn.log"
expect_fail "another head" \
	"ogverify: $TMP/full.log: FAILED event log: replays to a head other than --head" \
	"$OGVERIFY" log "$TMP/full.log" --head "$before"
: >"$TMP/empty.log"
expect_fail "an empty log" "ogverify: $TMP/empty.log: no events" "$OGVERIFY" log "$TMP/empty.log"
done_testing
