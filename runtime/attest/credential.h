/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TPM2_MakeCredential in software, for a verifier without a TPM: protect a
 * credential (a random secret) so that only the TPM holding the EK can
 * recover it, and only for the object of the given name (the AK), with
 * TPM2_ActivateCredential (TPM 2.0 Part 1, 24 "Credential Protection").
 *
 * No packaged library does this without a TPM: tpm2-tss's Esys_MakeCredential
 * is the TPM command (it needs a TPM to load the EK into), and tpm2-tools'
 * software path is not a library. The pieces are OpenSSL's: RSA-OAEP
 * (SHA-256, label "IDENTITY") for the seed, KDFa as OpenSSL's SP 800-108
 * KBKDF (HMAC-SHA-256, counter mode), AES-128-CFB, HMAC-SHA-256. What is
 * written here is the TPM's arrangement of them; swtpm's ActivateCredential
 * is its test (tests/e2e/attest-enroll.t).
 */
#ifndef OGX_ATTEST_CREDENTIAL_H
#define OGX_ATTEST_CREDENTIAL_H

#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>

#include "attest/tpmpub.h"
#include "util/err.h"

/*
 * credentialBlob and secret for TPM2_ActivateCredential, protecting cred
 * (1..64 bytes) to ek (an RSA EK of the L-1 template) for the object named
 * name.
 */
OGX_MUST_CHECK
int ogx_make_credential(const TPM2B_PUBLIC *ek, const uint8_t name[OGX_TPM_NAME_LEN],
			const uint8_t *cred, size_t cred_len, TPM2B_ID_OBJECT *blob,
			TPM2B_ENCRYPTED_SECRET *secret);

/* TPM KDFa (SHA-256) as OpenSSL's KBKDF: bits/8 bytes of key into out. */
OGX_MUST_CHECK
int ogx_kdfa_sha256(const uint8_t *key, size_t key_len, const char *label,
		    const uint8_t *context, size_t context_len, uint8_t *out, size_t bits);

#endif
