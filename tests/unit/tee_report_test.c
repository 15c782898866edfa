// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware TEE reports (runtime/attest/): the real samples of
 * tests/vectors/tee (README there: where each came from) verify through
 * chain, signature and TCB, and fail with exact errors when any byte is
 * flipped, when truncated, with a wrong chain, at a wrong time, and when
 * their report data does not bind the node. A synthetic CA made here with
 * OpenSSL — labelled so, passed as a configured root, never trusted by
 * default — signs reports whose report data binds a node key: the positive
 * binding test, and the chains that no pinned root ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <cbor.h>

#include "kselftest_harness.h"
#include "attest/bind.h"
#include "attest/nitro.h"
#include "attest/snp.h"
#include "attest/tsm.h"
#include "util/cbor_enc.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

/* Times inside the samples' validity: SNP certificates span years, Nitro's leaf 3 hours. */
#define AT_SNP 1704067200	/* 2024-01-01T00:00:00Z */
#define AT_NITRO 1770918962	/* the og-evm document's own timestamp, in seconds */

struct blob {
	uint8_t *data;
	size_t len;
};

static struct blob vector(const char *name)
{
	const char *src = getenv("OGX_SRC");
	char path[4096];
	struct blob b;

	snprintf(path, sizeof(path), "%s/tests/vectors/tee/%s", src ? src : ".", name);
	if (ogx_read_file(path, 1 << 20, &b.data, &b.len)) {
		fprintf(stderr, "%s: %s\n", path, ogx_errmsg(-ENOENT));
		abort();
	}
	return b;
}

static int snp_check(struct ogx_snp_verify *v, const struct blob *rep, const struct blob *vcek,
		     const struct blob *chain, time_t at)
{
	memset(v, 0, sizeof(*v));
	v->vcek = vcek ? vcek->data : NULL;
	v->vcek_len = vcek ? vcek->len : 0;
	v->chain = chain ? chain->data : NULL;
	v->chain_len = chain ? chain->len : 0;
	v->at = at;
	return ogx_snp_verify(v, rep->data, rep->len);
}

#define EXPECT_ERR(call, want_err, want_msg)                                      \
	do {                                                                      \
		int e_ = (call);                                                  \
		EXPECT_EQ(want_err, e_);                                          \
		EXPECT_STREQ(want_msg, ogx_errmsg(e_));                           \
	} while (0)

TEST(snp_samples_verify)
{
	static const char *const names[][2] = {
		{ "snp-milan-virtee.bin", "snp-milan-virtee-vcek.der" },
		{ "snp-milan-gsg.bin", "snp-milan-gsg-vcek.der" },
	};
	struct blob chain = vector("snp-milan-chain.pem");

	for (int i = 0; i < 2; i++) {
		struct blob rep = vector(names[i][0]), vcek = vector(names[i][1]);
		struct ogx_snp_verify v;

		if (i == 0) {
			ASSERT_EQ(0, snp_check(&v, &rep, &vcek, &chain, AT_SNP));
			EXPECT_EQ(OGX_ATTEST_OK, v.failed);
		} else {
			/* go-sev-guest's VM allows debugging: genuine, and refused. */
			EXPECT_ERR(snp_check(&v, &rep, &vcek, &chain, AT_SNP), -EPROTO,
				   "sev-snp: the guest policy 0xb0000 allows debugging (bit 19): "
				   "the host can read and write the guest's memory");
			EXPECT_EQ(OGX_ATTEST_POLICY, v.failed);
		}
		EXPECT_STREQ("ARK-Milan", v.root);
		EXPECT_STREQ("Milan-B0", v.product);
		EXPECT_EQ(4, v.tcb_checked);
		EXPECT_TRUE(v.chip_id_checked);
		EXPECT_EQ(2, v.report.version);
		EXPECT_EQ(1, v.report.sig_algo);
		free(rep.data);
		free(vcek.data);
	}
	free(chain.data);
}

/*
 * The flip tests verify thousands of reports (an SNP one: 2 RSA-4096 and 2
 * P-384 verifications; a Nitro one: 6 P-384): more than the harness's
 * default 30 s on a loaded machine.
 */
FIXTURE(flips) {
	int unused;
};
FIXTURE_SETUP(flips) {}
FIXTURE_TEARDOWN(flips) {}

/* Every byte of both samples, flipped two ways: each fails, on its format or signature. */
TEST_F_TIMEOUT(flips, snp_every_byte_flipped, 600)
{
	static const char *const names[][2] = {
		{ "snp-milan-virtee.bin", "snp-milan-virtee-vcek.der" },
		{ "snp-milan-gsg.bin", "snp-milan-gsg-vcek.der" },
	};
	struct blob chain = vector("snp-milan-chain.pem");

	for (int n = 0; n < 2; n++) {
		struct blob rep = vector(names[n][0]), vcek = vector(names[n][1]);
		int format = 0, signature = 0;

		for (size_t i = 0; i < rep.len; i++) {
			for (int m = 0; m < 2; m++) {
				struct ogx_snp_verify v;
				uint8_t keep = rep.data[i];
				int err;

				rep.data[i] ^= m ? 0xff : 0x01;
				err = snp_check(&v, &rep, &vcek, &chain, AT_SNP);
				rep.data[i] = keep;
				if (!err || (v.failed != OGX_ATTEST_FORMAT &&
					     v.failed != OGX_ATTEST_SIGNATURE)) {
					TH_LOG("%s: byte %zu ^ %#x: err %d step %s", names[n][0], i,
					       m ? 0xff : 1, err, ogx_attest_step_name(v.failed));
					ASSERT_TRUE(0);
				}
				format += v.failed == OGX_ATTEST_FORMAT;
				signature += v.failed == OGX_ATTEST_SIGNATURE;
			}
		}
		/* The signed 0x2a0 bytes (less version, algorithm, VMPL) fail the signature. */
		EXPECT_GE(signature, 2 * (OGX_SNP_SIGNED_SIZE - 12));
		EXPECT_GE(format, 2 * (OGX_SNP_REPORT_SIZE - OGX_SNP_SIGNED_SIZE - 96));
		free(rep.data);
		free(vcek.data);
	}
	free(chain.data);
}

