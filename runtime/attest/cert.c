// SPDX-License-Identifier: GPL-2.0
/* See cert.h. */
#include <errno.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "attest/cert.h"
#include "util/err.h"

static const char *const step_names[] = {
	[OGX_ATTEST_OK] = "ok",
	[OGX_ATTEST_FORMAT] = "format",
	[OGX_ATTEST_CHAIN] = "chain",
	[OGX_ATTEST_SIGNATURE] = "signature",
	[OGX_ATTEST_TCB] = "tcb",
	[OGX_ATTEST_POLICY] = "policy",
	[OGX_ATTEST_BINDING] = "binding",
};

const char *ogx_attest_step_name(enum ogx_attest_step step)
{
	if ((size_t)step < sizeof(step_names) / sizeof(step_names[0]))
		return step_names[step];
	return "unknown";
}

int ogx_x509_sha256(X509 *cert, uint8_t out[32])
{
	unsigned int n = 0;

	if (X509_digest(cert, EVP_sha256(), out, &n) != 1 || n != 32)
		return ogx_fail(-ENOMEM, "SHA-256 of a certificate: %s",
				ERR_reason_error_string(ERR_get_error()));
	return 0;
}

const struct ogx_attest_root *ogx_attest_root_find(const struct ogx_attest_roots *list,
						   X509 *cert)
{
	uint8_t h[32];

	if (!list || ogx_x509_sha256(cert, h))
		return NULL;
	for (size_t i = 0; i < list->n; i++)
		if (!memcmp(list->root[i].sha256, h, 32))
			return &list->root[i];
	return NULL;
}

int ogx_x509_from_der(X509 **out, const uint8_t *der, size_t len, const char *what)
{
	const unsigned char *p = der;

	*out = NULL;
	if (len > 65536)
		return ogx_fail(-EBADMSG, "%s: a certificate of %zu bytes (at most 65536)", what,
				len);
	*out = d2i_X509(NULL, &p, (long)len);
	if (!*out) {
		ERR_clear_error();
		return ogx_fail(-EBADMSG, "%s: not a DER X.509 certificate", what);
	}
	if (p != der + len) {
		X509_free(*out);
		*out = NULL;
		return ogx_fail(-EBADMSG, "%s: %zu bytes after the DER certificate", what,
				(size_t)(der + len - p));
	}
	return 0;
}

int ogx_x509_load_pem_all(X509 **certs, size_t max, size_t *n, const uint8_t *data,
			  size_t len, const char *what)
{
	BIO *bio;
	X509 *c;

	*n = 0;
	if (len > 1 << 20)
		return ogx_fail(-EBADMSG, "%s: %zu bytes of PEM (at most 1 MiB)", what, len);
	bio = BIO_new_mem_buf(data, (int)len);
	if (!bio)
		return -ENOMEM;
	while ((c = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		if (*n == max) {
			X509_free(c);
			goto bad;
		}
		certs[(*n)++] = c;
	}
	/* The loop ends at the first block that is not a certificate, or at the end. */
	if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE || !*n)
		goto bad;
	ERR_clear_error();
	BIO_free(bio);
	return 0;
bad:
	ERR_clear_error();
	BIO_free(bio);
	for (size_t i = 0; i < *n; i++)
		X509_free(certs[i]);
	*n = 0;
	return ogx_fail(-EBADMSG, "%s: want 1 to %zu PEM certificates and nothing else", what,
			max);
}

int ogx_x509_load(X509 **out, const uint8_t *data, size_t len, const char *what)
{
	size_t n;

	if (len >= 10 && !memcmp(data, "-----BEGIN", 10))
		return ogx_x509_load_pem_all(out, 1, &n, data, len, what);
	return ogx_x509_from_der(out, data, len, what);
}

void ogx_attest_time(char *out, size_t len, time_t at)
{
	struct tm tm;

	if (!gmtime_r(&at, &tm) || !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, len, "@%lld", (long long)at);
}

static void asn1_time(char *out, size_t len, const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1 || !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, len, "(unreadable)");
}

void ogx_x509_name(char *out, size_t len, X509 *cert)
{
	X509_NAME *name = X509_get_subject_name(cert);
	char cn[128];

	if (name && X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof(cn)) > 0) {
		snprintf(out, len, "CN=%s", cn);
		return;
	}
	if (!name || !X509_NAME_oneline(name, out, (int)len))
		snprintf(out, len, "(no subject)");
}

