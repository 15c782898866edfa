// SPDX-License-Identifier: GPL-2.0
/*
 * x402 v2 `upto` payments through Permit2 (runtime/serve/x402_upto.c,
 * runtime/chain/permit2.c) against tests/vectors/x402-upto.json, made by
 * the official x402 client (npm @x402/core and @x402/evm 2.27.0 on viem,
 * tests/e2e/uptovectors.mjs): the PAYMENT-SIGNATURE headers it sends decode
 * and verify here, with its EIP-712 digest; settle() and nonceBitmap()
 * calldata match viem's encoder; every adversarial header (signed with real
 * keys) is refused with its code; a charge above the cap is refused; a
 * nonce is refused the second time, also after a restart.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "chain/eth_key.h"
#include "chain/permit2.h"
#include "serve/serve.h"
#include "serve/x402_upto.h"
#include "util/err.h"
#include "util/hex.h"

static json_t *load_vectors(void)
{
	const char *src = getenv("OGX_SRC");
	char path[4096];
	json_error_t e;

	snprintf(path, sizeof(path), "%s/tests/vectors/x402-upto.json", src && *src ? src : ".");
	return json_load_file(path, 0, &e);
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* The node's configuration the vectors were made for, on chain_id. */
static void config(json_t *v, uint64_t chain_id, struct ogx_x402_config *c,
		   struct ogx_x402_upto_config *u)
{
	memset(c, 0, sizeof(*c));
	c->enabled = true;
	c->chain_id = chain_id;
	c->max_timeout_s = 300;
	ogx_cannot_fail(ogx_eth_addr_parse(c->pay_to, str(v, "payTo")));
	ogx_x402_upto_config_init(u);
	u->enabled = true;
	ogx_cannot_fail(ogx_eth_addr_parse(u->asset, str(v, "asset")));
	ogx_cannot_fail(ogx_eth_addr_parse(u->facilitator, str(v, "facilitator")));
	strcpy(u->asset_name, "OPG");
	strcpy(u->asset_version, "1");
}

static void hexstr(char *out, const uint8_t *in, size_t n)
{
	out[0] = '0';
	out[1] = 'x';
	ogx_hex(out + 2, in, n);
}

static uint64_t u64(const char *s)
{
	return strtoull(s, NULL, 10);
}

TEST(canonical_addresses_are_the_clients)
{
	json_t *v = load_vectors();
	struct ogx_x402_upto_config u;
	char a[OGX_ETH_ADDR_STRLEN];

	ASSERT_NE(NULL, v);
	ogx_x402_upto_config_init(&u);
	ogx_eth_addr_str(a, u.permit2);
	ASSERT_STREQ(str(v, "permit2"), a);
	ogx_eth_addr_str(a, u.proxy);
	ASSERT_STREQ(str(v, "proxy"), a);
	json_decref(v);
}

TEST(official_client_payments_verify)
{
	json_t *v = load_vectors(), *g;
	size_t i;

	ASSERT_NE(NULL, v);
	ASSERT_EQ(3, json_array_size(json_object_get(v, "good")));
	json_array_foreach(json_object_get(v, "good"), i, g) {
		uint64_t chain = (uint64_t)json_integer_value(json_object_get(g, "chainId"));
		uint64_t now = (uint64_t)json_integer_value(json_object_get(v, "now"));
		uint8_t settle[OGX_PERMIT2_UPTO_SETTLE_LEN], bitmap[OGX_PERMIT2_BITMAP_LEN];
		char h[2 + 2 * OGX_PERMIT2_UPTO_SETTLE_LEN + 1], a[OGX_ETH_ADDR_STRLEN];
		struct ogx_x402_upto_config u;
		struct ogx_x402_config c;
		struct x402_reject rej = { 0 };
		struct x402_upto p;
		uint64_t price = u64(str(g, "cap")) > 1000000 ? 1000000 : u64(str(g, "cap"));

		TH_LOG("good[%zu]", i);
		config(v, chain, &c, &u);
		ASSERT_EQ(0, ogx_x402_upto_decode(str(g, "header"), &p, &rej));
		ASSERT_EQ(0, ogx_x402_upto_check(&c, &u, &p, price, now, &rej)) TH_LOG("%s: %s", rej.code, rej.msg);
		hexstr(h, p.digest, 32);
		ASSERT_STREQ(str(g, "digest"), h);
		ogx_eth_addr_str(a, p.a.from);
		ASSERT_STREQ(str(g, "payer"), a);
		ASSERT_STREQ(str(g, "cap"), p.a.amount);
		ASSERT_EQ(u64(str(g, "deadline")), p.a.deadline);
		ASSERT_EQ(0, ogx_permit2_upto_settle_call(&p.a, str(g, "charge"), settle));
		hexstr(h, settle, sizeof(settle));
		ASSERT_STREQ(str(g, "settle"), h);
		ogx_permit2_bitmap_call(p.a.from, p.a.nonce, bitmap);
		hexstr(h, bitmap, sizeof(bitmap));
		ASSERT_STREQ(str(g, "bitmap"), h);
		/* the node charges what it charges, up to the cap; 0 is allowed */
		ASSERT_EQ(0, ogx_x402_upto_charge(&p, 0, &rej));
		ASSERT_STREQ("0", p.charged);
		ASSERT_EQ(0, ogx_x402_upto_charge(&p, price, &rej));
	}
	json_decref(v);
}

