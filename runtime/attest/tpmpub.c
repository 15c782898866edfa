// SPDX-License-Identifier: GPL-2.0
/* See tpmpub.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "attest/tpmpub.h"
#include "util/digest.h"
#include "util/err.h"

/* PolicySecret(TPM_RH_ENDORSEMENT), the EK's authPolicy (EK profile, B.3.3). */
static const uint8_t ek_policy[32] = {
	0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5,
	0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b,
	0x33, 0x14, 0x69, 0xaa,
};

#define EK_ATTRS (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | \
		  TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY | \
		  TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)

const char *ogx_tpm_rc(TSS2_RC rc)
{
	return Tss2_RC_Decode(rc);
}

void ogx_tpmpub_ek_template(TPM2B_PUBLIC *t)
{
	memset(t, 0, sizeof(*t));
	t->publicArea.type = TPM2_ALG_RSA;
	t->publicArea.nameAlg = TPM2_ALG_SHA256;
	t->publicArea.objectAttributes = EK_ATTRS;
	t->publicArea.authPolicy.size = sizeof(ek_policy);
	memcpy(t->publicArea.authPolicy.buffer, ek_policy, sizeof(ek_policy));
	t->publicArea.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
	t->publicArea.parameters.rsaDetail.symmetric.keyBits.aes = 128;
	t->publicArea.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	t->publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	t->publicArea.parameters.rsaDetail.keyBits = 2048;
	t->publicArea.parameters.rsaDetail.exponent = 0;
	t->publicArea.unique.rsa.size = 256;	/* zeros */
}

void ogx_tpmpub_ak_template(TPM2B_PUBLIC *t)
{
	memset(t, 0, sizeof(*t));
	t->publicArea.type = TPM2_ALG_ECC;
	t->publicArea.nameAlg = TPM2_ALG_SHA256;
	t->publicArea.objectAttributes = OGX_AK_ATTRS;
	t->publicArea.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	t->publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	t->publicArea.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	t->publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	t->publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
}

int ogx_tpmpub_parse(const uint8_t *buf, size_t len, TPM2B_PUBLIC *pub, const char *what)
{
	size_t off = 0;
	TSS2_RC rc;

	memset(pub, 0, sizeof(*pub));
	rc = Tss2_MU_TPM2B_PUBLIC_Unmarshal(buf, len, &off, pub);
	if (rc)
		return ogx_fail(-EBADMSG, "%s: not a TPM2B_PUBLIC (%s)", what, ogx_tpm_rc(rc));
	if (off != len)
		return ogx_fail(-EBADMSG, "%s: %zu bytes after the TPM2B_PUBLIC", what, len - off);
	return 0;
}

int ogx_tpmpub_marshal(const TPM2B_PUBLIC *pub, uint8_t **out, size_t *len)
{
	uint8_t *buf = malloc(sizeof(*pub));
	size_t off = 0;
	TSS2_RC rc;

	if (!buf)
		return -ENOMEM;
	rc = Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, sizeof(*pub), &off);
	if (rc) {
		free(buf);
		return ogx_fail(-EINVAL, "TPM2B_PUBLIC: cannot marshal (%s)", ogx_tpm_rc(rc));
	}
	*out = buf;
	*len = off;
	return 0;
}

int ogx_tpmpub_name(const TPM2B_PUBLIC *pub, uint8_t name[OGX_TPM_NAME_LEN])
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	size_t off = 0;
	TSS2_RC rc;

	if (pub->publicArea.nameAlg != TPM2_ALG_SHA256)
		return ogx_fail(-EBADMSG, "name algorithm 0x%04x, not SHA-256",
				pub->publicArea.nameAlg);
	rc = Tss2_MU_TPMT_PUBLIC_Marshal(&pub->publicArea, buf, sizeof(buf), &off);
	if (rc)
		return ogx_fail(-EBADMSG, "TPMT_PUBLIC: cannot marshal (%s)", ogx_tpm_rc(rc));
	name[0] = TPM2_ALG_SHA256 >> 8;
	name[1] = TPM2_ALG_SHA256 & 0xff;
	ogx_sha256(name + 2, buf, off);
	return 0;
}

static int pkey_from(OSSL_PARAM_BLD *bld, const char *type, EVP_PKEY **out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	int ok = ctx && params && EVP_PKEY_fromdata_init(ctx) == 1 &&
		 EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) == 1;

	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : ogx_fail(-EBADMSG, "not a valid %s public key", type);
}

