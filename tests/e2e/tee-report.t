#!/bin/bash
# ogverify report on the real hardware-report samples of tests/vectors/tee:
# verdict lines, exit statuses (0 / 1 / 2 / 3), exact errors.
. "$(dirname "$0")/tap.sh"

V=$OGX_SRC/tests/vectors/tee
SNP=$V/snp-milan-virtee.bin
SNP_ARGS=(--vcek "$V/snp-milan-virtee-vcek.der" --chain "$V/snp-milan-chain.pem")
NITRO=$V/nitro-og-evm.cbor
NODE=404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f
NONCE=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
WANT=$(python3 -c "import hashlib; print(hashlib.sha512(b'ogx/tee-report-data/v1\0' + bytes.fromhex('$NODE') + bytes.fromhex('$NONCE')).hexdigest()[:32])")

out=$("$OGVERIFY" report "$SNP" "${SNP_ARGS[@]}" --at 2024-01-01T00:00:00Z 2>"$TMP/err")
rc=$?
[ $rc -eq 3 ]
ok $? "an SEV-SNP sample without --node-key: verified, binding not checked (exit 3)"
grep -qx "ok  chain: ARK-Milan (pinned) -> ASK -> VCEK (Milan-B0), valid at 2024-01-01T00:00:00Z" <<<"$out" &&
	grep -qx "ok  signature (ECDSA P-384 by the VCEK over bytes 0x000..0x29f)" <<<"$out" &&
	grep -qx "ok  tcb: 4 of the VCEK's TCB extensions match reported_tcb; chip_id matches its hwID" <<<"$out"
ok $? "its chain, signature and TCB lines"
[ "$(cat "$TMP/err")" = "ogverify: $SNP: UNCHECKED tee [binding]: tee/snp (report verified): no --node-key and --nonce given, so its report_data binds no node checked here" ]
ok $? "the UNCHECKED line names the binding"

expect_fail "its report_data does not bind an ogx node key" \
	"ogverify: $SNP: FAILED tee [binding]: report_data d447b55d197491bfe15cf298f9de9986... is not the binding of node 4041424344454647... and the given nonce (want $WANT...)" \
	"$OGVERIFY" report "$SNP" "${SNP_ARGS[@]}" --at 2024-01-01T00:00:00Z --node-key $NODE --nonce $NONCE

cp "$SNP" "$TMP/flipped.bin"
printf '\xff' | dd of="$TMP/flipped.bin" bs=1 seek=$((0x90)) conv=notrunc status=none
expect_fail "a flipped measurement byte fails the signature" \
	"ogverify: $TMP/flipped.bin: FAILED tee [signature]: the signature does not verify under the VCEK's P-384 key" \
	"$OGVERIFY" report "$TMP/flipped.bin" "${SNP_ARGS[@]}" --at 2024-01-01T00:00:00Z
head -c 1000 "$SNP" >"$TMP/short.bin"
expect_fail "a truncated report fails its format" \
	"ogverify: $TMP/short.bin: FAILED tee [format]: sev-snp report: 1000 bytes, want 1184" \
	"$OGVERIFY" report "$TMP/short.bin" "${SNP_ARGS[@]}"
expect_fail "a Genoa chain under a Milan VCEK" \
	"ogverify: $SNP: FAILED tee [chain]: the VCEK (CN=SEV-VCEK) is not issued by the ASK (CN=SEV-Genoa): subject issuer mismatch" \
	"$OGVERIFY" report "$SNP" --vcek "$V/snp-milan-virtee-vcek.der" --chain "$V/snp-genoa-chain.pem" --at 2024-01-01T00:00:00Z
expect_fail "no VCEK given" \
	"ogverify: $SNP: FAILED tee [chain]: sev-snp: no VCEK given: the report's chain is the VCEK, then the ASK and ARK" \
	"$OGVERIFY" report "$SNP"
expect_fail "after the VCEK expired" \
	"ogverify: $SNP: FAILED tee [chain]: the VCEK (CN=SEV-VCEK) is not valid at 2031-01-01T00:00:00Z (valid 2023-04-03T19:23:43Z to 2030-04-03T19:23:43Z)" \
	"$OGVERIFY" report "$SNP" "${SNP_ARGS[@]}" --at 1924992000

"$OGVERIFY" report "$NITRO" --at report >"$TMP/out" 2>"$TMP/err"
[ $? -eq 3 ] && grep -qx "ok  signature (COSE_Sign1 ES384 by the certificate)" "$TMP/out" &&
	grep -qx "ok  chain: AWS Nitro Enclaves root G1 (pinned) -> 3 certificates -> certificate, valid at 2026-02-12T17:56:02Z (the document's time)" "$TMP/out"
