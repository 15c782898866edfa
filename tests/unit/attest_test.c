// SPDX-License-Identifier: GPL-2.0
/*
 * The attestation verifier's parts that need no TPM (runtime/attest/): the
 * qualifyingData recipe and KDFa against independent code (libsodium), the
 * AK and EK checks attribute by attribute, the strict decoders, the counter
 * order, and ogx_quote_verify() on quotes signed here by an OpenSSL P-256
 * key standing in for the AK — so that the checks a real TPM never trips
 * (magic, type: a TPM2_Certify structure passed off as a quote) have tests.
 * tests/e2e/attest-*.t run the rest against swtpm.
 */
#include <endian.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <tss2/tss2_mu.h>

#include "kselftest_harness.h"
#include "attest/credential.h"
#include "attest/enrol.h"
#include "attest/quote.h"
#include "util/digest.h"
#include "util/err.h"

TEST(qualifying_data_recipe)
{
	uint8_t node[32], nonce[32], got[32], want[32];
	crypto_hash_sha256_state s;

	ASSERT_EQ(0, sodium_init() < 0);
	randombytes_buf(node, 32);
	randombytes_buf(nonce, 32);
	crypto_hash_sha256_init(&s);
	crypto_hash_sha256_update(&s, (const uint8_t *)"ogx tpm quote v1", 17); /* with NUL */
	crypto_hash_sha256_update(&s, node, 32);
	crypto_hash_sha256_update(&s, nonce, 32);
	crypto_hash_sha256_final(&s, want);
	ogx_quote_qualifying(got, node, nonce);
	ASSERT_EQ(0, memcmp(got, want, 32));
}

/* KDFa (TPM 2.0 Part 1, 11.4.10.2) written out with libsodium's HMAC. */
static void kdfa_ref(const uint8_t key[32], const char *label, const uint8_t *ctx,
		     size_t ctx_len, uint8_t *out, uint32_t bits)
{
	uint8_t block[32], be[4];
	crypto_auth_hmacsha256_state s;

	for (uint32_t i = 1, done = 0; done < bits / 8; i++) {
		crypto_auth_hmacsha256_init(&s, key, 32);
		be[0] = i >> 24, be[1] = i >> 16, be[2] = i >> 8, be[3] = i;
		crypto_auth_hmacsha256_update(&s, be, 4);
		crypto_auth_hmacsha256_update(&s, (const uint8_t *)label, strlen(label) + 1);
		crypto_auth_hmacsha256_update(&s, ctx, ctx_len);
		be[0] = bits >> 24, be[1] = bits >> 16, be[2] = bits >> 8, be[3] = bits;
		crypto_auth_hmacsha256_update(&s, be, 4);
		crypto_auth_hmacsha256_final(&s, block);
		memcpy(out + done, block, bits / 8 - done < 32 ? bits / 8 - done : 32);
		done += 32;
	}
}

TEST(kdfa_is_the_tpms)
{
	uint8_t key[32], ctx[34], got[48], want[48];

	randombytes_buf(key, 32);
	randombytes_buf(ctx, 34);
	ASSERT_EQ(0, ogx_kdfa_sha256(key, 32, "STORAGE", ctx, 34, got, 128));
	kdfa_ref(key, "STORAGE", ctx, 34, want, 128);
	ASSERT_EQ(0, memcmp(got, want, 16));
	ASSERT_EQ(0, ogx_kdfa_sha256(key, 32, "INTEGRITY", NULL, 0, got, 256));
	kdfa_ref(key, "INTEGRITY", NULL, 0, want, 256);
	ASSERT_EQ(0, memcmp(got, want, 32));
	/* two blocks: the counter goes on, L is the whole length */
	ASSERT_EQ(0, ogx_kdfa_sha256(key, 32, "X", ctx, 3, got, 384));
	kdfa_ref(key, "X", ctx, 3, want, 384);
	ASSERT_EQ(0, memcmp(got, want, 48));
}

