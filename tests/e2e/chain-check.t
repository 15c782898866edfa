#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogsubmit check: the daemon's record checks over a spool, without a chain.
# VANILLA records pass; a well-formed TEE record is checked for form only
# when /dev/ogx is absent (on the host; tests/kmod/tee_test.sh covers
# VERIFY in the qemu guest); each bad record is named with its exact error,
# and checking goes on past it; bad options and a missing spool are named.
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
summary() { # N K M U F
	echo "$1 records checked, $2 kernel MACs verified through /dev/ogx, $3 of another boot (form only), $4 without /dev/ogx (form only), $5 failed"
}

"$GEN" "$TMP/s" "$TMP/node.key" 5
expect_out "VANILLA records pass" 0 "$(summary 5 0 0 0 0)" "$OGSUBMIT" check --spool "$TMP/s"

"$GEN" "$TMP/s" "$TMP/node.key" --tee && "$GEN" "$TMP/s" "$TMP/node.key" 2
if [ -e /dev/ogx ]; then
	# Its made-up boot id is not this boot's: form only all the same.
	want=$(summary 8 0 1 0 0)
else
	want=$(summary 8 0 0 1 0)
fi
expect_out "a well-formed TEE record: form only (no kernel made its MAC)" 0 "$want" \
	"$OGSUBMIT" check --spool "$TMP/s"
[ -e /dev/ogx ] || grep -qx "ogsubmit: /dev/ogx: not present (is ogx.ko loaded?): kernel MACs are not checked, only the evidence's form" "$TMP/stderr"
ok $? "without /dev/ogx it says so on stderr"
expect_out "--from: the records from that index" 0 "$(summary 2 0 0 0 0)" \
	"$OGSUBMIT" check --spool "$TMP/s" --from 6

# Bad records: each named with its exact error; checking goes on after them.
"$GEN" "$TMP/s" "$TMP/node.key" --tee-bad && "$GEN" "$TMP/s" "$TMP/other.key" 1 &&
	"$GEN" "$TMP/s" "$TMP/node.key" 1 && "$GEN" "$TMP/s" "$TMP/node.key" --garbage
ok $? "a spool with bad records"
want="spool record 8: kernel evidence: no boot_id
spool record 9: record of another node than the records before it
spool record 11: record: want a map
$(summary 12 0 0 "$([ -e /dev/ogx ] && echo 0 || echo 1)" 3)"
[ -e /dev/ogx ] && want=${want/0 of another boot/1 of another boot}
expect_out "each bad record named with its error, exit 1" 1 "$want" \
	"$OGSUBMIT" check --spool "$TMP/s"

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
	"spool record 0: record of another node than 'node' in the config
spool record 1: record of another node than 'node' in the config
$(summary 2 0 0 0 2)" "$OGSUBMIT" check --config "$TMP/conf" --spool "$TMP/s2"
expect_out "--config with a flag of the daemon's: --node" 0 "$(summary 2 0 0 0 0)" \
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
