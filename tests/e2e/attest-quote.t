#!/bin/bash
# TPM quotes of ogx.ko's PCR on the host, against swtpm: ogrun attest quote,
# ogverify quote. The module itself is not loaded here: tests/e2e/attest_pcr
# extends the swtpm's PCR 23 with the event digests of a read() log written
# by an independent implementation of the format (Python), exactly as ogx.ko
# extends them (tests/kmod runs the real module against swtpm under qemu).
# Every cheat is rejected with its exact error.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/attest-lib.sh"

tpm_new A ca1 && tpm_new B ca1
ok $? "two software TPMs"
export OGX_TCTI=$TCTI_A
"$OGRUN" key gen >/dev/null
enrol A "$TMP/enrol.cbor" "$TMP/ca-ca1/ca.pem"
ok $? "the node's AK is enrolled"

# Boot measurements in PCRs 0-7, then the module's first 7 events in PCR 23
# of a log that already holds 10: the log runs ahead of the PCR.
for i in 0 1 2 3 4 5 6 7; do
	"$ATTEST_PCR" extend-raw $i "$(printf '%064x' $((i + 1)))" || exit 1
done
gen_log 10 "$TMP/log"
"$ATTEST_PCR" extend 23 "$TMP/log" 0 7
n1=$(rand32)
"$OGRUN" attest quote --nonce "$n1" --pcr 23 --log "$TMP/log" -o "$TMP/q1" >/dev/null
ok $? "ogrun attest quote quotes PCRs 0-7 and 23 and exports the log"

out=$("$OGVERIFY" quote --enrolment "$TMP/enrol.cbor" "$TMP/q1" "$n1")
ok $? "ogverify quote verifies it"
pcr7=$("$ATTEST_PCR" read 23)
[ "$(head -1 <<<"$out" | sed 's/; clock.*//')" = "$TMP/q1: verified: PCR 23 covers events seq 0..6 (7 of the 10 exported, from boot)" ] &&
	grep -qx "  checkpoint: PCR 23 = $pcr7" <<<"$out"
ok $? "at the log prefix the PCR covers (PCR and log are not extended atomically)"
"$OGVERIFY" quote --enrolment "$TMP/enrol.cbor" --ca "$TMP/ca-ca1/ca.pem" "$TMP/q1" "$n1" >/dev/null
ok $? "and with --ca, the enrolment's EK chain again"

"$ATTEST_PCR" extend 23 "$TMP/log" 7
n2=$(rand32)
"$OGRUN" attest quote --nonce "$n2" --pcr 23 --log "$TMP/log" -o "$TMP/q2" >/dev/null
out=$("$OGVERIFY" quote --enrolment "$TMP/enrol.cbor" "$TMP/q1" "$n1" "$TMP/q2" "$n2")
[ $? = 0 ] && grep -q "^$TMP/q2: verified: PCR 23 covers events seq 0..9 (10 of the 10 exported, from boot)" <<<"$out"
ok $? "a later quote covers the whole log; clock and counters go forward"
"$OGRUN" attest quote --nonce "$n2" --pcr 23 --log "$TMP/log" --since 7 --from "$pcr7" \
	-o "$TMP/q3" >/dev/null
out=$("$OGVERIFY" quote --enrolment "$TMP/enrol.cbor" --checkpoint "$pcr7" "$TMP/q3" "$n2")
[ $? = 0 ] && grep -q "^$TMP/q3: verified: PCR 23 covers events seq 7..9 (3 of the 3 exported)" <<<"$out"
ok $? "a quote exports the log from a checkpoint: an earlier quote's PCR value"

fail_quote() { # DESC FIELD DETAIL QUOTE NONCE [ENROLMENT]
	expect_fail "$1" "ogverify: $4: FAILED quote [$2]: $3" \
		"$OGVERIFY" quote --enrolment "${6:-$TMP/enrol.cbor}" "$4" "$5"
}
n3=$(rand32)
fail_quote "a quote replayed for a new nonce" extraData \
	"extraData is not the qualifyingData of this node and nonce (a quote for another nonce, or replayed)" \
	"$TMP/q1" "$n3"
