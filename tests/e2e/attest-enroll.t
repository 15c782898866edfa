#!/bin/bash
# TPM enrolment on the host against swtpm (Documentation/attestation.md):
# ogrun attest enroll makes the AK under the EK and the signed record;
# ogverify enroll checks the EK certificate against the CA store, the AK's
# attributes, makes the credential in software; swtpm's ActivateCredential
# recovers it only for the AK of the certified EK. Every cheat is rejected
# with its exact error, on records re-signed with the node's real key.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/attest-lib.sh"

tpm_new A ca1 && tpm_new B ca2
ok $? "two software TPMs, each with an EK certificate from its own local CA"
CA1=$TMP/ca-ca1/ca.pem
CA2=$TMP/ca-ca2/ca.pem
"$OGRUN" key gen >/dev/null

out=$("$OGRUN" attest enroll --tcti "$TCTI_A" -o "$TMP/a.cbor")
ok $? "ogrun attest enroll writes the record"
ak=$(sed -n 's/.*for AK \([0-9a-f]*\) .*/\1/p' <<<"$out")
[ "$(stat -c %a "$OGX_HOME/tpm-ak")" = 600 ] && [ ${#ak} = 68 ]
ok $? "the AK's blobs are kept 0600 in \$OGX_HOME/tpm-ak; its name is printed"
out2=$("$OGRUN" attest enroll --tcti "$TCTI_A" -o "$TMP/a2.cbor")
[ "$out2" = "$TMP/a2.cbor: enrolment record for AK $ak (give it to a verifier: ogverify enroll)" ]
ok $? "a second enroll reuses the AK"

out=$("$OGVERIFY" enroll "$TMP/a.cbor" --ca "$CA1" --challenge "$TMP/chal")
ok $? "ogverify enroll checks the record and writes a challenge"
[ "$out" = "$TMP/a.cbor: checked (EK certified by /CN=swtpm-localca); challenge for AK $ak written to $TMP/chal" ] &&
	[ "$(stat -c %a "$TMP/chal.secret")" = 600 ]
ok $? "and says so; the credential stays with the verifier (0600)"
"$OGRUN" attest enroll --tcti "$TCTI_A" --activate "$TMP/chal" -o "$TMP/ans" >/dev/null
ok $? "the node's TPM activates the credential (MakeCredential in software, ActivateCredential by swtpm)"
cmp -s <(tr -d '\n' <"$TMP/ans") <(tr -d '\n' <"$TMP/chal.secret")
ok $? "and recovers exactly the verifier's credential"
node=$("$OGRUN" key show)
out=$("$OGVERIFY" enroll "$TMP/a.cbor" --ca "$CA1" --challenge "$TMP/chal" --answer "$TMP/ans" \
	--keep "$TMP/kept.cbor")
[ $? = 0 ] && [ "$out" = "$TMP/a.cbor: enrolled: node $node, AK $ak, EK certified by /CN=swtpm-localca" ] &&
	cmp -s "$TMP/a.cbor" "$TMP/kept.cbor"
ok $? "the answer enrols the node: node key, AK and EK bound, the record kept"

# Cheats, each with its exact failure.
fail_enrol() { # DESC FIELD DETAIL RECORD [CA]
	expect_fail "$1" "ogverify: $4: FAILED enrolment [$2]: $3" \
		"$OGVERIFY" enroll "$4" --ca "${5:-$CA1}" --challenge "$TMP/c.x"
}
fail_enrol "an EK certificate from another CA" ek-cert \
	"EK certificate (issuer /CN=swtpm-localca): unable to get local issuer certificate" "$TMP/a.cbor" "$CA2"
OGX_HOME=$TMP/homeB "$OGRUN" key gen >/dev/null
OGX_HOME=$TMP/homeB "$OGRUN" attest enroll --tcti "$TCTI_B" -o "$TMP/b.cbor" >/dev/null
"$ATTEST_FORGE" take "$TMP/a.cbor" "$OGX_HOME/node.key" "$TMP/f-cert.cbor" "$TMP/b.cbor" cert
fail_enrol "the certificate of another TPM's EK" ek-cert \
	"EK certificate: its key is not the record's EK" "$TMP/f-cert.cbor"
for attr in restricted:10000 sign:40000 fixedTPM:2 fixedParent:10 sensitiveDataOrigin:20; do
	"$ATTEST_FORGE" attrs "$TMP/a.cbor" "$OGX_HOME/node.key" "$TMP/f-attr.cbor" "${attr#*:}" 0
	fail_enrol "an AK without $attr (re-signed by the node)" ak \
		"AK: attribute ${attr%:*} is not set (a quote needs a restricted signing key that never leaves its TPM)" \
		"$TMP/f-attr.cbor"
done
"$ATTEST_FORGE" attrs "$TMP/a.cbor" "$OGX_HOME/node.key" "$TMP/f-attr.cbor" 0 20000
fail_enrol "an AK that also decrypts" ak "AK: attribute decrypt is set (an AK only signs)" \
	"$TMP/f-attr.cbor"
"$ATTEST_FORGE" take "$TMP/a.cbor" "$OGX_HOME/node.key" "$TMP/f-ek.cbor" "$TMP/b.cbor" ak
"$OGVERIFY" enroll "$TMP/f-ek.cbor" --ca "$CA1" --challenge "$TMP/chal-f" >/dev/null
ok $? "a record pairing TPM A's certified EK with TPM B's AK passes the offline checks"
# (swtpm 0.7.1's libtpms answers this one with TPM_RC_FAILURE, whatever the TPM's
# own code would be: only the failure and its command are asserted.)
err=$(OGX_HOME="$TMP/homeB" "$OGRUN" attest enroll --tcti "$TCTI_B" --activate "$TMP/chal-f" \
	-o "$TMP/ans-f" 2>&1 >/dev/null)
[ $? = 1 ] && [[ $err == "ogrun: attest enroll: TPM: ActivateCredential: tpm:"* ]] && [ ! -e "$TMP/ans-f" ]
ok $? "but TPM B cannot activate a credential made to TPM A's EK"
expect_fail "and TPM A cannot activate it for an AK it does not hold" \
	"ogrun: attest enroll: TPM: ActivateCredential: tpm:parameter(1):integrity check failed" \
	"$OGRUN" attest enroll --tcti "$TCTI_A" --activate "$TMP/chal-f" -o "$TMP/ans-f"
rand32 >"$TMP/ans-f"
expect_fail "a guessed answer" \
	"ogverify: $TMP/f-ek.cbor: FAILED enrolment [activation]: the answer is not the challenge's credential: the AK is not in the TPM of the certified EK" \
	"$OGVERIFY" enroll "$TMP/f-ek.cbor" --ca "$CA1" --challenge "$TMP/chal-f" --answer "$TMP/ans-f"
expect_fail "the answer to another record's challenge" \
	"ogverify: $TMP/f-ek.cbor: FAILED enrolment [activation]: the answer is not the challenge's credential: the AK is not in the TPM of the certified EK" \
	"$OGVERIFY" enroll "$TMP/f-ek.cbor" --ca "$CA1" --challenge "$TMP/chal-f" --answer "$TMP/ans"
cp "$TMP/a.cbor" "$TMP/f-sig.cbor"
printf '\xff' | dd of="$TMP/f-sig.cbor" bs=1 seek=100 conv=notrunc status=none
fail_enrol "a record changed after signing" sig \
	"enrolment record: the node's signature does not verify" "$TMP/f-sig.cbor"
printf 'not cbor' >"$TMP/f-junk.cbor"
fail_enrol "not a record" record "enrolment record: truncated at the map head" \
	"$TMP/f-junk.cbor"
expect_fail "a CA file that holds no certificate" \
	"ogverify: enroll: $TMP/f-junk.cbor: no PEM certificates could be read" \
	"$OGVERIFY" enroll "$TMP/a.cbor" --ca "$TMP/f-junk.cbor" --challenge "$TMP/c.x"
expect_fail "a TPM that is not there" \
	"ogrun: attest enroll: TPM: TCTI \"swtpm:host=127.0.0.1,port=1\": tcti:IO failure" \
	"$OGRUN" attest enroll --tcti swtpm:host=127.0.0.1,port=1 -o "$TMP/x.cbor"
# The other error paths a user can reach.
"$OGRUN" attest sign 2>"$TMP/err" >/dev/null
[ $? = 2 ] && [ "$(head -1 "$TMP/err")" = "ogrun: attest: 'sign' is not an attest command" ]
ok $? "ogrun attest: an unknown command (exit 2, then the usage)"
printf '\xa2\x00\x41\x00\x01\x41\x00' >"$TMP/bad-chal"
expect_fail "a challenge that is not one" \
	"ogrun: attest enroll: $TMP/bad-chal: challenge: credentialBlob: 1 bytes, want 2..134" \
	"$OGRUN" attest enroll --tcti "$TCTI_A" --activate "$TMP/bad-chal" -o "$TMP/x"
expect_fail "an answer without the verifier's secret" \
	"ogverify: $TMP/a.cbor: FAILED enrolment [activation]: $TMP/none.secret: No such file or directory" \
	"$OGVERIFY" enroll "$TMP/a.cbor" --ca "$CA1" --challenge "$TMP/none" --answer "$TMP/ans"
echo zz >"$TMP/bad-ans"
expect_fail "an answer that is not a credential" \
	"ogverify: $TMP/a.cbor: FAILED enrolment [activation]: $TMP/bad-ans: not a 32-byte credential in hex" \
	"$OGVERIFY" enroll "$TMP/a.cbor" --ca "$CA1" --challenge "$TMP/chal" --answer "$TMP/bad-ans"
expect_fail "no record" "ogverify: $TMP/none: No such file or directory" \
	"$OGVERIFY" enroll "$TMP/none" --ca "$CA1" --challenge "$TMP/chal"
"$OGVERIFY" enroll "$TMP/a.cbor" --ca "$CA1" --challenge "$TMP/chal" --keep "$TMP/k" 2>/dev/null
[ $? = 2 ] && [ ! -e "$TMP/k" ]
ok $? "--keep without --answer is a usage error (exit 2)"
done_testing
