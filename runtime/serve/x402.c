// SPDX-License-Identifier: GPL-2.0
/*
 * x402 `exact` payments on EVM, verified locally (see x402.h). The EIP-712
 * digest follows EIP-3009: the domain is EIP712Domain(string name,string
 * version,uint256 chainId,address verifyingContract) with the token contract
 * as verifyingContract, the message TransferWithAuthorization(address from,
 * address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32
 * nonce). Rejection codes follow the x402 reference facilitator's names.
 */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/abi.h"
#include "chain/eth_key.h"
#include "chain/keccak.h"
#include "serve/serve.h"
#include "serve/x402.h"
#include "util/err.h"
#include "util/hex.h"

int ogx_x402_reject(struct x402_reject *rej, int err, const char *code, const char *fmt, ...)
{
	va_list ap;

	rej->code = code;
	va_start(ap, fmt);
	vsnprintf(rej->msg, sizeof(rej->msg), fmt, ap);
	va_end(ap);
	return err;
}

int ogx_x402_header_object(const char *header, json_t **root, struct x402_reject *rej)
{
	size_t hlen = strlen(header), len;
	uint8_t *raw = malloc(hlen + 1);
	json_error_t e;

	*root = NULL;
	if (!raw)
		return ogx_x402_reject(rej, -ENOMEM, "invalid_payload", "out of memory");
	if (sodium_base642bin(raw, hlen, header, hlen, " \t", &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) &&
	    sodium_base642bin(raw, hlen, header, hlen, " \t", &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL_NO_PADDING)) {
		free(raw);
		return ogx_x402_reject(rej, -EINVAL, "invalid_payload",
				                "payment header is not base64");
	}
	*root = json_loadb((char *)raw, len, JSON_REJECT_DUPLICATES, &e);
	free(raw);
	if (!json_is_object(*root)) {
		json_decref(*root);
		*root = NULL;
		return ogx_x402_reject(rej, -EINVAL, "invalid_payload",
				                "payment header is not a JSON object");
	}
	return 0;
}

static int hex_field(json_t *o, const char *name, uint8_t *out, size_t len)
{
	const char *s = json_string_value(json_object_get(o, name));

	if (!s || strncmp(s, "0x", 2) || strlen(s) != 2 + 2 * len)
		return -EINVAL;
	return ogx_unhex(out, len, s + 2) ? -EINVAL : 0;
}

/*
 * A quantity as the x402 reference implementation reads one (a string that
 * BigInt() takes: decimal, leading zeros allowed, or 0x hex; or a JSON
 * integer), into a word. ogx_abi_put_uquantity says what it takes.
 */
static int quantity_field(json_t *o, const char *name, uint8_t word[32])
{
	json_t *v = json_object_get(o, name);
	const char *s = json_string_value(v);

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		ogx_abi_put_uint(word, (uint64_t)json_integer_value(v));
		return 0;
	}
	return s ? ogx_abi_put_uquantity(word, s) : -EINVAL;
}

/* A time (seconds): a quantity below 2^64. */
static int u64_field(json_t *o, const char *name, uint64_t *out)
{
	static const uint8_t zero[24];
	uint8_t w[32];

	if (quantity_field(o, name, w) || memcmp(w, zero, 24))
		return -EINVAL;
	*out = 0;
	for (int i = 24; i < 32; i++)
		*out = *out << 8 | w[i];
	return 0;
}

/* An address: 0x + 40 hex digits, a mixed-case one with a right EIP-55 checksum. */
static int addr_field(json_t *o, const char *name, uint8_t out[20], struct x402_reject *rej)
{
	const char *s = json_string_value(json_object_get(o, name));

	if (s && strlen(s) == 42 && ogx_eth_addr_parse(out, s))
		return ogx_x402_reject(rej, -EINVAL, "invalid_payload", "authorization.%s: %s", name,
			               ogx_errmsg(-EINVAL));
	return s && strlen(s) == 42 ? 0 : -EINVAL;
}

int ogx_x402_decode(const char *header, int version, struct x402_payment *p,
		    struct x402_reject *rej)
{
	json_t *root = NULL, *payload, *auth, *acc;
	const char *scheme;
	uint8_t word[32];
	int err = -EINVAL;

