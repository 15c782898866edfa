#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ogx's CPU backend beside llama.cpp's, on the same GGUF files, in the same
# minutes, measured the same way on both sides:
#
#   tests/bench/compare-llamacpp.sh LLAMA_CPP_BIN_DIR [MODEL.gguf ...]
#
# LLAMA_CPP_BIN_DIR holds llama.cpp's llama-bench and llama-cli, built beside
# the project by whoever runs this (a CPU build; this script never builds or
# fetches llama.cpp). Without MODELs it makes its own with ogrun: the
# synthetic stories15M shape (`ogrun model synth`, seed 15) in F32, F16,
# Q8_0 and Q4_0, and stories260K converted to GGUF (`ogrun model convert`)
# when $OGX_MODELS has it.
#
# Two measurements, each for 1 and 2 threads (COMPARE_THREADS):
#   forward   TOKENS single-token steps at positions 0..TOKENS-1 after a
#             warm-up, no sampling on either side: build/bench/llama_tg_bench
#             against `llama-bench -p 0 -n TOKENS`, REPS repetitions each,
#             the median of them per side;
#   e2e       generation as a user runs it, greedy from BOS, TOKENS tokens,
#             sampling, detokenizing and printing included on both sides:
#             `ogrun generate --temp 0` (its "generated ... tok/s", which
#             leaves out the prompt step) against `llama-cli --temp 0
#             -no-cnv --ignore-eos` (runs / (total - prompt eval time)).
# Runs are interleaved pairs, ogx then llama.cpp, PAIRS times (A B A B ...),
# with the load average read before each pair: the machine's other load
# falls on both alike. Per row: the median over pairs of each side and its
# range, and the ratio ogx / llama.cpp of each pair, as median and range.
# Prints a table; writes JSON (every sample, every load) to COMPARE_JSON
# (default $OGX_BUILD/bench/compare_llamacpp.json). Never fails on a time.
#
# Knobs: COMPARE_PAIRS (default 3), COMPARE_TOKENS (128), COMPARE_REPS (3),
# COMPARE_THREADS ("1 2"), OGX_BUILD, OGX_MODELS. COMPARE_DEVICE=N compares
# Vulkan instead (LLAMA_CPP_BIN_DIR then a -DGGML_VULKAN=ON build): the e2e
# rows only, `ogrun generate --device N` against llama-cli -ngl 99 with
# GGML_VK_VISIBLE_DEVICES=N (ogx has no device forward-only harness).
set -u
: "${OGX_BUILD:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
: "${OGX_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${OGX_MODELS:=$OGX_SRC/../shared/models}"
PAIRS=${COMPARE_PAIRS:-3}
TOKENS=${COMPARE_TOKENS:-128}
REPS=${COMPARE_REPS:-3}
THREADS=${COMPARE_THREADS:-1 2}
DEVICE=${COMPARE_DEVICE:-}
JSON=${COMPARE_JSON:-$OGX_BUILD/bench/compare_llamacpp.json}
OGRUN=$OGX_BUILD/ogrun
TG=$OGX_BUILD/bench/llama_tg_bench

die() {
	echo "compare-llamacpp: $*" >&2
	exit 2
}