/* An OpenSSL P-256 key as a TPM AK public of the AK template. */
static EVP_PKEY *fake_ak(TPM2B_PUBLIC *pub)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	uint8_t pt[65];
	size_t len = 0;

	if (sodium_init() < 0)	/* each test runs in its own process */
		return NULL;
	ogx_tpmpub_ak_template(pub);
	if (!k || EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt),
						   &len) != 1 || len != 65)
		return NULL;
	pub->publicArea.unique.ecc.x.size = 32;
	memcpy(pub->publicArea.unique.ecc.x.buffer, pt + 1, 32);
	pub->publicArea.unique.ecc.y.size = 32;
	memcpy(pub->publicArea.unique.ecc.y.buffer, pt + 33, 32);
	return k;
}

TEST(ak_attributes_each_checked)
{
	static const struct {
		TPMA_OBJECT clear, set;
		const char *msg;
	} c[] = {
		{ TPMA_OBJECT_RESTRICTED, 0, "AK: attribute restricted is not set" },
		{ TPMA_OBJECT_SIGN_ENCRYPT, 0, "AK: attribute sign is not set" },
		{ TPMA_OBJECT_FIXEDTPM, 0, "AK: attribute fixedTPM is not set" },
		{ TPMA_OBJECT_FIXEDPARENT, 0, "AK: attribute fixedParent is not set" },
		{ TPMA_OBJECT_SENSITIVEDATAORIGIN, 0, "AK: attribute sensitiveDataOrigin is not set" },
		{ 0, TPMA_OBJECT_DECRYPT, "AK: attribute decrypt is set (an AK only signs)" },
	};
	TPM2B_PUBLIC ak, bad;
	EVP_PKEY *k = fake_ak(&ak);

	ASSERT_NE(NULL, k);
	ASSERT_EQ(0, ogx_tpmpub_check_ak(&ak));
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		bad = ak;
		bad.publicArea.objectAttributes &= ~c[i].clear;
		bad.publicArea.objectAttributes |= c[i].set;
		ASSERT_EQ(-EBADMSG, ogx_tpmpub_check_ak(&bad));
		ASSERT_EQ(0, strncmp(ogx_errmsg(-EBADMSG), c[i].msg, strlen(c[i].msg)));
	}
	bad = ak;
	bad.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P384;
	ASSERT_EQ(-EBADMSG, ogx_tpmpub_check_ak(&bad));
	ASSERT_STREQ("AK: curve 0x0004, not NIST P-256", ogx_errmsg(-EBADMSG));
	bad = ak;
	bad.publicArea.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA1;
	ASSERT_EQ(-EBADMSG, ogx_tpmpub_check_ak(&bad));
	ASSERT_STREQ("AK: scheme 0x0018/0x0004, not ECDSA with SHA-256", ogx_errmsg(-EBADMSG));
	bad = ak;
	bad.publicArea.type = TPM2_ALG_RSA;
	ASSERT_EQ(-EBADMSG, ogx_tpmpub_check_ak(&bad));
	ASSERT_STREQ("AK: key type 0x0001, not ECC", ogx_errmsg(-EBADMSG));
	EVP_PKEY_free(k);
}

TEST(ek_template_checked)
{
	TPM2B_PUBLIC ek, bad;
	uint8_t name[OGX_TPM_NAME_LEN];
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET secret;

	ogx_tpmpub_ek_template(&ek);
	ASSERT_EQ(0, ogx_tpmpub_check_ek(&ek));
	bad = ek;
	bad.publicArea.authPolicy.buffer[0] ^= 1;
	ASSERT_EQ(-EBADMSG, ogx_tpmpub_check_ek(&bad));
	ASSERT_STREQ("EK: authPolicy is not PolicySecret(endorsement)", ogx_errmsg(-EBADMSG));
	bad = ek;
	bad.publicArea.objectAttributes |= TPMA_OBJECT_USERWITHAUTH;
	ASSERT_EQ(-EBADMSG, ogx_tpmpub_check_ek(&bad));
	ASSERT_STREQ("EK: attributes 0x000300f2, not the EK template's 0x000300b2",
		     ogx_errmsg(-EBADMSG));
	memset(name, 0, sizeof(name));
	ASSERT_EQ(-EINVAL, ogx_make_credential(&ek, name, name, 0, &blob, &secret));
	ASSERT_STREQ("MakeCredential: a credential of 0 bytes (1..64)", ogx_errmsg(-EINVAL));
	ASSERT_EQ(-EBADMSG, ogx_make_credential(&bad, name, name, 32, &blob, &secret));
}

