#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogsubmit against a real EVM node (anvil): 10,000 spool records go out in
# batches, are confirmed, and ogverify finds every one exactly once; more
# records continue the chain; root-only batches; the errors an operator meets
# (a malformed spool record, a wrong chain id, bad configuration, a second
# instance) are one clear line and leave the state as it was.
set -u
. "$OGX_SRC/tests/e2e/anvil.sh"
OGSUBMIT=$OGX_BUILD/ogsubmit
SPOOLGEN=$OGX_BUILD/tests/chain_spoolgen
echo "1..45"

anvil_start
submit_setup
"$SPOOLGEN" "$ANVIL_TMP/spool" "$ANVIL_TMP/node.key" 10000
check "10,000 records in the spool" 0 "$?"

timeout 300 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once 2>"$ANVIL_TMP/run1.log"
check "ogsubmit run --once settles them and exits 0" 0 "$?"
out=$(verify_chain 10000)
check "ogverify chain: exit 0" 0 "$?"
case "$out" in
*", 10000 records (seq 0..9999): 10000 verified at their level, 0 not checkable here, 0 failed; 0 chain failures, 0 batch failures") ok "every record on chain exactly once" ;;
*) not_ok "every record on chain exactly once"; echo "# $out" ;;
esac
check "cursor at 10,000" "settled 10000" "$(cut -d' ' -f1,2 "$ANVIL_TMP/state/cursor")"

# systemd's notify protocol, against a fake NOTIFY_SOCKET (anvil.sh).
"$SPOOLGEN" "$ANVIL_TMP/spool" "$ANVIL_TMP/node.key" 500
notify_listen "$ANVIL_TMP/notify.sock" "$ANVIL_TMP/notify.log" 60
NOTIFY_SOCKET=$ANVIL_TMP/notify.sock timeout 120 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" \
	--once 2>"$ANVIL_TMP/run2.log"
check "a restart picks up 500 new records" 0 "$?"
wait "$NOTIFY_PID"
check "sd_notify: READY=1 first" "READY=1" "$(head -1 "$ANVIL_TMP/notify.log")"
grep -q '^WATCHDOG=1|STATUS=0 batches in flight, 500 records settled, 0 read and not settled$' \
	"$ANVIL_TMP/notify.log"
check "sd_notify: WATCHDOG=1 and STATUS= with the progress" 0 "$?"
check "sd_notify: STOPPING=1 last" "STOPPING=1" "$(tail -1 "$ANVIL_TMP/notify.log")"
out=$(verify_chain 10500)
check "ogverify: 10,500 records, chain unbroken across runs" 0 "$?"

# A malformed record: ogsubmit stops before it, keeps its state, says which.
"$SPOOLGEN" "$ANVIL_TMP/spool" "$ANVIL_TMP/node.key" --garbage
cp "$ANVIL_TMP/state/cursor" "$ANVIL_TMP/cursor.before"
out=$(timeout 60 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once 2>&1)
rc=$?
check "malformed spool record: exit 1" 1 "$rc"
case "$out" in
*"ogsubmit: spool record 10500: "*) ok "and the error names the record" ;;
*) not_ok "and the error names the record"; echo "$out" | sed 's/^/# /' ;;
esac
cmp -s "$ANVIL_TMP/cursor.before" "$ANVIL_TMP/state/cursor"
check "state unchanged" 0 "$?"

# A TEE record whose kernel evidence is incomplete, on a spool of its own.
"$SPOOLGEN" "$ANVIL_TMP/spool-tee" "$ANVIL_TMP/node.key" 10
"$SPOOLGEN" "$ANVIL_TMP/spool-tee" "$ANVIL_TMP/node.key" --tee-bad
out=$(timeout 60 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once --spool "$ANVIL_TMP/spool-tee" \
	--state-dir "$ANVIL_TMP/state-tee" --target 0x00000000000000000000000000000000000000ee 2>&1)
rc=$?
case "$rc $out" in
"1 "*"ogsubmit: $ANVIL_TMP/spool-tee: spool record 10: seq 10: FAILED tee [kernel]: kernel evidence: no boot_id (stopped before it; fix the spool)"*) ok "bad kernel evidence: stops before the record and says why" ;;
*) not_ok "bad kernel evidence: stops before the record and says why"; echo "$out" | sed 's/^/# /' ;;
esac

