#!/bin/bash
# ogrun run → spool and saved records → ogverify record / spool: the checks a
# full node makes, and the exact failure each tampering produces.
. "$(dirname "$0")/tap.sh"
need_models
M=$OGX_MODELS/mnist-fc
IMG=$M/t10k-images-idx3-ubyte.gz
LAB=$M/t10k-labels-idx1-ubyte.gz
FC=$M/mnist-fc-f32.gguf

pk=$("$OGRUN" key gen)
out=$("$OGRUN" run -m "$FC" -i "$IMG" --labels "$LAB" --limit 5 --save "$TMP/s1" --batch 2)
ok $? "ogrun run classifies 5 images"
[ "$(grep -c '^job ' <<<"$out")" -eq 5 ]
ok $? "one line per job"
grep -q "records   5 written to $OGX_HOME/spool (seq 0..4), level vanilla, 3 group commits" <<<"$out"
ok $? "5 records in 3 group commits of up to 2"
grep -q "accuracy  100.00 % (5 of 5 correct)" <<<"$out"
ok $? "the first 5 MNIST test images are classified right"

"$OGVERIFY" record "$TMP/s1/3.cbor" --input "$TMP/s1/3.input" --output "$TMP/s1/3.output" \
	--model "$FC" --params "$TMP/s1/params" --prev "$TMP/s1/2.cbor" --node "$pk" >"$TMP/v.out"
