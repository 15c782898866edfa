#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogsubmit under the faults of a real chain, on anvil: a base fee raised past
# its fee cap (it replaces the transaction with a bumped fee), a transaction
# dropped from the pool (sent again), a reorg that takes its block away (sent
# again, confirmed anew), and the RPC endpoint down for a while (it waits
# and carries on without a restart). Each time every record ends up on
# chain exactly once.
set -u
. "$OGX_SRC/tests/e2e/anvil.sh"
OGSUBMIT=$OGX_BUILD/ogsubmit
SPOOLGEN=$OGX_BUILD/tests/chain_spoolgen
OUTAGE=${OGX_CHAIN_OUTAGE_S:-30}
echo "1..23"

anvil_start --no-mining
submit_setup
DAEMON=
trap '[ -n "$DAEMON$PROXY" ] && kill -9 $DAEMON $PROXY 2>/dev/null; anvil_cleanup' EXIT
PROXY=

# start_daemon NAME [flags]: ogsubmit run in the background on spool/state NAME.
start_daemon() {
	local name=$1
	shift
	"$OGSUBMIT" run --config "$ANVIL_TMP/conf" --spool "$ANVIL_TMP/spool-$name" \
		--state-dir "$ANVIL_TMP/state-$name" "$@" 2>>"$ANVIL_TMP/$name.log" &
	DAEMON=$!
}

stop_daemon() {
	kill -TERM "$DAEMON"
	wait "$DAEMON"
	local rc=$?
	DAEMON=
	return $rc
}