TEST(adversarial_payments_are_refused_with_their_code)
{
	json_t *v = load_vectors(), *b;
	uint64_t now;
	size_t i;

	ASSERT_NE(NULL, v);
	now = (uint64_t)json_integer_value(json_object_get(v, "now"));
	ASSERT_EQ(13, json_array_size(json_object_get(v, "bad")));
	json_array_foreach(json_object_get(v, "bad"), i, b) {
		struct ogx_x402_upto_config u;
		struct ogx_x402_config c;
		struct x402_reject rej = { 0 };
		struct x402_upto p;

		TH_LOG("bad: %s", str(b, "name"));
		config(v, 8453, &c, &u);
		ASSERT_EQ(0, ogx_x402_upto_decode(str(b, "header"), &p, &rej));
		ASSERT_EQ(-EPERM, ogx_x402_upto_check(&c, &u, &p, 1000000, now, &rej));
		ASSERT_STREQ(str(b, "code"), rej.code);
	}
	json_decref(v);
}

TEST(charge_above_the_cap_is_refused)
{
	json_t *v = load_vectors(), *g;
	struct ogx_x402_upto_config u;
	struct ogx_x402_config c;
	struct x402_reject rej = { 0 };
	struct x402_upto p;

	ASSERT_NE(NULL, v);
	g = json_array_get(json_object_get(v, "good"), 0);
	config(v, 8453, &c, &u);
	ASSERT_EQ(0, ogx_x402_upto_decode(str(g, "header"), &p, &rej));
	ASSERT_EQ(-EPERM, ogx_x402_upto_charge(&p, 1000001, &rej));
	ASSERT_STREQ("invalid_upto_evm_payload_settlement_exceeds_amount", rej.code);
	ASSERT_STREQ("cost 1000001 is above the signed cap 1000000", rej.msg);
	ASSERT_STREQ("", p.charged);
	/* 20 digits, below 2^64 - 1: compared as numbers, not by length */
	strcpy(p.a.amount, "10000000000000000000");
	ASSERT_EQ(-EPERM, ogx_x402_upto_charge(&p, UINT64_MAX, &rej));
	ASSERT_EQ(0, ogx_x402_upto_charge(&p, 10000000000000000000ull, &rej));
	ASSERT_STREQ("10000000000000000000", p.charged);
	strcpy(p.a.amount, "1000000");
	/* a cap below this request's most is refused before any work */
	ASSERT_EQ(-EPERM, ogx_x402_upto_check(&c, &u, &p, 1000001,
					      (uint64_t)json_integer_value(json_object_get(v, "now")),
					      &rej));
	ASSERT_STREQ("permit2_amount_mismatch", rej.code);
	json_decref(v);
}

/*
 * The one signature rule (chain/eth_key.h), as for exact: v 0/1 is the same
 * signature, accepted and kept as 27/28 (what Permit2's ecrecover takes when
 * ogsubmit settles it); any other v and a high s are refused.
 */