clock_of() { "$OGVERIFY" quote --enrolment "$TMP/enrol.cbor" "$1" "$2" | sed -n 's/.*clock \([0-9]*\) ms, resetCount \([0-9]*\),.*/\1 \2/p'; }
read -r c1 reset < <(clock_of "$TMP/q1" "$n1")
read -r c2 _ < <(clock_of "$TMP/q2" "$n2")
expect_fail "quotes out of order" \
	"ogverify: $TMP/q1: FAILED quote [clockInfo]: clock $c1 ms after $c2 ms within resetCount $reset: it only goes forward" \
	"$OGVERIFY" quote --enrolment "$TMP/enrol.cbor" "$TMP/q2" "$n2" "$TMP/q1" "$n1"
expect_fail "a checkpoint other than --checkpoint" \
	"ogverify: $TMP/q1: FAILED quote [from]: the log starts from another PCR value than --checkpoint" \
	"$OGVERIFY" quote --enrolment "$TMP/enrol.cbor" --checkpoint "$pcr7" "$TMP/q1" "$n1"

# A cheating node: the quote is genuine, the log it exports is not.
tamper() { # NAME PYTHON-EXPR-ON-events(list of 280-byte records): the log rewritten
	/usr/bin/python3 - "$TMP/log" "$TMP/log-$1" "$2" "${3:-}" <<-'PY'
	import hashlib, struct, sys
	ev = [bytearray(open(sys.argv[1], "rb").read()[i:i + 280]) for i in range(0, 2800, 280)]
	exec(sys.argv[3])
	if sys.argv[4] == "rechain":  # digests and heads recomputed, seqs renumbered
	    head = bytes(32)
	    for i, e in enumerate(ev):
	        e[0:8] = struct.pack("<Q", i)
	        e[216:248] = hashlib.sha256(bytes(e[:216])).digest()
	        head = hashlib.sha256(head + bytes(e[216:248])).digest()
	        e[248:280] = head
	open(sys.argv[2], "wb").write(b"".join(ev))
	PY
	"$OGRUN" attest quote --nonce "$n2" --pcr 23 --log "$TMP/log-$1" -o "$TMP/q-$1" >/dev/null
}
nomatch="the quoted PCR digest is that of no prefix of the log (0..10 events from the checkpoint) with the boot PCRs given"
tamper edit 'ev[3][100] ^= 1'
fail_quote "one log entry edited" log "event log: seq 3: digest mismatch" "$TMP/q-edit" "$n2"
tamper edit2 'ev[3][100] ^= 1' rechain
fail_quote "one log entry edited, digests and heads recomputed" pcrDigest "$nomatch" \
	"$TMP/q-edit2" "$n2"
tamper swap 'ev[2], ev[3] = ev[3], ev[2]'
fail_quote "two entries reordered" log "event log: seq 3 where 2 was due" "$TMP/q-swap" "$n2"
tamper swap2 'ev[2], ev[3] = ev[3], ev[2]' rechain
fail_quote "two entries reordered, renumbered and re-chained" pcrDigest "$nomatch" \
	"$TMP/q-swap2" "$n2"
tamper drop 'del ev[4]'
fail_quote "one entry dropped" log "event log: seq 5 where 4 was due" "$TMP/q-drop" "$n2"
tamper drop2 'del ev[4]; ev.append(ev[-1][:])' rechain
fail_quote "one entry dropped, the rest renumbered and re-chained" pcrDigest "$nomatch" \
	"$TMP/q-drop2" "$n2"
tamper tail 'del ev[9]'
nomatch9=${nomatch/0..10/0..9}
fail_quote "the last entry dropped (the PCR covers it)" pcrDigest "$nomatch9" "$TMP/q-tail" "$n2"

