/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The enrolment record: what binds a node's Ed25519 key to its TPM's AK and
 * EK, signed by the node key and kept by every verifier that checked it.
 * A CBOR map (Documentation/attestation.md, "Enrolment"):
 *
 *	0 version  uint   1
 *	1 node     bytes  32, the node's Ed25519 public key
 *	2 ek_cert  bytes  the EK certificate, DER (NV 0x01c00002)
 *	3 ek       bytes  the EK's TPM2B_PUBLIC, marshalled
 *	4 ak       bytes  the AK's TPM2B_PUBLIC, marshalled
 *	5 sig      bytes  64, Ed25519 by node over OGX_ENROL_SIG_CONTEXT ‖ the
 *	                  encoding of the map without key 5
 *
 * The enrolment protocol: the node writes the record (ogrun attest enroll);
 * a verifier checks it (signature, AK attributes, EK template, EK
 * certificate against its CA store, the certificate's key = the EK) and
 * answers with a challenge: a random credential made for the AK's name to
 * the EK (attest/credential.h); the node's TPM can recover it only if the AK
 * is in the same TPM as the EK (ogrun attest enroll --activate); the
 * verifier compares and keeps the record.
 *
 * The challenge is a CBOR map too: 0 credentialBlob (TPM2B_ID_OBJECT), 1
 * secret (TPM2B_ENCRYPTED_SECRET), both marshalled.
 */
#ifndef OGX_ATTEST_ENROL_H
#define OGX_ATTEST_ENROL_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>
#include <tss2/tss2_tpm2_types.h>

#include "attest/tpmpub.h"
#include "proof/key.h"
#include "util/err.h"

#define OGX_ENROL_VERSION 1
#define OGX_ENROL_SIG_CONTEXT "ogx enrolment v1"	/* signed with its NUL */
#define OGX_ENROL_CERT_MAX 4096
#define OGX_ENROL_MAX (OGX_ENROL_CERT_MAX + 2 * sizeof(TPM2B_PUBLIC) + 256)
#define OGX_CHALLENGE_MAX (sizeof(TPM2B_ID_OBJECT) + sizeof(TPM2B_ENCRYPTED_SECRET) + 32)
#define OGX_CREDENTIAL_LEN 32

struct ogx_enrolment {
	uint8_t node[OGX_PK_LEN];
	uint8_t *ek_cert;		/* malloc'd DER */
	size_t ek_cert_len;
	TPM2B_PUBLIC ek, ak;
	uint8_t ak_name[OGX_TPM_NAME_LEN];	/* computed from ak */
	uint8_t sig[OGX_SIG_LEN];
};

/* Fills e->node, signs and encodes (ek_cert, ek, ak set by the caller). */
OGX_MUST_CHECK
int ogx_enrolment_sign(struct ogx_enrolment *e, const struct ogx_key *key, uint8_t **out,
		       size_t *len);
/* Strict, canonical decode; the AK name computed. Signature not checked. */
OGX_MUST_CHECK
int ogx_enrolment_decode(const uint8_t *buf, size_t len, struct ogx_enrolment *e);
void ogx_enrolment_free(struct ogx_enrolment *e);

/* What failed, for the verdict line's [field]. */
struct ogx_enrol_check {
	const char *field;		/* "sig", "ak", "ek", "ek-cert" */
	char issuer[160];		/* the EK certificate's issuer, one line */
};

/*
 * Everything a verifier checks without the TPM: the node's signature, the
 * AK's attributes, the EK's template, the EK certificate's key = the EK,
 * and its chain to a CA of cas (OpenSSL; cas NULL: the chain is not checked,
 * for a record this verifier enrolled). -EBADMSG with detail; c->field
 * names the part.
 */
OGX_MUST_CHECK
int ogx_enrolment_check(const struct ogx_enrolment *e, X509_STORE *cas,
			struct ogx_enrol_check *c);

/* A CA store from PEM files (each may hold several certificates). */
OGX_MUST_CHECK
int ogx_ca_store_load(const char *const *files, size_t n, X509_STORE **out);

OGX_MUST_CHECK
int ogx_challenge_encode(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret,
			 uint8_t **out, size_t *len);
OGX_MUST_CHECK
int ogx_challenge_decode(const uint8_t *buf, size_t len, TPM2B_ID_OBJECT *blob,
			 TPM2B_ENCRYPTED_SECRET *secret);

#endif