out=$("$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once --chain-id 8453 2>&1)
check "wrong chain id: exit 1 and one line" \
	"1 ogsubmit: $ANVIL_URL: chain id is 31337, not 8453 as chain_id says" "$? $out"

out=$("$OGSUBMIT" run --config "$ANVIL_TMP/conf" --confirmations abc 2>&1)
check "bad flag value names the key" \
	"2 ogsubmit: --confirmations: confirmations: 'abc' is not a number" "$? $out"
echo "batch_records = 0" >>"$ANVIL_TMP/conf"
line=$(wc -l <"$ANVIL_TMP/conf")
out=$("$OGSUBMIT" run --config "$ANVIL_TMP/conf" 2>&1)
check "bad file value names the file, line and key" \
	"2 ogsubmit: $ANVIL_TMP/conf:$line: batch_records: 0 is outside 1..65536" "$? $out"
out=$("$OGSUBMIT" run --rpc "$ANVIL_URL" 2>&1)
check "a missing key is named" \
	"2 ogsubmit: config: 'chain_id' is not set (chain id the node must report (Base 8453, Base Sepolia 84532, anvil 31337))" \
	"$? $out"
sed -i '$d' "$ANVIL_TMP/conf"
out=$("$OGSUBMIT" run --config "$OGX_SRC/tools/ogsubmit/ogsubmit.conf.example" --check 2>&1)
check "the example configuration is valid" "0 ogsubmit: configuration is valid" "$? $out"

out=$("$OGSUBMIT" run --config "$ANVIL_TMP/conf" --no-such-key 1 2>&1)
check "an unknown flag" "2 ogsubmit: --no-such-key is not an option" "$? $out"
cp "$ANVIL_TMP/conf" "$ANVIL_TMP/conf.bad"
echo "colour = blue" >>"$ANVIL_TMP/conf.bad"
line=$(wc -l <"$ANVIL_TMP/conf.bad")
out=$("$OGSUBMIT" run --config "$ANVIL_TMP/conf.bad" 2>&1)
check "an unknown key in the file" \
	"2 ogsubmit: $ANVIL_TMP/conf.bad:$line: unknown key 'colour'" "$? $out"
sed -i '$d' "$ANVIL_TMP/conf.bad"
echo "just words" >>"$ANVIL_TMP/conf.bad"
line=$(wc -l <"$ANVIL_TMP/conf.bad")
out=$("$OGSUBMIT" run --config "$ANVIL_TMP/conf.bad" 2>&1)
check "a line that is not key = value" \
	"2 ogsubmit: $ANVIL_TMP/conf.bad:$line: not 'key = value'" "$? $out"
out=$("$OGSUBMIT" run --config "$ANVIL_TMP/nonexistent.conf" 2>&1)
check "a missing config file" \
	"2 ogsubmit: $ANVIL_TMP/nonexistent.conf: No such file or directory" "$? $out"

# A torn last journal line (a crash in the middle of a write) is cut.
printf 'T 99 7 1 2 3 abc' >>"$ANVIL_TMP/state/journal"
timeout 60 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once --spool "$ANVIL_TMP/spool2" \
	--state-dir "$ANVIL_TMP/state" 2>"$ANVIL_TMP/torn.log" >/dev/null
grep -q 'journal: cut a torn tail of 16 bytes' "$ANVIL_TMP/torn.log"
check "a torn journal tail is cut on start" 0 "$?"

# A SIGKILL that tears the one append of a batch and its first transaction
# after the B line: the transaction was never sent, so the batch goes too,
# and its records go out again (chain-crash.t met it: the batch's records
# were taken, never sent, and the next batch took its nonce).
INBOX3=0x00000000000000000000000000000000000000cc
"$OGX_BUILD/ogrun" key gen "$ANVIL_TMP/node3.key" >"$ANVIL_TMP/node3.pk"
"$SPOOLGEN" "$ANVIL_TMP/spool3" "$ANVIL_TMP/node3.key" 100
timeout 60 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once --spool "$ANVIL_TMP/spool3" \
	--state-dir "$ANVIL_TMP/state3" --target "$INBOX3" 2>/dev/null >/dev/null
check "a third spool: 100 records settled" "settled 100" "$(cut -d' ' -f1,2 "$ANVIL_TMP/state3/cursor")"
"$SPOOLGEN" "$ANVIL_TMP/spool3" "$ANVIL_TMP/node3.key" 50
batch=$(sed -n 's/.* batch \([0-9]*\) .*/\1/p' "$ANVIL_TMP/state3/cursor")
torn=$(/usr/bin/python3 - "$ANVIL_TMP/state3/journal" "$batch" <<'PY'
import sys, zlib
path, batch = sys.argv[1], int(sys.argv[2])
b = f"B {batch} 100 150 100 149 {'0' * 64}"
b += f" {zlib.crc32(b.encode()):08x}\n"
t = f"T {batch} 99 1000000000 2000000000 800000 {'ab' * 32} 02f94e22"
open(path, "a").write(b + t)
print(len(b) + len(t))
PY
)
timeout 60 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once --spool "$ANVIL_TMP/spool3" \
	--state-dir "$ANVIL_TMP/state3" --target "$INBOX3" 2>"$ANVIL_TMP/torn3.log" >/dev/null
check "a batch whose transaction line is torn is cut with it, and its records go out" \
	"0 ogsubmit: journal: cut a torn tail of $torn bytes" "$? $(grep 'journal:' "$ANVIL_TMP/torn3.log")"
out=$("$OGX_BUILD/ogverify" chain --rpc "$ANVIL_URL" --inbox "$INBOX3" --node "$(cat "$ANVIL_TMP/node3.pk")" \
	--expect 150)
check "all 150 records on chain exactly once" \
	"0 150 records (seq 0..149): 150 verified at their level, 0 not checkable here, 0 failed; 0 chain failures, 0 batch failures" \
	"$? ${out#*batches (0 root-only), }"
cp "$ANVIL_TMP/state/cursor" "$ANVIL_TMP/cursor.good"
echo "garbage" >"$ANVIL_TMP/state/cursor"
out=$("$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once 2>&1)
check "a damaged cursor is refused, not guessed at" \
	"1 ogsubmit: $ANVIL_TMP/state: $ANVIL_TMP/state/cursor: not an ogsubmit cursor" "$? $out"
cp "$ANVIL_TMP/cursor.good" "$ANVIL_TMP/state/cursor"

# One owner per state directory (and so per nonce sequence).
flock "$ANVIL_TMP/state/lock" sleep 30 &
holder=$!
sleep 0.2
out=$("$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once 2>&1)
check "a second instance is refused" \
	"1 ogsubmit: $ANVIL_TMP/state: another ogsubmit owns this state directory" "$? $out"
kill "$holder"
wait "$holder" 2>/dev/null

# Root-only batches: a second node, its own spool, state and inbox.
ROOT_INBOX=0x00000000000000000000000000000000000000bb
"$OGX_BUILD/ogrun" key gen "$ANVIL_TMP/node2.key" >/dev/null
"$SPOOLGEN" "$ANVIL_TMP/spool2" "$ANVIL_TMP/node2.key" 1000
timeout 120 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once --da root \
	--spool "$ANVIL_TMP/spool2" --state-dir "$ANVIL_TMP/state2" --target "$ROOT_INBOX" \
	2>"$ANVIL_TMP/run3.log"
check "root-only batches settle" 0 "$?"
out=$("$OGX_BUILD/ogverify" chain --rpc "$ANVIL_URL" --inbox "$ROOT_INBOX" --expect 1000 2>"$ANVIL_TMP/root.err")
rc=$?
case "$rc $out" in
"3 "*": 2 batches (2 root-only), 1000 records (seq 0..999): 0 verified at their level, 1000 not checkable here, 0 failed; 0 chain failures, 0 batch failures") ok "ogverify counts root-only batches: their records not checkable here, exit 3" ;;
*) not_ok "ogverify counts root-only batches: their records not checkable here, exit 3"; echo "# $rc $out" ;;
esac
check "one UNCHECKED line per root-only batch" 2 \
	"$(grep -c '^ogverify: block [0-9]* tx 0x[0-9a-f]*: UNCHECKED batch \[records\]: a root-only batch: its [0-9]* records (seq [0-9]*\.\.[0-9]*) are not on chain, only their root (ogverify record R --batch B --index I --path P checks one)$' "$ANVIL_TMP/root.err")"

# ogverify catches a duplicate: the first batch posted a second time.
first=$(rpc_get eth_getBlockByNumber '["0x1",false]' 'r["transactions"][0]')
rpc_get eth_getTransactionByHash "[\"$first\"]" 'r["input"]' |
	python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()[2:]))' \
	>"$ANVIL_TMP/batch1"
