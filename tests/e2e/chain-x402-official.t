#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The official x402 client pays ogrun serve on anvil, and ogsubmit settles:
# @x402/fetch (wrapFetchWithPayment over @x402/core's x402Client with
# @x402/evm's ExactEvmScheme and UptoEvmScheme, npm, pinned) pays
# /v1/chat/completions with `exact` (EIP-3009, a USDC-like token) and with
# `upto` through Permit2 in OPG (charged 7 per generated token, at most the
# signed cap); the OpenAI npm client pays through the same fetch. Every
# answer carries its record and PAYMENT-RESPONSE; `ogsubmit run --once`
# settles them all (transferWithAuthorization to the token, settle() to the
# x402 upto proxy as the witness's facilitator), and payTo's balances rise
# by exactly what was charged. The chain: tests/e2e/x402-anvil.mjs (Permit2
# and the upto proxy as fixtures at their canonical addresses).
set -u
. "$OGX_SRC/tests/e2e/tap.sh"
. "$OGX_SRC/tests/e2e/serve-lib.sh"
. "$OGX_SRC/tests/e2e/anvil.sh"
trap 'for p in $SERVE_PIDS; do kill -KILL "$p" 2>/dev/null; done; anvil_cleanup; rm -rf "$TMP"' EXIT
OGSUBMIT=$OGX_BUILD/ogsubmit
ST=$OGX_MODELS/stories260K
PRICE=1000
TOKEN_PRICE=7
PAYTO=0x1111111111111111111111111111111111111111
PAYER_KEY=0x$(printf '4f%.0s' $(seq 32))
CHAT=$OGX_SRC/tests/e2e/x402-official.mjs

anvil_start
submit_setup
sol=$ANVIL_TMP/sol
(cd "$OGX_SRC" && node_modules/.bin/solcjs --bin --abi --optimize --base-path . \
	--include-path node_modules -o "$sol" tests/e2e/Eip3009Token.sol tests/e2e/Permit2Fixture.sol \
	tests/e2e/X402UptoProxyFixture.sol tools/ogsubmit/contracts/OPG.sol >/dev/null)
check "solc compiles the token, OPG and the Permit2 fixtures" 0 "$?"
C=$(node "$OGX_SRC/tests/e2e/x402-anvil.mjs" setup "$ANVIL_URL" "$sol" "$PAYER_KEY")
check "anvil: Permit2 and the upto proxy at their canonical addresses, tokens, payer funded" 0 "$?"
TOKEN=$(jget "$C" token)
OPG=$(jget "$C" opg)
balance() { node "$OGX_SRC/tests/e2e/x402-anvil.mjs" balance "$ANVIL_URL" "$1" $PAYTO; }

serve_start --model "stories=$ST/stories260K.bin,tokenizer=$ST/tok512.bin,price=$PRICE,token_price=$TOKEN_PRICE" \
	--pay-to $PAYTO --asset "$TOKEN" --chain-id 31337 --network anvil --asset-name USDC \
	--asset-version 2 --upto-asset "$OPG" --upto-asset-name OPG --upto-asset-version 1 \
	--facilitator "$ANVIL_ADDR0" --key "$ANVIL_TMP/node.key" --spool "$ANVIL_TMP/spool" \
	--state "$TMP/serve-state" --max-timeout 600
check "ogrun serve starts, priced exact (token) and upto (OPG)" 0 $?

body() { echo "{\"model\":\"stories\",\"messages\":[{\"role\":\"user\",\"content\":\"Once\"}],\"max_tokens\":$1}"; }
# pay SCHEME MAX_TOKENS: one paid chat by the official client;
# "status settlement amount record-matches completion_tokens"
pay() {
	local r
	r=$(node "$CHAT" "$URL/v1/chat/completions" "$(body "$2")" "$PAYER_KEY" "$1" "$TOKEN" "$OPG")
	echo "$(jget "$r" status) $(jget "$r" response.settlement) $(jget "$r" response.amount)" \
		"$([ "$(jget "$r" response.record)" = "$(jget "$(jget "$r" body)" og.id)" ] && echo same)" \
		"$(jget "$(jget "$r" body)" usage.completion_tokens)"
}
EXACT_SUM=0
UPTO_SUM=0
n_exact=0
n_upto=0
for mt in 4 9 16; do
	read -r st set amt same ct <<<"$(pay exact $mt)"
	[ "$st $set $same" = "200 queued same" ] && n_exact=$((n_exact + 1)) && EXACT_SUM=$((EXACT_SUM + PRICE))
	read -r st set amt same ct <<<"$(pay upto $mt)"
	[ "$st $set $same $amt" = "200 queued same $((TOKEN_PRICE * ct))" ] && n_upto=$((n_upto + 1)) &&
		UPTO_SUM=$((UPTO_SUM + amt))
done
check "3 chats paid exact by @x402/fetch: 200, PAYMENT-RESPONSE queued for the answer's record" 3 $n_exact
check "3 chats paid upto/Permit2 in OPG: 200, amount = 7 x completion tokens, for the record" 3 $n_upto
# max_tokens = the context (the 400 names it): the prompt's tokens leave less room, so the
# generation ends before max_tokens and the charge is below the signed cap
req -H 'Content-Type: application/json' --data "$(body 100000000)" "$URL/v1/chat/completions"
SEQ=$(jget "$BODY" error.message | sed -n 's/.* from 1 to \([0-9]*\)$/\1/p')
read -r st set amt same ct <<<"$(pay upto "$SEQ")"
check "upto with max_tokens $SEQ: charged 7 x completion tokens, below the cap 7 x $SEQ" \
	"200 queued same $((TOKEN_PRICE * ct)) yes" "$st $set $same $amt $([ "$ct" -lt "$SEQ" ] && echo yes)"