TEST(snp_exact_errors)
{
	struct blob rep = vector("snp-milan-virtee.bin"), vcek = vector("snp-milan-virtee-vcek.der");
	struct blob chain = vector("snp-milan-chain.pem");
	struct ogx_snp_verify v;

	rep.data[0] ^= 0xff;
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &chain, AT_SNP), -EBADMSG,
		   "sev-snp report: version 253 (this verifier reads 2 to 5)");
	rep.data[0] ^= 0xff;
	rep.data[0x34] ^= 0x01;
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &chain, AT_SNP), -EBADMSG,
		   "sev-snp report: signature algorithm 0 (want 1, ECDSA P-384 with SHA-384)");
	rep.data[0x34] ^= 0x01;
	rep.data[0x30] = 4;
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &chain, AT_SNP), -EBADMSG,
		   "sev-snp report: VMPL 4 (0 to 3)");
	rep.data[0x30] = 0;
	rep.data[0x50] ^= 0x01; /* report_data */
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &chain, AT_SNP), -EKEYREJECTED,
		   "the signature does not verify under the VCEK's P-384 key");
	EXPECT_EQ(OGX_ATTEST_SIGNATURE, v.failed);
	rep.data[0x50] ^= 0x01;
	rep.data[0x2a0 + 48] = 1;
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &chain, AT_SNP), -EBADMSG,
		   "sev-snp report: signature r is wider than 384 bits (bytes 48..71 of its "
		   "72-byte field are not zero)");
	rep.data[0x2a0 + 48] = 0;
	rep.data[0x2e8 + 71] = 1;
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &chain, AT_SNP), -EBADMSG,
		   "sev-snp report: signature s is wider than 384 bits (bytes 48..71 of its "
		   "72-byte field are not zero)");
	rep.data[0x2e8 + 71] = 0;
	rep.data[1183] = 0x80;
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &chain, AT_SNP), -EBADMSG,
		   "sev-snp report: the reserved bytes after the signature (0x330..0x49f) are "
		   "not zero");
	EXPECT_EQ(OGX_ATTEST_FORMAT, v.failed);
	rep.data[1183] = 0;
	ASSERT_EQ(0, snp_check(&v, &rep, &vcek, &chain, AT_SNP));
	free(rep.data);
	free(vcek.data);
	free(chain.data);
}

TEST(snp_truncated)
{
	struct blob rep = vector("snp-milan-virtee.bin"), vcek = vector("snp-milan-virtee-vcek.der");
	struct blob chain = vector("snp-milan-chain.pem");
	struct ogx_snp_verify v;
	struct blob cut = rep;

	for (cut.len = 0; cut.len < rep.len; cut.len += cut.len < 16 ? 1 : 97) {
		char want[64];

		snprintf(want, sizeof(want), "sev-snp report: %zu bytes, want 1184", cut.len);
		EXPECT_ERR(snp_check(&v, &cut, &vcek, &chain, AT_SNP), -EBADMSG, want);
		EXPECT_EQ(OGX_ATTEST_FORMAT, v.failed);
	}
	cut.len = rep.len - 1;
	EXPECT_ERR(snp_check(&v, &cut, &vcek, &chain, AT_SNP), -EBADMSG,
		   "sev-snp report: 1183 bytes, want 1184");
	free(rep.data);
	free(vcek.data);
	free(chain.data);
}

/* PEM of certs (in order) from two files' certificates. */
static struct blob pem_of(X509 *const *certs, size_t n)
{
	BIO *bio = BIO_new(BIO_s_mem());
	struct blob b;
	char *p;

	for (size_t i = 0; i < n; i++)
		PEM_write_bio_X509(bio, certs[i]);
	b.len = (size_t)BIO_get_mem_data(bio, &p);
	b.data = malloc(b.len);
	memcpy(b.data, p, b.len);
	BIO_free(bio);
	return b;
}

static void chain_certs(const char *name, X509 **ask, X509 **ark)
{
	struct blob b = vector(name);
	X509 *c[3];
	size_t n;

	if (ogx_x509_load_pem_all(c, 3, &n, b.data, b.len, name) || n != 2)
		abort();
	*ask = c[0];
	*ark = c[1];
	free(b.data);
}