ok $? "the OpenGradient Nitro sample verifies at its own time (exit 3: no binding checked)"
base64 -w 76 "$NITRO" >"$TMP/doc.b64"
"$OGVERIFY" report "$TMP/doc.b64" --at report >"$TMP/out" 2>/dev/null
[ $? -eq 3 ] && grep -qx "$TMP/doc.b64: base64, decoded to 4556 bytes" "$TMP/out" &&
	grep -qx "ok  signature (COSE_Sign1 ES384 by the certificate)" "$TMP/out"
ok $? "the same document in base64 (as OpenGradient registers it on chain)"
head -c 100 "$TMP/doc.b64" >"$TMP/cut.b64"; printf '!' >>"$TMP/cut.b64"
expect_fail "base64 that does not decode" \
	"ogverify: $TMP/cut.b64: FAILED tee [format]: nitro document: base64 text (\"hE...\") that does not decode" \
	"$OGVERIFY" report "$TMP/cut.b64"
expect_fail "its user_data is nitriding's, not an ogx binding" \
	"ogverify: $NITRO: FAILED tee [binding]: user_data has 68 bytes, not the 64 of an ogx binding" \
	"$OGVERIFY" report "$NITRO" --at report --node-key $NODE --nonce $NONCE
expect_fail "its certificates are not valid a year later" \
	"ogverify: $NITRO: FAILED tee [chain]: nitro: the cabundle[1] (CN=fa81a085809d0853.us-east-2.aws.nitro-enclaves) is not valid at 2027-01-01T00:00:00Z (valid 2026-02-08T20:48:07Z to 2026-02-28T21:48:07Z)" \
	"$OGVERIFY" report "$NITRO" --at 2027-01-01T00:00:00Z
cp "$NITRO" "$TMP/flipped.cbor"
printf '\x00' | dd of="$TMP/flipped.cbor" bs=1 seek=$(($(stat -c %s "$NITRO") - 1)) conv=notrunc status=none
expect_fail "a flipped signature byte" \
	"ogverify: $TMP/flipped.cbor: FAILED tee [signature]: nitro: COSE_Sign1: the signature does not verify under the certificate's P-384 key" \
	"$OGVERIFY" report "$TMP/flipped.cbor" --at report

expect_fail "--node-key without --nonce is a usage error" \
	"ogverify: --node-key and --nonce go together (the binding is of both)" \
	"$OGVERIFY" report "$SNP" --node-key $NODE
"$OGVERIFY" report "$SNP" --node-key $NODE >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "usage errors exit 2"
expect_fail "--at report for an SEV-SNP report" \
	"ogverify: $SNP: --at report: an SEV-SNP report carries no time; give --at TIME" \
	"$OGVERIFY" report "$SNP" "${SNP_ARGS[@]}" --at report
expect_fail "a bad --at" "ogverify: --at: want Unix seconds, YYYY-MM-DDTHH:MM:SSZ or report" \
	"$OGVERIFY" report "$SNP" --at yesterday
expect_fail "--vcek with a Nitro document" \
	"ogverify: $NITRO: a Nitro document carries its chain; --vcek and --chain are for SEV-SNP reports" \
	"$OGVERIFY" report "$NITRO" --vcek "$V/snp-milan-virtee-vcek.der"

# The node side: ogrun tee-report, whose real path needs an SEV-SNP or TDX guest.
"$OGRUN" key gen >/dev/null
expect_fail "ogrun tee-report without configfs-tsm names it" \
	"ogrun: $TMP/no-tsm: no configfs-tsm report interface (it needs Linux 6.7+ in an SEV-SNP or TDX guest, and configfs mounted)" \
	"$OGRUN" tee-report -o "$TMP/r.bin" --nonce $NONCE --tsm "$TMP/no-tsm"
[ ! -e "$TMP/r.bin" ]
ok $? "and writes nothing"
mkdir "$TMP/plain"
"$OGRUN" tee-report -o "$TMP/r.bin" --nonce $NONCE --tsm "$TMP/plain" 2>"$TMP/err"
[ $? -eq 1 ] && grep -qx "ogrun: $TMP/plain/ogx-[0-9]*-0/generation: No such file or directory" "$TMP/err" &&
	[ -z "$(ls "$TMP/plain")" ]
ok $? "a directory that is not configfs-tsm: its missing attribute named, the entry removed"
expect_fail "ogrun tee-report --nonce wants 32 bytes" "ogrun: --nonce: want 64 hex digits" \
	"$OGRUN" tee-report -o "$TMP/r.bin" --nonce 00
done_testing