UPTO_SUM=$((UPTO_SUM + amt))
echo "# charged: exact $EXACT_SUM, upto $UPTO_SUM"

req -H 'Content-Type: application/json' --data "$(body 8)" "$URL/v1/chat/completions"
v2=$(grep -i '^PAYMENT-REQUIRED: ' "$TMP/headers" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
check "unpaid: 402 offering exact and upto (cap 7 x max_tokens, permit2, facilitator)" \
	"402 exact upto 56 permit2 $ANVIL_ADDR0" \
	"$STATUS $(jget "$v2" accepts.0.scheme) $(jget "$v2" accepts.1.scheme) $(jget "$v2" accepts.1.amount) $(jget "$v2" accepts.1.extra.assetTransferMethod) $(jget "$v2" accepts.1.extra.facilitatorAddress)"

r=$(node "$OGX_SRC/tests/e2e/x402-openai.mjs" "$URL/v1" stories "$PAYER_KEY" upto "$TOKEN" "$OPG")
check "the OpenAI npm client through @x402/fetch (upto): an answer with its record" "0 64" \
	"$? $(jget "$r" og.id | tr -d '\n' | wc -c)"
UPTO_SUM=$((UPTO_SUM + TOKEN_PRICE * $(jget "$r" usage.completion_tokens)))
r=$(node "$OGX_SRC/tests/e2e/x402-openai.mjs" "$URL/v1" stories "$PAYER_KEY" exact "$TOKEN" "$OPG")
check "the OpenAI npm client through @x402/fetch (exact): an answer with its record" "0 64" \
	"$? $(jget "$r" og.id | tr -d '\n' | wc -c)"
EXACT_SUM=$((EXACT_SUM + PRICE))
serve_stop
check "ogrun serve stops cleanly" 0 $?

# First an ogsubmit whose account is not the facilitator the permits name.
ANVIL_KEY2=5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
ANVIL_ADDR2=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
(umask 077 && echo "$ANVIL_KEY2" >"$ANVIL_TMP/eth2.key")
sed -e "s|^key = .*|key = $ANVIL_TMP/eth2.key|" -e "s|^state_dir = .*|state_dir = $ANVIL_TMP/state-other|" \
	"$ANVIL_TMP/conf" >"$ANVIL_TMP/conf-other"
echo "settle_upto_asset = $OPG" >>"$ANVIL_TMP/conf-other"
timeout 120 "$OGSUBMIT" run --config "$ANVIL_TMP/conf-other" --once 2>"$TMP/other.log"
check "another account: each upto payment reported as not settled (it is not the facilitator)" \
	"0 5 0" "$? $(grep -c "not settled: witness.facilitator is $ANVIL_ADDR0, not this account $ANVIL_ADDR2; not sent" "$TMP/other.log") $(balance "$OPG")"

"$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once --settle-upto-asset 0x12 2>"$TMP/err"
check "settle_upto_asset not an address: exit 2, the key named" \
	"2 ogsubmit: --settle-upto-asset: settle_upto_asset: '0x12' is not 0x and 40 hex digits" \
	"$? $(head -1 "$TMP/err")"
"$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once \
	--settle-upto-asset 0x000000000000000000000000000000000000bEEF 2>"$TMP/err"
check "settle_upto_asset without code: refused at start" \
	"1 ogsubmit: settle_upto_asset 0x000000000000000000000000000000000000bEEF has no code: it must be the token contract" \
	"$? $(tail -1 "$TMP/err")"
cat >>"$ANVIL_TMP/conf" <<EOC
settle_asset = $TOKEN
settle_upto_asset = $OPG
EOC
LOG=$ANVIL_TMP/run.log
timeout 180 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once 2>"$LOG"
check "ogsubmit run --once: every payment settled, exit 0" 0 $?
check "4 transferWithAuthorization and 5 upto settle() transactions" "4 5" \
	"$(grep -c 'transferWithAuthorization sent' "$LOG") $(grep -c 'upto settle sent' "$LOG")"
check "payTo's token balance rose by exactly the exact payments" "$EXACT_SUM" "$(balance "$TOKEN")"
check "payTo's OPG balance rose by exactly the upto charges (not the caps)" "$UPTO_SUM" "$(balance "$OPG")"
check "nothing reported as not settled" 0 "$(grep -c 'not settled' "$LOG")"
timeout 60 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --once 2>"$LOG.2"
check "run again: nothing sent twice, balances unchanged" "0 0 $UPTO_SUM" \
	"$? $(grep -c ' sent, nonce' "$LOG.2") $(balance "$OPG")"
timeout 60 "$OGSUBMIT" run --config "$ANVIL_TMP/conf" --state-dir "$ANVIL_TMP/state-fresh" --once \
	2>"$LOG.3"
check "a fresh journal: the upto nonces are found used in Permit2's bitmap, not sent" "0 5 4 0" \
	"$? $(grep -c 'not settled: Permit2 nonce 0x[0-9a-f]* is already used on chain (nonceBitmap); not sent' "$LOG.3") $(grep -c 'already used on chain (authorizationState)' "$LOG.3") $(grep -c ' sent, nonce' "$LOG.3")"
if [ $FAILED -ne 0 ]; then
	echo "# ogsubmit's log:"
	sed 's/^/#   /' "$LOG"
fi
echo "1..$T"
exit $FAILED