TEST(signature_v_normalised_other_forms_refused)
{
	json_t *v = load_vectors(), *g;
	struct ogx_x402_upto_config u;
	struct ogx_x402_config c;
	struct x402_reject rej = { 0 };
	struct x402_upto p;
	uint64_t now;
	uint8_t want;

	ASSERT_NE(NULL, v);
	g = json_array_get(json_object_get(v, "good"), 0);
	config(v, 8453, &c, &u);
	now = (uint64_t)json_integer_value(json_object_get(v, "now"));
	ASSERT_EQ(0, ogx_x402_upto_decode(str(g, "header"), &p, &rej));
	want = p.a.sig[64];
	p.a.sig[64] -= 27;
	ASSERT_EQ(0, ogx_x402_upto_check(&c, &u, &p, 1000, now, &rej)) TH_LOG("%s", rej.msg);
	ASSERT_EQ(want, p.a.sig[64]);
	p.a.sig[64] = 5;
	ASSERT_EQ(-EPERM, ogx_x402_upto_check(&c, &u, &p, 1000, now, &rej));
	ASSERT_STREQ("invalid_permit2_signature", rej.code);
	ASSERT_STREQ("signature v 5 is not 27, 28, 0 or 1", rej.msg);
	p.a.sig[64] = want;
	memset(p.a.sig + 32, 0xff, 32);
	ASSERT_EQ(-EPERM, ogx_x402_upto_check(&c, &u, &p, 1000, now, &rej));
	ASSERT_STREQ("invalid_permit2_signature", rej.code);
	ASSERT_STREQ("signature has a high s (malleable form; EIP-2 wants s <= n/2)", rej.msg);
	json_decref(v);
}

TEST(malformed_headers)
{
	static const char *cases[][2] = {
		{ "not base64!", "invalid_payload" },
		{ "eyJ4NDAyVmVyc2lvbiI6MX0=", "invalid_x402_version" }, /* {"x402Version":1} */
		/* {"x402Version":2,"accepted":{"scheme":"exact","network":"eip155:8453"}} */
		{ "eyJ4NDAyVmVyc2lvbiI6MiwiYWNjZXB0ZWQiOnsic2NoZW1lIjoiZXhhY3QiLCJuZXR3b3JrIjoiZWlwMTU1Ojg0NTMifX0=",
		  "invalid_upto_evm_scheme" },
		/* {"x402Version":2,"accepted":{"scheme":"upto","network":"eip155:8453"},"payload":{}} */
		{ "eyJ4NDAyVmVyc2lvbiI6MiwiYWNjZXB0ZWQiOnsic2NoZW1lIjoidXB0byIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MyJ9LCJwYXlsb2FkIjp7fX0=",
		  "invalid_payload" },
		/* duplicate key: {"x402Version":2,"x402Version":2} */
		{ "eyJ4NDAyVmVyc2lvbiI6MiwieDQwMlZlcnNpb24iOjJ9", "invalid_payload" },
	};
	struct x402_reject rej;
	struct x402_upto p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&rej, 0, sizeof(rej));
		ASSERT_EQ(-EINVAL, ogx_x402_upto_decode(cases[i][0], &p, &rej));
		ASSERT_STREQ(cases[i][1], rej.code) TH_LOG("case %zu", i);
	}
}

/* A valid header with one number field rewritten (re-encoded, signature kept). */
static char *rewrite(const char *header, const char *field, const char *value)
{
	size_t n = strlen(header), len;
	unsigned char *raw = malloc(n);
	json_t *root, *auth;
	char *txt, *out;

	sodium_base642bin(raw, n, header, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL);
	root = json_loadb((char *)raw, len, 0, NULL);
	auth = json_object_get(json_object_get(root, "payload"), "permit2Authorization");
	json_object_set_new(auth, field, json_string(value));
	txt = json_dumps(root, JSON_COMPACT);
	n = sodium_base64_ENCODED_LEN(strlen(txt), sodium_base64_VARIANT_ORIGINAL);
	out = malloc(n);
	sodium_bin2base64(out, n, (unsigned char *)txt, strlen(txt), sodium_base64_VARIANT_ORIGINAL);
	free(txt);
	free(raw);
	json_decref(root);
	return out;
}

TEST(number_forms_outside_the_subset)
{
	json_t *v = load_vectors();
	const char *h = str(json_array_get(json_object_get(v, "good"), 0), "header");
	static const char *bad[][2] = {
		{ "nonce", "0x01" }, { "nonce", "01" }, { "nonce", "" }, { "deadline", "-1" },
		{ "deadline", "18446744073709551616" }, /* 2^64 */
		{ "nonce", "115792089237316195423570985008687907853269984665640564039457584007913129639936" },
	};

	ASSERT_NE(NULL, v);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct x402_reject rej = { 0 };
		struct x402_upto p;
		char *x = rewrite(h, bad[i][0], bad[i][1]);

		ASSERT_EQ(-EINVAL, ogx_x402_upto_decode(x, &p, &rej)) TH_LOG("%s=%s", bad[i][0], bad[i][1]);
		ASSERT_STREQ("invalid_payload", rej.code);
		free(x);
	}
	json_decref(v);
}