TEST(snp_wrong_chains)
{
	struct blob rep = vector("snp-milan-virtee.bin"), vcek = vector("snp-milan-virtee-vcek.der");
	struct blob other_vcek = vector("snp-milan-gsg-vcek.der");
	struct blob milan = vector("snp-milan-chain.pem"), genoa = vector("snp-genoa-chain.pem");
	X509 *mask, *mark, *gask, *gark, *c[2];
	struct ogx_snp_verify v;
	struct blob b;

	chain_certs("snp-milan-chain.pem", &mask, &mark);
	chain_certs("snp-genoa-chain.pem", &gask, &gark);

	/* Genoa's ASK under Milan's ARK. */
	c[0] = gask;
	c[1] = mark;
	b = pem_of(c, 2);
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &b, AT_SNP), -EKEYREJECTED,
		   "the ASK (CN=SEV-Genoa) is not issued by the ARK (CN=ARK-Milan): subject "
		   "issuer mismatch");
	EXPECT_EQ(OGX_ATTEST_CHAIN, v.failed);
	free(b.data);

	/* The Genoa chain, whole and pinned, under a Milan VCEK. */
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &genoa, AT_SNP), -EKEYREJECTED,
		   "the VCEK (CN=SEV-VCEK) is not issued by the ASK (CN=SEV-Genoa): subject "
		   "issuer mismatch");
	EXPECT_STREQ("ARK-Genoa", v.root);

	/* The ASK and ARK in the other order: found by the pinned digest, verifies. */
	c[0] = mark;
	c[1] = mask;
	b = pem_of(c, 2);
	EXPECT_EQ(0, snp_check(&v, &rep, &vcek, &b, AT_SNP));
	free(b.data);

	/* The ASK twice: no root. */
	c[0] = mask;
	c[1] = mask;
	b = pem_of(c, 2);
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &b, AT_SNP), -EKEYREJECTED,
		   "sev-snp: the chain's root CN=SEV-Milan (SHA-256 67d303bd3905fd38...) is not a "
		   "pinned AMD ARK (ARK-Milan, ARK-Genoa)");
	free(b.data);

	/* The ARK alone. */
	b = pem_of(&mark, 1);
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &b, AT_SNP), -EKEYREJECTED,
		   "ASK + ARK chain: 1 certificates, want 2");
	free(b.data);

	/* Another chip's VCEK (same ASK): the chain holds, the signature does not. */
	EXPECT_ERR(snp_check(&v, &rep, &other_vcek, &milan, AT_SNP), -EKEYREJECTED,
		   "the signature does not verify under the VCEK's P-384 key");
	EXPECT_EQ(OGX_ATTEST_SIGNATURE, v.failed);

	/* No VCEK, no chain, garbage. */
	EXPECT_ERR(snp_check(&v, &rep, NULL, &milan, AT_SNP), -EKEYREJECTED,
		   "sev-snp: no VCEK given: the report's chain is the VCEK, then the ASK and ARK");
	EXPECT_ERR(snp_check(&v, &rep, &vcek, NULL, AT_SNP), -EKEYREJECTED,
		   "sev-snp: no ASK + ARK chain given: the report's chain is the VCEK, then the "
		   "ASK and ARK");
	b.data = (uint8_t *)"not a certificate";
	b.len = 17;
	EXPECT_ERR(snp_check(&v, &rep, &b, &milan, AT_SNP), -EKEYREJECTED,
		   "VCEK: not a DER X.509 certificate");
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &b, AT_SNP), -EKEYREJECTED,
		   "ASK + ARK chain: want 1 to 3 PEM certificates and nothing else");

	X509_free(mask);
	X509_free(mark);
	X509_free(gask);
	X509_free(gark);
	free(rep.data);
	free(vcek.data);
	free(other_vcek.data);
	free(milan.data);
	free(genoa.data);
}

TEST(snp_wrong_time)
{
	struct blob rep = vector("snp-milan-virtee.bin"), vcek = vector("snp-milan-virtee-vcek.der");
	struct blob chain = vector("snp-milan-chain.pem");
	struct ogx_snp_verify v;

	EXPECT_ERR(snp_check(&v, &rep, &vcek, &chain, 1640995200 /* 2022-01-01 */), -EKEYREJECTED,
		   "the VCEK (CN=SEV-VCEK) is not valid at 2022-01-01T00:00:00Z (valid "
		   "2023-04-03T19:23:43Z to 2030-04-03T19:23:43Z)");
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &chain, 1577836800 /* 2020-01-01 */), -EKEYREJECTED,
		   "the ARK (CN=ARK-Milan) is not valid at 2020-01-01T00:00:00Z (valid "
		   "2020-10-22T17:23:05Z to 2045-10-22T17:23:05Z)");
	EXPECT_ERR(snp_check(&v, &rep, &vcek, &chain, 1924992000 /* 2031-01-01 */), -EKEYREJECTED,
		   "the VCEK (CN=SEV-VCEK) is not valid at 2031-01-01T00:00:00Z (valid "
		   "2023-04-03T19:23:43Z to 2030-04-03T19:23:43Z)");
	EXPECT_EQ(OGX_ATTEST_CHAIN, v.failed);
	free(rep.data);
	free(vcek.data);
	free(chain.data);
}

static void node_and_nonce(uint8_t node[32], uint8_t nonce[32])
{
	for (int i = 0; i < 32; i++) {
		node[i] = (uint8_t)(0x40 + i);
		nonce[i] = (uint8_t)(0xa0 + i);
	}
}

/* The expected mismatch line for data against the test's node and nonce. */
static void mismatch(char *out, size_t len, const char *what, const uint8_t *data)
{
	uint8_t node[32], nonce[32], want[64];
	char g[33], w[33], n[17];

	node_and_nonce(node, nonce);
	ogx_attest_binding(want, node, nonce);
	ogx_hex(g, data, 16);
	ogx_hex(w, want, 16);
	ogx_hex(n, node, 8);
	snprintf(out, len, "%s %s... is not the binding of node %s... and the given nonce (want "
		 "%s...)", what, g, n, w);
}

TEST(samples_bind_no_ogx_node)
{
	struct blob rep = vector("snp-milan-virtee.bin"), doc = vector("nitro-og-evm.cbor");
	struct ogx_snp_report r;
	struct ogx_nitro_doc d;
	uint8_t node[32], nonce[32];
	char want[300];

	node_and_nonce(node, nonce);
	ASSERT_EQ(0, ogx_snp_parse(&r, rep.data, rep.len));
	mismatch(want, sizeof(want), "report_data", r.report_data);
	EXPECT_STREQ("report_data d447b55d197491bfe15cf298f9de9986... is not the binding of node "
		     "4041424344454647... and the given nonce (want 3d2308839f95f55a"
		     "1bb2595be5c4a622...)", want);
	EXPECT_ERR(ogx_attest_binding_check(r.report_data, 64, "report_data", node, nonce),
		   -EACCES, want);
	/* OpenGradient's document binds a TLS certificate and a key (nitriding's 68 bytes). */
	ASSERT_EQ(0, ogx_nitro_parse(&d, doc.data, doc.len));
	EXPECT_EQ(68, d.user_data.len);
	EXPECT_ERR(ogx_attest_binding_check(d.user_data.data, d.user_data.len, "user_data", node,
					    nonce), -EACCES,
		   "user_data has 68 bytes, not the 64 of an ogx binding");
	ogx_nitro_free(&d);
	free(rep.data);
	free(doc.data);
}

