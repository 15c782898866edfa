#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The loop's provided-buffer ring run dry on purpose: one receive buffer of
# 64 bytes (OGX_SERVE_RECV_BUFS / OGX_SERVE_RECV_BUF_SIZE), 48 connections
# sending pipelined requests in small chunks at once. Recvs that find the
# ring empty (-ENOBUFS, counted in /metrics) are armed again; every request
# is still answered, correctly and in order, and every request is parsed
# across many buffers (the unparsed rest kept per connection).
. "$OGX_SRC/tests/e2e/tap.sh"
. "$OGX_SRC/tests/e2e/serve-lib.sh"
"$OGRUN" key gen >/dev/null || exit 1
MODEL=$(classifier_model) || { echo "1..1"; echo "not ok 1 - training the classifier"; exit 1; }
zcat "$FASHION/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c 784 >"$TMP/img0"
infer_body fashion "$TMP/img0" >"$TMP/infer0.json"

OGX_SERVE_RECV_BUFS=3 serve_start --model "fashion=$MODEL"
check "a ring size that is not a power of two stops the server" \
	"1 ogrun: serve: OGX_SERVE_RECV_BUFS must be a power of two in 1..32768 and OGX_SERVE_RECV_BUF_SIZE in 16..65536" \
	"$(wait "$SERVE_PID"; echo "$? $(cat "$TMP/serve.err")")"

OGX_SERVE_RECV_BUFS=1 OGX_SERVE_RECV_BUF_SIZE=64 serve_start --model "fashion=$MODEL" --queue 1024
ok $? "server starts with one 64-byte receive buffer"
req -H 'Content-Type: application/json' --data @"$TMP/infer0.json" "$URL/v1/infer"
check "a request over many buffers answers 200" 200 "$STATUS"
CLS=$(jget "$BODY" class)

# The ring is empty whenever two connections' bytes arrive in one loop turn:
# rounds until that has happened (it does in the first, almost always).
nobufs=0 all=1
for round in 1 2 3 4 5; do
	out=$(python3 "$OGX_SRC/tests/e2e/serve-recvbuf.py" "$PORT" "$TMP/infer0.json" "$CLS" 48 3)
	[ "$out" == "answered 288" ] || { all=0; printf '# %s\n' "$out" | head -20; }
	req "$URL/metrics"
	nobufs=$(sed -n 's/^ogx_recv_nobufs_total //p' <<<"$BODY")
	[ "${nobufs:-0}" -gt 0 ] && break
done
check "every pipelined request of 48 connections answered correctly, in order" 1 "$all"
ok "$([ "${nobufs:-0}" -gt 0 ]; echo $?)" "recvs found the ring empty ($nobufs) and were armed again"
check "no connection refused or dropped" "ogx_connections_refused_total 0" \
	"$(grep '^ogx_connections_refused_total' <<<"$BODY")"
check "no error answer" "" "$(grep '^ogx_http_responses_total' <<<"$BODY" | grep -v 'code="200"')"
serve_stop
ok $? "server stops with status 0"
done_testing