static int valid_at(X509 *c, const char *what, const char *subject, time_t at)
{
	const ASN1_TIME *nb = X509_get0_notBefore(c), *na = X509_get0_notAfter(c);
	char a[32], b[32], t[32];

	if (X509_cmp_time(nb, &at) == -1 && X509_cmp_time(na, &at) == 1)
		return 0;
	asn1_time(a, sizeof(a), nb);
	asn1_time(b, sizeof(b), na);
	ogx_attest_time(t, sizeof(t), at);
	return ogx_fail(-EKEYREJECTED, "the %s (%s) is not valid at %s (valid %s to %s)", what,
			subject, t, a, b);
}

int ogx_x509_chain_check(X509 *const *certs, const char *const *names, size_t n, time_t at)
{
	char subject[160], issuer[160];

	for (size_t i = 0; i < n; i++) {
		X509 *up = certs[i ? i - 1 : 0];
		const char *upname = names[i ? i - 1 : 0];
		EVP_PKEY *key = X509_get0_pubkey(up);
		int err, rc;

		ogx_x509_name(subject, sizeof(subject), certs[i]);
		ogx_x509_name(issuer, sizeof(issuer), up);
		rc = X509_check_issued(up, certs[i]);
		if (rc != X509_V_OK) {
			ERR_clear_error();
			if (!i)
				return ogx_fail(-EKEYREJECTED, "the %s (%s) is not self-issued: %s",
						names[i], subject, X509_verify_cert_error_string(rc));
			return ogx_fail(-EKEYREJECTED, "the %s (%s) is not issued by the %s (%s): %s",
					names[i], subject, upname, issuer,
					X509_verify_cert_error_string(rc));
		}
		if (!key || X509_verify(certs[i], key) != 1) {
			ERR_clear_error();
			if (!i)
				return ogx_fail(-EKEYREJECTED, "the %s (%s): its self-signature does "
						"not verify", names[i], subject);
			return ogx_fail(-EKEYREJECTED, "the %s (%s): its signature does not verify "
					"under the %s's (%s) key", names[i], subject, upname, issuer);
		}
		if (X509_get_extension_flags(certs[i]) & EXFLAG_CRITICAL) {
			ERR_clear_error();
			return ogx_fail(-EKEYREJECTED, "the %s (%s) has a critical extension this "
					"verifier does not know", names[i], subject);
		}
		if (i + 1 < n && X509_check_ca(certs[i]) != 1) {
			ERR_clear_error();
			return ogx_fail(-EKEYREJECTED, "the %s (%s) is not a CA (basic constraints), "
					"but it signs the %s", names[i], subject, names[i + 1]);
		}
		/* pathlen: how many CAs may follow it, the leaf not counted. */
		if (i + 1 < n && X509_get_pathlen(certs[i]) >= 0 &&
		    (long)(n - i - 2) > X509_get_pathlen(certs[i]))
			return ogx_fail(-EKEYREJECTED, "the %s (%s) allows %ld CAs below it, the chain "
					"has %zu", names[i], subject, X509_get_pathlen(certs[i]),
					n - i - 2);
		if ((err = valid_at(certs[i], names[i], subject, at)))
			return err;
	}
	return 0;
}

int ogx_p384_check(EVP_PKEY *pkey, const char *what)
{
	char group[32];

	if (!pkey || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
	    EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL) != 1 ||
	    strcmp(group, SN_secp384r1)) {
		ERR_clear_error();
		return ogx_fail(-EKEYREJECTED, "the %s's key is not an ECDSA P-384 key", what);
	}
	return 0;
}

int ogx_p384_verify(EVP_PKEY *pkey, const char *signer, const uint8_t *msg, size_t len,
		    const uint8_t r[48], const uint8_t s[48])
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(r, 48, NULL), *bs = BN_bin2bn(s, 48, NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	int der_len, rc = 0, err;

	if ((err = ogx_p384_check(pkey, signer)))
		goto out;
	err = -ENOMEM;
	if (!sig || !br || !bs || !ctx || ECDSA_SIG_set0(sig, br, bs) != 1)
		goto out;
	br = bs = NULL; /* owned by sig now */
	der_len = i2d_ECDSA_SIG(sig, &der);
	if (der_len <= 0)
		goto out;
	if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha384(), NULL, pkey) != 1)
		goto out;
	rc = EVP_DigestVerify(ctx, der, (size_t)der_len, msg, len);
	err = rc == 1 ? 0 : ogx_fail(-EKEYREJECTED, "the signature does not verify under the "
				     "%s's P-384 key", signer);
out:
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(sig);
	return err;
}