/* A bundle: q's attest is att, signed by k; boot PCRs i+1; log of n events. */
static void sign_quote(struct ogx_quote *q, EVP_PKEY *k, const TPMS_ATTEST *att)
{
	uint8_t der[80], buf[sizeof(TPMS_ATTEST)];
	const unsigned char *p = der;
	size_t off = 0, dlen = sizeof(der);
	TPMT_SIGNATURE s = { .sigAlg = TPM2_ALG_ECDSA };
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ECDSA_SIG *es;
	const BIGNUM *r, *bs;

	Tss2_MU_TPMS_ATTEST_Marshal(att, buf, sizeof(buf), &off);
	free(q->attest);
	q->attest = malloc(off);
	memcpy(q->attest, buf, off);
	q->attest_len = off;
	EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k);
	EVP_DigestSign(md, der, &dlen, q->attest, q->attest_len);
	EVP_MD_CTX_free(md);
	es = d2i_ECDSA_SIG(NULL, &p, dlen);
	ECDSA_SIG_get0(es, &r, &bs);
	s.signature.ecdsa.hash = TPM2_ALG_SHA256;
	s.signature.ecdsa.signatureR.size = BN_bn2binpad(r, s.signature.ecdsa.signatureR.buffer, 32);
	s.signature.ecdsa.signatureS.size = BN_bn2binpad(bs, s.signature.ecdsa.signatureS.buffer, 32);
	ECDSA_SIG_free(es);
	off = 0;
	Tss2_MU_TPMT_SIGNATURE_Marshal(&s, buf, sizeof(buf), &off);
	free(q->sig);
	q->sig = malloc(off);
	memcpy(q->sig, buf, off);
	q->sig_len = off;
}

FIXTURE(quote)
{
	EVP_PKEY *k;
	struct ogx_enrolment e;
	struct ogx_quote q;
	TPMS_ATTEST att;
	uint8_t nonce[32], pcr3[32];
};

FIXTURE_SETUP(quote)
{
	uint8_t head[32] = { 0 }, pcr[32] = { 0 }, buf[64 + 256];

	memset(&self->e, 0, sizeof(self->e));
	memset(&self->q, 0, sizeof(self->q));
	self->k = fake_ak(&self->e.ak);
	ASSERT_NE(NULL, self->k);
	randombytes_buf(self->e.node, 32);
	randombytes_buf(self->nonce, 32);
	memcpy(self->q.node, self->e.node, 32);
	self->q.pcr = 23;
	self->q.n = 5;
	self->q.log = calloc(5, sizeof(struct ogx_event));
	for (int i = 0; i < 8; i++)
		memset(self->q.boot[i], i + 1, 32);
	for (int i = 0; i < 5; i++) {
		struct ogx_event *ev = &self->q.log[i];

		ev->seq = htole64(i);
		memset(ev->model, i, 32);
		ogx_sha256(ev->digest, ev, offsetof(struct ogx_event, digest));
		memcpy(buf, head, 32);
		memcpy(buf + 32, ev->digest, 32);
		ogx_sha256(head, buf, 64);
		memcpy(ev->head, head, 32);
		memcpy(buf, pcr, 32);
		ogx_sha256(pcr, buf, 64);	/* the same extend, into the PCR */
		if (i == 2)
			memcpy(self->pcr3, pcr, 32);
	}
	/* the quote covers the first 3 events */
	memset(&self->att, 0, sizeof(self->att));
	self->att.magic = TPM2_GENERATED_VALUE;
	self->att.type = TPM2_ST_ATTEST_QUOTE;
	self->att.extraData.size = 32;
	ogx_quote_qualifying(self->att.extraData.buffer, self->q.node, self->nonce);
	self->att.clockInfo.clock = 1000;
	self->att.clockInfo.resetCount = 4;
	self->att.clockInfo.safe = 1;
	self->att.attested.quote.pcrSelect.count = 1;
	self->att.attested.quote.pcrSelect.pcrSelections[0].hash = TPM2_ALG_SHA256;
	self->att.attested.quote.pcrSelect.pcrSelections[0].sizeofSelect = 3;
	self->att.attested.quote.pcrSelect.pcrSelections[0].pcrSelect[0] = 0xff;
	self->att.attested.quote.pcrSelect.pcrSelections[0].pcrSelect[2] = 0x80;
	memcpy(buf, self->q.boot, 256);
	memcpy(buf + 256, self->pcr3, 32);
	self->att.attested.quote.pcrDigest.size = 32;
	ogx_sha256(self->att.attested.quote.pcrDigest.buffer, buf, 256 + 32);
	sign_quote(&self->q, self->k, &self->att);
}

