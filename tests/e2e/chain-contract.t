#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Contract mode: the settlement contract (tools/ogsubmit/contracts/, compiled
# with the pinned npm solc) deployed on anvil by a creation transaction built
# in C; ogsubmit calls submit(seq, root, count, batch) for 1,000 records;
# ogverify reads them back; the contract refuses a batch at the wrong seq and
# ogsubmit says so and stops.
set -u
. "$OGX_SRC/tests/e2e/anvil.sh"
OGSUBMIT=$OGX_BUILD/ogsubmit
echo "1..8"

anvil_start
submit_setup
sol=$ANVIL_TMP/sol
(cd "$OGX_SRC" && node_modules/.bin/solcjs --bin --optimize -o "$sol" \
	tools/ogsubmit/contracts/OgxSettlement.sol >/dev/null)
check "solc compiles the contract" 0 "$?"

# Init code, then the constructor's arguments: submitter, first seq 0.
python3 - "$sol"/*OgxSettlement.bin "$ANVIL_ADDR0" "$ANVIL_TMP/init" <<'EOF'
import sys
code = bytes.fromhex(open(sys.argv[1]).read().strip())
args = bytes(12) + bytes.fromhex(sys.argv[2][2:]) + bytes(32)
open(sys.argv[3], "wb").write(code + args)
EOF
out=$("$OGSUBMIT" send --rpc "$ANVIL_URL" --key "$ANVIL_TMP/eth.key" \
	--data-file "$ANVIL_TMP/init" --wait 30)
check "a contract creation built in C deploys it" success "$(echo "$out" | sed -n 2p | awk '{print $4}')"
contract=$(rpc_get eth_getTransactionReceipt "[\"$(echo "$out" | head -1)\"]" 'r["contractAddress"]')

"$OGX_BUILD/tests/chain_spoolgen" "$ANVIL_TMP/spool" "$ANVIL_TMP/node.key" 1000
timeout 120 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once --mode contract \
	--target "$contract" 2>"$ANVIL_TMP/run.log"
check "ogsubmit run --mode contract settles 1,000 records" 0 "$?"
out=$("$OGX_BUILD/ogverify" chain --rpc "$ANVIL_URL" --inbox "$contract" --contract \
	--node "$(cat "$ANVIL_TMP/node.pk")" --operator "$(cat "$ANVIL_TMP/op.pk")" --expect 1000)
rc=$?
case "$rc $out" in
"0 "*", 1000 records (seq 0..999): 1000 verified at their level, 0 not checkable here, 0 failed; 0 chain failures, 0 batch failures") ok "ogverify chain --contract: every record once" ;;
*) not_ok "ogverify chain --contract: every record once"; echo "# $rc $out" ;;
esac
selector=$(cd "$OGX_SRC" && node --input-type=module -e \
	"import {keccak_256} from '@noble/hashes/sha3.js';
	 console.log(Buffer.from(keccak_256(new TextEncoder().encode('nextSeq()'))).subarray(0, 4).toString('hex'))")
check "the contract's nextSeq() is 1000" 1000 \
	"$(rpc_get eth_call "[{\"to\":\"$contract\",\"input\":\"0x$selector\"},\"latest\"]" 'int(r, 16)')"

# A second submitter state starting over at seq 0: the contract refuses it.
out=$(timeout 60 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once --mode contract \
	--target "$contract" --state-dir "$ANVIL_TMP/state2" 2>&1)
rc=$?
check "a batch at the wrong seq: exit 1" 1 "$rc"
case "$out" in
*"ogsubmit: the contract rejects the batch of seq 0.."*": eth_estimateGas: execution reverted"*) ok "and the error says the contract rejects it" ;;
*) not_ok "and the error says the contract rejects it"; echo "$out" | sed 's/^/# /' ;;
esac
out=$("$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once --mode contract 2>&1)
check "contract mode with a target without code" \
	"1 ogsubmit: target has no code: contract mode needs the settlement contract deployed there" \
	"$? $out"
exit $FAILED
