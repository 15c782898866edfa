// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of runtime/chain: Keccak-256, RLP, secp256k1 keys, EIP-1559
 * transactions (against golden vectors from an independent signer, see
 * tests/e2e/txvectors.mjs), the fee-bump rule and RPC error classification.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <nettle/sha3.h>

#include "kselftest_harness.h"
#include "chain/abi.h"
#include "chain/eth_key.h"
#include "chain/keccak.h"
#include "chain/rlp.h"
#include "chain/rpc.h"
#include "chain/tx.h"
#include "util/err.h"
#include "util/hex.h"

/* anvil's first dev account, from its published test mnemonic. */
static const char anvil_secret[] =
	"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

static void hexstr(char *out, const uint8_t *p, size_t n)
{
	ogx_hex(out, p, n);
}

/* Parse "0x..." into a malloc'd buffer. */
static uint8_t *unhex0x(const char *s, size_t *len)
{
	size_t n;
	uint8_t *p;

	if (strncmp(s, "0x", 2))
		return NULL;
	n = strlen(s + 2) / 2;
	p = malloc(n ? n : 1);
	if (p && ogx_unhex(p, n, s + 2)) {
		free(p);
		return NULL;
	}
	*len = n;
	return p;
}

static json_t *load_vectors(void)
{
	const char *src = getenv("OGX_SRC");
	char path[4096];
	json_error_t e;

	snprintf(path, sizeof(path), "%s/tests/vectors/chain.json", src && *src ? src : ".");
	return json_load_file(path, 0, &e);
}

TEST(keccak_known_answers)
{
	uint8_t d[32], s3[32];
	char s[65];
	struct sha3_256_ctx sha3;

	ogx_keccak256(d, "", 0);
	hexstr(s, d, 32);
	ASSERT_STREQ("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", s);
	ogx_keccak256(d, "abc", 3);
	hexstr(s, d, 32);
	ASSERT_STREQ("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45", s);
	/* FIPS 202 SHA3-256 pads differently: the two must differ. */
	sha3_256_init(&sha3);
	sha3_256_update(&sha3, 3, (const uint8_t *)"abc");
	sha3_256_digest(&sha3, 32, s3);
	ASSERT_NE(0, memcmp(d, s3, 32));
}

TEST(keccak_vectors_and_incremental)
{
	json_t *v = load_vectors(), *k;
	size_t i, len, cut;
	uint8_t *data, *want, d[32], d2[32];
	struct ogx_keccak ctx;

	ASSERT_NE(NULL, v);
	json_array_foreach(json_object_get(v, "keccak"), i, k) {
		data = unhex0x(json_string_value(json_object_get(k, "data")), &len);
		want = unhex0x(json_string_value(json_object_get(k, "hash")), &cut);
		ASSERT_NE(NULL, data);
		ASSERT_NE(NULL, want);
		ogx_keccak256(d, data, len);
		ASSERT_EQ(0, memcmp(want, d, 32));
		/* The same digest whatever the split of the input. */
		for (cut = 0; cut <= len; cut += 17) {
			ogx_keccak_init(&ctx);
			ogx_keccak_update(&ctx, data, cut);
			ogx_keccak_update(&ctx, data + cut, len - cut);
			ogx_keccak_final(&ctx, d2);
			ASSERT_EQ(0, memcmp(want, d2, 32));
		}
		free(data);
		free(want);
	}
	json_decref(v);
}

static void rlp_expect(struct __test_metadata *_metadata, struct ogx_rlp *b, const char *want)
{
	char s[256];

	ASSERT_EQ(0, ogx_rlp_finish(b));
	ASSERT_LT(2 * b->len, sizeof(s));
	hexstr(s, b->data, b->len);
	ASSERT_STREQ(want, s);
	ogx_rlp_free(b);
}

