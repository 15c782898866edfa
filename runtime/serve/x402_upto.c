// SPDX-License-Identifier: GPL-2.0
/*
 * x402 v2 `upto` payments through Permit2, verified locally (see
 * x402_upto.h). The payload is what @x402/evm 2.27.0 builds
 * (src/upto/client/permit2.ts):
 *
 *   {"x402Version":2, "accepted":{"scheme":"upto","network":"eip155:N",...},
 *    "payload":{"signature":"0x…65 bytes",
 *      "permit2Authorization":{"from","permitted":{"token","amount"},"spender",
 *        "nonce","deadline","witness":{"to","facilitator","validAfter"}}}, ...}
 *
 * with amount, nonce (a uint256), deadline and validAfter as decimal
 * strings. Rejection codes are the reference facilitator's
 * (src/upto/facilitator/permit2.ts, src/shared/permit2 errors).
 */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/abi.h"
#include "chain/eth_key.h"
#include "chain/keccak.h"
#include "serve/serve.h"
#include "serve/x402_upto.h"
#include "util/hex.h"

void ogx_x402_upto_config_init(struct ogx_x402_upto_config *u)
{
	memset(u, 0, sizeof(*u));
	/* Constants, valid by construction. */
	ogx_cannot_fail(ogx_eth_addr_parse(u->permit2, OGX_PERMIT2_ADDRESS));
	ogx_cannot_fail(ogx_eth_addr_parse(u->proxy, OGX_X402_UPTO_PROXY_ADDRESS));
}

static int addr_field(json_t *o, const char *name, uint8_t out[20])
{
	const char *s = json_string_value(json_object_get(o, name));

	return s ? ogx_eth_addr_parse(out, s) : -EINVAL;
}

/* A decimal string without leading zeros ("0" itself is fine). */
static const char *dec_field(json_t *o, const char *name, size_t max_digits)
{
	const char *s = json_string_value(json_object_get(o, name));
	size_t n = s ? strlen(s) : 0;

	if (!n || n > max_digits || (s[0] == '0' && n > 1))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return NULL;
	return s;
}

static int u64_field(json_t *o, const char *name, uint64_t *out)
{
	const char *s = dec_field(o, name, 20);
	uint64_t x = 0;

	if (!s)
		return -EINVAL;
	for (; *s; s++)
		if (__builtin_mul_overflow(x, 10, &x) ||
		    __builtin_add_overflow(x, (uint64_t)(*s - '0'), &x))
			return -EINVAL;
	*out = x;
	return 0;
}

static int u256_field(json_t *o, const char *name, uint8_t out[32])
{
	const char *s = dec_field(o, name, 78);

	return s ? ogx_abi_put_udec(out, s) : -EINVAL;
}

int ogx_x402_upto_decode(const char *header, struct x402_upto *p, struct x402_reject *rej)
{
	uint8_t w[32];
	json_t *root = NULL, *acc, *payload, *auth, *perm, *wit;
	const char *scheme, *net, *sig, *amount;
	int err = -EINVAL;

	memset(p, 0, sizeof(*p));
	err = ogx_x402_header_object(header, &root, rej);
	if (err)
		return err;
	err = -EINVAL;
	if (!json_is_integer(json_object_get(root, "x402Version")) ||
	    json_integer_value(json_object_get(root, "x402Version")) != 2) {
		ogx_x402_reject(rej, err, "invalid_x402_version", "x402Version must be 2 for upto");
		goto out;
	}
	acc = json_object_get(root, "accepted");
	scheme = json_string_value(json_object_get(acc, "scheme"));
	if (!scheme || strcmp(scheme, "upto")) {
		ogx_x402_reject(rej, err, "invalid_upto_evm_scheme", "accepted.scheme must be \"upto\"");
		goto out;
	}
	net = json_string_value(json_object_get(acc, "network"));
	if (!net || strlen(net) >= sizeof(p->network)) {
		ogx_x402_reject(rej, err, "invalid_upto_evm_network_mismatch", "accepted.network missing");
		goto out;
	}
	snprintf(p->network, sizeof(p->network), "%s", net);
	payload = json_object_get(root, "payload");
	auth = json_object_get(payload, "permit2Authorization");
	perm = json_object_get(auth, "permitted");
	wit = json_object_get(auth, "witness");
	sig = json_string_value(json_object_get(payload, "signature"));
	amount = dec_field(perm, "amount", 78);
	if (!sig || strlen(sig) != 2 + 130 || strncmp(sig, "0x", 2) ||
	    ogx_unhex(p->a.sig, 65, sig + 2) || addr_field(auth, "from", p->a.from) ||
	    addr_field(perm, "token", p->a.token) || !amount || ogx_abi_put_udec(w, amount) ||
	    addr_field(auth, "spender", p->a.spender) || u256_field(auth, "nonce", p->a.nonce) ||
	    u64_field(auth, "deadline", &p->a.deadline) || addr_field(wit, "to", p->a.to) ||
	    addr_field(wit, "facilitator", p->a.facilitator) ||
	    u64_field(wit, "validAfter", &p->a.valid_after)) {
		ogx_x402_reject(rej, err, "invalid_payload", "payload: want signature (65 bytes hex) and "
		                "permit2Authorization {from, permitted {token, amount}, spender, nonce, "
		                "deadline, witness {to, facilitator, validAfter}} (addresses; decimal strings)");
		goto out;
	}
	snprintf(p->a.amount, sizeof(p->a.amount), "%s", amount);
	err = 0;
out:
	json_decref(root);
	return err;
}