# Bundles altered after the quote (python3-cbor2, canonical encoding).
rebundle() { # IN OUT PYTHON-STATEMENT-ON-m
	/usr/bin/python3 - "$@" <<-'PY'
	import cbor2, sys
	m = cbor2.loads(open(sys.argv[1], "rb").read())
	exec(sys.argv[3])
	open(sys.argv[2], "wb").write(cbor2.dumps(m, canonical=True))
	PY
}
rebundle "$TMP/q2" "$TMP/q-boot" 'm[5] = bytes(32) + m[5][32:]'
fail_quote "a boot PCR value other than the quoted one" pcrDigest "$nomatch" "$TMP/q-boot" "$n2"
rebundle "$TMP/q2" "$TMP/q-pcr" 'm[2] = 16'
fail_quote "another module PCR than the quoted one" pcrSelect \
	"the quote selects PCRs 0x8000ff; want 0-7 and 16 (0x0100ff)" "$TMP/q-pcr" "$n2"
rebundle "$TMP/q2" "$TMP/q-att" 'm[3] = m[3][:-1] + bytes([m[3][-1] ^ 1])'
fail_quote "a TPMS_ATTEST changed after signing" sig \
	"the signature does not verify under the enrolled AK" "$TMP/q-att" "$n2"
rebundle "$TMP/q2" "$TMP/q-ver" 'm[0] = 2'
fail_quote "an unknown bundle version" bundle "quote: version 2, want 1" "$TMP/q-ver" "$n2"
printf '\xa0' >"$TMP/q-junk"
fail_quote "not a bundle" bundle "quote: 0 entries, want 8" "$TMP/q-junk" "$n2"

# Other keys.
OGX_TCTI=$TCTI_B "$OGRUN" attest enroll --ak "$TMP/ak-B" -o "$TMP/enrol-B-req" >/dev/null
OGX_TCTI=$TCTI_B "$ATTEST_PCR" extend 23 "$TMP/log"
OGX_TCTI=$TCTI_B "$OGRUN" attest quote --ak "$TMP/ak-B" --nonce "$n2" --pcr 23 --log "$TMP/log" \
	-o "$TMP/q-B" >/dev/null
fail_quote "a quote from a second swtpm" sig "the signature does not verify under the enrolled AK" \
	"$TMP/q-B" "$n2"
"$OGRUN" attest enroll --ak "$TMP/ak-2" -o "$TMP/enrol-2-req" >/dev/null
"$OGRUN" attest quote --ak "$TMP/ak-2" --nonce "$n2" --pcr 23 --log "$TMP/log" -o "$TMP/q-ak2" >/dev/null
fail_quote "a quote by an AK of the same TPM that was not enrolled" sig \
	"the signature does not verify under the enrolled AK" "$TMP/q-ak2" "$n2"
OGX_HOME=$TMP/home2 "$OGRUN" key gen >/dev/null
cp "$OGX_HOME/tpm-ak" "$TMP/ak-copy"
OGX_HOME=$TMP/home2 "$OGRUN" attest quote --ak "$TMP/ak-copy" --nonce "$n2" --pcr 23 \
	--log "$TMP/log" -o "$TMP/q-node2" >/dev/null
fail_quote "a quote naming another node key than the enrolment's" node \
	"the quote is another node's than the enrolment record's" "$TMP/q-node2" "$n2"

# A reboot (swtpm re-initialised, TPM2_Startup): resetCount goes up, the
# PCRs start again at zero, so does the reloaded module's log; each boot's
# log is checked on its own, the counters across them.
swtpm_ioctl --tcp "127.0.0.1:$CTRL_A" -i && "$ATTEST_PCR" startup
ok $? "the TPM reboots"
gen_log 3 "$TMP/log-boot2"
"$ATTEST_PCR" extend 23 "$TMP/log-boot2"
n4=$(rand32)
"$OGRUN" attest quote --nonce "$n4" --pcr 23 --log "$TMP/log-boot2" -o "$TMP/q-boot2" >/dev/null
out=$("$OGVERIFY" quote --enrolment "$TMP/enrol.cbor" "$TMP/q2" "$n2" "$TMP/q-boot2" "$n4")
[ $? = 0 ] && grep -Eq "^$TMP/q-boot2: verified: PCR 23 covers events seq 0..2 \(3 of the 3 exported, from boot\); clock [0-9]* ms, resetCount $((reset + 1)), restartCount 0( \(clock not safe\))?$" <<<"$out"
ok $? "a quote of the next boot follows one of the boot before (resetCount + 1)"
expect_fail "a quote of the earlier boot given after one of the later" \
	"ogverify: $TMP/q2: FAILED quote [clockInfo]: resetCount $reset after $((reset + 1)): it never goes back" \
	"$OGVERIFY" quote --enrolment "$TMP/enrol.cbor" "$TMP/q-boot2" "$n4" "$TMP/q2" "$n2"

