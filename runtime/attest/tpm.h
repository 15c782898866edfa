/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node's TPM, through tpm2-tss ESYS: the EK (and its certificate), the
 * attestation key, credential activation, quotes, PCR reads. The TCTI is
 * tpm2-tss's configuration string: "device:/dev/tpmrm0" on a real host (the
 * default, or $OGX_TCTI), "swtpm:host=127.0.0.1,port=2321" for swtpm.
 *
 * The AK is a child of the EK (as tpm2_createak makes it), so its quotes
 * carry unobfuscated reset and restart counts; its public and private blobs
 * are kept in one file (OGX_TPM_AK_FILE in $OGX_HOME, mode 0600): the
 * marshalled TPM2B_PUBLIC then TPM2B_PRIVATE. The private blob is wrapped
 * by the TPM's EK and is useless elsewhere.
 */
#ifndef OGX_ATTEST_TPM_H
#define OGX_ATTEST_TPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_esys.h>

#include "attest/tpmpub.h"
#include "util/err.h"

#define OGX_TPM_DEFAULT_TCTI "device:/dev/tpmrm0"
#define OGX_TPM_AK_FILE "tpm-ak"
#define OGX_PCR_BOOT_COUNT 8	/* PCRs 0-7: firmware, boot loader, their configuration */

struct ogx_tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	ESYS_TR ek, ak;
	bool ek_transient;
	TPM2B_PUBLIC ek_pub, ak_pub;
};

/* Opens the TPM: tcti NULL means $OGX_TCTI, else OGX_TPM_DEFAULT_TCTI. */
OGX_MUST_CHECK
int ogx_tpm_open(struct ogx_tpm *t, const char *tcti);
void ogx_tpm_close(struct ogx_tpm *t);

/* The EK: the persistent one at OGX_EK_HANDLE, else created from its template. */
OGX_MUST_CHECK
int ogx_tpm_load_ek(struct ogx_tpm *t);
/* The EK certificate (DER) from NV OGX_EK_NV_INDEX, malloc'd. */
OGX_MUST_CHECK
int ogx_tpm_ek_cert(struct ogx_tpm *t, uint8_t **der, size_t *len);

/*
 * The AK of path (loaded under the EK, which it loads): with create and no
 * file, a new AK is created and its blobs written to path (0600).
 */
OGX_MUST_CHECK
int ogx_tpm_load_ak(struct ogx_tpm *t, const char *path, bool create);

/* TPM2_ActivateCredential with the AK and the EK: the credential, ≤ 64 bytes. */
OGX_MUST_CHECK
int ogx_tpm_activate(struct ogx_tpm *t, const TPM2B_ID_OBJECT *blob,
		     const TPM2B_ENCRYPTED_SECRET *secret, uint8_t cred[64], size_t *len);

/*
 * TPM2_Quote by the AK of the SHA-256 bank's PCRs 0-7 and pcr with
 * qualifyingData qual: the TPMS_ATTEST and the TPMT_SIGNATURE, marshalled
 * and malloc'd.
 */
OGX_MUST_CHECK
int ogx_tpm_quote(struct ogx_tpm *t, uint32_t pcr, const uint8_t qual[32], uint8_t **attest,
		  size_t *attest_len, uint8_t **sig, size_t *sig_len);

/*
 * The SHA-256 bank's values of the PCRs of mask (bit i: PCR i), in
 * ascending order into out (one 32-byte row per PCR).
 */
OGX_MUST_CHECK
int ogx_tpm_pcr_read_set(struct ogx_tpm *t, uint32_t mask, uint8_t out[][32]);
/* The SHA-256 bank's value of PCR index. */
OGX_MUST_CHECK
int ogx_tpm_pcr_read(struct ogx_tpm *t, uint32_t index, uint8_t out[32]);
/* Extends PCR index's SHA-256 bank with digest (tests drive swtpm so). */
OGX_MUST_CHECK
int ogx_tpm_pcr_extend(struct ogx_tpm *t, uint32_t index, const uint8_t digest[32]);

#endif