	memset(p, 0, sizeof(*p));
	err = ogx_x402_header_object(header, &root, rej);
	if (err)
		return err;
	err = -EINVAL;
	if (!json_is_integer(json_object_get(root, "x402Version")) ||
	    json_integer_value(json_object_get(root, "x402Version")) != version) {
		ogx_x402_reject(rej, err, "invalid_x402_version", "x402Version must be %d with %s", version,
		                version == 1 ? "X-PAYMENT" : "PAYMENT-SIGNATURE");
		goto out;
	}
	p->version = version;
	acc = version == 1 ? root : json_object_get(root, "accepted");
	scheme = json_string_value(json_object_get(acc, "scheme"));
	if (!scheme || strcmp(scheme, "exact")) {
		ogx_x402_reject(rej, err, "unsupported_scheme", "scheme must be \"exact\"");
		goto out;
	}
	payload = json_object_get(root, "payload");
	auth = json_object_get(payload, "authorization");
	rej->code = NULL;
	if (!json_is_object(auth) || hex_field(payload, "signature", p->sig, 65) ||
	    addr_field(auth, "from", p->from, rej) || addr_field(auth, "to", p->to, rej) ||
	    hex_field(auth, "nonce", p->nonce, 32) ||
	    u64_field(auth, "validAfter", &p->valid_after) ||
	    u64_field(auth, "validBefore", &p->valid_before)) {
		if (!rej->code)
			ogx_x402_reject(rej, err, "invalid_payload", "payload: want signature (65 bytes "
			                "hex) and authorization {from, to, value, validAfter, "
			                "validBefore, nonce}");
		goto out;
	}
	if (quantity_field(auth, "value", word)) {
		ogx_x402_reject(rej, err, "invalid_payload", "authorization.value: want a uint256 (decimal "
		                "or 0x hex string)");
		goto out;
	}
	/* the signature covers the number, not its spelling: keep the canonical one */
	ogx_abi_udec_str(p->value, word);
	/* the network is checked against ours in ogx_x402_accept: keep it here */
	{
		const char *net = json_string_value(json_object_get(acc, "network"));

		if (!net || strlen(net) >= sizeof(p->network)) {
			ogx_x402_reject(rej, err, "invalid_network", "network missing");
			goto out;
		}
		snprintf(p->network, sizeof(p->network), "%s", net);
	}
	err = 0;
out:
	json_decref(root);
	return err;
}

void ogx_x402_digest(const struct ogx_x402_config *cfg, const struct x402_payment *p,
		     uint8_t out[32])
{
	static const char domain_type[] = "EIP712Domain(string name,string version,uint256 "
					  "chainId,address verifyingContract)";
	static const char msg_type[] = "TransferWithAuthorization(address from,address to,"
				       "uint256 value,uint256 validAfter,uint256 validBefore,"
				       "bytes32 nonce)";
	uint8_t enc[7 * 32], final[2 + 64];

	ogx_keccak256(enc, domain_type, sizeof(domain_type) - 1);
	ogx_keccak256(enc + 32, cfg->asset_name, strlen(cfg->asset_name));
	ogx_keccak256(enc + 64, cfg->asset_version, strlen(cfg->asset_version));
	ogx_abi_put_uint(enc + 96, cfg->chain_id);
	ogx_abi_put_addr(enc + 128, cfg->asset);
	final[0] = 0x19;
	final[1] = 0x01;
	ogx_keccak256(final + 2, enc, 5 * 32);
	ogx_keccak256(enc, msg_type, sizeof(msg_type) - 1);
	ogx_abi_put_addr(enc + 32, p->from);
	ogx_abi_put_addr(enc + 64, p->to);
	ogx_cannot_fail(ogx_abi_put_udec(enc + 96, p->value)); /* checked by ogx_x402_decode */
	ogx_abi_put_uint(enc + 128, p->valid_after);
	ogx_abi_put_uint(enc + 160, p->valid_before);
	memcpy(enc + 192, p->nonce, 32);
	ogx_keccak256(final + 34, enc, 7 * 32);
	ogx_keccak256(out, final, sizeof(final));
}