# The node's errors.
expect_fail "--pcr among the boot PCRs" "ogrun: attest quote: --pcr: want 8..23 (PCRs 0-7 are the boot's)" \
	"$OGRUN" attest quote --nonce "$n2" --pcr 7 -o "$TMP/x"
if [ ! -e /dev/ogx ]; then
	expect_fail "no --pcr and no module" \
		"ogrun: attest quote: no --pcr, and /dev/ogx: not present (is ogx.ko loaded?)" \
		"$OGRUN" attest quote --nonce "$n2" -o "$TMP/x"
fi
expect_fail "no AK yet" \
	"ogrun: attest quote: $TMP/none: No such file or directory (no AK: run ogrun attest enroll)" \
	"$OGRUN" attest quote --ak "$TMP/none" --nonce "$n2" --pcr 23 --log "$TMP/log" -o "$TMP/x"
expect_fail "a short nonce" \
	"ogrun: attest quote: --nonce wants 64 hex digits (a nonce or a batch root)" \
	"$OGRUN" attest quote --nonce abcd --pcr 23 -o "$TMP/x"
expect_fail "the verifier's nonce, short" \
	"ogverify: quote: abcd: a nonce (or batch root) is 64 hex digits" \
	"$OGVERIFY" quote --enrolment "$TMP/enrol.cbor" "$TMP/q1" abcd
expect_fail "--since not a seq" "ogrun: attest quote: --since: want a seq" \
	"$OGRUN" attest quote --nonce "$n2" --pcr 23 --since x -o "$TMP/x"
expect_fail "--from not a PCR value" "ogrun: attest quote: --from wants 64 hex digits" \
	"$OGRUN" attest quote --nonce "$n2" --pcr 23 --from x -o "$TMP/x"
expect_fail "no log file" "ogrun: attest quote: $TMP/none: No such file or directory" \
	"$OGRUN" attest quote --nonce "$n2" --pcr 23 --log "$TMP/none" -o "$TMP/x"
head -c 1000 "$TMP/log" >"$TMP/torn"
expect_fail "a torn log" "ogrun: attest quote: $TMP/torn: 1000 bytes is not a whole number of events" \
	"$OGRUN" attest quote --nonce "$n2" --pcr 23 --log "$TMP/torn" -o "$TMP/x"
expect_fail "the verifier: no enrolment record" "ogverify: $TMP/none: No such file or directory" \
	"$OGVERIFY" quote --enrolment "$TMP/none" "$TMP/q1" "$n1"
expect_fail "the verifier: an enrolment record that is not one" \
	"ogverify: $TMP/log: FAILED enrolment [record]: enrolment record: not a definite CBOR map" \
	"$OGVERIFY" quote --enrolment "$TMP/log" "$TMP/q1" "$n1"
expect_fail "the verifier: --checkpoint not a PCR value" "ogverify: quote: --checkpoint wants 64 hex digits" \
	"$OGVERIFY" quote --enrolment "$TMP/enrol.cbor" --checkpoint x "$TMP/q1" "$n1"
expect_fail "the verifier: no quote file" "ogverify: $TMP/none: No such file or directory" \
	"$OGVERIFY" quote --enrolment "$TMP/enrol.cbor" "$TMP/none" "$n1"
"$OGVERIFY" quote --enrolment "$TMP/enrol.cbor" "$TMP/q1" 2>/dev/null
[ $? = 2 ]
ok $? "the verifier: a quote without its nonce is a usage error (exit 2)"
done_testing
