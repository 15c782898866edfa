#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark: generation throughput of `ogrun serve` at 1 and 8 concurrent
# streams, beside llama.cpp's `llama-server` on the very same GGUF files when
# $LLAMA_SERVER names its binary (built beside the project, never by it:
# without it only ogrun's rows are printed and the comparison is said not to
# have run).
#
# Both servers are asked the same thing through their OpenAI-compatible
# POST /v1/completions with stream: true, by the same client
# (serve-gen-client.mjs): prompt "" (BOS only: the converted GGUF's
# tokenizer is not split the same way by both, the BOS token is), greedy,
# max_tokens tokens, N clients started at once. Both run the model on the
# CPU with the same number of threads (SERVE_GEN_THREADS, default 1;
# llama-server -t/-tb, -ngl 0, --device none) and 8 slots (--streams 8,
# -np 8). Runs are interleaved (for each round: each N, each server) so that
# the load of this shared machine falls on both alike; the table shows the
# median over SERVE_GEN_ROUNDS rounds (default 5). Besides wall-clock rates,
# tok/CPU-s divides the tokens by the server process's CPU time in the run
# (all its threads, from /proc/PID/task/*/schedstat): on a shared machine,
# where the wall clock moves with other jobs' load, that figure moves much
# less. Prints a table, writes JSON to $OGX_BENCH_JSON; never fails on a time.
# SERVE_GEN_DEVICE=N serves on Vulkan device N (`ogrun serve --device N`;
# llama-server, on the CPU, is then not run); SERVE_GEN_MODELS="name ..."
# keeps only those rows' models (stories260K-F32 15M-shape-Q8_0 15M-shape-F32).
set -u
: "${OGX_BUILD:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
: "${OGX_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${OGX_MODELS:=$OGX_SRC/../shared/models}"
OGRUN=$OGX_BUILD/ogrun
CLIENT=$OGX_SRC/tests/bench/serve-gen-client.mjs
THREADS=${SERVE_GEN_THREADS:-1}
ROUNDS=${SERVE_GEN_ROUNDS:-5}
LS=${LLAMA_SERVER:-}
DEVICE=${SERVE_GEN_DEVICE:-}
KEEP=${SERVE_GEN_MODELS:-}
ENGINE=()
if [ -n "$DEVICE" ]; then
	ENGINE=(--device "$DEVICE")
	LS=
fi
TMP=$(mktemp -d /tmp/ogx-gen-bench.XXXXXX)
PIDS=
trap 'for p in $PIDS; do kill -KILL $p 2>/dev/null; done; rm -rf "$TMP"' EXIT
export OGX_HOME=$TMP/home
MODELS=$OGX_BUILD/bench/models
mkdir -p "$MODELS"
"$OGRUN" key gen >/dev/null || exit 1

if [ -n "$LS" ] && [ ! -x "$LS" ]; then
	echo "serve-gen-bench: LLAMA_SERVER=$LS is not an executable" >&2
	exit 1
fi

# name file max_tokens: the models, written once by ogrun itself.
list=()
ST=$OGX_MODELS/stories260K
if [ -f "$ST/stories260K.bin" ]; then
	f=$MODELS/serve-stories260K-F32.gguf
	[ -f "$f" ] || "$OGRUN" model convert "$ST/stories260K.bin" -t "$ST/tok512.bin" -o "$f" \
		>/dev/null || exit 1
	list+=("stories260K-F32 $f 256")
fi
for t in Q8_0 F32; do
	f=$MODELS/serve-synth15M-$t.gguf
	[ -f "$f" ] || "$OGRUN" model synth --shape stories15M --type "${t,,}" -o "$f" >/dev/null ||
		exit 1
	list+=("15M-shape-$t $f 128")
done

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# start_ogx FILE: sets URL_ogx
start_ogx() {
	rm -f "$TMP/ogx.out" # not the previous server's "listening" line
	"$OGRUN" serve --listen 127.0.0.1:0 --model "m=$1" --threads "$THREADS" --streams 8 \
		--queue 64 "${ENGINE[@]}" >"$TMP/ogx.out" 2>&1 &
	PIDS="$PIDS $!"
	OGX_PID=$!
	PID_ogx=$OGX_PID
	for _ in $(seq 600); do
		grep -qs '^listening' "$TMP/ogx.out" && break
		kill -0 $OGX_PID 2>/dev/null || break
		sleep 0.05
	done
	port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/ogx.out")
	if [ -z "$port" ]; then
		echo "serve-gen-bench: ogrun serve did not start:" >&2
		tail -5 "$TMP/ogx.out" >&2
		return 1
	fi
	URL_ogx=http://127.0.0.1:$port
}

