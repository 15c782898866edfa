#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogsubmit check: the daemon's record checks over a spool, without a chain.
# VANILLA records verify; a well-formed TEE record whose MAC no kernel here
# can check (/dev/ogx absent, or of another boot) is UNCHECKED, exit 3, never
# passed (tests/kmod/tee_test.sh covers VERIFY in the qemu guest); each bad
# record is named with its seq, rule and field, checking goes on past it,
# and the lines are ogverify spool's, record for record; bad options and a
# missing spool are named.
. "$OGX_SRC/tests/e2e/tap.sh"
OGSUBMIT=$OGX_BUILD/ogsubmit
GEN=$OGX_BUILD/tests/chain_spoolgen
"$OGRUN" key gen "$TMP/node.key" >"$TMP/node.pk" && "$OGRUN" key gen "$TMP/other.key" >"$TMP/other.pk"
ok $? "node keys"

# expect_out DESCRIPTION WANT-STATUS WANT-STDOUT COMMAND...
expect_out() {
	local desc=$1 want_rc=$2 want=$3 got rc
	shift 3
	got=$("$@" 2>"$TMP/stderr")
	rc=$?
	[ "$rc" -eq "$want_rc" ] && [ "$got" = "$want" ]
	ok $? "$desc"
	if [ "$rc" -ne "$want_rc" ] || [ "$got" != "$want" ]; then
		echo "#   exit $rc, want $want_rc"
		echo "$want" | sed 's/^/#   want: /'
		echo "$got" | sed 's/^/#   got:  /'
		sed 's/^/#   stderr: /' "$TMP/stderr"
	fi
}
# check DESC WANT GOT
check() {
	[ "$2" = "$3" ]
	ok $? "$1"
	[ "$2" = "$3" ] || { echo "$2" | sed 's/^/#   want: /'; echo "$3" | sed 's/^/#   got:  /'; }
}
summary() { # SPOOL N V U F K O W
	echo "$1: $2 records: $3 verified at their level, $4 not checkable here, $5 failed; kernel MACs: $6 verified through /dev/ogx, $7 of another boot, $8 without /dev/ogx"
}
# The kernel MACs of made-up TEE evidence (N records): never checkable here.
if [ -e /dev/ogx ]; then
	macs() { echo "0 $1 0"; }
	why="the evidence is of another boot than /dev/ogx's (its MAC key is gone)"
else
	macs() { echo "0 0 $1"; }
	why="/dev/ogx: not present (is ogx.ko loaded?)"
fi

"$GEN" "$TMP/s" "$TMP/node.key" 5
expect_out "VANILLA records verify" 0 "$(summary "$TMP/s" 5 5 0 0 0 0 0)" \
	"$OGSUBMIT" check --spool "$TMP/s"

"$GEN" "$TMP/s" "$TMP/node.key" --tee && "$GEN" "$TMP/s" "$TMP/node.key" 2
expect_out "a well-formed TEE record no kernel here can check: unchecked, exit 3" 3 \
	"$(summary "$TMP/s" 8 7 1 0 $(macs 1))" "$OGSUBMIT" check --spool "$TMP/s"
[ "$(cat "$TMP/stderr")" = "ogsubmit: $TMP/s: seq 5: UNCHECKED tee [kernel]: tee (kmod-sw): not checkable here ($why)" ]
ok $? "the one line names the record, the rule and why it is not checkable here"
expect_out "--from: the records from that index" 0 "$(summary "$TMP/s" 2 2 0 0 0 0 0)" \
	"$OGSUBMIT" check --spool "$TMP/s" --from 6

# Bad records: each named with its exact error; checking goes on after them.
"$GEN" "$TMP/s" "$TMP/node.key" --tee-bad && "$GEN" "$TMP/s" "$TMP/other.key" 1 &&
	"$GEN" "$TMP/s" "$TMP/node.key" 1 && "$GEN" "$TMP/s" "$TMP/node.key" --garbage
ok $? "a spool with bad records"
expect_out "each bad record named with its error, exit 1" 1 \
	"$(summary "$TMP/s" 12 7 1 4 $(macs 1))" "$OGSUBMIT" check --spool "$TMP/s"
other=$(cut -c1-16 "$TMP/other.pk")
want="ogsubmit: $TMP/s: seq 5: UNCHECKED tee [kernel]: tee (kmod-sw): not checkable here ($why)
ogsubmit: $TMP/s: seq 8: FAILED tee [kernel]: kernel evidence: no boot_id
ogsubmit: $TMP/s: seq 9: FAILED node [node]: a record of node $other... among another node's records
ogsubmit: $TMP/s: seq 10: FAILED chain-gap [seq]: seq 10 follows seq 8 (records 9..9 missing)
ogsubmit: $TMP/s: index 11: FAILED schema [record]: record: want a map"
check "the lines: the foreign record, and the node's record that links to it" "$want" \
	"$(cat "$TMP/stderr")"
"$OGVERIFY" spool "$TMP/s" >/dev/null 2>"$TMP/verify.err"
check "ogverify spool names the same records under the same rules" "${want//ogsubmit: /ogverify: }" \
	"$(cat "$TMP/verify.err")"

# The node key from the daemon's configuration: records of another node fail.
cat >"$TMP/conf" <<EOF
rpc = http://127.0.0.1:1
chain_id = 31337
key = $TMP/eth.key
operator_key = $TMP/op.key
spool = $TMP/nowhere
state_dir = $TMP/state
target = 0x00000000000000000000000000000000000000a1
node = $(cat "$TMP/other.pk")
EOF
"$GEN" "$TMP/s2" "$TMP/node.key" 2
expect_out "--config: its 'node' and, overridden, its spool" 1 \
	"$(summary "$TMP/s2" 2 0 0 2 0 0 0)" "$OGSUBMIT" check --config "$TMP/conf" --spool "$TMP/s2"
node=$(cut -c1-16 "$TMP/node.pk")
check "each record of another node than 'node' in the config is named" \
	"ogsubmit: $TMP/s2: seq 0: FAILED node [node]: signed by node $node..., not the expected node
ogsubmit: $TMP/s2: seq 1: FAILED node [node]: signed by node $node..., not the expected node" \
	"$(cat "$TMP/stderr")"
expect_out "--config with a flag of the daemon's: --node" 0 "$(summary "$TMP/s2" 2 2 0 0 0 0 0)" \
	"$OGSUBMIT" check --config "$TMP/conf" --spool "$TMP/s2" --node "$(cat "$TMP/node.pk")"

expect_fail "a missing spool" "ogsubmit: $TMP/nope: No such file or directory" \
	"$OGSUBMIT" check --spool "$TMP/nope"
expect_fail "--from needs an index" "ogsubmit: --from: 'x' is not a spool index" \
	"$OGSUBMIT" check --spool "$TMP/s" --from x
expect_fail "--spool needs a value" "ogsubmit: --spool needs a value" \
	"$OGSUBMIT" check --spool
expect_fail "--spool without --config takes no daemon flags" "ogsubmit: --node: with --spool, only with --config too" \
	"$OGSUBMIT" check --node "$(cat "$TMP/node.pk")" --spool "$TMP/s"
done_testing
