#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The L1 data fee of OP Stack chains (Base): on a chain id of Base Sepolia,
# ogsubmit asks the GasPriceOracle predeploy (here a stand-in compiled with
# the pinned solc and put at 0x42..0F) what a batch costs on L1, and does not
# sign a batch the account cannot pay for; once the fee is affordable, the
# batch goes out and settles, without a restart.
set -u
. "$OGX_SRC/tests/e2e/anvil.sh"
OGSUBMIT=$OGX_BUILD/ogsubmit
ORACLE=0x420000000000000000000000000000000000000F
echo "1..7"

anvil_start --chain-id 84532
submit_setup
sed -i 's/^chain_id = 31337$/chain_id = 84532/' "$ANVIL_TMP/conf"
(cd "$OGX_SRC" && node_modules/.bin/solcjs --bin --optimize -o "$ANVIL_TMP/sol" \
	tests/e2e/MockGasPriceOracle.sol >/dev/null)
python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(open(sys.argv[1]).read().strip()))' \
	"$ANVIL_TMP"/sol/*MockGasPriceOracle.bin >"$ANVIL_TMP/oracle.init"
out=$("$OGSUBMIT" send --rpc "$ANVIL_URL" --key "$ANVIL_TMP/eth.key" --chain-id 84532 \
	--data-file "$ANVIL_TMP/oracle.init" --wait 30)
deployed=$(rpc_get eth_getTransactionReceipt "[\"$(echo "$out" | head -1)\"]" 'r["contractAddress"]')
code=$(rpc_get eth_getCode "[\"$deployed\",\"latest\"]" 'r')
rpc anvil_setCode "[\"$ORACLE\",\"$code\"]" >/dev/null
# 10^24 wei per byte: more than anvil's dev account holds (10^22).
price() { rpc anvil_setStorageAt "[\"$ORACLE\",\"0x0\",\"0x$(printf '%064x' "$1")\"]" >/dev/null; }
rpc anvil_setStorageAt "[\"$ORACLE\",\"0x0\",\"0x00000000000000000000000000000000000000000000d3c21bcecceda1000000\"]" >/dev/null
check "the stand-in oracle's code is at the predeploy address" "$code" \
	"$(rpc_get eth_getCode "[\"$ORACLE\",\"latest\"]" 'r')"

"$OGX_BUILD/tests/chain_spoolgen" "$ANVIL_TMP/spool" "$ANVIL_TMP/node.key" 300
"$OGSUBMIT" run --config "$ANVIL_TMP/conf" 2>"$ANVIL_TMP/run.log" &
DAEMON=$!
trap 'kill -9 $DAEMON 2>/dev/null; anvil_cleanup' EXIT
wait_for 30 grep -q 'insufficient funds for the next batch: need .* L1 data fee' "$ANVIL_TMP/run.log"
check "an unaffordable L1 data fee: ogsubmit says what is missing" 0 "$?"
! grep -q '^B ' "$ANVIL_TMP/state/journal" 2>/dev/null
check "and signs and journals nothing" 0 "$?"
kill -0 "$DAEMON"
check "and keeps running" 0 "$?"

price 1000000
wait_for 90 settled "$ANVIL_TMP/state" 300
check "an affordable fee: the batches go out and settle, no restart" 0 "$?"
kill -TERM "$DAEMON"
wait "$DAEMON"
check "SIGTERM: exit 0" 0 "$?"
DAEMON=
verify_chain 300 >/dev/null
check "ogverify: 300 records exactly once" 0 "$?"
exit $FAILED
