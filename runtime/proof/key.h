/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node's Ed25519 signing key (libsodium). On disk: one line, the 32-byte
 * seed in hex, in a file of mode 0600 owned by the user. In memory: a
 * sodium_malloc'd, guarded page, wiped on free.
 */
#ifndef OGX_PROOF_KEY_H
#define OGX_PROOF_KEY_H

#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#include "util/err.h"

#define OGX_PK_LEN crypto_sign_PUBLICKEYBYTES
#define OGX_SIG_LEN crypto_sign_BYTES

struct ogx_key {
	uint8_t pk[OGX_PK_LEN];
	uint8_t *sk; /* crypto_sign_SECRETKEYBYTES, sodium_malloc'd */
};

/* Generate a key and write it to path (0600, never over an existing file). */
OGX_MUST_CHECK
int ogx_key_generate(const char *path, struct ogx_key *key);

/*
 * Load a key file: -EPERM when group/other can read it, -EBADMSG with detail
 * when its content is not a key.
 */
OGX_MUST_CHECK
int ogx_key_load(const char *path, struct ogx_key *key);

/* The key of a 32-byte seed (tests and golden vectors use fixed seeds). */
OGX_MUST_CHECK
int ogx_key_from_seed(struct ogx_key *key, const uint8_t *seed);

void ogx_key_free(struct ogx_key *key);

/* Detached Ed25519 signature of msg. */
void ogx_key_sign(const struct ogx_key *key, uint8_t sig[OGX_SIG_LEN], const void *msg,
		  size_t len);

OGX_MUST_CHECK
int ogx_sig_verify(const uint8_t pk[OGX_PK_LEN], const uint8_t sig[OGX_SIG_LEN],
		   const void *msg, size_t len);

#endif
