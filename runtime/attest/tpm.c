// SPDX-License-Identifier: GPL-2.0
/* See tpm.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>

#include "attest/tpm.h"
#include "util/err.h"
#include "util/file.h"

#define AK_FILE_MAX (sizeof(TPM2B_PUBLIC) + sizeof(TPM2B_PRIVATE))

static int tss_fail(TSS2_RC rc, const char *what)
{
	return ogx_fail(-EIO, "TPM: %s: %s", what, ogx_tpm_rc(rc));
}

int ogx_tpm_open(struct ogx_tpm *t, const char *tcti)
{
	TSS2_RC rc;

	memset(t, 0, sizeof(*t));
	t->ek = t->ak = ESYS_TR_NONE;
	/*
	 * tpm2-tss logs its own WARNING/ERROR lines to stderr; the error this
	 * returns names the command and the decoded code in one line. A user's
	 * TSS2_LOG still wins.
	 */
	setenv("TSS2_LOG", "all+NONE", 0);
	if (!tcti)
		tcti = getenv("OGX_TCTI");
	if (!tcti || !*tcti)
		tcti = OGX_TPM_DEFAULT_TCTI;
	rc = Tss2_TctiLdr_Initialize(tcti, &t->tcti);
	if (rc)
		return ogx_fail(-ENODEV, "TPM: TCTI \"%s\": %s", tcti, ogx_tpm_rc(rc));
	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc) {
		Tss2_TctiLdr_Finalize(&t->tcti);
		return ogx_fail(-ENODEV, "TPM: TCTI \"%s\": %s", tcti, ogx_tpm_rc(rc));
	}
	return 0;
}

void ogx_tpm_close(struct ogx_tpm *t)
{
	if (!t->esys)
		return;
	if (t->ak != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, t->ak);
	if (t->ek != ESYS_TR_NONE) {
		if (t->ek_transient)
			Esys_FlushContext(t->esys, t->ek);
		else
			Esys_TR_Close(t->esys, &t->ek);
	}
	Esys_Finalize(&t->esys);
	Tss2_TctiLdr_Finalize(&t->tcti);
}

/* A policy session satisfying the EK's policy, PolicySecret(endorsement). */
static int ek_session(struct ogx_tpm *t, ESYS_TR *s)
{
	const TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TSS2_RC rc;

	rc = Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym,
				   TPM2_ALG_SHA256, s);
	if (rc)
		return tss_fail(rc, "StartAuthSession");
	rc = Esys_PolicySecret(t->esys, ESYS_TR_RH_ENDORSEMENT, *s, ESYS_TR_PASSWORD,
			       ESYS_TR_NONE, ESYS_TR_NONE, NULL, NULL, NULL, 0, NULL, NULL);
	if (rc) {
		Esys_FlushContext(t->esys, *s);
		return tss_fail(rc, "PolicySecret(endorsement)");
	}
	return 0;
}

static void end_session(struct ogx_tpm *t, ESYS_TR s)
{
	/* gone already when the command did not continue it */
	Esys_FlushContext(t->esys, s);
}

int ogx_tpm_load_ek(struct ogx_tpm *t)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPML_PCR_SELECTION none = { 0 };
	TPM2B_PUBLIC *pub = NULL, tmpl;
	TPM2B_DATA outside = { 0 };
	TSS2_RC rc;

	if (t->ek != ESYS_TR_NONE)
		return 0;
	rc = Esys_TR_FromTPMPublic(t->esys, OGX_EK_HANDLE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, &t->ek);
	if (!rc) {
		rc = Esys_ReadPublic(t->esys, t->ek, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				     &pub, NULL, NULL);
		if (rc) {
			Esys_TR_Close(t->esys, &t->ek);
			return tss_fail(rc, "ReadPublic(EK 0x81010001)");
		}
	} else {
		t->ek = ESYS_TR_NONE;
		ogx_tpmpub_ek_template(&tmpl);
		rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD,
					ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl, &outside, &none,
					&t->ek, &pub, NULL, NULL, NULL);
		if (rc)
			return tss_fail(rc, "CreatePrimary(EK)");
		t->ek_transient = true;
	}
	t->ek_pub = *pub;
	Esys_Free(pub);
	return ogx_tpmpub_check_ek(&t->ek_pub);
}

