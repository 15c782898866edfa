# Helpers for the ogrun serve tests (sourced after tap.sh). Servers bind
# 127.0.0.1 on a port the kernel picks, and are killed by PID on exit.
SERVE_PIDS=""
trap 'for p in $SERVE_PIDS; do kill -KILL "$p" 2>/dev/null; done; [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT
FASHION=/usr/share/datasets/fashion-mnist

# The default classifier (int8 Fashion-MNIST MLP), trained once like make demo
# (a sanitizer build takes the normal build's, when there is one: training
# under ASan is slow and any trained model serves these tests).
classifier_model() {
	local m=$OGX_BUILD/models/fashion-mlp-q8.gguf
	if [ ! -f "$m" ] && [ -f "$OGX_SRC/build/models/fashion-mlp-q8.gguf" ]; then
		m=$OGX_SRC/build/models/fashion-mlp-q8.gguf
	fi
	if [ ! -f "$m" ]; then
		mkdir -p "$OGX_BUILD/models"
		"$OGRUN" model train --data "$FASHION" -o "$m.tmp" >/dev/null 2>&1 &&
			mv "$m.tmp" "$m" || return 1
	fi
	echo "$m"
}

# serve_start ARGS...: sets SERVE_PID, PORT, URL; output in $TMP/serve.{out,err}
serve_start() {
	"$OGRUN" serve --listen 127.0.0.1:0 "$@" >"$TMP/serve.out" 2>"$TMP/serve.err" &
	SERVE_PID=$!
	SERVE_PIDS="$SERVE_PIDS $SERVE_PID"
	for _ in $(seq 600); do  # up to 30 s: a sanitizer build under load starts slowly
		grep -q '^listening on ' "$TMP/serve.out" 2>/dev/null && break
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.05
	done
	PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/serve.out")
	URL=http://127.0.0.1:$PORT
	[ -n "$PORT" ]
}

# serve_stop: SIGTERM, and the exit status is the server's.
serve_stop() {
	kill -TERM "$SERVE_PID" 2>/dev/null
	wait "$SERVE_PID"
}

# req ARGS...: curl; STATUS and BODY (and $TMP/headers) from the answer.
req() {
	: >"$TMP/body" # no answer must not leave the last one's body behind
	STATUS=$(curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' --max-time 30 "$@")
	BODY=$(cat "$TMP/body")
}

# check DESC WANT GOT
check() {
	if [ "$2" == "$3" ]; then
		ok 0 "$1"
	else
		ok 1 "$1"
		printf '#   want: %s\n#   got:  %s\n' "$2" "$3" | head -20
		printf '#   want: %s\n#   got:  %s\n' "$2" "$3" | head -6 >&2
	fi
}

# expect_error DESC STATUS CODE MESSAGE CURL-ARGS...: the exact answer.
expect_error() {
	local desc=$1 status=$2 code=$3 msg=$4 type=invalid_request_error
	shift 4
	case $status in 5*) type=server_error ;; 429) type=rate_limit_error ;; esac
	req "$@"
	check "$desc" "$status {\"error\":{\"message\":\"$msg\",\"type\":\"$type\",\"code\":\"$code\"}}" \
		"$STATUS $BODY"
}

# jget JSON PATH: one value out of JSON (node is there for the npm tests).
jget() {
	node -e 'let v=JSON.parse(process.argv[1]);for(const k of process.argv[2].split(".").filter(Boolean))v=v[k];console.log(typeof v==="object"?JSON.stringify(v):v)' "$1" "$2"
}

# An image as a JSON /v1/infer body: pixels of IDX image N as {value, decimals: 0}.
infer_body() { # MODEL RAWFILE
	node -e 'const fs=require("fs");const px=[...fs.readFileSync(process.argv[2])];console.log(JSON.stringify({model:process.argv[1],input:{value:px,decimals:0}}))' "$1" "$2"
}