TEST(nonce_replay_refused_across_restart)
{
	json_t *v = load_vectors(), *g;
	char dir[] = "/tmp/ogx-upto-XXXXXX", path[64];
	struct ogx_x402_upto_config u;
	struct ogx_x402_config c;
	struct x402_state x;
	struct x402_reject rej = { 0 };
	struct x402_upto p;
	uint64_t now;

	ASSERT_NE(NULL, v);
	ASSERT_NE(NULL, mkdtemp(dir));
	now = (uint64_t)json_integer_value(json_object_get(v, "now"));
	g = json_array_get(json_object_get(v, "good"), 0);
	config(v, 8453, &c, &u);
	ASSERT_EQ(0, ogx_x402_open(&x, &c, dir));
	ASSERT_EQ(0, ogx_x402_upto_decode(str(g, "header"), &p, &rej));
	ASSERT_EQ(0, ogx_x402_upto_accept(&x, &u, &p, 1000, now, &rej));
	ASSERT_EQ(0, ogx_x402_upto_decode(str(g, "header"), &p, &rej));
	ASSERT_EQ(-EPERM, ogx_x402_upto_accept(&x, &u, &p, 1000, now, &rej));
	ASSERT_STREQ("permit2_invalid_nonce", rej.code);
	ASSERT_EQ(0, ogx_x402_sync(&x));
	ogx_x402_close(&x);
	ASSERT_EQ(0, ogx_x402_open(&x, &c, dir));
	memset(&rej, 0, sizeof(rej));
	ASSERT_EQ(-EPERM, ogx_x402_upto_accept(&x, &u, &p, 1000, now, &rej));
	ASSERT_STREQ("permit2_invalid_nonce", rej.code);
	/* another payment of the same payer is still fine */
	g = json_array_get(json_object_get(v, "good"), 2);
	ASSERT_EQ(0, ogx_x402_upto_decode(str(g, "header"), &p, &rej));
	ASSERT_EQ(0, ogx_x402_upto_accept(&x, &u, &p, 1000, now, &rej));
	ogx_x402_close(&x);
	snprintf(path, sizeof(path), "%s/x402-nonces", dir);
	unlink(path);
	rmdir(dir);
	json_decref(v);
}

TEST(evidence_holds_the_charge_and_fits_a_record)
{
	json_t *v = load_vectors(), *g;
	struct ogx_x402_upto_config u;
	struct ogx_x402_config c;
	struct x402_reject rej = { 0 };
	struct ogx_ext x = { 0 };
	struct x402_upto p;

	ASSERT_NE(NULL, v);
	g = json_array_get(json_object_get(v, "good"), 0);
	config(v, 8453, &c, &u);
	ASSERT_EQ(0, ogx_x402_upto_decode(str(g, "header"), &p, &rej));
	ASSERT_EQ(0, ogx_x402_upto_check(&c, &u, &p, 1000,
					 (uint64_t)json_integer_value(json_object_get(v, "now")), &rej));
	ASSERT_EQ(0, ogx_x402_upto_charge(&p, 1234, &rej));
	ASSERT_EQ(0, ogx_x402_upto_evidence(&c, &p, &x));
	ASSERT_EQ(OGX_EXT_MAX, x.n);
	ASSERT_EQ(7, x.e[7].key);
	ASSERT_EQ(4, x.e[7].len);
	ASSERT_EQ(0, memcmp("1234", x.e[7].data, 4));
	ASSERT_EQ(1, x.e[1].key);
	ASSERT_EQ(0, memcmp("upto", x.e[1].data, 4));
	ASSERT_EQ(13, x.e[13].key);
	ASSERT_EQ(0, memcmp("1000000", x.e[13].data, 7));
	for (size_t i = 0; i < x.n; i++)
		free(x.e[i].data);
	json_decref(v);
}