int ogx_tpm_ek_cert(struct ogx_tpm *t, uint8_t **der, size_t *len)
{
	TPM2B_NV_PUBLIC *nvpub = NULL;
	TPM2B_MAX_NV_BUFFER *part;
	uint8_t *buf = NULL;
	ESYS_TR nv;
	uint16_t size, off = 0;
	TSS2_RC rc;

	rc = Esys_TR_FromTPMPublic(t->esys, OGX_EK_NV_INDEX, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, &nv);
	if (rc)
		return ogx_fail(-ENOENT, "TPM: no EK certificate in NV 0x%08x (%s)",
				OGX_EK_NV_INDEX, ogx_tpm_rc(rc));
	rc = Esys_NV_ReadPublic(t->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nvpub,
				NULL);
	if (rc)
		goto fail;
	size = nvpub->nvPublic.dataSize;
	Esys_Free(nvpub);
	buf = malloc(size ? size : 1);
	if (!buf) {
		Esys_TR_Close(t->esys, &nv);
		return -ENOMEM;
	}
	while (off < size) {
		uint16_t n = size - off > 512 ? 512 : size - off;	/* under any NV buffer max */

		rc = Esys_NV_Read(t->esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				  n, off, &part);
		if (rc)
			goto fail;
		if (part->size != n) {
			Esys_Free(part);
			free(buf);
			Esys_TR_Close(t->esys, &nv);
			return ogx_fail(-EIO, "TPM: NV 0x%08x: %u bytes read where %u were asked",
					OGX_EK_NV_INDEX, part->size, n);
		}
		memcpy(buf + off, part->buffer, n);
		Esys_Free(part);
		off += n;
	}
	Esys_TR_Close(t->esys, &nv);
	*der = buf;
	*len = size;
	return 0;
fail:
	free(buf);
	Esys_TR_Close(t->esys, &nv);
	return ogx_fail(-EIO, "TPM: reading the EK certificate in NV 0x%08x: %s",
			OGX_EK_NV_INDEX, ogx_tpm_rc(rc));
}

static int ak_create(struct ogx_tpm *t, const char *path)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPML_PCR_SELECTION none = { 0 };
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL, tmpl;
	TPM2B_DATA outside = { 0 };
	uint8_t buf[AK_FILE_MAX];
	size_t off = 0;
	ESYS_TR s;
	TSS2_RC rc;
	int err;

	ogx_tpmpub_ak_template(&tmpl);
	if ((err = ek_session(t, &s)))
		return err;
	rc = Esys_Create(t->esys, t->ek, s, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl, &outside,
			 &none, &priv, &pub, NULL, NULL, NULL);
	end_session(t, s);
	if (rc)
		return tss_fail(rc, "Create(AK under the EK)");
	rc = Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, sizeof(buf), &off);
	if (!rc)
		rc = Tss2_MU_TPM2B_PRIVATE_Marshal(priv, buf, sizeof(buf), &off);
	Esys_Free(pub);
	Esys_Free(priv);
	if (rc)
		return tss_fail(rc, "marshalling the AK");
	err = ogx_write_file_atomic(path, buf, off, 0600, 1);
	if (err)
		return ogx_fail(err, "%s: %s", path, ogx_errmsg(err));
	return 0;
}

