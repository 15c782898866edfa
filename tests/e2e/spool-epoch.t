#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One chain per node key, never forked (issue 11): a damaged last record that
# was acknowledged is corruption, not a torn tail (ogverify spool says so, the
# next job refuses to sign its seq again); a second spool for the same key is
# refused; `ogrun chain new` starts an explicit new epoch after every seq the
# key may have signed, and verifiers tell the epochs apart.
. "$(dirname "$0")/tap.sh"
need_models
M=$OGX_MODELS/mnist-fc
IMG=$M/t10k-images-idx3-ubyte.gz
FC=$M/mnist-fc-f32.gguf
SP=$OGX_HOME/spool
KEY=$OGX_HOME/node.key

expect_fail "a job without a node key says how to make one" \
	"ogrun: key $KEY: no node key (make one with: ogrun key gen)" \
	"$OGRUN" run -m "$FC" -i "$IMG" --limit 1 -q
pk=$("$OGRUN" key gen)
"$OGRUN" run -m "$FC" -i "$IMG" --limit 24 -q >/dev/null
ok $? "24 jobs, 24 records"
[ -f "$KEY.chain" ] && grep -qx "epoch 0" "$KEY.chain" && grep -qx "path $(realpath "$SP")" "$KEY.chain"
ok $? "the key is bound to its spool (KEY.chain)"
out=$("$OGRUN" chain show)
grep -q "^spool  $(realpath "$SP") (id [0-9a-f]\{32\})$" <<<"$out"
ok $? "ogrun chain show names the spool"

# (b) another spool for the same key: refused, nothing written there.
expect_fail "a second spool for the key is refused" \
	"ogrun: node key $KEY signs its chain (epoch 0) in spool $(realpath "$SP"); $TMP/new is another spool, and a second chain for one key would sign two records for one seq. Use --spool $(realpath "$SP"), or start a new epoch in this one: ogrun chain new --spool $TMP/new" \
	"$OGRUN" run -m "$FC" -i "$IMG" --limit 1 -q --spool "$TMP/new"

# (a) flip a byte of the last, acknowledged record.
seg=$SP/0000000000000000.seg
size=$(stat -c %s "$seg")
cp "$seg" "$TMP/seg.before"
printf '\x55' | dd of="$seg" bs=1 seek=$((size - 40)) conv=notrunc status=none
out=$("$OGVERIFY" spool "$SP" 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -q "FAILED spool: segment 0000000000000000.seg: record at index 23 (offset [0-9]*) is damaged (checksum mismatch), but the ack mark says records up to index 23 were acknowledged: corruption, not a torn tail" <<<"$out" &&
	grep -q "23 records: 23 verified at their level, 0 not checkable here, 0 failed" <<<"$out"
ok $? "ogverify spool: the damaged acknowledged record fails (exit 1), the 23 before verify"
[ $rc -eq 1 ] || echo "$out" | sed 's/^/#   /'
cp "$seg" "$TMP/seg.damaged"
"$OGRUN" run -m "$FC" -i "$IMG" --limit 1 -q 2>"$TMP/err" >/dev/null
rc=$?
[ $rc -ne 0 ] && grep -q "corruption, not a torn tail" "$TMP/err" && cmp -s "$seg" "$TMP/seg.damaged"
ok $? "the next job refuses to sign seq 23 again, and changes nothing"

# A new epoch, explicitly: after seq 23 (acknowledged, unreadable).
out=$("$OGRUN" chain new --spool "$TMP/epoch1")
ok $? "ogrun chain new --spool DIR"
grep -q "^epoch 1 starts at seq 24 in $TMP/epoch1$" <<<"$out" &&
	grep -q "^epoch 0 ends at seq 22 in $(realpath "$SP")$" <<<"$out" &&
	grep -q "^1 acknowledged record past it cannot be read$" <<<"$out" &&
	grep -q "^verifiers will report seq 23..23 missing (a gap before epoch 1) unless those records are restored$" <<<"$out"
ok $? "it says where epoch 1 starts and what is lost"
[ $? -eq 0 ] || echo "$out" | sed 's/^/#   /'
"$OGRUN" run -m "$FC" -i "$IMG" --limit 3 -q --spool "$TMP/epoch1" >/dev/null
ok $? "jobs go on in the new epoch's spool"
out=$("$OGVERIFY" spool "$TMP/epoch1" 2>&1)
grep -q "3 records: 3 verified at their level, 0 not checkable here, 0 failed; seq 24..26 (epoch 1), a window" <<<"$out"
ok $? "ogverify spool: epoch 1, seq 24..26"
cp "$TMP/seg.before" "$seg"
expect_fail "the old spool, even repaired, is no longer the key's" \
	"ogrun: node key $KEY signs its chain (epoch 1) in spool $(realpath "$TMP/epoch1"); $SP is another spool, and a second chain for one key would sign two records for one seq. Use --spool $(realpath "$TMP/epoch1"), or start a new epoch in this one: ogrun chain new --spool $SP" \
	"$OGRUN" run -m "$FC" -i "$IMG" --limit 1 -q

# A torn tail past the mark: cut, reported, not a failure.
"$OGRUN" key gen "$TMP/t.key" >/dev/null &&
	"$OGRUN" run -m "$FC" -i "$IMG" --limit 2 -q --key "$TMP/t.key" --spool "$TMP/torn" >/dev/null
printf '\x10\x00\x00\x00abc' >>"$TMP/torn/0000000000000000.seg"
out=$("$OGVERIFY" spool "$TMP/torn" 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -q "the spool ends in 7 bytes that are not a whole frame" <<<"$out"
ok $? "ogverify spool reports a torn tail past the mark, exit 0"
"$OGRUN" run -m "$FC" -i "$IMG" --limit 1 -q --key "$TMP/t.key" --spool "$TMP/torn" 2>"$TMP/err" >/dev/null &&
	grep -q "cut a torn tail of 7 bytes left by a crash (past the ack mark: never acknowledged)" "$TMP/err"
ok $? "the next job cuts it and goes on"
"$OGVERIFY" spool "$TMP/torn" >/dev/null 2>&1
ok $? "and the spool verifies"

done_testing