TEST(binding_recipe)
{
	uint8_t node[32], nonce[32], out[64], again[64];
	char h[129];

	node_and_nonce(node, nonce);
	ogx_attest_binding(out, node, nonce);
	ogx_hex(h, out, 64);
	/* SHA-512("ogx/tee-report-data/v1" || 00 || 40..5f || a0..bf), by Python's hashlib. */
	EXPECT_STREQ("3d2308839f95f55a1bb2595be5c4a6228b5eb85bb5812bb45d67c6ac68141442"
		     "bd9ba7c30b52d75ef57d5138e407c7ab7543a561b42cee7bcc08670b887318e5", h);
	ogx_attest_binding(again, node, nonce);
	EXPECT_EQ(0, memcmp(out, again, 64));
	EXPECT_EQ(0, ogx_attest_binding_check(out, 64, "report_data", node, nonce));
	nonce[31] ^= 1;
	EXPECT_EQ(-EACCES, ogx_attest_binding_check(out, 64, "report_data", node, nonce));
	nonce[31] ^= 1;
	node[0] ^= 1;
	EXPECT_EQ(-EACCES, ogx_attest_binding_check(out, 64, "report_data", node, nonce));
}

static int nitro_check(struct ogx_nitro_verify *v, const struct blob *doc, time_t at,
		       const struct ogx_attest_roots *roots)
{
	int err;

	ogx_nitro_free(&v->doc);
	memset(v, 0, sizeof(*v));
	v->at = at;
	v->roots = roots;
	err = ogx_nitro_verify(v, doc->data, doc->len);
	return err;
}

TEST(nitro_sample_verifies)
{
	struct blob doc = vector("nitro-og-evm.cbor");
	struct ogx_nitro_verify v = { 0 };

	ASSERT_EQ(0, nitro_check(&v, &doc, AT_NITRO, NULL));
	EXPECT_STREQ("AWS Nitro Enclaves root G1", v.root);
	EXPECT_STREQ("i-0340e0cb833504eb6-enc019c12d31f78864d", v.doc.module_id);
	EXPECT_STREQ("SHA384", v.doc.digest);
	EXPECT_EQ(1770918962724ULL, v.doc.timestamp_ms);
	EXPECT_EQ(4, v.doc.n_cabundle);
	EXPECT_EQ(0xffffu, v.doc.pcr_mask);
	EXPECT_EQ(68, v.doc.user_data.len);
	/* at_document: the document's own time. */
	ogx_nitro_free(&v.doc);
	memset(&v, 0, sizeof(v));
	v.at_document = true;
	EXPECT_EQ(0, ogx_nitro_verify(&v, doc.data, doc.len));
	EXPECT_EQ(AT_NITRO, v.checked_at);
	ogx_nitro_free(&v.doc);
	free(doc.data);
}

TEST_F_TIMEOUT(flips, nitro_every_byte_flipped, 600)
{
	struct blob doc = vector("nitro-og-evm.cbor");
	struct ogx_nitro_verify v = { 0 };
	int counts[6] = { 0 };

	for (size_t i = 0; i < doc.len; i++) {
		uint8_t keep = doc.data[i];
		int err;

		doc.data[i] ^= 0xff;
		err = nitro_check(&v, &doc, AT_NITRO, NULL);
		doc.data[i] = keep;
		if (!err || (v.failed != OGX_ATTEST_FORMAT && v.failed != OGX_ATTEST_CHAIN &&
			     v.failed != OGX_ATTEST_SIGNATURE)) {
			TH_LOG("byte %zu ^ 0xff: err %d step %s", i, err,
			       ogx_attest_step_name(v.failed));
			ASSERT_TRUE(0);
		}
		counts[v.failed]++;
	}
	ogx_nitro_free(&v.doc);
	TH_LOG("%zu bytes flipped: %d format, %d chain, %d signature", doc.len,
	       counts[OGX_ATTEST_FORMAT], counts[OGX_ATTEST_CHAIN], counts[OGX_ATTEST_SIGNATURE]);
	EXPECT_GT(counts[OGX_ATTEST_SIGNATURE], 0);
	EXPECT_GT(counts[OGX_ATTEST_CHAIN], 0);
	EXPECT_GT(counts[OGX_ATTEST_FORMAT], 0);
	free(doc.data);
}

TEST(nitro_truncated_and_wrong_time)
{
	struct blob doc = vector("nitro-og-evm.cbor"), cut;
	struct ogx_nitro_verify v = { 0 };

	cut = doc;
	for (cut.len = 0; cut.len < doc.len; cut.len += cut.len < 64 ? 1 : 113) {
		EXPECT_EQ(-EBADMSG, nitro_check(&v, &cut, AT_NITRO, NULL));
		EXPECT_EQ(OGX_ATTEST_FORMAT, v.failed);
	}
	cut.len = doc.len - 1;
	EXPECT_ERR(nitro_check(&v, &cut, AT_NITRO, NULL), -EBADMSG,
		   "nitro document: COSE_Sign1 is not well-formed CBOR (at byte 4458)");
	cut.len = 0;
	EXPECT_ERR(nitro_check(&v, &cut, AT_NITRO, NULL), -EBADMSG,
		   "nitro document: COSE_Sign1 is empty");
	EXPECT_ERR(nitro_check(&v, &doc, 1798761600 /* 2027-01-01 */, NULL), -EKEYREJECTED,
		   "nitro: the cabundle[1] (CN=fa81a085809d0853.us-east-2.aws.nitro-enclaves) "
		   "is not valid at 2027-01-01T00:00:00Z (valid 2026-02-08T20:48:07Z to "
		   "2026-02-28T21:48:07Z)");
	EXPECT_ERR(nitro_check(&v, &doc, AT_NITRO + 4 * 3600, NULL), -EKEYREJECTED,
		   "nitro: the certificate (CN=i-0340e0cb833504eb6-enc019c12d31f78864d.us-east-2."
		   "aws) is not valid at 2026-02-12T21:56:02Z (valid 2026-02-12T17:55:59Z to "
		   "2026-02-12T20:56:02Z)");
	EXPECT_EQ(OGX_ATTEST_CHAIN, v.failed);
	ogx_nitro_free(&v.doc);
	free(doc.data);
}

