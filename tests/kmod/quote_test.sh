#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# TPM quotes of the real ogx.ko's PCR, in the qemu guest of tests/kmod/run.t,
# whose swtpm run.t manufactured with an EK certificate from a local CA
# ($OGX_BUILD/kmod-ca). The module is reloaded with pcr=23; `ogrun run
# --level tee` appends 20 events, which the kernel extends into PCR 23; the
# node enrols its AK (ogrun attest enroll / ogverify enroll, over
# /dev/tpmrm0), quotes PCRs 0-7 and 23 with the log from /dev/ogx, and
# ogverify quote replays the module's PCR from the value it had before the
# reload (the checkpoint: earlier tests extended PCR 23 too) over the log.
# An edited copy of the real log is rejected. The module is left loaded as
# the guest loaded it (ring_events=16384).
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${OGX_BUILD:-$src/build}
models=${OGX_MODELS:-$src/../shared/models}
ca=$build/kmod-ca/ca.pem
export OGX_HOME=$(mktemp -d /tmp/ogx-quote.XXXXXX) OGX_TCTI=device:/dev/tpmrm0 TSS2_LOG=all+NONE
n=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
note() { sed 's/^/# /'; }

pcr_now() { tr -d '\n' </sys/class/tpm/tpm0/pcr-sha256/23 | tr 'A-F' 'a-f'; }
from=$(pcr_now)
/usr/sbin/rmmod ogx && /usr/sbin/insmod "$OGX_KO" pcr=23 ring_events=16384
ok $? "ogx.ko reloaded with pcr=23 (PCR 23 was $from)"

"$build/ogrun" key gen >/dev/null
"$build/ogrun" run -m "$models/mnist-fc/mnist-fc-f32.gguf" \
	-i "$models/mnist-fc/t10k-images-idx3-ubyte.gz" --limit 20 --level tee -q 2>&1 | note
ok "${PIPESTATUS[0]}" "ogrun run --level tee: 20 events, each extended into PCR 23 by the kernel"

"$build/ogrun" attest enroll -o "$OGX_HOME/req" | note &&
	"$build/ogverify" enroll "$OGX_HOME/req" --ca "$ca" --challenge "$OGX_HOME/chal" | note &&
	"$build/ogrun" attest enroll --activate "$OGX_HOME/chal" -o "$OGX_HOME/ans" | note &&
	"$build/ogverify" enroll "$OGX_HOME/req" --ca "$ca" --challenge "$OGX_HOME/chal" \
		--answer "$OGX_HOME/ans" --keep "$OGX_HOME/enrol" | note
ok "${PIPESTATUS[0]}" "the AK is enrolled through /dev/tpmrm0 (EK certificate from NV 0x01c00002)"

nonce=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
"$build/ogrun" attest quote --nonce "$nonce" --from "$from" -o "$OGX_HOME/quote" | note
ok "${PIPESTATUS[0]}" "ogrun attest quote: the module's PCR from INFO, the log from /dev/ogx"
out=$("$build/ogverify" quote --enrolment "$OGX_HOME/enrol" --ca "$ca" --checkpoint "$from" \
	"$OGX_HOME/quote" "$nonce" 2>&1)
rc=$?
echo "$out" | note
[ $rc = 0 ] && grep -Eq "^$OGX_HOME/quote: verified: PCR 23 covers events seq 0\.\.19 \(20 of the 20 exported(, from boot)?\); " <<<"$out"
ok $? "ogverify quote replays the real module's PCR over its real log: all 20 events covered"
grep -qx "  checkpoint: PCR 23 = $(pcr_now)" <<<"$out"
ok $? "and its checkpoint is the PCR's value as the kernel reports it"

cat /dev/ogx >"$OGX_HOME/log"
/usr/bin/python3 - "$OGX_HOME/log" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[2 * 280 + 100] ^= 1
open(sys.argv[1] + ".edited", "wb").write(b)
PY
"$build/ogrun" attest quote --nonce "$nonce" --from "$from" --log "$OGX_HOME/log.edited" \
	-o "$OGX_HOME/quote.edited" | note
got=$("$build/ogverify" quote --enrolment "$OGX_HOME/enrol" "$OGX_HOME/quote.edited" "$nonce" 2>&1)
[ "$got" = "ogverify: $OGX_HOME/quote.edited: FAILED quote [log]: event log: seq 2: digest mismatch" ]
ok $? "an edited entry of the real log is rejected"
echo "$got" | note

/usr/sbin/rmmod ogx && /usr/sbin/insmod "$OGX_KO" ring_events=16384
ok $? "ogx.ko reloaded as the guest loaded it"
echo "1..$n"