"$OGSUBMIT" send --rpc "$ANVIL_URL" --key "$ANVIL_TMP/eth.key" --to "$INBOX" \
	--data-file "$ANVIL_TMP/batch1" --wait 30 >/dev/null
out=$("$OGX_BUILD/ogverify" batch "$ANVIL_TMP/batch1")
rc=$?
n=$(sed -n 's/.*, \([0-9]*\) records (seq 0\.\..*/\1/p' <<<"$out")
check "ogverify batch checks a batch file offline" \
	"0 $ANVIL_TMP/batch1: 1 batches (0 root-only), $n records (seq 0..$((n - 1))): $n verified at their level, 0 not checkable here, 0 failed; 0 chain failures, 0 batch failures" \
	"$rc $out"

# The batch format against an independent implementation (python3-cbor2,
# python3-nacl), and inclusion proofs: from a batch with its records, and
# for a root-only batch, given the proof.
out=$(/usr/bin/python3 "$OGX_SRC/tests/e2e/batch_independent.py" "$ANVIL_TMP/batch1" "$ANVIL_TMP")
check "python3-cbor2/nacl: canonical, signature and Merkle root of a batch made in C" 0 "$?"
out=$("$OGX_BUILD/ogverify" batch "$ANVIL_TMP/root.batch" 2>"$ANVIL_TMP/root.err")
check "ogverify batch accepts a root-only batch made in Python: its records not checkable here" \
	"3 $ANVIL_TMP/root.batch: 1 batches (1 root-only), $n records (seq 0..$((n - 1))): 0 verified at their level, $n not checkable here, 0 failed; 0 chain failures, 0 batch failures