FIXTURE_TEARDOWN(quote)
{
	ogx_quote_free(&self->q);
	EVP_PKEY_free(self->k);
}

#define EXPECT_QUOTE_FAIL(field_, msg)                                                  \
	do {                                                                            \
		struct ogx_quote_result r_;                                             \
		ASSERT_EQ(-EBADMSG, ogx_quote_verify(&self->q, &self->e, self->nonce, &r_)); \
		ASSERT_STREQ(field_, r_.field);                                         \
		ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));                                \
	} while (0)

TEST_F(quote, verifies_at_a_prefix)
{
	struct ogx_quote_result r;

	ASSERT_EQ(0, ogx_quote_verify(&self->q, &self->e, self->nonce, &r));
	ASSERT_EQ(3, r.covered);
	ASSERT_EQ(0, memcmp(r.pcr_value, self->pcr3, 32));
	ASSERT_EQ(1, r.from_boot);
	ASSERT_EQ(1000, r.clock);
	ASSERT_EQ(4, r.reset_count);
}

TEST_F(quote, covers_the_prefix_only)
{
	struct ogx_quote_result r;
	const struct ogx_event *l = self->q.log;

	ASSERT_EQ(0, ogx_quote_verify(&self->q, &self->e, self->nonce, &r));
	ASSERT_EQ(0, ogx_quote_covers(&self->q, &r, 0, l[0].digest, l[0].head));
	ASSERT_EQ(0, ogx_quote_covers(&self->q, &r, 2, l[2].digest, l[2].head));
	/* exported, but after the quote */
	ASSERT_EQ(-ENOENT, ogx_quote_covers(&self->q, &r, 3, l[3].digest, l[3].head));
	/* another digest or head at a covered seq */
	ASSERT_EQ(-ENOENT, ogx_quote_covers(&self->q, &r, 1, l[2].digest, l[1].head));
	ASSERT_EQ(-ENOENT, ogx_quote_covers(&self->q, &r, 1, l[1].digest, l[2].head));
	ASSERT_EQ(-ENOENT, ogx_quote_covers(&self->q, &r, 99, l[1].digest, l[1].head));
}

TEST_F(quote, magic_checked)
{
	self->att.magic ^= 1;
	sign_quote(&self->q, self->k, &self->att);
	EXPECT_QUOTE_FAIL("magic", "magic 0xff544346, not TPM_GENERATED_VALUE");
}

TEST_F(quote, a_certify_is_not_a_quote)
{
	self->att.type = TPM2_ST_ATTEST_CERTIFY;
	memset(&self->att.attested, 0, sizeof(self->att.attested));
	sign_quote(&self->q, self->k, &self->att);
	EXPECT_QUOTE_FAIL("type", "type 0x8017, not TPM_ST_ATTEST_QUOTE");
}