# start_llama FILE: sets URL_llama
start_llama() {
	local port
	port=$(free_port)
	"$LS" -m "$1" --host 127.0.0.1 --port "$port" -t "$THREADS" -tb "$THREADS" -ngl 0 \
		--device none -np 8 -c 4096 --no-webui >"$TMP/llama.out" 2>&1 &
	PIDS="$PIDS $!"
	LLAMA_PID=$!
	PID_llama=$LLAMA_PID
	URL_llama=http://127.0.0.1:$port
	for _ in $(seq 600); do
		curl -sf "$URL_llama/health" >/dev/null 2>&1 && return 0
		kill -0 $LLAMA_PID 2>/dev/null || break
		sleep 0.1
	done
	echo "serve-gen-bench: llama-server did not start:" >&2
	tail -5 "$TMP/llama.out" >&2
	return 1
}

# CPU time of a process, all its threads, in ns (schedstat's first field)
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print NR ? (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) : 0 }'; }
field() { node -e 'const o=JSON.parse(require("fs").readFileSync(0,"utf8"));o.tokens_per_cpu_s=o.server_cpu_s?o.tokens/o.server_cpu_s:0;console.log(o[process.argv[1]])' "$1"; }

servers=(ogx)
[ -n "$LS" ] && servers+=(llama)
printf '%-16s %-12s %7s %7s %9s %12s %9s %9s %9s\n' model server streams tokens "tok/s" "stream tok/s" "ttft ms" "ttft max" "tok/CPU-s"
json="{\"benchmark\":\"serve_generation\",\"device\":\"${DEVICE:-cpu}\",\"threads\":$THREADS,\"rounds\":$ROUNDS,\"prompt\":\"\",\"llama_server\":$([ -n "$LS" ] && echo true || echo false),\"runs\":["
sep=
for entry in "${list[@]}"; do
	read -r name file max <<<"$entry"
	if [ -n "$KEEP" ] && [[ " $KEEP " != *" $name "* ]]; then
		continue
	fi
	start_ogx "$file" || exit 1
	if [ -n "$LS" ] && ! start_llama "$file"; then
		exit 1
	fi
	for srv in "${servers[@]}"; do
		url=URL_$srv
		node "$CLIENT" "${!url}" m 1 8 "" >/dev/null || exit 1 # warm-up
	done
	for r in $(seq "$ROUNDS"); do
		for n in 1 8; do
			for srv in "${servers[@]}"; do
				url=URL_$srv pid=PID_$srv
				c0=$(cpu_ns ${!pid})
				out=$(node "$CLIENT" "${!url}" m $n "$max" "") || exit 1
				c1=$(cpu_ns ${!pid})
				# the server's CPU time (all its threads) for this run
				echo "${out%\}},\"server_cpu_s\":$(awk -v d=$((c1 - c0)) 'BEGIN { print d / 1e9 }')}" \
					>>"$TMP/$srv.$n"
			done
		done
	done
	for n in 1 8; do
		for srv in "${servers[@]}"; do
			name_srv=$srv
			[ $srv = ogx ] && name_srv="ogrun serve"
			[ $srv = llama ] && name_srv="llama-server"
			vals=()
			for k in tokens tokens_per_s stream_tokens_per_s ttft_ms ttft_max_ms tokens_per_cpu_s; do
				vals+=("$(while read -r l; do field $k <<<"$l"; done <"$TMP/$srv.$n" | median)")
			done
			printf '%-16s %-12s %7s %7s %9.0f %12.0f %9.2f %9.2f %9.0f\n' "$name" "$name_srv" $n \
				"${vals[0]}" "${vals[1]}" "${vals[2]}" "${vals[3]}" "${vals[4]}" "${vals[5]}"
			json+="$sep{\"model\":\"$name\",\"server\":\"$name_srv\",\"streams\":$n,\"max_tokens\":$max,\"tokens\":${vals[0]},\"tokens_per_s\":${vals[1]},\"stream_tokens_per_s\":${vals[2]},\"ttft_ms\":${vals[3]},\"ttft_max_ms\":${vals[4]},\"tokens_per_cpu_s\":${vals[5]},\"samples\":$(paste -sd, "$TMP/$srv.$n" | sed 's/^/[/; s/$/]/')}"
			sep=,
		done
	done
	rm -f "$TMP"/ogx.[18] "$TMP"/llama.[18]
	for p in $PIDS; do kill -TERM $p 2>/dev/null; wait $p 2>/dev/null; done
	PIDS=
done
[ -n "$LS" ] || [ -n "$DEVICE" ] ||
	echo "llama-server: comparison not run (set LLAMA_SERVER=/path/to/llama-server)"
[ -n "$DEVICE" ] && echo "ogrun serve on Vulkan device $DEVICE; llama-server not run"
json+="]}"
[ -n "${OGX_BENCH_JSON:-}" ] && echo "$json" >"$OGX_BENCH_JSON"
exit 0
