# Software TPMs for the attestation tests (sourced after tap.sh): each with
# its own state, its own local CA (swtpm_localca: RSA EK certificate in NV
# 0x01c00002), on TCP ports of its own. No qemu: the host talks to swtpm
# through tpm2-tss's swtpm TCTI.
ATTEST_PCR=$OGX_BUILD/tests/attest_pcr
ATTEST_FORGE=$OGX_BUILD/tests/attest_forge
export TSS2_LOG=all+NONE	# tpm2-tss's own log lines would mix into the errors tested
trap 'for p in "$TMP"/*.swtpm.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done; rm -rf "$TMP"' EXIT

if ! command -v swtpm >/dev/null || ! command -v swtpm_setup >/dev/null; then
	if [ -n "${CI:-}" ]; then
		echo "1..1"; echo "not ok 1 - swtpm, swtpm_setup not installed (make check-deps)"; exit 1
	fi
	echo "1..0 # SKIP swtpm and swtpm-tools are not installed (make check-deps)"; exit 0
fi

# tpm_new NAME CA: a manufactured TPM (EK + certificate by CA NAME's key,
# made on first use) running as swtpm; sets TCTI_<NAME>.
tpm_new() {
	local name=$1 ca=$TMP/ca-$2 st=$TMP/tpm-$1 port
	mkdir -p "$ca" "$st"
	cat >"$ca/localca.conf" <<-CONF
	statedir = $ca
	signingkey = $ca/signkey.pem
	issuercert = $ca/issuercert.pem
	certserial = $ca/certserial
	CONF
	cat >"$ca/setup.conf" <<-CONF
	create_certs_tool = /usr/bin/swtpm_localca
	create_certs_tool_config = $ca/localca.conf
	create_certs_tool_options = /etc/swtpm-localca.options
	active_pcr_banks = sha256
	CONF
	swtpm_setup --tpm2 --tpmstate "$st" --create-ek-cert --config "$ca/setup.conf" \
		--overwrite >"$st/setup.log" 2>&1 || { cat "$st/setup.log" >&2; return 1; }
	cat "$ca/swtpm-localca-rootca-cert.pem" "$ca/issuercert.pem" >"$ca/ca.pem"
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		port=$((10000 + RANDOM % 10000 * 2))	# below the ephemeral range
		if swtpm socket --tpm2 --tpmstate dir="$st" --flags startup-clear \
			--server type=tcp,port=$port,bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
			--pid file="$TMP/$name.swtpm.pid" --daemon 2>/dev/null; then
			eval "TCTI_$name=swtpm:host=127.0.0.1,port=$port"
			eval "CTRL_$name=$((port + 1))"
			return 0
		fi
	done
	echo "tpm_new: no free port for swtpm" >&2
	return 1
}

# enrol NAME RECORD: the whole enrolment of TPM NAME with the node key of
# $OGX_HOME against CA (its ca.pem), the kept record in RECORD.
enrol() {
	local tcti; eval "tcti=\$TCTI_$1"
	"$OGRUN" attest enroll --tcti "$tcti" -o "$TMP/req.cbor" >/dev/null &&
	"$OGVERIFY" enroll "$TMP/req.cbor" --ca "$3" --challenge "$TMP/chal" >/dev/null &&
	"$OGRUN" attest enroll --tcti "$tcti" --activate "$TMP/chal" -o "$TMP/ans" >/dev/null &&
	"$OGVERIFY" enroll "$TMP/req.cbor" --ca "$3" --challenge "$TMP/chal" \
		--answer "$TMP/ans" --keep "$2" >/dev/null
}

# An ogx.ko read() log of N events (the module's format, Documentation/kmod.md),
# written by an independent implementation (Python hashlib): gen_log N OUT
gen_log() {
	/usr/bin/python3 - "$@" <<-'PY'
	import hashlib, struct, sys
	n, out = int(sys.argv[1]), sys.argv[2]
	head, data = bytes(32), b""
	for seq in range(n):
	    body = struct.pack("<QQII", seq, 1700000000 * 10**9 + seq, 2, 0)
	    body += bytes([0xee]) * 32 + b"".join(bytes([seq % 251, k]) * 16 for k in range(5))
	    digest = hashlib.sha256(body).digest()
	    head = hashlib.sha256(head + digest).digest()
	    data += body + digest + head
	open(out, "wb").write(data)
	PY
}

# 32 random bytes in hex: a nonce, a batch root, a guessed credential.
rand32() { head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n'; echo; }