TEST_F(quote, extra_data_checked)
{
	self->nonce[0] ^= 1;
	EXPECT_QUOTE_FAIL("extraData", "extraData is not the qualifyingData of this node and "
			  "nonce (a quote for another nonce, or replayed)");
}

TEST_F(quote, selection_checked)
{
	self->att.attested.quote.pcrSelect.pcrSelections[0].pcrSelect[0] = 0x7f;
	sign_quote(&self->q, self->k, &self->att);
	EXPECT_QUOTE_FAIL("pcrSelect", "the quote selects PCRs 0x80007f; want 0-7 and 23 (0x8000ff)");
	self->att.attested.quote.pcrSelect.pcrSelections[0].hash = TPM2_ALG_SHA1;
	sign_quote(&self->q, self->k, &self->att);
	EXPECT_QUOTE_FAIL("pcrSelect", "the quote selects 1 banks; want the SHA-256 bank only");
}

TEST_F(quote, signature_and_node_checked)
{
	struct ogx_enrolment other = self->e;
	EVP_PKEY *k2 = fake_ak(&other.ak);

	ASSERT_NE(NULL, k2);
	self->e.ak = other.ak;
	EXPECT_QUOTE_FAIL("sig", "the signature does not verify under the enrolled AK");
	EVP_PKEY_free(k2);
	self->q.node[0] ^= 1;
	EXPECT_QUOTE_FAIL("node", "the quote is another node's than the enrolment record's");
}

TEST_F(quote, log_and_pcr_replayed)
{
	self->q.from[0] = 1;
	EXPECT_QUOTE_FAIL("pcrDigest", "the quoted PCR digest is that of no prefix of the log "
			  "(0..5 events from the checkpoint) with the boot PCRs given");
	self->q.from[0] = 0;
	self->q.log[1].model[0] ^= 1;
	EXPECT_QUOTE_FAIL("log", "event log: seq 1: digest mismatch");
	self->q.log[1].model[0] ^= 1;
	self->q.n = 2;	/* the PCR covers 3 */
	EXPECT_QUOTE_FAIL("pcrDigest", "the quoted PCR digest is that of no prefix of the log "
			  "(0..2 events from the checkpoint) with the boot PCRs given");
}

TEST_F(quote, bundle_roundtrip_and_strictness)
{
	struct ogx_quote d;
	uint8_t *buf, *b2;
	size_t len;

	ASSERT_EQ(0, ogx_quote_encode(&self->q, &buf, &len));
	ASSERT_EQ(0, ogx_quote_decode(buf, len, &d));
	ASSERT_EQ(5, d.n);
	ASSERT_EQ(0, memcmp(d.log, self->q.log, 5 * sizeof(struct ogx_event)));
	ogx_quote_free(&d);
	b2 = malloc(len + 1);
	memcpy(b2, buf, len);
	b2[len] = 0;
	ASSERT_EQ(-EBADMSG, ogx_quote_decode(b2, len + 1, &d));
	ASSERT_STREQ("quote: 1 bytes after the CBOR map", ogx_errmsg(-EBADMSG));
	/* the pcr (key 2, at byte 38) as a two-byte uint: not the shortest head */
	ASSERT_EQ(0x02, buf[38]);
	ASSERT_EQ(23, buf[39]);
	memcpy(b2, buf, 39);
	b2[39] = 0x18;
	b2[40] = 23;
	memcpy(b2 + 41, buf + 40, len - 40);
	ASSERT_EQ(-EBADMSG, ogx_quote_decode(b2, len + 1, &d));
	ASSERT_STREQ("quote: not in canonical CBOR (shortest heads)", ogx_errmsg(-EBADMSG));
	buf[0] = 0xa7;	/* a map of 7 */
	ASSERT_EQ(-EBADMSG, ogx_quote_decode(buf, len, &d));
	ASSERT_STREQ("quote: 7 entries, want 8", ogx_errmsg(-EBADMSG));
	buf[0] = 0x9b;	/* an array of 2^64 - 1 items: refused at its head, nothing allocated */
	memset(buf + 1, 0xff, 8);
	ASSERT_EQ(-EBADMSG, ogx_quote_decode(buf, len, &d));
	ASSERT_STREQ("quote: not a definite CBOR map", ogx_errmsg(-EBADMSG));
	free(buf);
	free(b2);
	self->q.pcr = 7;
	ASSERT_EQ(0, ogx_quote_encode(&self->q, &buf, &len));
	ASSERT_EQ(-EBADMSG, ogx_quote_decode(buf, len, &d));
	ASSERT_STREQ("quote: pcr 7: the module's PCR is one of 8..23", ogx_errmsg(-EBADMSG));
	free(buf);
}