/* The decimal uint256 (checked by ogx_x402_upto_decode) is ≥ v: compared as ABI words. */
static bool dec_ge(const char *dec, uint64_t v)
{
	uint8_t a[32], b[32];

	if (ogx_abi_put_udec(a, dec))
		return false;
	ogx_abi_put_uint(b, v);
	return memcmp(a, b, 32) >= 0;
}

int ogx_x402_upto_check(const struct ogx_x402_config *cfg, const struct ogx_x402_upto_config *u,
			struct x402_upto *p, uint64_t max_cost, uint64_t now,
			struct x402_reject *rej)
{
	char want_net[64], a[OGX_ETH_ADDR_STRLEN];
	struct ogx_eth_sig sig;
	uint8_t signer[20];

	snprintf(want_net, sizeof(want_net), "eip155:%llu", (unsigned long long)cfg->chain_id);
	if (strcmp(p->network, want_net))
		return ogx_x402_reject(rej, -EPERM, "invalid_upto_evm_network_mismatch",
			               "network must be %s", want_net);
	if (memcmp(p->a.spender, u->proxy, 20)) {
		ogx_eth_addr_str(a, u->proxy);
		return ogx_x402_reject(rej, -EPERM, "invalid_permit2_spender",
			               "permit2Authorization.spender must be the x402 upto proxy %s", a);
	}
	if (memcmp(p->a.to, cfg->pay_to, 20)) {
		ogx_eth_addr_str(a, cfg->pay_to);
		return ogx_x402_reject(rej, -EPERM, "invalid_permit2_recipient_mismatch",
			               "witness.to must be %s", a);
	}
	if (memcmp(p->a.facilitator, u->facilitator, 20)) {
		ogx_eth_addr_str(a, u->facilitator);
		return ogx_x402_reject(rej, -EPERM, "upto_facilitator_mismatch",
			               "witness.facilitator must be %s", a);
	}
	if (memcmp(p->a.token, u->asset, 20)) {
		ogx_eth_addr_str(a, u->asset);
		return ogx_x402_reject(rej, -EPERM, "permit2_token_mismatch",
			               "permitted.token must be %s", a);
	}
	if (!dec_ge(p->a.amount, max_cost))
		return ogx_x402_reject(rej, -EPERM, "permit2_amount_mismatch",
			               "permitted.amount %s is below this request's cap %llu", p->a.amount,
			               (unsigned long long)max_cost);
	if (p->a.deadline < now + OGX_X402_UPTO_DEADLINE_MARGIN_S)
		return ogx_x402_reject(rej, -EPERM, "permit2_deadline_expired",
			               "deadline %llu is past or within %d s", (unsigned long long)p->a.deadline,
			               OGX_X402_UPTO_DEADLINE_MARGIN_S);
	if (p->a.deadline - now > cfg->max_timeout_s)
		return ogx_x402_reject(rej, -EPERM, "permit2_deadline_expired",
			               "deadline is more than %u s ahead", cfg->max_timeout_s);
	if (p->a.valid_after > now)
		return ogx_x402_reject(rej, -EPERM, "permit2_not_yet_valid",
			               "witness.validAfter %llu is in the future",
			               (unsigned long long)p->a.valid_after);
	/*
	 * The one signature rule (chain/eth_key.h): low s, v 0/1 normalised to
	 * 27/28 in place, the form Permit2's ecrecover takes when ogsubmit
	 * settles what was accepted here.
	 */
	if (ogx_eth_sig65_normalize(p->a.sig, &sig))
		return ogx_x402_reject(rej, -EPERM, "invalid_permit2_signature", "%s",
			               ogx_errmsg(-EBADMSG));
	p->a.chain_id = cfg->chain_id;
	memcpy(p->a.permit2, u->permit2, 20);
	if (ogx_permit2_upto_digest(&p->a, p->digest) || ogx_eth_recover(p->digest, &sig, signer) ||
	    memcmp(signer, p->a.from, 20))
		return ogx_x402_reject(rej, -EPERM, "invalid_permit2_signature",
			               "signature is not by permit2Authorization.from");
	return 0;
}