/* ---- A synthetic CA (never trusted by default) and reports it signs. ---- */

static EVP_PKEY *p384(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-384");

	if (!k)
		abort();
	return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!e || !X509_add_ext(x, e, -1))
		abort();
	X509_EXTENSION_free(e);
}

/* An AMD-style extension: oid with DER contents der. */
static void add_raw_ext_crit(X509 *x, const char *oid, const uint8_t *der, int len, int crit)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e;

	ASN1_OCTET_STRING_set(os, der, len);
	e = X509_EXTENSION_create_by_OBJ(NULL, obj, crit, os);
	if (!e || !X509_add_ext(x, e, -1))
		abort();
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
}

static void add_raw_ext(X509 *x, const char *oid, const uint8_t *der, int len)
{
	add_raw_ext_crit(x, oid, der, len, 0);
}

static X509 *cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, bool ca,
		  time_t from, time_t to)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	static long serial = 1;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	ASN1_TIME_set(X509_getm_notBefore(x), from);
	ASN1_TIME_set(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, key);
	if (ca) {
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	}
	return x;
}

static void sign_cert(X509 *x, EVP_PKEY *key)
{
	if (!X509_sign(x, key, EVP_sha384()))
		abort();
}

static void p384_sign(EVP_PKEY *key, const uint8_t *msg, size_t len, uint8_t r[48], uint8_t s[48])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char der[128];
	const unsigned char *p = der;
	size_t der_len = sizeof(der);
	ECDSA_SIG *sig;

	if (EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, der, &der_len, msg, len) != 1)
		abort();
	sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	BN_bn2binpad(ECDSA_SIG_get0_r(sig), r, 48);
	BN_bn2binpad(ECDSA_SIG_get0_s(sig), s, 48);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(ctx);
}

static struct ogx_attest_root synthetic_root(X509 *root, const char *name)
{
	struct ogx_attest_root r = { .name = name };

	if (ogx_x509_sha256(root, r.sha256))
		abort();
	return r;
}

struct snp_synth {
	EVP_PKEY *ark_key, *ask_key, *vcek_key;
	X509 *ark, *ask, *vcek;
	struct blob chain, vcek_der, report;
	struct ogx_attest_root root;
	struct ogx_attest_roots roots;
};

/* ARK -> ASK -> VCEK (with blSPL 3, snpSPL 8), and a v2 report signed by the VCEK. */
static void snp_synth(struct snp_synth *s, const uint8_t report_data[64], uint8_t bl_in_report)
{
	static const uint8_t bl[] = { 0x02, 0x01, 0x03 }, snp[] = { 0x02, 0x01, 0x08 };
	time_t from = AT_SNP - 86400, to = AT_SNP + 86400;
	X509 *both[2];
	unsigned char *der = NULL;
	int len;
	uint8_t r[48], sgn[48];
	uint64_t tcb = (uint64_t)bl_in_report | (uint64_t)8 << 48;

	memset(s, 0, sizeof(*s));
	s->ark_key = p384();
	s->ask_key = p384();
	s->vcek_key = p384();
	s->ark = cert("ogx test ARK (synthetic, never trusted by default)", s->ark_key, NULL,
		      NULL, true, from, to);
	sign_cert(s->ark, s->ark_key);
	s->ask = cert("ogx test ASK (synthetic)", s->ask_key, s->ark, s->ark_key, true, from, to);
	sign_cert(s->ask, s->ark_key);
	s->vcek = cert("SEV-VCEK (synthetic)", s->vcek_key, s->ask, s->ask_key, false, from, to);
	add_raw_ext(s->vcek, "1.3.6.1.4.1.3704.1.3.1", bl, 3);
	add_raw_ext(s->vcek, "1.3.6.1.4.1.3704.1.3.3", snp, 3);
	sign_cert(s->vcek, s->ask_key);
	both[0] = s->ask;
	both[1] = s->ark;
	s->chain = pem_of(both, 2);
	len = i2d_X509(s->vcek, &der);
	s->vcek_der.data = malloc((size_t)len);
	memcpy(s->vcek_der.data, der, (size_t)len);
	s->vcek_der.len = (size_t)len;
	OPENSSL_free(der);

	s->report.len = OGX_SNP_REPORT_SIZE;
	s->report.data = calloc(1, OGX_SNP_REPORT_SIZE);
	s->report.data[0] = 2;		/* version */
	s->report.data[0x34] = 1;	/* ECDSA P-384 with SHA-384 */
	memcpy(s->report.data + 0x50, report_data, 64);
	for (int i = 0; i < 8; i++)
		s->report.data[0x180 + i] = (uint8_t)(tcb >> (8 * i));
	p384_sign(s->vcek_key, s->report.data, OGX_SNP_SIGNED_SIZE, r, sgn);
	for (int i = 0; i < 48; i++) {
		s->report.data[0x2a0 + i] = r[47 - i];
		s->report.data[0x2e8 + i] = sgn[47 - i];
	}
	s->root = synthetic_root(s->ark, "test ARK (synthetic)");
	s->roots.root = &s->root;
	s->roots.n = 1;
}

static void snp_synth_free(struct snp_synth *s)
{
	EVP_PKEY_free(s->ark_key);
	EVP_PKEY_free(s->ask_key);
	EVP_PKEY_free(s->vcek_key);
	X509_free(s->ark);
	X509_free(s->ask);
	X509_free(s->vcek);
	free(s->chain.data);
	free(s->vcek_der.data);
	free(s->report.data);
}

