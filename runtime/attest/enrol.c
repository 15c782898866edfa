// SPDX-License-Identifier: GPL-2.0
/* See enrol.h. */
#include <cbor.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <tss2/tss2_mu.h>

#include "attest/cbormap.h"
#include "attest/enrol.h"
#include "util/err.h"

static void encode_body(struct ogx_cbor_enc *enc, const struct ogx_enrolment *e,
			const uint8_t *ek, size_t ek_len, const uint8_t *ak, size_t ak_len,
			int with_sig)
{
	ogx_cbor_head(enc, cbor_encode_map_start, with_sig ? 6 : 5);
	ogx_cbor_uint(enc, 0);
	ogx_cbor_uint(enc, OGX_ENROL_VERSION);
	ogx_cbor_uint(enc, 1);
	ogx_cbor_bstr(enc, e->node, OGX_PK_LEN);
	ogx_cbor_uint(enc, 2);
	ogx_cbor_bstr(enc, e->ek_cert, e->ek_cert_len);
	ogx_cbor_uint(enc, 3);
	ogx_cbor_bstr(enc, ek, ek_len);
	ogx_cbor_uint(enc, 4);
	ogx_cbor_bstr(enc, ak, ak_len);
	if (with_sig) {
		ogx_cbor_uint(enc, 5);
		ogx_cbor_bstr(enc, e->sig, OGX_SIG_LEN);
	}
}

/* The record's encoding (with_sig) or its signed message (context ‖ body). */
static int encode(const struct ogx_enrolment *e, int with_sig, uint8_t **out, size_t *len)
{
	const size_t ctx = with_sig ? 0 : sizeof(OGX_ENROL_SIG_CONTEXT); /* with its NUL */
	struct ogx_cbor_enc enc = { 0 };
	uint8_t *ek = NULL, *ak = NULL, *msg = NULL;
	size_t ek_len, ak_len;
	int err;

	if ((err = ogx_tpmpub_marshal(&e->ek, &ek, &ek_len)) ||
	    (err = ogx_tpmpub_marshal(&e->ak, &ak, &ak_len)))
		goto out;
	encode_body(&enc, e, ek, ek_len, ak, ak_len, with_sig);
	if ((err = enc.err))
		goto out;
	msg = malloc(ctx + enc.len);
	if (!msg) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(msg, OGX_ENROL_SIG_CONTEXT, ctx);
	memcpy(msg + ctx, enc.buf, enc.len);
	*out = msg;
	*len = ctx + enc.len;
out:
	free(enc.buf);
	free(ek);
	free(ak);
	return err;
}

int ogx_enrolment_sign(struct ogx_enrolment *e, const struct ogx_key *key, uint8_t **out,
		       size_t *len)
{
	uint8_t *msg;
	size_t mlen;
	int err;

	memcpy(e->node, key->pk, OGX_PK_LEN);
	if ((err = encode(e, 0, &msg, &mlen)))
		return err;
	ogx_key_sign(key, e->sig, msg, mlen);
	free(msg);
	if ((err = ogx_tpmpub_name(&e->ak, e->ak_name)))
		return err;
	return encode(e, 1, out, len);
}

void ogx_enrolment_free(struct ogx_enrolment *e)
{
	free(e->ek_cert);
	e->ek_cert = NULL;
}

int ogx_enrolment_decode(const uint8_t *buf, size_t len, struct ogx_enrolment *e)
{
	struct ogx_cbormap_field f[] = {
		OGX_CBORMAP_FIELD("version", OGX_CBORMAP_UINT, 0, 0),
		OGX_CBORMAP_FIELD("node", OGX_CBORMAP_BYTES, OGX_PK_LEN, OGX_PK_LEN),
		OGX_CBORMAP_FIELD("ek_cert", OGX_CBORMAP_BYTES, 1, OGX_ENROL_CERT_MAX),
		OGX_CBORMAP_FIELD("ek", OGX_CBORMAP_BYTES, 1, sizeof(TPM2B_PUBLIC)),
		OGX_CBORMAP_FIELD("ak", OGX_CBORMAP_BYTES, 1, sizeof(TPM2B_PUBLIC)),
		OGX_CBORMAP_FIELD("sig", OGX_CBORMAP_BYTES, OGX_SIG_LEN, OGX_SIG_LEN),
	};
	const size_t n = sizeof(f) / sizeof(f[0]);
	struct ogx_cbor_enc enc = { 0 };
	int err;

	memset(e, 0, sizeof(*e));
	if (len > OGX_ENROL_MAX)
		return ogx_fail(-EBADMSG, "enrolment record: %zu bytes, at most %zu", len,
				(size_t)OGX_ENROL_MAX);
	if ((err = ogx_cbormap_decode(buf, len, f, n, "enrolment record")))
		return err;
	if (f[0].u != OGX_ENROL_VERSION)
		err = ogx_fail(-EBADMSG, "enrolment record: version %llu, want %d",
			       (unsigned long long)f[0].u, OGX_ENROL_VERSION);
	if (!err)
		err = ogx_tpmpub_parse(f[3].data, f[3].len, &e->ek, "enrolment record: ek");
	if (!err)
		err = ogx_tpmpub_parse(f[4].data, f[4].len, &e->ak, "enrolment record: ak");
	if (!err)
		err = ogx_tpmpub_name(&e->ak, e->ak_name);
	if (!err) {
		memcpy(e->node, f[1].data, OGX_PK_LEN);
		memcpy(e->sig, f[5].data, OGX_SIG_LEN);
		e->ek_cert = f[2].data;
		e->ek_cert_len = f[2].len;
		f[2].data = NULL;
		encode_body(&enc, e, f[3].data, f[3].len, f[4].data, f[4].len, 1);
		err = ogx_cbormap_canonical(&enc, buf, len, "enrolment record");
		free(enc.buf);
	}
	ogx_cbormap_free(f, n);
	if (err)
		ogx_enrolment_free(e);
	return err;
}