/*
 * The nonce log's entry for p: Permit2 nonces are per owner on the Permit2
 * contract, a namespace of their own, so the log keeps keccak256("Permit2
 * nonce" ‖ Permit2 ‖ nonce) in the nonce column (EIP-3009 nonces stay as
 * they are; the two cannot collide) and the cap as the value.
 */
static void log_entry(const struct x402_upto *p, struct x402_payment *k)
{
	uint8_t b[13 + 20 + 32];

	memset(k, 0, sizeof(*k));
	k->version = 2;
	memcpy(k->from, p->a.from, 20);
	memcpy(k->to, p->a.to, 20);
	snprintf(k->value, sizeof(k->value), "%s", p->a.amount);
	k->valid_after = p->a.valid_after;
	k->valid_before = p->a.deadline;
	memcpy(b, "Permit2 nonce", 13);
	memcpy(b + 13, p->a.permit2, 20);
	memcpy(b + 33, p->a.nonce, 32);
	ogx_keccak256(k->nonce, b, sizeof(b));
	memcpy(k->sig, p->a.sig, 65);
	memcpy(k->digest, p->digest, 32);
	snprintf(k->network, sizeof(k->network), "%s", p->network);
}

int ogx_x402_upto_accept(struct x402_state *x, const struct ogx_x402_upto_config *u,
			 struct x402_upto *p, uint64_t max_cost, uint64_t now,
			 struct x402_reject *rej)
{
	struct x402_payment k;
	int err = ogx_x402_upto_check(x->cfg, u, p, max_cost, now, rej);

	if (err)
		return err;
	log_entry(p, &k);
	if (ogx_x402_nonce_seen(x, &k, false))
		return ogx_x402_reject(rej, -EPERM, "permit2_invalid_nonce",
			               "this permit's nonce was already used");
	/*
	 * Its cap also opens in the exposure ledger of the exact asset (the log
	 * has one kind of line, and a reopen rebuilds the ledger from it): a
	 * payer who pays both ways is held to the larger exposure until the
	 * permit's deadline passes (Documentation/serve.md, "Checks on chain").
	 */
	err = ogx_x402_log(x, &k, false);
	if (err)
		return ogx_x402_reject(rej, -EPERM, "unexpected_verify_error",
			               "cannot record the nonce: %s", strerror(-err));
	return 0;
}

int ogx_x402_upto_charge(struct x402_upto *p, uint64_t cost, struct x402_reject *rej)
{
	if (!dec_ge(p->a.amount, cost))
		return ogx_x402_reject(rej, -EPERM, "invalid_upto_evm_payload_settlement_exceeds_amount",
			               "cost %llu is above the signed cap %s", (unsigned long long)cost,
			               p->a.amount);
	snprintf(p->charged, sizeof(p->charged), "%llu", (unsigned long long)cost);
	return 0;
}

void ogx_x402_upto_requirement(struct ogx_buf *b, const struct ogx_x402_config *cfg,
			       const struct ogx_x402_upto_config *u, uint64_t max_cost)
{
	char pay_to[OGX_ETH_ADDR_STRLEN], asset[OGX_ETH_ADDR_STRLEN], fac[OGX_ETH_ADDR_STRLEN];

	ogx_eth_addr_str(pay_to, cfg->pay_to);
	ogx_eth_addr_str(asset, u->asset);
	ogx_eth_addr_str(fac, u->facilitator);
	ogx_buf_printf(b, "{\"scheme\":\"upto\",\"network\":\"eip155:%llu\",\"amount\":\"%llu\","
		       "\"asset\":\"%s\",\"payTo\":\"%s\",\"maxTimeoutSeconds\":%u,\"extra\":"
		       "{\"name\":", (unsigned long long)cfg->chain_id,
		       (unsigned long long)max_cost, asset, pay_to, cfg->max_timeout_s);
	ogx_buf_json_str(b, u->asset_name, strlen(u->asset_name));
	ogx_buf_str(b, ",\"version\":");
	ogx_buf_json_str(b, u->asset_version, strlen(u->asset_version));
	ogx_buf_printf(b, ",\"assetTransferMethod\":\"permit2\",\"facilitatorAddress\":\"%s\"}}",
		       fac);
}