int ogx_tpmpub_pkey(const TPM2B_PUBLIC *pub, EVP_PKEY **out)
{
	const TPMT_PUBLIC *p = &pub->publicArea;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *n = NULL, *e = NULL;
	uint8_t point[65];
	int err = -ENOMEM;

	*out = NULL;
	if (!bld)
		return -ENOMEM;
	if (p->type == TPM2_ALG_ECC) {
		const TPMS_ECC_POINT *q = &p->unique.ecc;

		if (p->parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 ||
		    q->x.size != 32 || q->y.size != 32) {
			err = ogx_fail(-EBADMSG, "ECC key: curve 0x%04x with %u/%u-byte "
				       "coordinates, not NIST P-256",
				       p->parameters.eccDetail.curveID, q->x.size, q->y.size);
			goto out;
		}
		point[0] = 0x04;
		memcpy(point + 1, q->x.buffer, 32);
		memcpy(point + 33, q->y.buffer, 32);
		if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						    "prime256v1", 0) != 1 ||
		    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
						     sizeof(point)) != 1)
			goto out;
		err = pkey_from(bld, "EC", out);
	} else if (p->type == TPM2_ALG_RSA) {
		uint32_t exp = p->parameters.rsaDetail.exponent ? p->parameters.rsaDetail.exponent
								 : 65537;

		n = BN_bin2bn(p->unique.rsa.buffer, p->unique.rsa.size, NULL);
		e = BN_new();
		if (!n || !e || !BN_set_word(e, exp) ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
			goto out;
		err = pkey_from(bld, "RSA", out);
	} else {
		err = ogx_fail(-EBADMSG, "key type 0x%04x: neither RSA nor ECC", p->type);
	}
out:
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_BLD_free(bld);
	return err;
}

int ogx_tpmpub_check_ak(const TPM2B_PUBLIC *pub)
{
	static const struct {
		TPMA_OBJECT bit;
		const char *name;
	} need[] = {
		{ TPMA_OBJECT_RESTRICTED, "restricted" },
		{ TPMA_OBJECT_SIGN_ENCRYPT, "sign" },
		{ TPMA_OBJECT_FIXEDTPM, "fixedTPM" },
		{ TPMA_OBJECT_FIXEDPARENT, "fixedParent" },
		{ TPMA_OBJECT_SENSITIVEDATAORIGIN, "sensitiveDataOrigin" },
	};
	const TPMT_PUBLIC *p = &pub->publicArea;
	const TPMS_ECC_PARMS *ecc = &p->parameters.eccDetail;

	if (p->type != TPM2_ALG_ECC)
		return ogx_fail(-EBADMSG, "AK: key type 0x%04x, not ECC", p->type);
	if (p->nameAlg != TPM2_ALG_SHA256)
		return ogx_fail(-EBADMSG, "AK: name algorithm 0x%04x, not SHA-256", p->nameAlg);
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!(p->objectAttributes & need[i].bit))
			return ogx_fail(-EBADMSG, "AK: attribute %s is not set (a quote needs a "
					"restricted signing key that never leaves its TPM)",
					need[i].name);
	if (p->objectAttributes & TPMA_OBJECT_DECRYPT)
		return ogx_fail(-EBADMSG, "AK: attribute decrypt is set (an AK only signs)");
	if (ecc->curveID != TPM2_ECC_NIST_P256)
		return ogx_fail(-EBADMSG, "AK: curve 0x%04x, not NIST P-256", ecc->curveID);
	if (ecc->scheme.scheme != TPM2_ALG_ECDSA ||
	    ecc->scheme.details.ecdsa.hashAlg != TPM2_ALG_SHA256)
		return ogx_fail(-EBADMSG, "AK: scheme 0x%04x/0x%04x, not ECDSA with SHA-256",
				ecc->scheme.scheme, ecc->scheme.details.ecdsa.hashAlg);
	if (p->unique.ecc.x.size != 32 || p->unique.ecc.y.size != 32)
		return ogx_fail(-EBADMSG, "AK: point of %u/%u-byte coordinates",
				p->unique.ecc.x.size, p->unique.ecc.y.size);
	return 0;
}

int ogx_tpmpub_check_ek(const TPM2B_PUBLIC *pub)
{
	const TPMT_PUBLIC *p = &pub->publicArea;
	const TPMS_RSA_PARMS *rsa = &p->parameters.rsaDetail;

	if (p->type != TPM2_ALG_RSA || p->nameAlg != TPM2_ALG_SHA256)
		return ogx_fail(-EBADMSG, "EK: type 0x%04x, name algorithm 0x%04x: not the RSA "
				"2048 / SHA-256 EK template", p->type, p->nameAlg);
	if (p->objectAttributes != EK_ATTRS)
		return ogx_fail(-EBADMSG, "EK: attributes 0x%08x, not the EK template's 0x%08x",
				p->objectAttributes, EK_ATTRS);
	if (p->authPolicy.size != sizeof(ek_policy) ||
	    memcmp(p->authPolicy.buffer, ek_policy, sizeof(ek_policy)))
		return ogx_fail(-EBADMSG, "EK: authPolicy is not PolicySecret(endorsement)");
	if (rsa->symmetric.algorithm != TPM2_ALG_AES || rsa->symmetric.keyBits.aes != 128 ||
	    rsa->symmetric.mode.aes != TPM2_ALG_CFB || rsa->keyBits != 2048 ||
	    p->unique.rsa.size != 256)
		return ogx_fail(-EBADMSG, "EK: not RSA 2048 with AES-128-CFB");
	return 0;
}