block_txs() { rpc_get eth_getBlockByNumber "[\"$1\",false]" 'len(r["transactions"])'; }
in_pool() { [ "$(rpc_get eth_getTransactionByHash "[\"$1\"]" 'r is not None')" = True ]; }
has_receipt() { [ "$(rpc_get eth_getTransactionReceipt "[\"$1\"]" 'r is not None')" = True ]; }

# --- A: a raised base fee; the transaction is replaced with a bumped fee.
"$SPOOLGEN" "$ANVIL_TMP/spool-a" "$ANVIL_TMP/node.key" 100
# Two confirmations: the journal keeps every transaction until we mine twice.
start_daemon a --target 0x00000000000000000000000000000000000000a1 --bump-after-ms 500 \
	--confirmations 2
wait_for 30 has_tx "$ANVIL_TMP/state-a"
read -r hash1 fee1 <<<"$(journal_last_tx "$ANVIL_TMP/state-a")"
rpc anvil_setNextBlockBaseFeePerGas "[\"0x$(printf %x $((fee1 * 5)))\"]" >/dev/null
rpc evm_mine '[]' >/dev/null
check "base fee above the fee cap: the block leaves it out" 0 "$(block_txs 0x1)"
wait_for 30 grep -q 'fee bumped' "$ANVIL_TMP/a.log"
check "ogsubmit replaces it with a bumped fee" 0 "$?"
sleep 0.5
rpc evm_mine '[]' >/dev/null
read -r hash2 fee2 <<<"$(rpc_get eth_getBlockByNumber '["0x2",true]' \
	'" ".join(t["hash"] + " " + str(int(t["maxFeePerGas"], 16)) for t in r["transactions"])')"
if [ -n "$hash2" ] && [ "$hash2" != "$hash1" ] && grep -q "^T .* ${hash2#0x} " "$ANVIL_TMP/state-a/journal"; then
	ok "a journaled replacement is what is mined"
else
	not_ok "a journaled replacement is what is mined"
	echo "# first $hash1, mined '$hash2'"
fi
[ "${fee2:-0}" -ge $(((fee1 * 11 + 9) / 10 + 1)) ]
check "with at least ceil(1.1 x fee) + 1 wei" 0 "$?"
rpc evm_mine '[]' >/dev/null
wait_for 30 settled "$ANVIL_TMP/state-a" 100
check "settled" 0 "$?"
stop_daemon
check "SIGTERM: exit 0" 0 "$?"
"$OGX_BUILD/ogverify" chain --rpc "$ANVIL_URL" --inbox 0x00000000000000000000000000000000000000a1 \
	--expect 100 >/dev/null
check "ogverify: 100 records exactly once" 0 "$?"

rpc evm_mine '[]' >/dev/null # the base fee back down a little
# --- B: the transaction is dropped from the pool; it is sent again.
"$SPOOLGEN" "$ANVIL_TMP/spool-b" "$ANVIL_TMP/node.key" 100
start_daemon b --target 0x00000000000000000000000000000000000000b1 --rebroadcast-ms 500
wait_for 30 has_tx "$ANVIL_TMP/state-b"
read -r hash fee <<<"$(journal_last_tx "$ANVIL_TMP/state-b")"
wait_for 30 in_pool "$hash"
rpc anvil_dropTransaction "[\"$hash\"]" >/dev/null
wait_for 30 in_pool "$hash"
check "a dropped transaction is back in the pool" 0 "$?"
rpc evm_mine '[]' >/dev/null
wait_for 30 settled "$ANVIL_TMP/state-b" 100
check "and settles" 0 "$?"
stop_daemon
"$OGX_BUILD/ogverify" chain --rpc "$ANVIL_URL" --inbox 0x00000000000000000000000000000000000000b1 \
	--expect 100 >/dev/null
check "ogverify: 100 records exactly once" 0 "$?"

# --- C: a reorg takes the block with the transaction away.
rpc evm_setAutomine '[true]' >/dev/null
"$SPOOLGEN" "$ANVIL_TMP/spool-c" "$ANVIL_TMP/node.key" 100
start_daemon c --target 0x00000000000000000000000000000000000000c1 --confirmations 3 \
	--rebroadcast-ms 500
wait_for 30 has_tx "$ANVIL_TMP/state-c"
read -r hash fee <<<"$(journal_last_tx "$ANVIL_TMP/state-c")"
wait_for 30 has_receipt "$hash"
sleep 0.5 # ogsubmit has seen the receipt (it polls every 20 ms)
rpc anvil_reorg '[1,[]]' >/dev/null
wait_for 30 grep -q 'receipt gone (reorg)' "$ANVIL_TMP/c.log"
check "ogsubmit notices the receipt is gone" 0 "$?"
wait_for 30 has_receipt "$hash"
check "and the same transaction is mined again" 0 "$?"
for i in 1 2 3; do rpc evm_mine '[]' >/dev/null; done
wait_for 30 settled "$ANVIL_TMP/state-c" 100
check "settled after 3 confirmations" 0 "$?"
stop_daemon
"$OGX_BUILD/ogverify" chain --rpc "$ANVIL_URL" --inbox 0x00000000000000000000000000000000000000c1 \
	--expect 100 >/dev/null
check "ogverify: 100 records exactly once" 0 "$?"

# --- D: the RPC endpoint goes away for a while and comes back.
python3 "$OGX_SRC/tests/e2e/rpcproxy.py" "$ANVIL_TMP/proxy.port" "${ANVIL_URL##*:}" &
PROXY=$!
wait_for 10 test -s "$ANVIL_TMP/proxy.port"
proxy_url=http://127.0.0.1:$(cat "$ANVIL_TMP/proxy.port")
"$SPOOLGEN" "$ANVIL_TMP/spool-d" "$ANVIL_TMP/node.key" 500
start_daemon d --target 0x00000000000000000000000000000000000000d1 --rpc "$proxy_url"
pid=$DAEMON
wait_for 60 settled "$ANVIL_TMP/state-d" 500
check "through the proxy: 500 records settled" 0 "$?"
kill -USR1 "$PROXY"
"$SPOOLGEN" "$ANVIL_TMP/spool-d" "$ANVIL_TMP/node.key" 500
sleep "$OUTAGE"
kill -0 "$pid"
check "RPC down for $OUTAGE s: ogsubmit still running" 0 "$?"
if grep -q "Couldn't connect to server" "$ANVIL_TMP/d.log"; then
	ok "and it said why it waits"
else
	not_ok "and it said why it waits"
	sed 's/^/# /' "$ANVIL_TMP/d.log"
fi
kill -USR2 "$PROXY"
wait_for 60 settled "$ANVIL_TMP/state-d" 1000
check "RPC back: the other 500 settle, no restart" "0 $pid" "$? $DAEMON"
stop_daemon
"$OGX_BUILD/ogverify" chain --rpc "$ANVIL_URL" --inbox 0x00000000000000000000000000000000000000d1 \
	--expect 1000 >/dev/null
check "ogverify: 1000 records exactly once" 0 "$?"
kill -TERM "$PROXY"
wait "$PROXY" 2>/dev/null
PROXY=

# --- E: a key without funds: one clear line, the batch kept, no spinning.
"$OGSUBMIT" key gen "$ANVIL_TMP/poor.key" >/dev/null
"$SPOOLGEN" "$ANVIL_TMP/spool-e" "$ANVIL_TMP/node.key" 100
start_daemon e --target 0x00000000000000000000000000000000000000e1 --key "$ANVIL_TMP/poor.key"
wait_for 30 grep -qi 'insufficient funds' "$ANVIL_TMP/e.log"
check "a key without funds: the log says insufficient funds" 0 "$?"
sleep 2
kill -0 "$DAEMON"
check "the daemon keeps running" 0 "$?"
check "said once, not in a loop" 1 "$(grep -ci 'insufficient funds' "$ANVIL_TMP/e.log")"
[ "$(grep -c '^B ' "$ANVIL_TMP/state-e/journal")" -ge 1 ]
check "the signed batch stays in the journal" 0 "$?"
stop_daemon
exit $FAILED