ogverify: $ANVIL_TMP/root.batch: UNCHECKED batch [records]: a root-only batch: its $n records (seq 0..$((n - 1))) are not on chain, only their root (ogverify record R --batch B --index I --path P checks one)" \
	"$? $out
$(cat "$ANVIL_TMP/root.err")"
out=$("$OGX_BUILD/ogverify" record "$ANVIL_TMP/record5" --batch "$ANVIL_TMP/batch1")
check "ogverify record --batch: the record is in the batch" 0 "$?"
read -r index path <"$ANVIL_TMP/proof5"
check "and its inclusion proof is the one Python computes" \
	"proof   --index $index --path $path" "$(echo "$out" | grep '^proof')"
out=$("$OGX_BUILD/ogverify" record "$ANVIL_TMP/record5" --batch "$ANVIL_TMP/root.batch" 2>&1 >/dev/null)
check "a root-only batch needs the proof" \
	"2 ogverify: $ANVIL_TMP/root.batch: a root-only batch: give the inclusion proof (--index and --path)" \
	"$? $out"
"$OGX_BUILD/ogverify" record "$ANVIL_TMP/record5" --batch "$ANVIL_TMP/root.batch" \
	--index "$index" --path "$path" >/dev/null
check "with the proof, the record is in the root-only batch" 0 "$?"
out=$("$OGX_BUILD/ogverify" record "$ANVIL_TMP/record5" --batch "$ANVIL_TMP/root.batch" \
	--index 6 --path "$path" 2>&1 >/dev/null)
check "a proof for another leaf fails" \
	"1 ogverify: $ANVIL_TMP/root.batch: FAILED inclusion: inclusion proof does not lead to the batch root" \
	"$? $out"
out=$("$OGX_BUILD/ogverify" record "$ANVIL_TMP/record5" --batch "$ANVIL_TMP/root.batch" \
	--index x --path "${path%,*}" 2>&1 >/dev/null)
check "a malformed --index" "2 ogverify: --index: 'x' is not a number" "$? $out"
out=$("$OGX_BUILD/ogverify" record "$ANVIL_TMP/record5" --batch "$ANVIL_TMP/root.batch" \
	--index 5 --path "${path}0" 2>&1 >/dev/null)
check "a malformed --path" \
	"2 ogverify: --path: want digests of 64 hex digits, separated by commas" "$? $out"
second=$(rpc_get eth_getBlockByNumber '["0x2",false]' 'r["transactions"][0]')
rpc_get eth_getTransactionByHash "[\"$second\"]" 'r["input"]' |
	python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()[2:]))' \
	>"$ANVIL_TMP/batch2"
out=$("$OGX_BUILD/ogverify" record "$ANVIL_TMP/record5" --batch "$ANVIL_TMP/batch2" 2>&1 >/dev/null)
check "a record not in the batch" \
	"1 ogverify: $ANVIL_TMP/batch2: FAILED batch: the record is not in it" "$? $out"

out=$(verify_chain 10500 2>"$ANVIL_TMP/dup.err")
rc=$?
case "$rc $out" in
"1 blocks "*" batches (0 root-only), $((10500 + n)) records (seq 0..10499): $((10500 + n)) verified at their level, 0 not checkable here, 0 failed; $n chain failures, 0 batch failures") ok "ogverify reports a batch posted twice: $n chain failures" ;;
*) not_ok "ogverify reports a batch posted twice: $n chain failures"; echo "# $rc $out" ;;
esac
check "one FAILED chain-duplicate line per record of the batch, then the count" \
	"$n ogverify: $((10500 + n)) records, expected 10500" \
	"$(grep -c '^ogverify: block [0-9]* tx 0x[0-9a-f]*: seq \([0-9]*\): FAILED chain-duplicate \[seq\]: seq \1 twice (the same record)$' "$ANVIL_TMP/dup.err") $(tail -1 "$ANVIL_TMP/dup.err")"
exit $FAILED
