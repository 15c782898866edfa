# SPDX-License-Identifier: GPL-2.0
# Sourced by tests/e2e/chain-*.t: a private anvil (npm @foundry-rs/anvil,
# installed by `make node_modules`) on 127.0.0.1, on a port the kernel picks
# (--port 0, read back from anvil's "Listening on" line, so no race for a
# free port), killed by its PID on exit whatever happens.

ANVIL_PID=
MINER_PID=
ANVIL_TMP=$(mktemp -d /tmp/ogx-chain-XXXXXX)

anvil_cleanup() {
	if [ -n "$MINER_PID" ]; then
		kill "$MINER_PID" 2>/dev/null
		wait "$MINER_PID" 2>/dev/null
	fi
	if [ -n "$ANVIL_PID" ]; then
		kill "$ANVIL_PID" 2>/dev/null
		wait "$ANVIL_PID" 2>/dev/null
	fi
	rm -rf "$ANVIL_TMP"
}
trap anvil_cleanup EXIT
trap 'exit 1' INT TERM

# anvil_start [anvil flags...]: sets ANVIL_URL.
anvil_start() {
	local bin port i
	bin=$(ls "$OGX_SRC"/node_modules/@foundry-rs/anvil-linux-*/bin/anvil 2>/dev/null | head -1)
	if [ ! -x "$bin" ]; then
		echo "Bail out! anvil is not installed: run 'make node_modules' (npm ci)"
		exit 1
	fi
	"$bin" --host 127.0.0.1 --port 0 "$@" >"$ANVIL_TMP/anvil.log" 2>&1 &
	ANVIL_PID=$!
	for i in $(seq 200); do
		port=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$ANVIL_TMP/anvil.log")
		[ -n "$port" ] && break
		kill -0 "$ANVIL_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ -z "$port" ]; then
		echo "Bail out! anvil did not start:"
		sed 's/^/# /' "$ANVIL_TMP/anvil.log"
		exit 1
	fi
	ANVIL_URL=http://127.0.0.1:$port
}

# A block every 200 ms even without transactions, as on a real chain (anvil
# mines only when a transaction arrives): confirmations need blocks on top.
miner_start() {
	(while :; do rpc evm_mine '[]' >/dev/null; sleep 0.2; done) &
	MINER_PID=$!
}

# rpc METHOD PARAMS-JSON: prints the JSON-RPC response.
rpc() {
	curl -s --max-time 10 -H 'Content-Type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$ANVIL_URL"
}

# rpc_result METHOD PARAMS-JSON [jq-like python expression on r]: the result field.
rpc_get() {
	rpc "$1" "$2" | python3 -c "import json,sys; r=json.load(sys.stdin)['result']; print($3)"
}

# The first dev account of anvil's default mnemonic ("test test ... junk").
ANVIL_KEY0=ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
ANVIL_ADDR0=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
ANVIL_ADDR1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8

# TAP helpers.
T=0
FAILED=0
# notify_listen SOCKET LOG TIMEOUT: a fake systemd NOTIFY_SOCKET (PID 1 here
# is not systemd) that writes each datagram to LOG as one line (newlines as
# |) until STOPPING=1 or TIMEOUT seconds of silence; returns once the socket
# exists, with the listener's PID in NOTIFY_PID (no command substitution:
# it would wait for the listener).
notify_listen() {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(int(sys.argv[3]))
with open(sys.argv[2], "w") as f:
    while True:
        m = s.recv(4096).decode()
        f.write(m.replace("\n", "|") + "\n"); f.flush()
        if "STOPPING=1" in m: break
' "$1" "$2" "$3" </dev/null >/dev/null &
	NOTIFY_PID=$!
	for _ in $(seq 100); do [ -S "$1" ] && break; sleep 0.05; done
}

ok() { T=$((T + 1)); echo "ok $T - $1"; }
# A failure is also written to stderr, which prove passes through (CI keeps only that).
not_ok() { T=$((T + 1)); FAILED=1; echo "not ok $T - $1"; echo "not ok $T - $1 ($(basename "$0"))" >&2; }
check() { # check DESCRIPTION WANT GOT
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "#   want: $2"; echo "#   got:  $3"; fi
}

# submit_setup: keys, an empty spool and a config for ogsubmit against anvil,
# in $ANVIL_TMP: node.key (records), op.key (batches), eth.key (pays), conf.
submit_setup() {
	"$OGX_BUILD/ogrun" key gen "$ANVIL_TMP/node.key" >"$ANVIL_TMP/node.pk"
	"$OGX_BUILD/ogrun" key gen "$ANVIL_TMP/op.key" >"$ANVIL_TMP/op.pk"
	(umask 077 && echo "$ANVIL_KEY0" >"$ANVIL_TMP/eth.key")
	INBOX=0x00000000000000000000000000000000000000aa
	cat >"$ANVIL_TMP/conf" <<-EOC
	# ogsubmit against the test's anvil
	rpc = $ANVIL_URL
	chain_id = 31337
	key = $ANVIL_TMP/eth.key
	operator_key = $ANVIL_TMP/op.key
	spool = $ANVIL_TMP/spool
	state_dir = $ANVIL_TMP/state
	target = $INBOX
	confirmations = 1
	batch_delay_ms = 50
	poll_ms = 20
	EOC
}

# verify_chain EXPECTED: ogverify's summary line (exit status in $?).
verify_chain() {
	"$OGX_BUILD/ogverify" chain --rpc "$ANVIL_URL" --inbox "$INBOX" \
		--node "$(cat "$ANVIL_TMP/node.pk")" --operator "$(cat "$ANVIL_TMP/op.pk")" \
		--expect "$1"
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds; 1 on timeout.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# settled STATE N: the cursor in STATE says N records are settled.
settled() {
	[ "$(cut -d' ' -f2 "$1/cursor" 2>/dev/null)" = "$2" ]
}

# has_tx STATE: a transaction is journaled.
has_tx() {
	test -n "$(journal_last_tx "$1")"
}

# journal_last_tx STATE: "hash max_fee" of the last transaction journaled.
journal_last_tx() {
	grep '^T ' "$1/journal" 2>/dev/null | tail -1 | awk '{print "0x" $7, $5}'
}
