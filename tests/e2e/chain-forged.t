#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The forged corpus (tests/e2e/forge.c): records a dishonest node signs with
# its real key — levels it cannot back, a broken chain, a fork, another
# node's record, a wrong digest recipe, unknown keys, evidence on the wrong
# level — go through EVERY verifier command: ogverify record (with --prev),
# spool, batch, chain (the batch posted to a real EVM node, anvil) and
# ogsubmit check and run. Each must reject the bad record under the same rule
# name, with the same exit status; ogsubmit run must post nothing from the
# bad record on. ogverify spool and ogsubmit check must agree line for line on
# the corpus and on good spools written by ogrun run, ogrun generate and
# ogrun serve.
set -u
. "$OGX_SRC/tests/e2e/anvil.sh"
OGRUN=$OGX_BUILD/ogrun
OGVERIFY=$OGX_BUILD/ogverify
OGSUBMIT=$OGX_BUILD/ogsubmit
C=$ANVIL_TMP/corpus

anvil_start
for k in node other op; do "$OGRUN" key gen "$ANVIL_TMP/$k.key" >"$ANVIL_TMP/$k.pk"; done
(umask 077 && echo "$ANVIL_KEY0" >"$ANVIL_TMP/eth.key")
"$OGX_BUILD/tests/forge" "$C" "$ANVIL_TMP/node.key" "$ANVIL_TMP/other.key" "$ANVIL_TMP/op.key"
check "the forged corpus is written" 0 "$?"

# has_line FILE RULE SEQ STATUS: a line naming the bad record and the rule
# (FAILED, or UNCHECKED when the status is 3), in the one format every
# verifier prints: "PROG: WHERE: seq N: FAILED rule [field]: detail".
has_line() {
	local word=FAILED pos
	[ "$4" = 3 ] && word=UNCHECKED
	if [ "$3" = - ]; then pos='(index|record) [0-9]+'; else pos="seq $3"; fi
	grep -Eq ": $pos: $word $2 \[" "$1"
}

# judge NAME STATUS RULE SEQ FILE RC: the exit status and the line.
judge() {
	if [ "$6" = "$2" ] && has_line "$5" "$3" "$4" "$2"; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   exit $6, want $2 with a line for rule $3 at seq $4"
		sed 's/^/#   /' "$5" | head -5
	fi
}

# post_batch FILE INBOX: the batch as calldata of a transaction to INBOX.
post_batch() {
	local data
	data=$(xxd -p "$1" | tr -d '\n')
	rpc eth_sendTransaction "[{\"from\":\"$ANVIL_ADDR0\",\"to\":\"$2\",\"gas\":\"0x4c4b40\",\"data\":\"0x$data\"}]" |
		grep -q '"result":"0x'
}

# records_on_chain INBOX: how many records ogverify chain finds there.
records_on_chain() {
	"$OGVERIFY" chain --rpc "$ANVIL_URL" --inbox "$1" 2>/dev/null |
		sed -n 's/.* batches ([0-9]* root-only), \([0-9]*\) records.*/\1/p'
}

# submit_conf CASE INBOX [EXTRA]: an ogsubmit config for the case's spool.
submit_conf() {
	cat >"$C/$1/conf" <<-EOC
	rpc = $ANVIL_URL
	chain_id = 31337
	key = $ANVIL_TMP/eth.key
	operator_key = $ANVIL_TMP/op.key
	spool = $C/$1/spool
	state_dir = $C/$1/state$3
	target = $2
	confirmations = 1
	batch_delay_ms = 0
	poll_ms = 20
	EOC
}

strip_prog() { sed -E 's/^(ogverify|ogsubmit): //' "$1"; }

