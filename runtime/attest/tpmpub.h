/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TPM public areas (TPM2B_PUBLIC, marshalled by tpm2-tss's MU) as the
 * verifier sees them: a strict parse, the object's name, the OpenSSL key,
 * and the two templates ogx relies on:
 *
 *	EK  the TCG EK Credential Profile's RSA 2048 template (L-1): restricted
 *	    decrypt, AES-128-CFB, authPolicy PolicySecret(TPM_RH_ENDORSEMENT);
 *	    its certificate sits in NV 0x01c00002 and its handle is 0x81010001
 *	AK  restricted signing ECC P-256, ECDSA-SHA256, fixedTPM, fixedParent,
 *	    sensitiveDataOrigin, userWithAuth, a child of the EK
 *
 * The node creates its AK from OGX_AK_ATTRS (attest/tpm.c); the verifier
 * checks every attribute that makes a quote worth anything
 * (ogx_tpmpub_check_ak()).
 */
#ifndef OGX_ATTEST_TPMPUB_H
#define OGX_ATTEST_TPMPUB_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>
#include "util/err.h"

/* A name of a SHA-256 object: the algorithm id (0x000b), then the digest. */
#define OGX_TPM_NAME_LEN 34

#define OGX_EK_NV_INDEX 0x01c00002	/* RSA 2048 EK certificate */
#define OGX_EK_HANDLE 0x81010001	/* the RSA EK, where provisioned */

#define OGX_AK_ATTRS (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | \
		      TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH | \
		      TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT)

/* The EK template (TCG EK Credential Profile 2.0, L-1: RSA 2048). */
void ogx_tpmpub_ek_template(TPM2B_PUBLIC *t);
/* The AK template: ECC P-256, ECDSA-SHA256, OGX_AK_ATTRS. */
void ogx_tpmpub_ak_template(TPM2B_PUBLIC *t);

/* Parse a marshalled TPM2B_PUBLIC that must fill len exactly; -EBADMSG. */
OGX_MUST_CHECK
int ogx_tpmpub_parse(const uint8_t *buf, size_t len, TPM2B_PUBLIC *pub, const char *what);
/* Marshal pub into a malloc'd buffer. */
OGX_MUST_CHECK
int ogx_tpmpub_marshal(const TPM2B_PUBLIC *pub, uint8_t **out, size_t *len);

/* The name: nameAlg (SHA-256 only) ‖ SHA-256(marshalled TPMT_PUBLIC). */
OGX_MUST_CHECK
int ogx_tpmpub_name(const TPM2B_PUBLIC *pub, uint8_t name[OGX_TPM_NAME_LEN]);

/* The public key as OpenSSL's (RSA or ECC P-256); free with EVP_PKEY_free. */
OGX_MUST_CHECK
int ogx_tpmpub_pkey(const TPM2B_PUBLIC *pub, EVP_PKEY **out);

/*
 * An AK a quote may be signed with: ECC P-256, nameAlg SHA-256, scheme
 * ECDSA-SHA256, and restricted, sign, fixedTPM, fixedParent,
 * sensitiveDataOrigin set, decrypt clear. -EBADMSG naming the first
 * attribute that is not so.
 */
OGX_MUST_CHECK
int ogx_tpmpub_check_ak(const TPM2B_PUBLIC *pub);

/* An EK of the L-1 template (what MakeCredential encrypts to); -EBADMSG. */
OGX_MUST_CHECK
int ogx_tpmpub_check_ek(const TPM2B_PUBLIC *pub);

/* A TSS2 return code as text, for details ("TPM: Quote: tpm:...: ..."). */
const char *ogx_tpm_rc(TSS2_RC rc);

#endif