TEST(counters_only_go_forward)
{
	struct ogx_quote_result a = { .clock = 100, .reset_count = 2, .restart_count = 1 }, b;

	b = a;
	b.clock = 101;
	ASSERT_EQ(0, ogx_quote_follows(&a, &b));
	b.clock = 100;
	ASSERT_EQ(-EBADMSG, ogx_quote_follows(&a, &b));
	ASSERT_STREQ("clock 100 ms after 100 ms within resetCount 2: it only goes forward",
		     ogx_errmsg(-EBADMSG));
	b.restart_count = 0;
	b.clock = 200;
	ASSERT_EQ(-EBADMSG, ogx_quote_follows(&a, &b));
	ASSERT_STREQ("restartCount 0 after 1 within resetCount 2", ogx_errmsg(-EBADMSG));
	b.reset_count = 3;
	b.clock = 5;	/* a reset: the clock may start lower */
	ASSERT_EQ(0, ogx_quote_follows(&a, &b));
	ASSERT_EQ(-EBADMSG, ogx_quote_follows(&b, &a));
	ASSERT_STREQ("resetCount 2 after 3: it never goes back", ogx_errmsg(-EBADMSG));
}

TEST(enrolment_decode_strict)
{
	struct ogx_enrolment e = { 0 }, d;
	uint8_t seed[32] = { 1 }, cert[3] = { 0x30, 0x01, 0x00 }, *buf;
	struct ogx_key key;
	size_t len;
	EVP_PKEY *k = fake_ak(&e.ak);

	ASSERT_NE(NULL, k);
	ogx_tpmpub_ek_template(&e.ek);
	e.ek_cert = cert;
	e.ek_cert_len = sizeof(cert);
	ASSERT_EQ(0, ogx_key_from_seed(&key, seed));
	ASSERT_EQ(0, ogx_enrolment_sign(&e, &key, &buf, &len));
	ASSERT_EQ(0, ogx_enrolment_decode(buf, len, &d));
	ASSERT_EQ(0, memcmp(d.ak_name, e.ak_name, OGX_TPM_NAME_LEN));
	ASSERT_EQ(0, memcmp(d.ak.publicArea.unique.ecc.x.buffer, e.ak.publicArea.unique.ecc.x.buffer, 32));
	ogx_enrolment_free(&d);
	buf[2] = 2;	/* version 2 (key 0's value) */
	ASSERT_EQ(-EBADMSG, ogx_enrolment_decode(buf, len, &d));
	ASSERT_STREQ("enrolment record: version 2, want 1", ogx_errmsg(-EBADMSG));
	buf[1] = 1;	/* key 1 where 0 is due */
	ASSERT_EQ(-EBADMSG, ogx_enrolment_decode(buf, len, &d));
	ASSERT_STREQ("enrolment record: entry 0: want key 0 (version)", ogx_errmsg(-EBADMSG));
	free(buf);
	ogx_key_free(&key);
	EVP_PKEY_free(k);
}

TEST_HARNESS_MAIN