TEST(snp_synthetic_binding)
{
	uint8_t node[32], nonce[32], data[64];
	struct ogx_snp_verify v;
	struct snp_synth s;
	char h[17], want[300];

	node_and_nonce(node, nonce);
	ogx_attest_binding(data, node, nonce);
	snp_synth(&s, data, 3);

	/* Not trusted by default. */
	{
		uint8_t d[32];

		ASSERT_EQ(0, ogx_x509_sha256(s.ark, d));
		ogx_hex(h, d, 8);
	}
	snprintf(want, sizeof(want), "sev-snp: the chain's root CN=ogx test ARK (synthetic, never "
		 "trusted by default) (SHA-256 %s...) is not a pinned AMD ARK (ARK-Milan, "
		 "ARK-Genoa)", h);
	EXPECT_ERR(snp_check(&v, &s.report, &s.vcek_der, &s.chain, AT_SNP), -EKEYREJECTED, want);

	/* Configured: verifies, TCB compared, and the binding holds. */
	memset(&v, 0, sizeof(v));
	v.vcek = s.vcek_der.data;
	v.vcek_len = s.vcek_der.len;
	v.chain = s.chain.data;
	v.chain_len = s.chain.len;
	v.at = AT_SNP;
	v.roots = &s.roots;
	ASSERT_EQ(0, ogx_snp_verify(&v, s.report.data, s.report.len));
	EXPECT_STREQ("test ARK (synthetic)", v.root);
	EXPECT_EQ(2, v.tcb_checked);
	EXPECT_EQ(0, ogx_attest_binding_check(v.report.report_data, 64, "report_data", node,
					      nonce));
	/* Another nonce: the exact mismatch. */
	nonce[0] ^= 1;
	{
		uint8_t want_data[64];
		char g[33], w[33], n[17];

		ogx_attest_binding(want_data, node, nonce);
		ogx_hex(g, data, 16);
		ogx_hex(w, want_data, 16);
		ogx_hex(n, node, 8);
		snprintf(want, sizeof(want), "report_data %s... is not the binding of node %s... "
			 "and the given nonce (want %s...)", g, n, w);
	}
	EXPECT_ERR(ogx_attest_binding_check(v.report.report_data, 64, "report_data", node, nonce),
		   -EACCES, want);
	snp_synth_free(&s);

	/* A report whose TCB is not the VCEK's. */
	snp_synth(&s, data, 2);
	v.vcek = s.vcek_der.data;
	v.vcek_len = s.vcek_der.len;
	v.chain = s.chain.data;
	v.chain_len = s.chain.len;
	v.roots = &s.roots;
	EXPECT_ERR(ogx_snp_verify(&v, s.report.data, s.report.len), -EPROTO,
		   "sev-snp: the VCEK is for blSPL 3, the report's reported_tcb has 2");
	EXPECT_EQ(OGX_ATTEST_TCB, v.failed);
	snp_synth_free(&s);
}

/* PCR0 of the synthetic documents: all zero is a debug-mode enclave. */
static uint8_t synth_pcr0 = 0x11;

/* A Nitro document: cabundle, leaf, signed by key; user_data as given. */
static struct blob nitro_doc(const struct blob *cabundle, size_t n, const struct blob *leaf,
			     EVP_PKEY *key, const uint8_t *user_data, size_t ud_len,
			     uint64_t timestamp_ms)
{
	static const uint8_t protected_hdr[] = { 0xa1, 0x01, 0x38, 0x22 };
	struct ogx_cbor_enc p = { 0 }, s = { 0 }, c = { 0 };
	uint8_t pcr[48], r[48], sg[48], sig[96];
	struct blob out;

	memset(pcr, synth_pcr0, sizeof(pcr));

	ogx_cbor_head(&p, cbor_encode_map_start, user_data ? 7 : 6);
	ogx_cbor_tstr(&p, "module_id");
	ogx_cbor_tstr(&p, "i-synthetic-enc0");
	ogx_cbor_tstr(&p, "digest");
	ogx_cbor_tstr(&p, "SHA384");
	ogx_cbor_tstr(&p, "timestamp");
	ogx_cbor_uint(&p, timestamp_ms);
	ogx_cbor_tstr(&p, "pcrs");
	ogx_cbor_head(&p, cbor_encode_map_start, 1);
	ogx_cbor_uint(&p, 0);
	ogx_cbor_bstr(&p, pcr, 48);
	ogx_cbor_tstr(&p, "certificate");
	ogx_cbor_bstr(&p, leaf->data, leaf->len);
	ogx_cbor_tstr(&p, "cabundle");
	ogx_cbor_head(&p, cbor_encode_array_start, n);
	for (size_t i = 0; i < n; i++)
		ogx_cbor_bstr(&p, cabundle[i].data, cabundle[i].len);
	if (user_data) {
		ogx_cbor_tstr(&p, "user_data");
		ogx_cbor_bstr(&p, user_data, ud_len);
	}
	ogx_cbor_head(&s, cbor_encode_array_start, 4);
	ogx_cbor_tstr(&s, "Signature1");
	ogx_cbor_bstr(&s, protected_hdr, sizeof(protected_hdr));
	ogx_cbor_bstr(&s, NULL, 0);
	ogx_cbor_bstr(&s, p.buf, p.len);
	p384_sign(key, s.buf, s.len, r, sg);
	memcpy(sig, r, 48);
	memcpy(sig + 48, sg, 48);
	ogx_cbor_head(&c, cbor_encode_tag, 18);
	ogx_cbor_head(&c, cbor_encode_array_start, 4);
	ogx_cbor_bstr(&c, protected_hdr, sizeof(protected_hdr));
	ogx_cbor_head(&c, cbor_encode_map_start, 0);
	ogx_cbor_bstr(&c, p.buf, p.len);
	ogx_cbor_bstr(&c, sig, 96);
	if (p.err || s.err || c.err)
		abort();
	free(p.buf);
	free(s.buf);
	out.data = c.buf;
	out.len = c.len;
	return out;
}

static struct blob der_of(X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	struct blob b = { malloc((size_t)len), (size_t)len };

	memcpy(b.data, der, (size_t)len);
	OPENSSL_free(der);
	return b;
}