int ogx_x402_upto_evidence(const struct ogx_x402_config *cfg, const struct x402_upto *p,
			   struct ogx_ext *x)
{
	int err = ogx_ext_add_uint(x, 0, 2);

	err = err ?: ogx_ext_add_bytes(x, 1, OGX_EXT_TEXT, "upto", 4);
	err = err ?: ogx_ext_add_bytes(x, 2, OGX_EXT_TEXT, p->network, strlen(p->network));
	err = err ?: ogx_ext_add_uint(x, 3, cfg->chain_id);
	err = err ?: ogx_ext_add_bytes(x, 4, OGX_EXT_BYTES, p->a.token, 20);
	err = err ?: ogx_ext_add_bytes(x, 5, OGX_EXT_BYTES, p->a.to, 20);
	err = err ?: ogx_ext_add_bytes(x, 6, OGX_EXT_BYTES, p->a.from, 20);
	err = err ?: ogx_ext_add_bytes(x, 7, OGX_EXT_TEXT, p->charged, strlen(p->charged));
	err = err ?: ogx_ext_add_uint(x, 8, p->a.valid_after);
	err = err ?: ogx_ext_add_uint(x, 9, p->a.deadline);
	err = err ?: ogx_ext_add_bytes(x, 10, OGX_EXT_BYTES, p->a.nonce, 32);
	err = err ?: ogx_ext_add_bytes(x, 11, OGX_EXT_BYTES, p->a.sig, 65);
	/* 12: Permit2 (the digest's verifyingContract), not the digest: 16 entries at most */
	err = err ?: ogx_ext_add_bytes(x, 12, OGX_EXT_BYTES, p->a.permit2, 20);
	err = err ?: ogx_ext_add_bytes(x, 13, OGX_EXT_TEXT, p->a.amount, strlen(p->a.amount));
	err = err ?: ogx_ext_add_bytes(x, 14, OGX_EXT_BYTES, p->a.spender, 20);
	err = err ?: ogx_ext_add_bytes(x, 15, OGX_EXT_BYTES, p->a.facilitator, 20);
	return err;
}

void ogx_x402_upto_required_json(struct ogx_buf *b, const struct ogx_x402_config *cfg,
				 const struct ogx_x402_upto_config *u, uint64_t price,
				 uint64_t max_cost, const char *resource, const char *error)
{
	ogx_buf_printf(b, "{\"x402Version\":2,\"error\":\"%s\",\"resource\":{\"url\":", error);
	ogx_buf_json_str(b, resource, strlen(resource));
	ogx_buf_str(b, "},\"accepts\":[");
	if (price)
		ogx_x402_requirement(b, cfg, price, resource, 2);
	if (price && max_cost)
		ogx_buf_str(b, ",");
	if (max_cost)
		ogx_x402_upto_requirement(b, cfg, u, max_cost);
	ogx_buf_str(b, "]}");
}

void ogx_x402_upto_response_headers(struct ogx_buf *b, const struct x402_upto *p,
				    const uint8_t *record_id)
{
	struct ogx_buf j = { 0 };
	char payer[OGX_ETH_ADDR_STRLEN];

	ogx_eth_addr_str(payer, p->a.from);
	/* as for exact: accepted, nothing on chain yet; the charge once it is known */
	ogx_buf_printf(&j, "{\"success\":true,\"transaction\":\"\",\"network\":\"%s\","
		       "\"payer\":\"%s\"", p->network, payer);
	if (record_id) {
		ogx_buf_printf(&j, ",\"amount\":\"%s\",\"settlement\":\"%s\",\"record\":\"",
			       p->charged, strcmp(p->charged, "0") ? "queued" : "none");
		ogx_buf_hex(&j, record_id, OGX_DIGEST_LEN);
		ogx_buf_str(&j, "\"");
	} else {
		ogx_buf_str(&j, ",\"settlement\":\"pending\"");
	}
	ogx_buf_str(&j, "}");
	ogx_buf_str(b, "PAYMENT-RESPONSE: ");
	ogx_x402_base64(b, &j);
	ogx_buf_str(b, "\r\n");
	ogx_buf_free(&j);
}