[ $# -ge 1 ] || die "usage: $0 LLAMA_CPP_BIN_DIR [MODEL.gguf ...]"
BIN=$1
shift
LB=$BIN/llama-bench
LC=$BIN/llama-cli
for b in "$LB" "$LC"; do
	[ -x "$b" ] || die "$b: not an executable (build llama.cpp beside the project; this script does not)"
done
for b in "$OGRUN" "$TG"; do
	[ -x "$b" ] || die "$b: not built (make all build/bench/llama_tg_bench)"
done
for v in PAIRS TOKENS REPS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "COMPARE_$v='${!v}' is not a positive number"
done
OGX_DEV=(--device cpu)
NGL=(-ngl 0)
if [ -n "$DEVICE" ]; then
	[[ $DEVICE =~ ^[0-9]+$ ]] || die "COMPARE_DEVICE='$DEVICE' is not a device number"
	OGX_DEV=(--device "$DEVICE")
	NGL=(-ngl 99)
	export GGML_VK_VISIBLE_DEVICES=$DEVICE
fi

TMP=$(mktemp -d /tmp/ogx-compare.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export OGX_HOME=$TMP/home

MODELS=("$@")
if [ ${#MODELS[@]} -eq 0 ]; then
	for t in f32 f16 q8_0 q4_0; do
		"$OGRUN" model synth -o "$TMP/synth15M-${t^^}.gguf" --type $t --seed 15 ||
			die "ogrun model synth --type $t failed"
		MODELS+=("$TMP/synth15M-${t^^}.gguf")
	done
	S=$OGX_MODELS/stories260K
	if [ -r "$S/stories260K.bin" ] && [ -r "$S/tok512.bin" ]; then
		"$OGRUN" model convert "$S/stories260K.bin" -t "$S/tok512.bin" \
			-o "$TMP/stories260K-F32.gguf" 2>/dev/null || die "ogrun model convert failed"
		MODELS=("$TMP/stories260K-F32.gguf" "${MODELS[@]}")
	fi
fi
for m in "${MODELS[@]}"; do
	[ -r "$m" ] || die "$m: cannot read"
done

LLAMA_COMMIT=$("$LC" --version 2>&1 | sed -n 's/^version: \([0-9]*\) (\([0-9a-f]*\)).*/\2 (build \1)/p' | head -1)
OGX_COMMIT=$(git -C "$OGX_SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
SAMPLES=$TMP/samples.tsv
: >"$SAMPLES"

# ogx forward: the median of REPS runs (llama_tg_bench's JSON)
ogx_forward() {	# model threads
	OGX_TG_THREADS=$2 OGX_TG_TOKENS=$TOKENS OGX_TG_RUNS=$REPS OGX_BENCH_JSON=$TMP/tg.json \
		"$TG" "$1" >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; return 1; }
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median_tokens_per_s"])' \
		"$TMP/tg.json"
}

# llama.cpp forward: the median of llama-bench's REPS samples
llama_forward() {	# model threads
	"$LB" -m "$1" -p 0 -n "$TOKENS" -t "$2" -r "$REPS" "${NGL[@]}" -o json >"$TMP/lb.json" \
		2>"$TMP/err" || { tail -3 "$TMP/err" >&2; return 1; }
	python3 -c 'import json,sys,statistics; print(statistics.median(json.load(open(sys.argv[1]))[0]["samples_ts"]))' \
		"$TMP/lb.json"
}

ogx_e2e() {	# model threads
	"$OGRUN" generate -m "$1" -n "$TOKENS" --temp 0 --no-record "${OGX_DEV[@]}" --threads "$2" \
		>/dev/null 2>"$TMP/err" || { tail -3 "$TMP/err" >&2; return 1; }
	sed -n 's/.*generated \([0-9]*\) tokens, \([0-9.]*\) tok\/s.*/\2 \1/p' "$TMP/err"
}

llama_e2e() {	# model threads
	"$LC" -m "$1" -p "" -n "$TOKENS" -t "$2" --temp 0 -s 1 -no-cnv --ignore-eos "${NGL[@]}" \
		</dev/null >/dev/null 2>"$TMP/err" || { tail -3 "$TMP/err" >&2; return 1; }
	awk '/prompt eval time =/ { for (i = 1; i <= NF; i++) if ($i == "=") { p = $(i + 1); break } }
	     / eval time =/ && !/prompt/ { for (i = 1; i <= NF; i++) { if ($i == "=") e = $(i + 1); if ($i == "runs") r = $(i - 1) } }
	     /total time =/ { for (i = 1; i <= NF; i++) if ($i == "=") { t = $(i + 1); break } }
	     END { if (t > p && r > 0) printf "%.2f %d\n", r / ((t - p) / 1000), r }' "$TMP/err"
}

ISA=$("$OGRUN" generate -m "${MODELS[0]}" -n 1 --temp 0 --no-record "${OGX_DEV[@]}" 2>&1 >/dev/null |
	sed -n 's/.* tok\/s (\(.*\), seed .*/\1/p')
echo "# ogx $OGX_COMMIT (${ISA:-?}) beside llama.cpp ${LLAMA_COMMIT:-?}${DEVICE:+ on Vulkan device $DEVICE}, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# $CPU, $(nproc) CPUs; $PAIRS interleaved pairs (ogx, llama.cpp) per row, $TOKENS tokens"
for m in "${MODELS[@]}"; do
	for t in $THREADS; do
		for p in $(seq "$PAIRS"); do
			load=$(cut -d' ' -f1 /proc/loadavg)
			if [ -z "$DEVICE" ]; then
				a=$(ogx_forward "$m" "$t") || die "$m: ogx forward failed"
				b=$(llama_forward "$m" "$t") || die "$m: llama-bench failed"
				printf '%s\t%s\tforward\t%s\t%s\t%s\t%s\t%s\n' "$m" "$t" "$p" "$load" "$a" "$b" \
					"$TOKENS" >>"$SAMPLES"
			fi
			read -r a an <<<"$(ogx_e2e "$m" "$t")" || die "$m: ogrun generate failed"
			read -r b bn <<<"$(llama_e2e "$m" "$t")" || die "$m: llama-cli failed"
			[ -n "$a" ] && [ -n "$b" ] || die "$m: no rate in the output of ogrun generate or llama-cli"
			printf '%s\t%s\te2e\t%s\t%s\t%s\t%s\t%s/%s\n' "$m" "$t" "$p" "$load" "$a" "$b" "$an" "$bn" >>"$SAMPLES"
		done
	done
done

mkdir -p "$(dirname "$JSON")"
python3 - "$SAMPLES" "$JSON" "$LLAMA_COMMIT" "$OGX_COMMIT" "$ISA" "$CPU" "$PAIRS" "$TOKENS" "$REPS" \
	"${DEVICE:-cpu}" <<'EOF'
import json, os, statistics, sys, time

samples, out, llama_commit, ogx_commit, engine, cpu, pairs, tokens, reps, device = sys.argv[1:]
rows = {}
for line in open(samples):
    model, threads, mode, pair, load, a, b, n = line.rstrip("\n").split("\t")
    r = rows.setdefault((model, int(threads), mode), {"loads": [], "ogx": [], "llama": [], "tokens": []})
    r["loads"].append(float(load))
    r["ogx"].append(float(a))
    r["llama"].append(float(b))
    r["tokens"].append(n)

def summary(v):
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "samples": v}

results = []
print("%-26s %3s %-7s %22s %22s %20s  %s" % ("model", "thr", "mode", "ogx tok/s (range)",
      "llama.cpp tok/s (range)", "ratio (range)", "load before each pair"))
for (model, threads, mode), r in rows.items():
    ratios = [a / b for a, b in zip(r["ogx"], r["llama"])]
    o, l, q = summary(r["ogx"]), summary(r["llama"]), summary(ratios)
    name = os.path.basename(model)
    results.append({"model": name, "threads": threads, "mode": mode, "ogx": o, "llama_cpp": l,
                    "ratio": q, "load_before_pair": r["loads"], "tokens_ogx/llama": r["tokens"]})
    print("%-26s %3d %-7s %8.0f (%5.0f-%5.0f) %8.0f (%5.0f-%5.0f) %6.2fx (%.2f-%.2f)  %s" % (
        name, threads, mode, o["median"], o["min"], o["max"], l["median"], l["min"], l["max"],
        q["median"], q["min"], q["max"], " ".join("%.2f" % x for x in r["loads"])))
doc = {
    "bench": "compare_llamacpp",
    "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "machine": {"cpu": cpu, "cpus": os.cpu_count()},
    "llama_cpp": llama_commit, "ogx": ogx_commit, "ogx_engine": engine, "device": device,
    "pairs": int(pairs), "tokens": int(tokens), "forward_repetitions": int(reps),
    "forward": "no sampling: llama_tg_bench vs llama-bench -p 0 -n TOKENS, median of the repetitions per side per pair",
    "e2e": "greedy from BOS, sampling and detokenizing included: ogrun generate --temp 0 (generated tok/s) vs llama-cli --temp 0 -no-cnv --ignore-eos (runs / (total - prompt eval))",
    "statistic": "per row: median and range over pairs; ratio = ogx / llama.cpp per pair",
    "results": results,
}
with open(out, "w") as f:
    json.dump(doc, f, indent=1)
print("# JSON: %s" % out)
EOF