TEST(nitro_synthetic_binding)
{
	uint8_t node[32], nonce[32], data[64], d[32];
	EVP_PKEY *root_key = p384(), *leaf_key = p384();
	time_t from = AT_NITRO - 3600, to = AT_NITRO + 3600;
	X509 *root = cert("ogx test Nitro root (synthetic, never trusted by default)", root_key,
			  NULL, NULL, true, from, to);
	X509 *leaf;
	struct ogx_nitro_verify v = { 0 };
	struct ogx_attest_root tr;
	struct ogx_attest_roots trs;
	struct blob rootb, leafb, doc;
	char want[300], h[17];

	sign_cert(root, root_key);
	leaf = cert("i-synthetic-enc0", leaf_key, root, root_key, false, from, to);
	sign_cert(leaf, root_key);
	rootb = der_of(root);
	leafb = der_of(leaf);
	tr = synthetic_root(root, "test Nitro root (synthetic)");
	trs.root = &tr;
	trs.n = 1;
	node_and_nonce(node, nonce);
	ogx_attest_binding(data, node, nonce);
	doc = nitro_doc(&rootb, 1, &leafb, leaf_key, data, 64, (uint64_t)AT_NITRO * 1000);

	/* Not trusted by default. */
	ASSERT_EQ(0, ogx_x509_sha256(root, d));
	ogx_hex(h, d, 8);
	snprintf(want, sizeof(want), "nitro: cabundle[0] (CN=ogx test Nitro root (synthetic, "
		 "never trusted by default), SHA-256 %s...) is not the AWS Nitro Enclaves root", h);
	EXPECT_ERR(nitro_check(&v, &doc, AT_NITRO, NULL), -EKEYREJECTED, want);

	/* Configured: the tagged form verifies and binds. */
	ASSERT_EQ(0, nitro_check(&v, &doc, AT_NITRO, &trs));
	EXPECT_STREQ("test Nitro root (synthetic)", v.root);
	EXPECT_EQ(0, ogx_attest_binding_check(v.doc.user_data.data, v.doc.user_data.len,
					      "user_data", node, nonce));
	free(doc.data);

	/* A debug-mode enclave: PCR0 all zero. */
	synth_pcr0 = 0;
	doc = nitro_doc(&rootb, 1, &leafb, leaf_key, data, 64, (uint64_t)AT_NITRO * 1000);
	synth_pcr0 = 0x11;
	EXPECT_ERR(nitro_check(&v, &doc, AT_NITRO, &trs), -EPROTO,
		   "nitro: PCR0 is all zero: a debug-mode enclave (its image is not measured)");
	EXPECT_EQ(OGX_ATTEST_POLICY, v.failed);
	free(doc.data);

	/* Signed by another key than the certificate's. */
	doc = nitro_doc(&rootb, 1, &leafb, root_key, data, 64, (uint64_t)AT_NITRO * 1000);
	EXPECT_ERR(nitro_check(&v, &doc, AT_NITRO, &trs), -EKEYREJECTED,
		   "nitro: COSE_Sign1: the signature does not verify under the certificate's "
		   "P-384 key");
	EXPECT_EQ(OGX_ATTEST_SIGNATURE, v.failed);
	free(doc.data);

	ogx_nitro_free(&v.doc);
	free(rootb.data);
	free(leafb.data);
	X509_free(root);
	X509_free(leaf);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(leaf_key);
}

