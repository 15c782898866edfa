/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the hardware-report verifiers (snp.c, nitro.c) share: the steps a
 * verdict names, the roots a chain may end in, and the X.509 and ECDSA P-384
 * checks, all done by OpenSSL's libcrypto. Documentation/attestation.md.
 *
 * A chain is walked by hand, root first, so that a failure names the
 * certificate and the reason ("the ASK (CN=SEV-Milan) is not signed by the
 * ARK"); every certificate's signature by the one above it, its validity at
 * the verification time, every issuer a CA allowed to sign certificates
 * (basic constraints, key usage, path length), no unknown critical extension.
 */
#ifndef OGX_ATTEST_CERT_H
#define OGX_ATTEST_CERT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util/err.h"

/* The check a report failed, in the order they are made. */
enum ogx_attest_step {
	OGX_ATTEST_OK = 0,
	OGX_ATTEST_FORMAT,	/* the bytes: size, version, CBOR form, reserved fields */
	OGX_ATTEST_CHAIN,	/* certificates up to a pinned (or configured) root, at a time */
	OGX_ATTEST_SIGNATURE,	/* the report's own signature by the chain's leaf */
	OGX_ATTEST_TCB,		/* SEV-SNP: the VCEK's TCB and chip id are the report's */
	OGX_ATTEST_POLICY,	/* not a debuggable guest (SNP policy) or enclave (Nitro) */
	OGX_ATTEST_BINDING,	/* the report data binds the node key (bind.h) */
};

/* "format", "chain", ...: the field name a verdict line prints. */
const char *ogx_attest_step_name(enum ogx_attest_step step);

/*
 * A root a chain may end in, known by the SHA-256 of its DER encoding. The
 * pinned vendor roots are in snp.c and nitro.c; a configured root (a test's
 * own CA) is trusted only where a caller passes it.
 */
struct ogx_attest_root {
	const char *name;	/* "ARK-Milan", "AWS Nitro Enclaves root G1", ... */
	uint8_t sha256[32];
};

struct ogx_attest_roots {
	const struct ogx_attest_root *root;
	size_t n;
};

/* The root of list whose SHA-256 is that of cert, or NULL. */
const struct ogx_attest_root *ogx_attest_root_find(const struct ogx_attest_roots *list,
						   X509 *cert);

/* The SHA-256 of cert's DER encoding. */
OGX_MUST_CHECK
int ogx_x509_sha256(X509 *cert, uint8_t out[32]);

/* One DER certificate; -EBADMSG with detail naming what. */
OGX_MUST_CHECK
int ogx_x509_from_der(X509 **out, const uint8_t *der, size_t len, const char *what);

/* One certificate, DER or PEM (by its first bytes). */
OGX_MUST_CHECK
int ogx_x509_load(X509 **out, const uint8_t *data, size_t len, const char *what);

/*
 * Every PEM certificate of data, in order, into certs (at most max);
 * -EBADMSG when there is none or anything else than certificates.
 */
OGX_MUST_CHECK
int ogx_x509_load_pem_all(X509 **certs, size_t max, size_t *n, const uint8_t *data,
			  size_t len, const char *what);

/*
 * The chain certs[0] (the root: self-signed) .. certs[n - 1] (the leaf),
 * named by names[i] in messages: each certificate signed by the one before
 * it (the root by itself), its issuer's name, each valid at at, every
 * certificate but the leaf a CA within its pathlen, no unknown critical
 * extension. -EKEYREJECTED with detail.
 */
OGX_MUST_CHECK
int ogx_x509_chain_check(X509 *const *certs, const char *const *names, size_t n, time_t at);

/*
 * ECDSA P-384 with SHA-384 over msg, the signature as r and s of 48
 * big-endian bytes each. pkey must be a P-384 key. 0, or -EKEYREJECTED
 * with detail naming what was signed and by whom.
 */
OGX_MUST_CHECK
int ogx_p384_verify(EVP_PKEY *pkey, const char *signer, const uint8_t *msg, size_t len,
		    const uint8_t r[48], const uint8_t s[48]);

/* 0 when pkey is an EC key on P-384, else -EKEYREJECTED naming what. */
OGX_MUST_CHECK
int ogx_p384_check(EVP_PKEY *pkey, const char *what);

/* at as "2026-02-12T17:56:02Z" (out: at least 21 bytes). */
void ogx_attest_time(char *out, size_t len, time_t at);

/* The certificate's subject as one line ("CN=SEV-VCEK"): its CN, else the whole name. */
void ogx_x509_name(char *out, size_t len, X509 *cert);

#endif
