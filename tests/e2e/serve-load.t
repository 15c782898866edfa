#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogrun serve under wrk on /v1/infer with the default classifier, at 64 and
# 256 connections: no answer but 200 or 429, no socket errors, every 200's
# record in the spool and verifiable, memory flat between two equal runs.
# CI runs each for SERVE_LOAD_SECONDS (default 5); the 60 s runs and the
# 10-minute soak of Documentation/serve.md use the same script.
. "$OGX_SRC/tests/e2e/tap.sh"
. "$OGX_SRC/tests/e2e/serve-lib.sh"
need_models
command -v wrk >/dev/null || { echo "1..1"; echo "not ok 1 - wrk not installed (mk/serve.deps)"; exit 1; }
"$OGRUN" key gen >/dev/null || exit 1
MODEL=$(classifier_model) || { echo "1..1"; echo "not ok 1 - training the classifier"; exit 1; }
SECS=${SERVE_LOAD_SECONDS:-5}
zcat "$FASHION/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c 784 >"$TMP/img0"
infer_body fashion "$TMP/img0" >"$TMP/body.json"
export OGX_WRK_BODY=$TMP/body.json

serve_start --model "fashion=$MODEL" --queue 64
ok $? "server starts (queue 64)"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$SERVE_PID/status"; }

for conns in 64 256 256; do
	rm -f "$TMP"/ans.*
	OGX_WRK_OUT=$TMP/ans timeout $((SECS + 30)) wrk -t2 -c$conns -d${SECS}s --timeout 10s \
		-s "$OGX_SRC/tests/e2e/serve-wrk.lua" "$URL" >"$TMP/wrk.$conns" 2>&1
	ok $? "wrk -c$conns -d${SECS}s runs ($(grep 'Requests/sec' "$TMP/wrk.$conns" | tr -s ' '))"
	check "c$conns: no socket errors" 0 "$(grep -c 'Socket errors' "$TMP/wrk.$conns")"
	cat "$TMP"/ans.* >"$TMP/answers"
	check "c$conns: every answer is 200 or 429" "" \
		"$(grep -v -E '^([0-9a-f]{64}|status 429)$' "$TMP/answers" | sort | uniq -c)"
	grep -E '^[0-9a-f]{64}$' "$TMP/answers" | sort >"$TMP/ids.$conns"
	echo "# c$conns: $(wc -l <"$TMP/ids.$conns") answers 200, $(grep -c '^status 429' "$TMP/answers") answers 429"
	RSS[$conns]=$(rss)
	RSS_LAST=$(rss)
done
check "memory flat: RSS after the second 256-connection run within 16 MiB of the first" 1 \
	"$(( RSS_LAST - ${RSS[256]} < 16384 ))"
echo "# RSS after runs: $(rss) KiB"
serve_stop
check "server stops cleanly" 0 $?

"$OGVERIFY" spool "$OGX_HOME/spool" -v >"$TMP/verify" 2>&1
ok $? "every record in the spool verifies ($(tail -1 "$TMP/verify"))"
awk '$1 == "ok" {print $NF}' "$TMP/verify" | sort >"$TMP/spool-ids"
sort -u "$TMP"/ids.* >"$TMP/all-ids"
check "every 200's record is in the spool" 0 "$(comm -23 "$TMP/all-ids" "$TMP/spool-ids" | wc -l)"
check "(and there were 200s)" 1 "$(( $(wc -l <"$TMP/all-ids") > 0 ))"
done_testing