/* value >= price, for a canonical decimal value of up to 78 digits. */
static bool covers(const char *value, uint64_t price)
{
	uint64_t v = 0;

	if (strlen(value) > 19)
		return true;
	for (const char *s = value; *s; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	return v >= price;
}

int ogx_x402_verify(struct x402_state *x, struct x402_payment *p, uint64_t price, uint64_t now,
		    struct x402_reject *rej)
{
	const struct ogx_x402_config *cfg = x->cfg;
	char want_net[64], a[OGX_ETH_ADDR_STRLEN];
	struct ogx_eth_sig sig;
	uint8_t signer[20];
	int err;

	if (p->version == 1)
		snprintf(want_net, sizeof(want_net), "%s", cfg->network);
	else
		snprintf(want_net, sizeof(want_net), "eip155:%llu",
			 (unsigned long long)cfg->chain_id);
	if (strcmp(p->network, want_net))
		return ogx_x402_reject(rej, -EPERM, "invalid_network", "network must be %s", want_net);
	if (memcmp(p->to, cfg->pay_to, 20)) {
		ogx_eth_addr_str(a, cfg->pay_to);
		return ogx_x402_reject(rej, -EPERM, "invalid_exact_evm_payload_recipient_mismatch",
			               "authorization.to must be %s", a);
	}
	if (!covers(p->value, price))
		return ogx_x402_reject(rej, -EPERM, "invalid_exact_evm_payload_authorization_value",
			               "authorization.value %s is below the price %llu", p->value,
			               (unsigned long long)price);
	if (p->valid_before <= now)
		return ogx_x402_reject(rej, -EPERM, "invalid_exact_evm_payload_authorization_valid_before",
			               "authorization expired (validBefore %llu)",
			               (unsigned long long)p->valid_before);
	if (p->valid_before - now < cfg->settle_margin_s)
		return ogx_x402_reject(rej, -EPERM, "invalid_exact_evm_payload_authorization_valid_before",
			               "validBefore %llu leaves less than the settlement margin (%u s)",
			               (unsigned long long)p->valid_before, cfg->settle_margin_s);
	if (p->valid_before - now > cfg->max_timeout_s)
		return ogx_x402_reject(rej, -EPERM, "invalid_exact_evm_payload_authorization_valid_before",
			               "validBefore is more than %u s ahead", cfg->max_timeout_s);
	if (p->valid_after > now)
		return ogx_x402_reject(rej, -EPERM, "invalid_exact_evm_payload_authorization_valid_after",
			               "authorization not yet valid (validAfter %llu)",
			               (unsigned long long)p->valid_after);
	/* the rule ogsubmit settles by: v 0/1 becomes 27/28 here, in the record too */
	err = ogx_eth_sig65_normalize(p->sig, &sig);
	if (err)
		return ogx_x402_reject(rej, -EPERM, "invalid_exact_evm_payload_signature", "%s",
			               ogx_errmsg(err));
	ogx_x402_digest(cfg, p, p->digest);
	err = ogx_eth_recover(p->digest, &sig, signer);
	if (err || memcmp(signer, p->from, 20))
		return ogx_x402_reject(rej, -EPERM, "invalid_exact_evm_payload_signature",
			               "signature is not by authorization.from");
	if (ogx_x402_nonce_seen(x, p, false))
		return ogx_x402_reject(rej, -EPERM, "nonce_already_used",
			               "this authorization's nonce was already used");
	return 0;
}

int ogx_x402_commit(struct x402_state *x, const struct x402_payment *p, bool at_risk,
		    struct x402_reject *rej)
{
	int err;

	if (ogx_x402_nonce_seen(x, p, false))
		return ogx_x402_reject(rej, -EPERM, "nonce_already_used",
			               "this authorization's nonce was already used");
	err = ogx_x402_log(x, p, at_risk);
	if (err)
		return ogx_x402_reject(rej, -EPERM, "unexpected_verify_error",
			               "cannot record the nonce: %s", strerror(-err));
	return 0;
}

int ogx_x402_accept(struct x402_state *x, struct x402_payment *p, uint64_t price, uint64_t now,
		    struct x402_reject *rej)
{
	return ogx_x402_verify(x, p, price, now, rej) ?: ogx_x402_commit(x, p, false, rej);
}

void ogx_x402_requirement(struct ogx_buf *b, const struct ogx_x402_config *cfg, uint64_t price,
			const char *resource, int version)
{
	char pay_to[OGX_ETH_ADDR_STRLEN], asset[OGX_ETH_ADDR_STRLEN];

	ogx_eth_addr_str(pay_to, cfg->pay_to);
	ogx_eth_addr_str(asset, cfg->asset);
	if (version == 1)
		ogx_buf_printf(b, "{\"scheme\":\"exact\",\"network\":\"%s\",\"maxAmountRequired\":"
			       "\"%llu\",\"resource\":", cfg->network, (unsigned long long)price);
	else
		ogx_buf_printf(b, "{\"scheme\":\"exact\",\"network\":\"eip155:%llu\",\"amount\":"
			       "\"%llu\",\"resource\":", (unsigned long long)cfg->chain_id,
			       (unsigned long long)price);
	ogx_buf_json_str(b, resource, strlen(resource));
	ogx_buf_printf(b, ",\"description\":\"ogx inference with a signed proof record\","
		       "\"mimeType\":\"application/json\",\"payTo\":\"%s\",\"maxTimeoutSeconds\":%u,"
		       "\"asset\":\"%s\",\"extra\":{\"name\":", pay_to, cfg->max_timeout_s, asset);
	ogx_buf_json_str(b, cfg->asset_name, strlen(cfg->asset_name));
	ogx_buf_str(b, ",\"version\":");
	ogx_buf_json_str(b, cfg->asset_version, strlen(cfg->asset_version));
	ogx_buf_str(b, "}}");
}

void ogx_x402_required_body(struct ogx_buf *b, const struct ogx_x402_config *cfg, uint64_t price,
			    const char *resource, const char *error)
{
	ogx_buf_printf(b, "{\"x402Version\":1,\"error\":\"%s\",\"accepts\":[", error);
	ogx_x402_requirement(b, cfg, price, resource, 1);
	ogx_buf_str(b, "]}\n");
}

void ogx_x402_base64(struct ogx_buf *out, const struct ogx_buf *in)
{
	size_t n = sodium_base64_ENCODED_LEN(in->len, sodium_base64_VARIANT_ORIGINAL);
	char *tmp = malloc(n);

	if (!tmp || in->oom) {
		out->oom = true;
		free(tmp);
		return;
	}
	sodium_bin2base64(tmp, n, (const unsigned char *)in->p, in->len,
			  sodium_base64_VARIANT_ORIGINAL);
	ogx_buf_str(out, tmp);
	free(tmp);
}

void ogx_x402_required_header(struct ogx_buf *b, const struct ogx_x402_config *cfg,
			      uint64_t price, const char *resource, const char *error)
{
	struct ogx_buf j = { 0 };

	ogx_buf_printf(&j, "{\"x402Version\":2,\"error\":\"%s\",\"resource\":{\"url\":", error);
	ogx_buf_json_str(&j, resource, strlen(resource));
	ogx_buf_str(&j, "},\"accepts\":[");
	ogx_x402_requirement(&j, cfg, price, resource, 2);
	ogx_buf_str(&j, "]}");
	ogx_x402_base64(b, &j);
	ogx_buf_free(&j);
}

void ogx_x402_response_headers(struct ogx_buf *b, const struct ogx_x402_config *cfg,
			       const struct x402_payment *p, const uint8_t *record_id)
{
	struct ogx_buf j = { 0 };
	char payer[OGX_ETH_ADDR_STRLEN];

	ogx_eth_addr_str(payer, p->from);
	/*
	 * Answer first: accepted, not yet on chain, no transaction hash.
	 * settle=before: mined before the answer, its hash. "success" is the
	 * verification's (x402 clients test it); "settlement" says how far the
	 * transfer is.
	 */
	if (p->settled) {
		char tx[65];

		ogx_hex(tx, p->settle_tx, 32);
		ogx_buf_printf(&j, "{\"success\":true,\"transaction\":\"0x%s\",\"network\":"
			       "\"%s\",\"payer\":\"%s\",\"settlement\":\"settled\"", tx,
			       p->network, payer);
	} else {
		ogx_buf_printf(&j, "{\"success\":true,\"transaction\":\"\",\"network\":\"%s\","
			       "\"payer\":\"%s\",\"settlement\":\"%s\"", p->network, payer,
			       record_id ? "queued" : "pending");
	}
	if (record_id) {
		ogx_buf_str(&j, ",\"record\":\"");
		ogx_buf_hex(&j, record_id, OGX_DIGEST_LEN);
		ogx_buf_str(&j, "\"");
	}
	ogx_buf_str(&j, "}");
	(void)cfg;
	ogx_buf_str(b, p->version == 1 ? "X-PAYMENT-RESPONSE: " : "PAYMENT-RESPONSE: ");
	ogx_x402_base64(b, &j);
	ogx_buf_str(b, "\r\n");
	ogx_buf_free(&j);
}

int ogx_x402_evidence(const struct ogx_x402_config *cfg, const struct x402_payment *p,
		      struct ogx_ext *x)
{
	int err = ogx_ext_add_uint(x, 0, (uint64_t)p->version);

	err = err ?: ogx_ext_add_bytes(x, 1, OGX_EXT_TEXT, "exact", 5);
	err = err ?: ogx_ext_add_bytes(x, 2, OGX_EXT_TEXT, p->network, strlen(p->network));
	err = err ?: ogx_ext_add_uint(x, 3, cfg->chain_id);
	err = err ?: ogx_ext_add_bytes(x, 4, OGX_EXT_BYTES, cfg->asset, 20);
	err = err ?: ogx_ext_add_bytes(x, 5, OGX_EXT_BYTES, cfg->pay_to, 20);
	err = err ?: ogx_ext_add_bytes(x, 6, OGX_EXT_BYTES, p->from, 20);
	err = err ?: ogx_ext_add_bytes(x, 7, OGX_EXT_TEXT, p->value, strlen(p->value));
	err = err ?: ogx_ext_add_uint(x, 8, p->valid_after);
	err = err ?: ogx_ext_add_uint(x, 9, p->valid_before);
	err = err ?: ogx_ext_add_bytes(x, 10, OGX_EXT_BYTES, p->nonce, 32);
	err = err ?: ogx_ext_add_bytes(x, 11, OGX_EXT_BYTES, p->sig, 65);
	err = err ?: ogx_ext_add_bytes(x, 12, OGX_EXT_BYTES, p->digest, 32);
	return err;
}