int ogx_tpm_load_ak(struct ogx_tpm *t, const char *path, bool create)
{
	TPM2B_PRIVATE priv = { 0 };
	uint8_t *buf = NULL;
	size_t len, off = 0;
	ESYS_TR s;
	TSS2_RC rc;
	int err;

	if ((err = ogx_tpm_load_ek(t)))
		return err;
	if (create && access(path, F_OK) && errno == ENOENT && (err = ak_create(t, path)))
		return err;
	err = ogx_read_file(path, AK_FILE_MAX, &buf, &len);
	if (err)
		return ogx_fail(err, "%s: %s%s", path, ogx_errmsg(err),
				err == -ENOENT ? " (no AK: run ogrun attest enroll)" : "");
	memset(&t->ak_pub, 0, sizeof(t->ak_pub));
	rc = Tss2_MU_TPM2B_PUBLIC_Unmarshal(buf, len, &off, &t->ak_pub);
	if (!rc)
		rc = Tss2_MU_TPM2B_PRIVATE_Unmarshal(buf, len, &off, &priv);
	free(buf);
	if (rc || off != len)
		return ogx_fail(-EBADMSG, "%s: not an AK file (TPM2B_PUBLIC, TPM2B_PRIVATE)", path);
	if ((err = ek_session(t, &s)))
		return err;
	rc = Esys_Load(t->esys, t->ek, s, ESYS_TR_NONE, ESYS_TR_NONE, &priv, &t->ak_pub, &t->ak);
	end_session(t, s);
	if (rc) {
		t->ak = ESYS_TR_NONE;
		return ogx_fail(-EIO, "TPM: loading the AK of %s under the EK: %s (an AK of "
				"another TPM?)", path, ogx_tpm_rc(rc));
	}
	return 0;
}

int ogx_tpm_activate(struct ogx_tpm *t, const TPM2B_ID_OBJECT *blob,
		     const TPM2B_ENCRYPTED_SECRET *secret, uint8_t cred[64], size_t *len)
{
	TPM2B_DIGEST *out = NULL;
	ESYS_TR s;
	TSS2_RC rc;
	int err;

	if ((err = ek_session(t, &s)))
		return err;
	rc = Esys_ActivateCredential(t->esys, t->ak, t->ek, ESYS_TR_PASSWORD, s, ESYS_TR_NONE,
				     blob, secret, &out);
	end_session(t, s);
	if (rc)
		return tss_fail(rc, "ActivateCredential");
	if (out->size > 64) {
		Esys_Free(out);
		return ogx_fail(-EBADMSG, "TPM: ActivateCredential: a %u-byte credential",
				out->size);
	}
	memcpy(cred, out->buffer, out->size);
	*len = out->size;
	Esys_Free(out);
	return 0;
}

static void pcr_select(TPML_PCR_SELECTION *sel, uint32_t boot_mask, uint32_t pcr)
{
	uint32_t mask = boot_mask | (pcr < 24 ? 1u << pcr : 0);

	memset(sel, 0, sizeof(*sel));
	sel->count = 1;
	sel->pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel->pcrSelections[0].sizeofSelect = 3;
	sel->pcrSelections[0].pcrSelect[0] = mask & 0xff;
	sel->pcrSelections[0].pcrSelect[1] = (mask >> 8) & 0xff;
	sel->pcrSelections[0].pcrSelect[2] = (mask >> 16) & 0xff;
}

static int marshal_out(TSS2_RC rc, const char *what, uint8_t *tmp, size_t off,
		       uint8_t **out, size_t *len)
{
	if (rc)
		return tss_fail(rc, what);
	*out = malloc(off);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, tmp, off);
	*len = off;
	return 0;
}