n=0
for dir in "$C"/*/; do
	[ -f "$dir/expect" ] || continue
	case=$(basename "$dir")
	read -r rule seq bad prev status <"$dir/expect"
	n=$((n + 1))
	prevarg=()
	[ "$prev" != - ] && prevarg=(--prev "$dir/rec-$prev.cbor")

	"$OGVERIFY" record "$dir/rec-$bad.cbor" "${prevarg[@]}" >/dev/null 2>"$dir/record.err"
	judge "$case: ogverify record${prevarg:+ --prev}" "$status" "$rule" "$seq" "$dir/record.err" $?
	"$OGVERIFY" spool "$dir/spool" >/dev/null 2>"$dir/spool.err"
	judge "$case: ogverify spool" "$status" "$rule" "$seq" "$dir/spool.err" $?
	"$OGVERIFY" batch "$dir"/batch-* >/dev/null 2>"$dir/batch.err"
	judge "$case: ogverify batch" "$status" "$rule" "$seq" "$dir/batch.err" $?
	inbox=$(printf '0x%040x' $((0x100 + n)))
	for b in "$dir"/batch-*; do post_batch "$b" "$inbox" || break; done
	check "$case: the batch is posted to $inbox" 0 $?
	"$OGVERIFY" chain --rpc "$ANVIL_URL" --inbox "$inbox" >/dev/null 2>"$dir/chain.err"
	judge "$case: ogverify chain" "$status" "$rule" "$seq" "$dir/chain.err" $?
	"$OGSUBMIT" check --spool "$dir/spool" >/dev/null 2>"$dir/check.err"
	judge "$case: ogsubmit check" "$status" "$rule" "$seq" "$dir/check.err" $?
	# ogverify spool and ogsubmit check: the same lines, record for record.
	if [ "$(strip_prog "$dir/spool.err")" = "$(strip_prog "$dir/check.err")" ]; then
		ok "$case: ogverify spool and ogsubmit check agree"
	else
		not_ok "$case: ogverify spool and ogsubmit check agree"
		diff <(strip_prog "$dir/spool.err") <(strip_prog "$dir/check.err") | sed 's/^/#   /'
	fi

	# ogsubmit run: stops before the bad record; nothing from it on reaches the chain.
	target=$(printf '0x%040x' $((0x200 + n)))
	submit_conf "$case" "$target" ""
	timeout 60 "$OGSUBMIT" run --config "$dir/conf" --once >/dev/null 2>"$dir/run.err"
	rc=$?
	on_chain=$(records_on_chain "$target")
	if [ "$status" = 3 ]; then
		# Evidence not checkable here is batched (counted), unless the config requires it.
		[ $rc -eq 0 ] && [ "$on_chain" = "$(ls "$dir"/rec-*.cbor | wc -l)" ]
		check "$case: ogsubmit run batches it (not required)" 0 $?
		submit_conf "$case" "$(printf '0x%040x' $((0x300 + n)))" "-req
require = tee"
		timeout 60 "$OGSUBMIT" run --config "$dir/conf" --once >/dev/null 2>"$dir/run.err"
		rc=$?
		on_chain=$(records_on_chain "$(printf '0x%040x' $((0x300 + n)))")
		[ $rc -ne 0 ] && grep -q "FAILED tee \[" "$dir/run.err" && [ "${on_chain:-0}" -le "$bad" ]
		check "$case: ogsubmit run with require = tee stops before it" 0 $?
		for cmd in "record $dir/rec-$bad.cbor ${prevarg[*]}" "spool $dir/spool" "batch $(echo "$dir"/batch-*)" \
			"chain --rpc $ANVIL_URL --inbox $inbox"; do
			# shellcheck disable=SC2086
			"$OGVERIFY" $cmd --require tee >/dev/null 2>"$dir/req.err"
			judge "$case: ogverify ${cmd%% *} --require tee" 1 tee "$seq" "$dir/req.err" $?
		done
		"$OGSUBMIT" check --spool "$dir/spool" --require tee >/dev/null 2>"$dir/req.err"
		judge "$case: ogsubmit check --require tee" 1 tee "$seq" "$dir/req.err" $?
		continue
	fi
	[ $rc -ne 0 ] && grep -Eq "FAILED $rule \[" "$dir/run.err" && [ "${on_chain:-0}" -le "$bad" ]
	check "$case: ogsubmit run stops before it, posts nothing from it on" 0 $?
	[ $rc -ne 0 ] && grep -Eq "FAILED $rule \[" "$dir/run.err" || sed 's/^/#   /' "$dir/run.err" | tail -3
done
check "18 forged cases" 18 "$n"

# Good spools from the three writers: both verify every record, and agree.
need_models_or_skip() { [ -d "$OGX_MODELS/mnist-fc" ] && [ -d "$OGX_MODELS/stories260K" ]; }
if need_models_or_skip; then
	M=$OGX_MODELS
	"$OGRUN" key gen "$ANVIL_TMP/run.key" >/dev/null &&
		"$OGRUN" run -m "$M/mnist-fc/mnist-fc-f32.gguf" -i "$M/mnist-fc/t10k-images-idx3-ubyte.gz" \
			--limit 20 --batch 4 --key "$ANVIL_TMP/run.key" --spool "$ANVIL_TMP/good-run" -q >/dev/null
	check "ogrun run writes a spool" 0 $?
	"$OGRUN" key gen "$ANVIL_TMP/gen.key" >/dev/null &&
		for s in 1 2 3; do
			"$OGRUN" generate -m "$M/stories260K/stories260K.bin" -t "$M/stories260K/tok512.bin" \
				--temp 0.8 --seed "$s" -n 8 --key "$ANVIL_TMP/gen.key" \
				--spool "$ANVIL_TMP/good-gen" -p "Once" >/dev/null 2>&1 || exit 1
		done
	check "ogrun generate writes a spool" 0 $?
	"$OGRUN" key gen "$ANVIL_TMP/serve.key" >/dev/null
	"$OGRUN" serve --listen 127.0.0.1:0 --key "$ANVIL_TMP/serve.key" --spool "$ANVIL_TMP/good-serve" \
		--model "fc=$M/mnist-fc/mnist-fc-f32.gguf" >"$ANVIL_TMP/serve.out" 2>"$ANVIL_TMP/serve.err" &
	serve_pid=$!
	for _ in $(seq 300); do
		url=$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$ANVIL_TMP/serve.out" "$ANVIL_TMP/serve.err" | head -1)
		[ -n "$url" ] && break
		sleep 0.1
	done
	python3 -c 'import gzip,json,sys
d = gzip.open(sys.argv[1]).read()[16:16 + 784 * 3]
for i in range(3):
    print(json.dumps({"model": "fc", "input": {"value": list(d[784 * i:784 * (i + 1)]),
          "decimals": 0}}))
' "$M/mnist-fc/t10k-images-idx3-ubyte.gz" >"$ANVIL_TMP/bodies"
	fails=0
	while read -r body; do
		curl -s --max-time 30 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
			-d "$body" "http://$url/v1/infer" | grep -q 200 || fails=$((fails + 1))
	done <"$ANVIL_TMP/bodies"
	kill -TERM "$serve_pid" 2>/dev/null
	wait "$serve_pid"
	check "ogrun serve answers 3 requests with records" 0 "$fails"
	for s in good-run good-gen good-serve; do
		"$OGVERIFY" spool "$ANVIL_TMP/$s" >"$ANVIL_TMP/$s.v.out" 2>"$ANVIL_TMP/$s.v.err"
		vrc=$?
		"$OGSUBMIT" check --spool "$ANVIL_TMP/$s" >/dev/null 2>"$ANVIL_TMP/$s.c.err"
		crc=$?
		[ $vrc -eq 0 ] && [ $crc -eq 0 ] && grep -q " 0 not checkable here, 0 failed" "$ANVIL_TMP/$s.v.out" &&
			[ "$(strip_prog "$ANVIL_TMP/$s.v.err")" = "$(strip_prog "$ANVIL_TMP/$s.c.err")" ]
		check "$s: ogverify spool and ogsubmit check verify every record and agree" 0 $?
	done
else
	not_ok "models not found at $OGX_MODELS: the good spools were not written"
fi

echo "1..$T"
exit $FAILED