/* The examples of the Ethereum wiki's RLP page (and the yellow paper). */
TEST(rlp_wiki_vectors)
{
	static const char lorem[] = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
	struct ogx_rlp b;
	size_t l, l2, l3;
	uint8_t zero = 0, f = 0x0f;
	char want[256];

	ogx_rlp_init(&b);
	ogx_rlp_bytes(&b, "dog", 3);
	rlp_expect(_metadata, &b, "83646f67");

	ogx_rlp_init(&b);
	l = ogx_rlp_list_begin(&b);
	ogx_rlp_bytes(&b, "cat", 3);
	ogx_rlp_bytes(&b, "dog", 3);
	ogx_rlp_list_end(&b, l);
	rlp_expect(_metadata, &b, "c88363617483646f67");

	ogx_rlp_init(&b);
	ogx_rlp_bytes(&b, "", 0);
	rlp_expect(_metadata, &b, "80");

	ogx_rlp_init(&b);
	l = ogx_rlp_list_begin(&b);
	ogx_rlp_list_end(&b, l);
	rlp_expect(_metadata, &b, "c0");

	ogx_rlp_init(&b);
	ogx_rlp_uint(&b, 0);
	rlp_expect(_metadata, &b, "80");

	ogx_rlp_init(&b);
	ogx_rlp_bytes(&b, &zero, 1);
	rlp_expect(_metadata, &b, "00");

	ogx_rlp_init(&b);
	ogx_rlp_bytes(&b, &f, 1);
	rlp_expect(_metadata, &b, "0f");

	ogx_rlp_init(&b);
	ogx_rlp_uint(&b, 1024);
	rlp_expect(_metadata, &b, "820400");

	/* The set-theoretical representation of three: [ [], [[]], [ [], [[]] ] ]. */
	ogx_rlp_init(&b);
	l = ogx_rlp_list_begin(&b);
	l2 = ogx_rlp_list_begin(&b);
	ogx_rlp_list_end(&b, l2);
	l2 = ogx_rlp_list_begin(&b);
	l3 = ogx_rlp_list_begin(&b);
	ogx_rlp_list_end(&b, l3);
	ogx_rlp_list_end(&b, l2);
	l2 = ogx_rlp_list_begin(&b);
	l3 = ogx_rlp_list_begin(&b);
	ogx_rlp_list_end(&b, l3);
	l3 = ogx_rlp_list_begin(&b);
	ogx_rlp_list_end(&b, ogx_rlp_list_begin(&b));
	ogx_rlp_list_end(&b, l3);
	ogx_rlp_list_end(&b, l2);
	ogx_rlp_list_end(&b, l);
	rlp_expect(_metadata, &b, "c7c0c1c0c3c0c1c0");

	/* 56 bytes: the first string with a long-form header. */
	ogx_rlp_init(&b);
	ogx_rlp_bytes(&b, lorem, strlen(lorem));
	strcpy(want, "b838");
	hexstr(want + 4, (const uint8_t *)lorem, strlen(lorem));
	rlp_expect(_metadata, &b, want);
}

TEST(rlp_decode_rejects_bad_input)
{
	static const struct {
		const char *hex;
		const char *why;
	} bad[] = {
		{ "", "RLP: empty input" },
		{ "8105", "RLP: single byte below 0x80 with a header" },
		{ "b80100", "RLP: long form for a short payload" },
		{ "b9003800", "RLP: length with a leading zero" },
		{ "83646f", "RLP: payload runs past the input" },
		{ "b9", "RLP: length of length runs past the input" },
		{ "f8", "RLP: length of length runs past the input" },
		{ "c3646f", "RLP: payload runs past the input" },
		{ "bfffffffffffffffff", "RLP: payload runs past the input" },
	};
	struct ogx_rlp_item it;
	uint8_t buf[16];
	size_t i, n, used;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = strlen(bad[i].hex) / 2;
		ASSERT_EQ(0, ogx_unhex(buf, n, bad[i].hex));
		ASSERT_EQ(-EBADMSG, ogx_rlp_decode(buf, n, &it, &used));
		ASSERT_STREQ(bad[i].why, ogx_errmsg(-EBADMSG));
	}
	ASSERT_EQ(0, ogx_unhex(buf, 9, "c88363617483646f67"));
	ASSERT_EQ(0, ogx_rlp_decode(buf, 9, &it, &used));
	ASSERT_TRUE(it.is_list);
	ASSERT_EQ(9, used);
	ASSERT_EQ(8, it.len);
}