int ogx_tpm_quote(struct ogx_tpm *t, uint32_t pcr, const uint8_t qual[32], uint8_t **attest,
		  size_t *attest_len, uint8_t **sig, size_t *sig_len)
{
	const TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };	/* the AK's own */
	TPM2B_DATA q = { .size = 32 };
	TPMT_SIGNATURE *s = NULL;
	TPM2B_ATTEST *a = NULL;
	TPML_PCR_SELECTION sel;
	uint8_t tmp[sizeof(TPMT_SIGNATURE)];
	size_t off = 0;
	TSS2_RC rc;
	int err;

	if (pcr < OGX_PCR_BOOT_COUNT || pcr > 23)
		return ogx_fail(-EINVAL, "PCR %u: the module's PCR is one of 8..23", pcr);
	memcpy(q.buffer, qual, 32);
	pcr_select(&sel, (1u << OGX_PCR_BOOT_COUNT) - 1, pcr);
	rc = Esys_Quote(t->esys, t->ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &q, &scheme,
			&sel, &a, &s);
	if (rc)
		return tss_fail(rc, "Quote");
	err = marshal_out(0, "Quote", a->attestationData, a->size, attest, attest_len);
	if (!err) {
		rc = Tss2_MU_TPMT_SIGNATURE_Marshal(s, tmp, sizeof(tmp), &off);
		err = marshal_out(rc, "marshalling the quote's signature", tmp, off, sig, sig_len);
		if (err)
			free(*attest);
	}
	Esys_Free(a);
	Esys_Free(s);
	return err;
}

int ogx_tpm_pcr_read_set(struct ogx_tpm *t, uint32_t mask, uint8_t out[][32])
{
	TPML_PCR_SELECTION sel, *got = NULL;
	TPML_DIGEST *vals = NULL;
	uint32_t left = mask & 0xffffff, done;
	TSS2_RC rc;
	int err = 0;

	if (mask != left)
		return ogx_fail(-EINVAL, "PCRs 0x%08x: there are 24", mask);
	/* a TPM answers up to 8 digests per PCR_Read: ask again for the rest */
	while (left && !err) {
		size_t k = 0;

		pcr_select(&sel, left, 24);
		rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, NULL,
				   &got, &vals);
		if (rc)
			return tss_fail(rc, "PCR_Read");
		done = 0;
		if (got->count == 1 && got->pcrSelections[0].hash == TPM2_ALG_SHA256)
			for (unsigned int b = 0; b < 3; b++)
				done |= (uint32_t)got->pcrSelections[0].pcrSelect[b] << (8 * b);
		done &= left;
		for (uint32_t i = 0; i < 24 && !err; i++) {
			if (!(done & (1u << i)))
				continue;
			if (k >= vals->count || vals->digests[k].size != 32)
				err = ogx_fail(-EIO, "TPM: PCR_Read: PCR %u has no SHA-256 bank", i);
			else
				memcpy(out[__builtin_popcount(mask & ((1u << i) - 1))],
				       vals->digests[k++].buffer, 32);
		}
		if (!done && !err)
			err = ogx_fail(-EIO, "TPM: PCR_Read: no SHA-256 bank");
		left &= ~done;
		Esys_Free(got);
		Esys_Free(vals);
	}
	return err;
}

int ogx_tpm_pcr_read(struct ogx_tpm *t, uint32_t index, uint8_t out[32])
{
	if (index > 23)
		return ogx_fail(-EINVAL, "PCR %u: there are 24", index);
	return ogx_tpm_pcr_read_set(t, 1u << index, (uint8_t (*)[32])out);
}

int ogx_tpm_pcr_extend(struct ogx_tpm *t, uint32_t index, const uint8_t digest[32])
{
	TPML_DIGEST_VALUES d = { .count = 1 };
	TSS2_RC rc;

	if (index > 23)
		return ogx_fail(-EINVAL, "PCR %u: there are 24", index);
	d.digests[0].hashAlg = TPM2_ALG_SHA256;
	memcpy(d.digests[0].digest.sha256, digest, 32);
	rc = Esys_PCR_Extend(t->esys, ESYS_TR_PCR0 + index, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			     ESYS_TR_NONE, &d);
	return rc ? tss_fail(rc, "PCR_Extend") : 0;
}