/* What ogsubmit reads back from the record: the same permit and charge; refusals. */
TEST(ogsubmit_reads_back_the_evidence)
{
	json_t *v = load_vectors(), *g;
	struct ogx_x402_upto_config u;
	struct ogx_x402_config c;
	struct x402_reject rej = { 0 };
	struct ogx_ext x = { 0 };
	struct x402_upto p;

	ASSERT_NE(NULL, v);
	g = json_array_get(json_object_get(v, "good"), 0);
	config(v, 8453, &c, &u);
	ASSERT_EQ(0, ogx_x402_upto_decode(str(g, "header"), &p, &rej));
	ASSERT_EQ(0, ogx_x402_upto_check(&c, &u, &p, 1000,
					 (uint64_t)json_integer_value(json_object_get(v, "now")), &rej));
	ASSERT_EQ(0, ogx_x402_upto_charge(&p, 1234, &rej));
	ASSERT_EQ(0, ogx_x402_upto_evidence(&c, &p, &x));
	struct ogx_record r = { 0 };
	struct ogx_permit2_upto a;
	char charged[80];
	uint8_t d[32];

	r.payment = x;
	ASSERT_TRUE(ogx_permit2_is_upto(&r));
	ASSERT_EQ(0, ogx_permit2_upto_from_record(&r, &a, charged));
	ASSERT_STREQ("1234", charged);
	ASSERT_STREQ("1000000", a.amount);
	ASSERT_EQ(0, memcmp(&a, &p.a, sizeof(a)));
	ASSERT_EQ(0, ogx_permit2_upto_digest(&a, d));
	ASSERT_EQ(0, memcmp(d, p.digest, 32));
	/* a record charging more than the cap is refused, as is a v of 0/1 */
	memcpy(r.payment.e[7].data, "9999", 4);
	memcpy(r.payment.e[13].data, "1000", 4);
	r.payment.e[13].len = 4;
	ASSERT_EQ(-EBADMSG, ogx_permit2_upto_from_record(&r, &a, charged));
	ASSERT_STREQ("upto payment evidence: charged 9999 is above the cap 1000",
		     ogx_errmsg(-EBADMSG));
	memcpy(r.payment.e[7].data, "0999", 4);
	ASSERT_EQ(-EBADMSG, ogx_permit2_upto_from_record(&r, &a, charged));
	ASSERT_STREQ("upto payment evidence: charged amount missing or malformed",
		     ogx_errmsg(-EBADMSG));
	memcpy(r.payment.e[7].data, "1000", 4); /* = the cap: fine */
	ASSERT_EQ(0, ogx_permit2_upto_from_record(&r, &a, charged));
	/* the one signature rule: v 0/1 is settled as 27/28, anything else refused */
	r.payment.e[11].data[64] -= 27;
	ASSERT_EQ(0, ogx_permit2_upto_from_record(&r, &a, charged));
	ASSERT_TRUE(a.sig[64] == 27 || a.sig[64] == 28);
	r.payment.e[11].data[64] = 5;
	ASSERT_EQ(-EBADMSG, ogx_permit2_upto_from_record(&r, &a, charged));
	ASSERT_STREQ("upto payment evidence: signature v 5 is not 27, 28, 0 or 1",
		     ogx_errmsg(-EBADMSG));
	memcpy(r.payment.e[1].data, "uptp", 4);
	ASSERT_FALSE(ogx_permit2_is_upto(&r));
	ASSERT_EQ(-EBADMSG, ogx_permit2_upto_from_record(&r, &a, charged));
	for (size_t i = 0; i < x.n; i++)
		free(x.e[i].data);
	json_decref(v);
}

TEST(requirement_is_what_the_client_reads)
{
	json_t *v = load_vectors(), *r;
	struct ogx_x402_upto_config u;
	struct ogx_x402_config c;
	struct ogx_buf b = { 0 };

	ASSERT_NE(NULL, v);
	config(v, 8453, &c, &u);
	ogx_x402_upto_requirement(&b, &c, &u, 1000000);
	ogx_buf_str(&b, "");
	r = json_loadb(b.p, b.len, JSON_REJECT_DUPLICATES, NULL);
	ASSERT_NE(NULL, r);
	ASSERT_STREQ("upto", str(r, "scheme"));
	ASSERT_STREQ("eip155:8453", str(r, "network"));
	ASSERT_STREQ("1000000", str(r, "amount"));
	ASSERT_EQ(300, json_integer_value(json_object_get(r, "maxTimeoutSeconds")));
	ASSERT_STREQ("permit2", str(json_object_get(r, "extra"), "assetTransferMethod"));
	ASSERT_STREQ("0x2222222222222222222222222222222222222222",
		     str(json_object_get(r, "extra"), "facilitatorAddress"));
	json_decref(r);
	ogx_buf_free(&b);
	json_decref(v);
}

TEST_HARNESS_MAIN