TEST(eth_key_address_and_checksum)
{
	uint8_t secret[32];
	struct ogx_eth_key key;
	char a[OGX_ETH_ADDR_STRLEN];

	ASSERT_EQ(0, ogx_unhex(secret, 32, anvil_secret));
	ASSERT_EQ(0, ogx_eth_key_from_secret(&key, secret));
	ogx_eth_addr_str(a, key.addr);
	ASSERT_STREQ("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", a);
	ogx_eth_key_free(&key);

	/* Zero and the group order are not secrets. */
	memset(secret, 0, 32);
	ASSERT_EQ(-EINVAL, ogx_eth_key_from_secret(&key, secret));
	ASSERT_EQ(0, ogx_unhex(secret, 32,
			       "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"));
	ASSERT_EQ(-EINVAL, ogx_eth_key_from_secret(&key, secret));
	ASSERT_STREQ("secp256k1 secret is zero or not below the curve order",
		     ogx_errmsg(-EINVAL));
}

TEST(eth_addr_parse)
{
	uint8_t a[20];

	ASSERT_EQ(0, ogx_eth_addr_parse(a, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
	ASSERT_EQ(0xf3, a[0]);
	ASSERT_EQ(-EINVAL, ogx_eth_addr_parse(a, "f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
	ASSERT_STREQ("address 'f39Fd6e51aad88F6F4ce6aB8827279cffFb92266' does not start with 0x",
		     ogx_errmsg(-EINVAL));
	ASSERT_EQ(-EINVAL, ogx_eth_addr_parse(a, "0xf39F"));
	ASSERT_STREQ("address '0xf39F' is not 40 hex digits", ogx_errmsg(-EINVAL));
	/* EIP-55: one letter's case flipped fails; all lower, all upper carry no checksum */
	ASSERT_EQ(-EINVAL, ogx_eth_addr_parse(a, "0xf39fd6e51aad88F6F4ce6aB8827279cffFb92266"));
	ASSERT_STREQ("address '0xf39fd6e51aad88F6F4ce6aB8827279cffFb92266' fails its EIP-55 "
		     "checksum (want 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266)",
		     ogx_errmsg(-EINVAL));
	ASSERT_EQ(0, ogx_eth_addr_parse(a, "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"));
	ASSERT_EQ(0, ogx_eth_addr_parse(a, "0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266"));
	ASSERT_EQ(0x66, a[19]);
	/* EIP-55's own examples */
	ASSERT_EQ(0, ogx_eth_addr_parse(a, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
	ASSERT_EQ(0, ogx_eth_addr_parse(a, "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"));
	ASSERT_EQ(0, ogx_eth_addr_parse(a, "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"));
	ASSERT_EQ(0, ogx_eth_addr_parse(a, "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"));
}

TEST(sig65_one_rule)
{
	uint8_t sig[65], want[65];
	struct ogx_eth_sig s;

	memset(sig, 0x11, 64);
	memcpy(want, sig, 64);
	for (int v = 0; v < 256; v++) {
		sig[64] = (uint8_t)v;
		if (v == 0 || v == 1 || v == 27 || v == 28) {
			ASSERT_EQ(0, ogx_eth_sig65_normalize(sig, &s));
			ASSERT_EQ(v % 27 + 27, sig[64]);
			ASSERT_EQ(v % 27, s.y_parity);
			ASSERT_EQ(0, memcmp(want, sig, 64));
			ASSERT_EQ(0, memcmp(s.r, want, 32));
			ASSERT_EQ(0, memcmp(s.s, want + 32, 32));
		} else {
			ASSERT_EQ(-EBADMSG, ogx_eth_sig65_normalize(sig, &s));
			ASSERT_EQ(v, sig[64]);
		}
	}
	sig[64] = 2;
	ASSERT_EQ(-EBADMSG, ogx_eth_sig65_normalize(sig, &s));
	ASSERT_STREQ("signature v 2 is not 27, 28, 0 or 1", ogx_errmsg(-EBADMSG));
	sig[64] = 27;
	memset(sig + 32, 0x80, 32); /* above n/2 */
	ASSERT_EQ(-EBADMSG, ogx_eth_sig65_normalize(sig, &s));
	ASSERT_STREQ("signature has a high s (malleable form; EIP-2 wants s <= n/2)",
		     ogx_errmsg(-EBADMSG));
}

TEST(abi_quantities)
{
	uint8_t w[32], one[32] = { 0 };
	char dec[OGX_ABI_UDEC_MAX];

	one[31] = 1;
	ASSERT_EQ(0, ogx_abi_put_uquantity(w, "0001"));
	ASSERT_EQ(0, memcmp(w, one, 32));
	ASSERT_EQ(0, ogx_abi_put_uquantity(w, "0x0001"));
	ASSERT_EQ(0, memcmp(w, one, 32));
	ASSERT_EQ(0, ogx_abi_put_uquantity(w, "0X3e8"));
	ogx_abi_udec_str(dec, w);
	ASSERT_STREQ("1000", dec);
	ASSERT_EQ(0, ogx_abi_put_uquantity(w, "0x0"));
	ogx_abi_udec_str(dec, w);
	ASSERT_STREQ("0", dec);
	ASSERT_EQ(0, ogx_abi_put_uquantity(w, "0x" "ffffffffffffffffffffffffffffffff"
					      "ffffffffffffffffffffffffffffffff"));
	ogx_abi_udec_str(dec, w);
	ASSERT_STREQ("115792089237316195423570985008687907853269984665640564039457584007913129639935",
		     dec);
	ASSERT_EQ(0, ogx_abi_put_uquantity(w, "000115792089237316195423570985008687907853269984665640564039457584007913129639935"));
	ASSERT_EQ(-ERANGE, ogx_abi_put_uquantity(w, "115792089237316195423570985008687907853269984665640564039457584007913129639936"));
	ASSERT_EQ(-ERANGE, ogx_abi_put_uquantity(w, "0x1" "00000000000000000000000000000000"
						    "00000000000000000000000000000000"));
	ASSERT_EQ(-EINVAL, ogx_abi_put_uquantity(w, ""));
	ASSERT_EQ(-EINVAL, ogx_abi_put_uquantity(w, "0x"));
	ASSERT_EQ(-EINVAL, ogx_abi_put_uquantity(w, "-1"));
	ASSERT_EQ(-EINVAL, ogx_abi_put_uquantity(w, " 1"));
	ASSERT_EQ(-EINVAL, ogx_abi_put_uquantity(w, "1e3"));
	ASSERT_EQ(-EINVAL, ogx_abi_put_uquantity(w, "0x1g"));
	ASSERT_EQ(-EINVAL, ogx_abi_put_uquantity(w, "0b101"));
}

FIXTURE(keydir) {
	char dir[64];
	char path[128];
};

FIXTURE_SETUP(keydir)
{
	strcpy(self->dir, "/tmp/ogx-chain-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/eth.key", self->dir);
}

FIXTURE_TEARDOWN(keydir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	ASSERT_EQ(0, system(cmd));
}

static void write_key(struct __test_metadata *_metadata, const char *path, const char *text,
		      mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(text), write(fd, text, strlen(text)));
	ASSERT_EQ(0, fchmod(fd, mode));
	close(fd);
}

TEST_F(keydir, generate_load_and_refuse)
{
	struct ogx_eth_key k1, k2;
	struct stat st;

	ASSERT_EQ(0, ogx_eth_key_generate(self->path, &k1));
	ASSERT_EQ(0, stat(self->path, &st));
	ASSERT_EQ(0600, st.st_mode & 07777);
	ASSERT_EQ(-EEXIST, ogx_eth_key_generate(self->path, &k2));
	ASSERT_STREQ("already exists; refusing to overwrite a key", ogx_errmsg(-EEXIST));
	ASSERT_EQ(0, ogx_eth_key_load(self->path, &k2));
	ASSERT_EQ(0, memcmp(k1.addr, k2.addr, 20));
	ogx_eth_key_free(&k1);
	ogx_eth_key_free(&k2);

	ASSERT_EQ(0, chmod(self->path, 0640));
	ASSERT_EQ(-EPERM, ogx_eth_key_load(self->path, &k2));
	ASSERT_STREQ("key file mode 0640 is readable by others; chmod 600 it",
		     ogx_errmsg(-EPERM));
}

TEST_F(keydir, load_formats)
{
	struct ogx_eth_key k;
	char a[OGX_ETH_ADDR_STRLEN], text[80];
	static const char *const bad[] = {
		"ac0974", "zz0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n",
		"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n\n",
		"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80x",
	};
	size_t i;

	snprintf(text, sizeof(text), "0x%s\n", anvil_secret);
	write_key(_metadata, self->path, text, 0600);
	ASSERT_EQ(0, ogx_eth_key_load(self->path, &k));
	ogx_eth_addr_str(a, k.addr);
	ASSERT_STREQ("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", a);
	ogx_eth_key_free(&k);
	write_key(_metadata, self->path, anvil_secret, 0600);
	ASSERT_EQ(0, ogx_eth_key_load(self->path, &k));
	ogx_eth_key_free(&k);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_key(_metadata, self->path, bad[i], 0600);
		ASSERT_EQ(-EBADMSG, ogx_eth_key_load(self->path, &k));
		ASSERT_STREQ("not a secp256k1 key (want 64 hex digits and a newline)",
			     ogx_errmsg(-EBADMSG));
	}
	ASSERT_EQ(-ENOENT, ogx_eth_key_load("/nonexistent/eth.key", &k));
}

static uint64_t u64_field(json_t *o, const char *k)
{
	return strtoull(json_string_value(json_object_get(o, k)), NULL, 10);
}

/* Every vector: our signing hash, signature, raw bytes and hash equal the independent signer's. */
TEST(tx_golden_vectors)
{
	json_t *v = load_vectors(), *c;
	struct ogx_tx tx, back;
	struct ogx_eth_key key;
	uint8_t secret[32], h[32], *data, *want, *raw, sender[20];
	size_t i, dlen, wlen, rlen;
	char s[65];

	ASSERT_NE(NULL, v);
	ASSERT_EQ(8, json_array_size(json_object_get(v, "tx")));
	json_array_foreach(json_object_get(v, "tx"), i, c) {
		ASSERT_EQ(0, ogx_unhex(secret, 32, json_string_value(json_object_get(c, "secret")) + 2));
		ASSERT_EQ(0, ogx_eth_key_from_secret(&key, secret));
		data = unhex0x(json_string_value(json_object_get(c, "data")), &dlen);
		ASSERT_NE(NULL, data);
		memset(&tx, 0, sizeof(tx));
		tx.chain_id = u64_field(c, "chainId");
		tx.nonce = u64_field(c, "nonce");
		tx.max_priority_fee = u64_field(c, "maxPriorityFeePerGas");
		tx.max_fee = u64_field(c, "maxFeePerGas");
		tx.gas = u64_field(c, "gasLimit");
		tx.value = u64_field(c, "value");
		tx.has_to = true;
		ASSERT_EQ(0, ogx_eth_addr_parse(tx.to, json_string_value(json_object_get(c, "to"))));
		tx.data = data;
		tx.data_len = dlen;

		ASSERT_EQ(0, ogx_tx_signing_hash(&tx, h));
		hexstr(s, h, 32);
		ASSERT_STREQ(json_string_value(json_object_get(c, "signingHash")) + 2, s);
		ASSERT_EQ(-EINVAL, ogx_tx_raw(&tx, &raw, &rlen));
		ASSERT_EQ(0, ogx_tx_sign(&tx, &key));
		ASSERT_EQ(json_integer_value(json_object_get(c, "yParity")), tx.sig.y_parity);
		hexstr(s, tx.sig.r, 32);
		ASSERT_STREQ(json_string_value(json_object_get(c, "r")) + 2, s);
		hexstr(s, tx.sig.s, 32);
		ASSERT_STREQ(json_string_value(json_object_get(c, "s")) + 2, s);

		ASSERT_EQ(0, ogx_tx_raw(&tx, &raw, &rlen));
		want = unhex0x(json_string_value(json_object_get(c, "raw")), &wlen);
		ASSERT_NE(NULL, want);
		ASSERT_EQ(wlen, rlen);
		ASSERT_EQ(0, memcmp(want, raw, rlen));
		ogx_tx_hash(raw, rlen, h);
		hexstr(s, h, 32);
		ASSERT_STREQ(json_string_value(json_object_get(c, "hash")) + 2, s);

		/* Parse back and recover the sender. */
		ASSERT_EQ(0, ogx_tx_parse(&back, raw, rlen));
		ASSERT_EQ(tx.nonce, back.nonce);
		ASSERT_EQ(tx.max_fee, back.max_fee);
		ASSERT_EQ(dlen, back.data_len);
		ASSERT_EQ(0, ogx_tx_sender(&back, sender));
		ASSERT_EQ(0, memcmp(key.addr, sender, 20));

		free(raw);
		free(want);
		free(data);
		ogx_eth_key_free(&key);
	}
	json_decref(v);
}

TEST(tx_parse_rejects_bad_input)
{
	json_t *v = load_vectors();
	struct ogx_tx tx;
	uint8_t *raw;
	size_t len;

	ASSERT_NE(NULL, v);
	raw = unhex0x(json_string_value(json_object_get(json_array_get(json_object_get(v, "tx"), 0),
							 "raw")), &len);
	ASSERT_NE(NULL, raw);
	json_decref(v);
	ASSERT_EQ(0, ogx_tx_parse(&tx, raw, len));
	ASSERT_EQ(-EBADMSG, ogx_tx_parse(&tx, raw, len - 1));
	ASSERT_STREQ("RLP: payload runs past the input", ogx_errmsg(-EBADMSG));
	raw[0] = 0x01;
	ASSERT_EQ(-EBADMSG, ogx_tx_parse(&tx, raw, len));
	ASSERT_STREQ("transaction: not of type 2 (EIP-1559)", ogx_errmsg(-EBADMSG));
	free(raw);
}

TEST(recover_rejects_high_s)
{
	/* n - s for a valid low-s signature is the malleated twin (EIP-2). */
	static const uint8_t order[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
		0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
	};
	struct ogx_eth_key key;
	struct ogx_eth_sig sig;
	uint8_t secret[32], h[32], addr[20];
	int i, borrow = 0, d;

	ASSERT_EQ(0, ogx_unhex(secret, 32, anvil_secret));
	ASSERT_EQ(0, ogx_eth_key_from_secret(&key, secret));
	ogx_keccak256(h, "message", 7);
	ASSERT_EQ(0, ogx_eth_sign(&key, h, &sig));
	ASSERT_EQ(0, ogx_eth_recover(h, &sig, addr));
	ASSERT_EQ(0, memcmp(key.addr, addr, 20));
	for (i = 31; i >= 0; i--) {
		d = order[i] - sig.s[i] - borrow;
		borrow = d < 0;
		sig.s[i] = d & 0xff;
	}
	sig.y_parity ^= 1;
	ASSERT_EQ(-EBADMSG, ogx_eth_recover(h, &sig, addr));
	ASSERT_STREQ("signature s is in the upper half of the order", ogx_errmsg(-EBADMSG));
	sig.y_parity = 2;
	ASSERT_EQ(-EBADMSG, ogx_eth_recover(h, &sig, addr));
	ogx_eth_key_free(&key);
}

TEST(calldata_gas)
{
	uint8_t d[100];

	ASSERT_EQ(21000, ogx_tx_calldata_gas(NULL, 0));
	memset(d, 0, sizeof(d));
	/* 100 zero bytes: standard 21,400, floor 22,000. */
	ASSERT_EQ(22000, ogx_tx_calldata_gas(d, 100));
	memset(d, 0xff, sizeof(d));
	/* 100 other bytes: standard 22,600, floor 25,000. */
	ASSERT_EQ(25000, ogx_tx_calldata_gas(d, 100));
}

/* geth's rule is new ≥ old × 1.1 on both fee fields; we pay ceil(old × 1.1) + 1. */
TEST(fee_bump_ten_percent_rule)
{
	static const struct {
		uint64_t old, want;
	} cases[] = {
		{ 0, 1 }, { 1, 3 }, { 9, 11 }, { 10, 12 }, { 11, 14 }, { 100, 111 },
		{ 1000000000, 1100000001 }, { 1000000001, 1100000003 },
	};
	uint64_t b, x = 0x9e3779b97f4a7c15ull;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, ogx_fee_bump(cases[i].old, &b));
		ASSERT_EQ(cases[i].want, b);
	}
	/* The invariant, over many values: 10·new > 11·old, and not more than 2 wei above. */
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t old = x >> (4 + i % 40);

		ASSERT_EQ(0, ogx_fee_bump(old, &b));
		ASSERT_TRUE((unsigned __int128)b * 10 > (unsigned __int128)old * 11);
		ASSERT_TRUE((unsigned __int128)(b - 2) * 10 <= (unsigned __int128)old * 11);
	}
	ASSERT_EQ(-EOVERFLOW, ogx_fee_bump(UINT64_MAX, &b));
	ASSERT_STREQ("fee 18446744073709551615 wei cannot be bumped within 64 bits",
		     ogx_errmsg(-EOVERFLOW));
}

/* Messages as geth, anvil/reth, erigon and nethermind word them. */
TEST(rpc_error_classification)
{
	static const struct {
		const char *msg;
		enum ogx_rpc_kind kind;
	} cases[] = {
		{ "nonce too low", OGX_RPC_NONCE_TOO_LOW },
		{ "nonce too low: next nonce 5, tx nonce 3", OGX_RPC_NONCE_TOO_LOW },
		{ "Nonce too low", OGX_RPC_NONCE_TOO_LOW },
		{ "nonce has already been used", OGX_RPC_NONCE_TOO_LOW },
		{ "already known", OGX_RPC_ALREADY_KNOWN },
		{ "ALREADY_EXISTS: already known", OGX_RPC_ALREADY_KNOWN },
		{ "Known transaction", OGX_RPC_ALREADY_KNOWN },
		{ "transaction already imported", OGX_RPC_ALREADY_KNOWN },
		{ "replacement transaction underpriced", OGX_RPC_UNDERPRICED },
		{ "transaction underpriced", OGX_RPC_UNDERPRICED },
		{ "Replacement transaction underpriced", OGX_RPC_UNDERPRICED },
		{ "max fee per gas less than block base fee: address 0x1, maxFeePerGas: 1, "
		  "baseFee: 7", OGX_RPC_UNDERPRICED },
		{ "insufficient funds for gas * price + value", OGX_RPC_INSUFFICIENT_FUNDS },
		{ "Insufficient funds for gas * price + value", OGX_RPC_INSUFFICIENT_FUNDS },
		{ "execution reverted: bad seq", OGX_RPC_REVERTED },
		{ "request timed out", OGX_RPC_TRANSPORT },
		{ "intrinsic gas too low", OGX_RPC_OTHER },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ASSERT_STREQ(ogx_rpc_kind_name(cases[i].kind),
			     ogx_rpc_kind_name(ogx_rpc_classify(cases[i].msg)));
}

TEST(rpc_quantity_parsing)
{
	uint64_t v;
	json_t *j;

#define Q(s, rc)                                      \
	do {                                          \
		j = json_string(s);                   \
		ASSERT_EQ(rc, ogx_rpc_quantity(j, &v)); \
		json_decref(j);                       \
	} while (0)
	Q("0x0", 0);
	ASSERT_EQ(0, v);
	Q("0x7a69", 0);
	ASSERT_EQ(31337, v);
	Q("0xffffffffffffffff", 0);
	ASSERT_EQ(UINT64_MAX, v);
	Q("0x", -EPROTO);
	Q("0x10000000000000000", -EPROTO);
	Q("7a69", -EPROTO);
	Q("0x7g", -EPROTO);
	ASSERT_STREQ("malformed quantity in the node's answer", ogx_errmsg(-EPROTO));
#undef Q
	j = json_integer(5);
	ASSERT_EQ(-EPROTO, ogx_rpc_quantity(j, &v));
	json_decref(j);
}

TEST(rpc_transport_errors)
{
	struct ogx_rpc *rpc;
	uint64_t id;

	ASSERT_EQ(-EINVAL, ogx_rpc_open(&rpc, "ftp://127.0.0.1/", 1000));
	ASSERT_STREQ("RPC URL 'ftp://127.0.0.1/' is not http:// or https://", ogx_errmsg(-EINVAL));
	/* Port 1 on loopback: nothing listens there, the connect is refused. */
	ASSERT_EQ(0, ogx_rpc_open(&rpc, "http://127.0.0.1:1/", 2000));
	ASSERT_EQ(-ECONNREFUSED, ogx_rpc_chain_id(rpc, &id));
	ASSERT_EQ(OGX_RPC_TRANSPORT, ogx_rpc_last_kind(rpc));
	ASSERT_STREQ("eth_chainId: Couldn't connect to server", ogx_errmsg(-ECONNREFUSED));
	ogx_rpc_close(rpc);
}

TEST_HARNESS_MAIN