ok $? "ogverify record passes every check with all digests recomputed"
[ "$(grep '^ok ' "$TMP/v.out")" = "ok  schema (record v2, deterministic CBOR)
ok  signature (Ed25519 by the node key)
ok  node is the expected one
ok  recipe: params is the SHA-256 of the job text, in canonical form
ok  level vanilla
ok  chain: follows seq 2 (epoch 0)
ok  input digest matches $TMP/s1/3.input
ok  output digest matches $TMP/s1/3.output
ok  model digest matches $FC
ok  params digest matches $TMP/s1/params" ]
ok $? "10 checks reported ok, the level by its evidence label"
grep -qx "  level    0 (vanilla)" "$TMP/v.out" && grep -qx "$TMP/s1/3.cbor: all checks passed (level vanilla)" "$TMP/v.out"
ok $? "the record's level and the verdict name the evidence: vanilla"
"$OGVERIFY" record - <"$TMP/s1/0.cbor" >/dev/null
ok $? "ogverify record reads stdin"

cp "$TMP/s1/3.cbor" "$TMP/flip.cbor"
printf '\x55' | dd of="$TMP/flip.cbor" bs=1 seek=100 conv=notrunc status=none
"$OGVERIFY" record "$TMP/flip.cbor" >/dev/null 2>&1
ok $((!$?)) "a flipped byte is rejected"
expect_fail "a flipped signature byte names the signature check" \
	"ogverify: $TMP/sig.cbor: seq 3: FAILED signature [signature]: the signature does not verify under the record's node key" \
	bash -c "cp '$TMP/s1/3.cbor' '$TMP/sig.cbor'; s=\$(stat -c %s '$TMP/sig.cbor');
		printf '\\x00' | dd of='$TMP/sig.cbor' bs=1 seek=\$((s - 5)) conv=notrunc status=none;
		'$OGVERIFY' record '$TMP/sig.cbor'"
head -c 50 "$TMP/s1/3.cbor" >"$TMP/short.cbor"
expect_fail "a truncated record names the schema check" \
	"ogverify: $TMP/short.cbor: record 0: FAILED schema [record]: truncated in prev" \
	"$OGVERIFY" record "$TMP/short.cbor"
expect_fail "a wrong input names the input digest" \
	"ogverify: $TMP/s1/3.cbor: seq 3: FAILED digest [input]: $TMP/s1/2.input has $(sha256sum "$TMP/s1/2.input" | cut -c1-16)..., the record says $(sha256sum "$TMP/s1/3.input" | cut -c1-16)..." \
	"$OGVERIFY" record "$TMP/s1/3.cbor" --input "$TMP/s1/2.input"
expect_fail "a missing record is a gap" \
	"ogverify: $TMP/s1/3.cbor: seq 3: FAILED chain-gap [seq]: seq 3 follows seq 1 (records 2..2 missing)" \
	"$OGVERIFY" record "$TMP/s1/3.cbor" --prev "$TMP/s1/1.cbor"
expect_fail "another node's key is refused" \
	"ogverify: $TMP/s1/3.cbor: seq 3: FAILED node [node]: signed by node ${pk:0:16}..., not the expected node" \
	"$OGVERIFY" record "$TMP/s1/3.cbor" --node "$(printf '%064d' 0)"

# A second run of the same node continues the chain in the spool...
"$OGRUN" run -q -m "$FC" -i "$IMG" --limit 3 --save "$TMP/s2" >/dev/null
ok $? "a second run appends"
"$OGVERIFY" record "$TMP/s2/5.cbor" --prev "$TMP/s1/4.cbor" >/dev/null
ok $? "its first record (seq 5) links to the last record of the first run"
out=$("$OGVERIFY" spool "$OGX_HOME/spool" --node "$pk")
ok $? "ogverify spool verifies the whole spool"
[ "$out" = "$OGX_HOME/spool: 8 records: 8 verified at their level, 0 not checkable here, 0 failed; seq 0..7 (epoch 0); node $pk" ]
ok $? "8 records, seq 0..7"

# ...while a record from another spool of the same node at the right seq is a chain break.
OGX_HOME=$TMP/home2 "$OGRUN" key gen >/dev/null
cp "$OGX_HOME/node.key" "$TMP/home2/node.key"
OGX_HOME=$TMP/home2 "$OGRUN" run -q -m "$FC" -i "$IMG" --limit 5 --save "$TMP/s3" >/dev/null
prev_digest=$(sha256sum "$TMP/s1/3.cbor" | cut -c1-16)
expect_fail "a record whose prev is not the previous record is a chain break" \
	"ogverify: $TMP/s3/4.cbor: seq 4: FAILED chain-prev [prev]: prev $(sha256sum "$TMP/s3/3.cbor" | cut -c1-16)... is not the digest of seq 3 ($prev_digest...)" \
	"$OGVERIFY" record "$TMP/s3/4.cbor" --prev "$TMP/s1/3.cbor"

# Errors a user can reach.
# (tee without /dev/ogx: tests/e2e/kmod-tee.t)
expect_fail "level zkml is never downgraded" \
	"ogrun: level zkml: this build of ogrun cannot provide it yet (never downgraded; use --level vanilla)" \
	"$OGRUN" run -m "$FC" -i "$IMG" --level zkml
expect_fail "unknown level" "ogrun: run: --level: unknown level 'gold' (want vanilla, zkml or tee)" \
	"$OGRUN" run -m "$FC" -i "$IMG" --level gold
head -c 100 "$IMG" >"$TMP/bad.img"
expect_fail "an input that is neither raw pixels nor IDX" \
	"ogrun: $TMP/bad.img: want 784 raw uint8 pixels or an IDX image file, have 100 bytes that are neither (gzip stream truncated)" \
	"$OGRUN" run -m "$FC" -i "$TMP/bad.img"
expect_fail "a bad --limit" "ogrun: run: --limit: 'x' is not a positive number" \
	"$OGRUN" run -m "$FC" -i "$IMG" --limit x
expect_fail "a missing key says how to make one" \
	"ogrun: key $TMP/none.key: no node key (make one with: ogrun key gen $TMP/none.key)" \
	"$OGRUN" run -m "$FC" -i "$TMP/s1/0.input" --key "$TMP/none.key"
expect_fail "a new user's first run, with no node key yet, says how to make one" \
	"ogrun: key $TMP/new/node.key: no node key (make one with: ogrun key gen)" \
	env OGX_HOME="$TMP/new" "$OGRUN" run -m "$FC" -i "$TMP/s1/0.input"
[ ! -e "$TMP/new" ]
ok $? "and makes neither a key nor a spool"
expect_fail "an extra argument is named" "ogrun: run: unexpected argument 'extra'" \
	"$OGRUN" run -m "$FC" -i "$IMG" extra
expect_fail "a device as input is refused before it is read" \
	"ogrun: /dev/zero: not a regular file (a character device)" \
	"$OGRUN" run -m "$FC" -i /dev/zero
expect_fail "a directory as input" "ogrun: $TMP: not a regular file (a directory)" \
	"$OGRUN" run -m "$FC" -i "$TMP"
expect_fail "a device as labels" "ogrun: /dev/zero: not a regular file (a character device)" \
	"$OGRUN" run -m "$FC" -i "$IMG" --labels /dev/zero
# An IDX of 2 images of 27x28: the model takes 28x28.
{ printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x1b\x00\x00\x00\x1c'; head -c 1512 /dev/zero; } >"$TMP/27x28.idx"
expect_fail "images of another size say what is wrong" \
	"ogrun: $TMP/27x28.idx: images are 27x28 = 756 pixels; the model takes 784" \
	"$OGRUN" run -m "$FC" -i "$TMP/27x28.idx"
OGX_HOME=$TMP/home3 "$OGRUN" key gen >/dev/null
expect_fail "a spool of another node is refused" \
	"ogrun: spool $OGX_HOME/spool holds another node's records; use a spool per key" \
	"$OGRUN" run -m "$FC" -i "$TMP/s1/0.input" --key "$TMP/home3/node.key"
done_testing
