#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `ogrun serve` with the real ogx.ko, in the qemu guest of tests/kmod/run.t:
# the start-up line, /v1/models, the attestation and /metrics offer level tee
# by its evidence label (tee/kmod-sw, never a bare tee), a request with
# X-OG-Level: tee is answered with a tee/kmod-sw record carrying the kernel's
# evidence, which ogverify checks, also for tee and vanilla requests arriving
# together, and the module's log holds every tee record's event.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${OGX_BUILD:-$src/build}
models=${OGX_MODELS:-$src/../shared/models}
fc=$models/mnist-fc/mnist-fc-f32.gguf
export OGX_HOME=$(mktemp -d /tmp/ogx-serve-tee.XXXXXX)
n=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

ip link set lo up 2>/dev/null
"$build/ogrun" key gen >/dev/null
"$build/ogrun" serve --listen 127.0.0.1:0 --model "mnist=$fc" >"$OGX_HOME/out" 2>"$OGX_HOME/err" &
pid=$!
for _ in $(seq 200); do grep -q '^listening' "$OGX_HOME/out" && break; sleep 0.05; done
url=http://127.0.0.1:$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$OGX_HOME/out")
grep -qx 'levels vanilla, tee/kmod-sw' "$OGX_HOME/out"
ok $? "the start-up line names tee's evidence: tee/kmod-sw"
curl -s "$url/v1/models" | grep -q '"levels":\["vanilla","tee/kmod-sw"\]'
ok $? "serve with /dev/ogx offers level tee, as tee/kmod-sw"
curl -s "$url/metrics" | grep -qx 'ogx_level_offered{level="tee/kmod-sw"} 1'
ok $? "/metrics names the level offered by its evidence"
head -c 784 /dev/zero | base64 -w0 >"$OGX_HOME/img"
body="{\"model\":\"mnist\",\"input\":{\"b64\":\"$(cat "$OGX_HOME/img")\"}}"
ans=$(curl -s -H 'Content-Type: application/json' -H 'X-OG-Level: tee' -d "$body" "$url/v1/infer")
id=$(sed -n 's/.*"og":{"id":"\([0-9a-f]*\)".*"level":"tee\/kmod-sw".*/\1/p' <<<"$ans")
[ -n "$id" ]
ok $? "X-OG-Level: tee is answered with a tee record, og.level tee/kmod-sw"
curl -s "$url/metrics" | grep -qx 'ogx_kmod_uring_cmds_total 2'
ok $? "the record's evidence came from the loop's ring: INFO + EXTEND_VEC uring_cmds"
# (after the count above: the attestation takes the module's INFO on the ring too)
att=$(curl -s "$url/v1/attestation?nonce=00")
grep -qF '"levels":["vanilla","tee/kmod-sw"]' <<<"$att" &&
	grep -qF 'levels=vanilla,tee/kmod-sw\n"' <<<"$att"
ok $? "the attestation names it, in its JSON and in the signed statement"
curl -s -o "$OGX_HOME/rec.cbor" "$url/v1/records/$id"
out=$("$build/ogverify" record "$OGX_HOME/rec.cbor" 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -qxF "$OGX_HOME/rec.cbor: all checks passed (level tee/kmod-sw)" <<<"$out"
ok $? "ogverify record: the record and its kernel MAC (this boot's) verify, level tee/kmod-sw"
echo "$out" | sed 's/^/# /'
curl -s -H 'Accept: application/json' "$url/v1/records/$id" | grep -q '"level":"tee/kmod-sw".*"kernel":{"0":"kmod-sw"'
ok $? "the record as JSON: level tee/kmod-sw, its kernel map says kmod-sw"
# A batch: 8 tee and 2 vanilla requests at once; the worker takes what is
# queued as one batch, the tee records' events in one EXTEND_VEC.
pids=
for i in $(seq 10); do
	lvl=tee
	[ "$i" -gt 8 ] && lvl=vanilla
	curl -s -H 'Content-Type: application/json' -H "X-OG-Level: $lvl" -d "$body" \
		"$url/v1/infer" >"$OGX_HOME/batch.$i" &
	pids="$pids $!"
done
wait $pids
levels=$(cat "$OGX_HOME"/batch.* | sed -n 's/.*"og":{"id":"[0-9a-f]\{64\}".*"level":"\([a-z/-]*\)".*/\1/p' | sort | uniq -c | tr -s ' ' | tr '\n' ',')
[ "$levels" = " 8 tee/kmod-sw, 2 vanilla," ]
ok $? "10 requests at once: 8 tee/kmod-sw and 2 vanilla records ($levels)"
# The attestation takes the module's INFO on the ring: its event count moves
# by exactly one per tee record.
events() { curl -s "$url/v1/attestation?nonce=$1" | sed -n 's/.*"module":"abi=1 events=\([0-9]*\) pcr=.*/\1/p'; }
e1=$(events 01)
curl -s -o /dev/null -H 'Content-Type: application/json' -H 'X-OG-Level: tee' -d "$body" "$url/v1/infer"
e2=$(events 02)
[ -n "$e1" ] && [ "$e2" = "$((e1 + 1))" ]
ok $? "attestation: the module's event count from INFO on the ring ($e1 then $e2)"
kill -TERM $pid
wait $pid
ok $? "server stops cleanly"
cat /dev/ogx >"$OGX_HOME/ogx.log"
out=$("$build/ogverify" log "$OGX_HOME/ogx.log" --spool "$OGX_HOME/spool" 2>&1)
ok $? "ogverify log: the module's log holds the record's event"
echo "$out" | sed 's/^/# /'
# A stop while tee batches are in flight: workers waiting on the loop's ring
# for their kernel events must not hang the stop, and what was answered is
# in the spool, verified, with its events in the module's log.
"$build/ogrun" serve --listen 127.0.0.1:0 --model "mnist=$fc" >"$OGX_HOME/out" 2>"$OGX_HOME/err" &
pid=$!
for _ in $(seq 200); do grep -q '^listening' "$OGX_HOME/out" && break; sleep 0.05; done
url=http://127.0.0.1:$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$OGX_HOME/out")
echo "{\"model\":\"mnist\",\"input\":{\"b64\":\"$(cat "$OGX_HOME/img")\"},\"og\":{\"level\":\"tee\"}}" >"$OGX_HOME/body"
OGX_WRK_BODY=$OGX_HOME/body wrk -t1 -c8 -d6s -s "$src/tests/e2e/serve-wrk.lua" "$url" >/dev/null 2>&1 &
wrk=$!
sleep 2
kill -TERM $pid
timeout 30 tail --pid=$pid -f /dev/null
ok $? "a stop with tee batches in flight ends within 30 s"
wait $pid
rc=$?
ok $rc "and ends cleanly (exit $rc)"
[ $rc -eq 0 ] || tail -30 "$OGX_HOME/err" | sed 's/^/# /'
wait $wrk
out=$("$build/ogverify" spool "$OGX_HOME/spool" 2>&1)
ok $? "ogverify spool after the stop: $(echo "$out" | tail -1 | cut -c1-60)"
cat /dev/ogx >"$OGX_HOME/ogx.log"
"$build/ogverify" log "$OGX_HOME/ogx.log" --spool "$OGX_HOME/spool" >/dev/null 2>&1
ok $? "ogverify log: every tee record's event is in the module's log"
rm -rf "$OGX_HOME"
echo "1..$n"