static int cert_fail(struct ogx_enrol_check *c, const char *field, int err)
{
	c->field = field;
	return err;
}

int ogx_enrolment_check(const struct ogx_enrolment *e, X509_STORE *cas,
			struct ogx_enrol_check *c)
{
	const unsigned char *p = e->ek_cert;
	X509_STORE_CTX *ctx = NULL;
	EVP_PKEY *ek = NULL;
	X509 *cert = NULL;
	uint8_t *msg;
	size_t mlen;
	int err;

	memset(c, 0, sizeof(*c));
	if ((err = encode(e, 0, &msg, &mlen)))
		return cert_fail(c, "record", err);
	err = ogx_sig_verify(e->node, e->sig, msg, mlen);
	free(msg);
	if (err)
		return cert_fail(c, "sig", ogx_fail(-EBADMSG, "enrolment record: the node's "
						    "signature does not verify"));
	if ((err = ogx_tpmpub_check_ak(&e->ak)))
		return cert_fail(c, "ak", err);
	if ((err = ogx_tpmpub_check_ek(&e->ek)))
		return cert_fail(c, "ek", err);
	cert = d2i_X509(NULL, &p, e->ek_cert_len);
	if (!cert || p != e->ek_cert + e->ek_cert_len) {
		err = ogx_fail(-EBADMSG, "EK certificate: not one DER X.509 certificate");
		goto out;
	}
	X509_NAME_oneline(X509_get_issuer_name(cert), c->issuer, sizeof(c->issuer));
	if ((err = ogx_tpmpub_pkey(&e->ek, &ek)))
		goto out;
	if (EVP_PKEY_eq(X509_get0_pubkey(cert), ek) != 1) {
		err = ogx_fail(-EBADMSG, "EK certificate: its key is not the record's EK");
		goto out;
	}
	if (!cas)
		goto out;	/* the caller checked the chain when it enrolled the node */
	ctx = X509_STORE_CTX_new();
	if (!ctx || X509_STORE_CTX_init(ctx, cas, cert, NULL) != 1) {
		err = -ENOMEM;
		goto out;
	}
	if (X509_verify_cert(ctx) != 1)
		err = ogx_fail(-EBADMSG, "EK certificate (issuer %s): %s", c->issuer,
			       X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
out:
	if (err)
		c->field = "ek-cert";
	X509_STORE_CTX_free(ctx);
	EVP_PKEY_free(ek);
	X509_free(cert);
	return err;
}

int ogx_ca_store_load(const char *const *files, size_t n, X509_STORE **out)
{
	X509_STORE *s = X509_STORE_new();

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (X509_STORE_load_file(s, files[i]) != 1) {
			X509_STORE_free(s);
			ERR_clear_error();
			return ogx_fail(-EINVAL, "%s: no PEM certificates could be read", files[i]);
		}
	}
	*out = s;
	return 0;
}

int ogx_challenge_encode(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret,
			 uint8_t **out, size_t *len)
{
	uint8_t b[sizeof(*blob)], s[sizeof(*secret)];
	struct ogx_cbor_enc enc = { 0 };
	size_t bl = 0, sl = 0;

	if (Tss2_MU_TPM2B_ID_OBJECT_Marshal(blob, b, sizeof(b), &bl) ||
	    Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(secret, s, sizeof(s), &sl))
		return ogx_fail(-EINVAL, "challenge: cannot marshal");
	ogx_cbor_head(&enc, cbor_encode_map_start, 2);
	ogx_cbor_uint(&enc, 0);
	ogx_cbor_bstr(&enc, b, bl);
	ogx_cbor_uint(&enc, 1);
	ogx_cbor_bstr(&enc, s, sl);
	if (enc.err) {
		free(enc.buf);
		return enc.err;
	}
	*out = enc.buf;
	*len = enc.len;
	return 0;
}

int ogx_challenge_decode(const uint8_t *buf, size_t len, TPM2B_ID_OBJECT *blob,
			 TPM2B_ENCRYPTED_SECRET *secret)
{
	struct ogx_cbormap_field f[] = {
		OGX_CBORMAP_FIELD("credentialBlob", OGX_CBORMAP_BYTES, 2, sizeof(*blob)),
		OGX_CBORMAP_FIELD("secret", OGX_CBORMAP_BYTES, 2, sizeof(*secret)),
	};
	size_t bo = 0, so = 0;
	int err;

	memset(blob, 0, sizeof(*blob));
	memset(secret, 0, sizeof(*secret));
	if (len > OGX_CHALLENGE_MAX)
		return ogx_fail(-EBADMSG, "challenge: %zu bytes, at most %zu", len,
				(size_t)OGX_CHALLENGE_MAX);
	if ((err = ogx_cbormap_decode(buf, len, f, 2, "challenge")))
		return err;
	if (Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(f[0].data, f[0].len, &bo, blob) ||
	    bo != f[0].len ||
	    Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(f[1].data, f[1].len, &so, secret) ||
	    so != f[1].len)
		err = ogx_fail(-EBADMSG, "challenge: not a TPM2B_ID_OBJECT and a "
				"TPM2B_ENCRYPTED_SECRET");
	if (!err) {
		uint8_t *re = NULL;
		size_t rl = 0;

		err = ogx_challenge_encode(blob, secret, &re, &rl);
		if (!err && (rl != len || memcmp(re, buf, len)))
			err = ogx_fail(-EBADMSG, "challenge: not in canonical CBOR");
		free(re);
	}
	ogx_cbormap_free(f, 2);
	return err;
}