/* A root whose pathlen forbids the intermediate; a critical extension no one knows. */
TEST(nitro_synthetic_constraints)
{
	EVP_PKEY *root_key = p384(), *mid_key = p384(), *leaf_key = p384();
	time_t from = AT_NITRO - 3600, to = AT_NITRO + 3600;
	X509 *root = cert("synthetic root, pathlen 0", root_key, NULL, NULL, false, from, to);
	X509 *mid, *leaf;
	static const uint8_t null_der[] = { 0x05, 0x00 };
	struct ogx_nitro_verify v = { 0 };
	struct ogx_attest_root tr;
	struct ogx_attest_roots trs = { &tr, 1 };
	struct blob bundle[2], leafb, doc;

	add_ext(root, NULL, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
	add_ext(root, NULL, NID_key_usage, "critical,keyCertSign");
	sign_cert(root, root_key);
	mid = cert("synthetic intermediate", mid_key, root, root_key, true, from, to);
	sign_cert(mid, root_key);
	leaf = cert("synthetic leaf", leaf_key, mid, mid_key, false, from, to);
	add_raw_ext_crit(leaf, "1.3.6.1.4.1.55555.1", null_der, 2, 1);
	sign_cert(leaf, mid_key);
	tr = synthetic_root(root, "synthetic root");
	bundle[0] = der_of(root);
	bundle[1] = der_of(mid);
	leafb = der_of(leaf);
	doc = nitro_doc(bundle, 2, &leafb, leaf_key, NULL, 0, (uint64_t)AT_NITRO * 1000);
	EXPECT_ERR(nitro_check(&v, &doc, AT_NITRO, &trs), -EKEYREJECTED,
		   "nitro: the cabundle[0] (CN=synthetic root, pathlen 0) allows 0 CAs below it, "
		   "the chain has 1");
	free(doc.data);
	/* The leaf straight under the root: its critical extension. */
	X509_free(leaf);
	leaf = cert("synthetic leaf", leaf_key, root, root_key, false, from, to);
	add_raw_ext_crit(leaf, "1.3.6.1.4.1.55555.1", null_der, 2, 1);
	sign_cert(leaf, root_key);
	free(leafb.data);
	leafb = der_of(leaf);
	doc = nitro_doc(bundle, 1, &leafb, leaf_key, NULL, 0, (uint64_t)AT_NITRO * 1000);
	EXPECT_ERR(nitro_check(&v, &doc, AT_NITRO, &trs), -EKEYREJECTED,
		   "nitro: the certificate (CN=synthetic leaf) has a critical extension this "
		   "verifier does not know");
	free(doc.data);

	ogx_nitro_free(&v.doc);
	free(bundle[0].data);
	free(bundle[1].data);
	free(leafb.data);
	X509_free(root);
	X509_free(mid);
	X509_free(leaf);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(mid_key);
	EVP_PKEY_free(leaf_key);
}

/* The real chain with an intermediate left out, or the leaf's issuer swapped. */
TEST(nitro_wrong_chains)
{
	struct blob real = vector("nitro-og-evm.cbor"), doc, bundle[4], leaf;
	struct ogx_nitro_verify v = { 0 };
	struct ogx_nitro_doc d;
	EVP_PKEY *key = p384();

	ASSERT_EQ(0, ogx_nitro_parse(&d, real.data, real.len));
	for (int i = 0; i < 4; i++) {
		bundle[i].data = (uint8_t *)d.cabundle[i].data;
		bundle[i].len = d.cabundle[i].len;
	}
	leaf.data = (uint8_t *)d.certificate.data;
	leaf.len = d.certificate.len;

	/* Without the zonal intermediate (cabundle[2]). */
	bundle[2] = bundle[3];
	doc = nitro_doc(bundle, 3, &leaf, key, NULL, 0, 1770918962724ULL);
	EXPECT_ERR(nitro_check(&v, &doc, AT_NITRO, NULL), -EKEYREJECTED,
		   "nitro: the cabundle[2] (CN=i-0340e0cb833504eb6.us-east-2.aws.nitro-enclaves) "
		   "is not issued by the cabundle[1] (CN=fa81a085809d0853.us-east-2.aws.nitro-"
		   "enclaves): subject issuer mismatch");
	free(doc.data);

	/* The root alone above the leaf. */
	doc = nitro_doc(bundle, 1, &leaf, key, NULL, 0, 1770918962724ULL);
	EXPECT_ERR(nitro_check(&v, &doc, AT_NITRO, NULL), -EKEYREJECTED,
		   "nitro: the certificate (CN=i-0340e0cb833504eb6-enc019c12d31f78864d.us-east-2."
		   "aws) is not issued by the cabundle[0] (CN=aws.nitro-enclaves): subject issuer "
		   "mismatch");
	free(doc.data);

	/* The real chain, but signed by a key that is not the certificate's. */
	bundle[2].data = (uint8_t *)d.cabundle[2].data;
	bundle[2].len = d.cabundle[2].len;
	doc = nitro_doc(bundle, 4, &leaf, key, NULL, 0, 1770918962724ULL);
	EXPECT_ERR(nitro_check(&v, &doc, AT_NITRO, NULL), -EKEYREJECTED,
		   "nitro: COSE_Sign1: the signature does not verify under the certificate's "
		   "P-384 key");
	free(doc.data);

	ogx_nitro_free(&v.doc);
	ogx_nitro_free(&d);
	EVP_PKEY_free(key);
	free(real.data);
}

TEST(nitro_format_errors)
{
	static const uint8_t not_cose[] = { 0x83, 0x01, 0x02, 0x03 };
	static const uint8_t tag17[] = { 0xd1, 0x84, 0x40, 0xa0, 0x40, 0x40 };
	static const uint8_t bad_alg[] = { 0x84, 0x44, 0xa1, 0x01, 0x38, 0x21, 0xa0, 0x40, 0x40 };
	static const uint8_t trailing[] = { 0x83, 0x01, 0x02, 0x03, 0x00 };
	static const uint8_t huge_array[] = { 0x84, 0x40, 0xa0, 0x9a, 0xff, 0xff, 0xff, 0xff, 0x40 };
	static const uint8_t huge_map[] = { 0xd2, 0x84, 0x40, 0xa0, 0x40, 0xba, 0x80, 0, 0, 0 };
	struct ogx_nitro_doc d;

	EXPECT_ERR(ogx_nitro_parse(&d, not_cose, sizeof(not_cose)), -EBADMSG,
		   "nitro document: not a COSE_Sign1 (an array of 4)");
	EXPECT_ERR(ogx_nitro_parse(&d, tag17, sizeof(tag17)), -EBADMSG,
		   "nitro document: CBOR tag 17, not 18 (COSE_Sign1)");
	EXPECT_ERR(ogx_nitro_parse(&d, bad_alg, sizeof(bad_alg)), -EBADMSG,
		   "nitro document: the protected header is not {1: -35} (alg ES384)");
	EXPECT_ERR(ogx_nitro_parse(&d, trailing, sizeof(trailing)), -EBADMSG,
		   "nitro document: 1 bytes after the COSE_Sign1");
	/* Heads claiming 2^32 - 1 items, 2^31 pairs: refused before libcbor allocates them. */
	EXPECT_ERR(ogx_nitro_parse(&d, huge_array, sizeof(huge_array)), -EBADMSG,
		   "nitro document: COSE_Sign1: an array or map with more items than bytes left "
		   "(at byte 3)");
	EXPECT_ERR(ogx_nitro_parse(&d, huge_map, sizeof(huge_map)), -EBADMSG,
		   "nitro document: COSE_Sign1: an array or map with more items than bytes left "
		   "(at byte 4)");
}

TEST(tsm_no_configfs)
{
	struct ogx_tsm_report r;
	uint8_t data[64] = { 0 };
	char dir[] = "/tmp/ogx-tsm-XXXXXX", want[300];

	EXPECT_ERR(ogx_tsm_report_get("/nonexistent/tsm/report", data, &r), -ENODEV,
		   "/nonexistent/tsm/report: no configfs-tsm report interface (it needs Linux "
		   "6.7+ in an SEV-SNP or TDX guest, and configfs mounted)");
	/* A plain directory: the entry is made, but has none of configfs-tsm's attributes. */
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(want, sizeof(want), "%s/ogx-%ld-0/generation: No such file or directory", dir,
		 (long)getpid());
	EXPECT_ERR(ogx_tsm_report_get(dir, data, &r), -ENOENT, want);
	EXPECT_EQ(0, rmdir(dir)); /* the entry was removed again */
}

TEST_HARNESS_MAIN
