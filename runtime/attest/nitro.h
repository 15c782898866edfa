/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AWS Nitro Enclaves attestation documents (aws/aws-nitro-enclaves-nsm-api,
 * docs/attestation_process.md): a COSE_Sign1 (RFC 9052; CBOR tag 18, which
 * AWS leaves out) with ES384, whose payload is a CBOR map: module_id, digest
 * ("SHA384"), timestamp (ms), pcrs, certificate (the enclave's signing
 * certificate, DER), cabundle (DER, the AWS Nitro root first, the
 * certificate's issuer last), and public_key, user_data, nonce (bytes or
 * null). The certificate chains to the AWS Nitro Enclaves root G1, pinned
 * here by its SHA-256 (nitro.c says where it comes from); the COSE signature
 * is ECDSA P-384 over Sig_structure ["Signature1", protected, h'', payload].
 */
#ifndef OGX_ATTEST_NITRO_H
#define OGX_ATTEST_NITRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attest/cert.h"
#include "util/err.h"

#define OGX_NITRO_DOC_MAX 32768
#define OGX_NITRO_CABUNDLE_MAX 8
#define OGX_NITRO_PCRS 32

struct ogx_nitro_bytes {
	const uint8_t *data;	/* into the decoded document; NULL when absent or null */
	size_t len;
};

struct ogx_nitro_doc {
	/* The COSE_Sign1. */
	struct ogx_nitro_bytes protected_hdr, payload, signature;
	/* The payload. */
	char module_id[128];
	char digest[16];
	uint64_t timestamp_ms;
	uint32_t pcr_mask;			/* which of pcr[] are present */
	struct ogx_nitro_bytes pcr[OGX_NITRO_PCRS];
	struct ogx_nitro_bytes certificate;
	struct ogx_nitro_bytes cabundle[OGX_NITRO_CABUNDLE_MAX];
	size_t n_cabundle;
	struct ogx_nitro_bytes public_key, user_data, nonce;
	void *cose, *doc;			/* the decoded CBOR (libcbor items) */
};

/*
 * Decode buf strictly: one COSE_Sign1 (tagged 18 or not) and nothing after
 * it, a protected header of exactly {1: -35} (ES384), an empty unprotected
 * header, a 96-byte signature, a payload map with the keys above, each once
 * and of its type, definite lengths only but the payload map's (the NSM
 * writes it with indefinite length). -EBADMSG with detail; on success
 * free with ogx_nitro_free().
 */
OGX_MUST_CHECK
int ogx_nitro_parse(struct ogx_nitro_doc *d, const uint8_t *buf, size_t len);
void ogx_nitro_free(struct ogx_nitro_doc *d);

/* The pinned root: AWS Nitro Enclaves root G1. */
extern const struct ogx_attest_roots ogx_nitro_aws_roots;

struct ogx_nitro_verify {
	/* In. */
	time_t at;		/* the time the certificates must be valid at */
	bool at_document;	/* instead: the document's own timestamp */
	const struct ogx_attest_roots *roots;	/* NULL: ogx_nitro_aws_roots */
	/* Out. */
	struct ogx_nitro_doc doc;	/* decoded when failed is past FORMAT: free it */
	enum ogx_attest_step failed;
	const char *root;
	time_t checked_at;		/* the time the chain was checked at */
};

/*
 * Parse buf, check the chain cabundle[0] (pinned) .. certificate at the
 * time, the COSE signature under the certificate's P-384 key, and that the
 * enclave is not in debug mode (PCR0 all zero, AWS: "Nitro Enclaves
 * concepts", debug mode). 0, or -errno with detail and v->failed naming the
 * step: -EBADMSG format, -EKEYREJECTED chain or signature, -EPROTO policy. v->doc holds the document whenever the
 * format step passed (free it with ogx_nitro_free() whatever the result).
 * The binding (user_data) is the caller's (bind.h).
 */
OGX_MUST_CHECK
int ogx_nitro_verify(struct ogx_nitro_verify *v, const uint8_t *buf, size_t len);

#endif
