// SPDX-License-Identifier: GPL-2.0
/* See key.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proof/key.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

#define SEED_HEX (2 * crypto_sign_SEEDBYTES)

int ogx_key_from_seed(struct ogx_key *key, const uint8_t *seed)
{
	key->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (!key->sk)
		return -ENOMEM;
	crypto_sign_seed_keypair(key->pk, key->sk, seed);
	sodium_mprotect_readonly(key->sk);
	return 0;
}

int ogx_key_generate(const char *path, struct ogx_key *key)
{
	uint8_t *seed = sodium_malloc(crypto_sign_SEEDBYTES);
	char *line = sodium_malloc(SEED_HEX + 2);
	int err;

	if (!seed || !line) {
		err = -ENOMEM;
		goto out;
	}
	randombytes_buf(seed, crypto_sign_SEEDBYTES);
	sodium_bin2hex(line, SEED_HEX + 1, seed, crypto_sign_SEEDBYTES);
	line[SEED_HEX] = '\n';
	err = ogx_write_file_atomic(path, line, SEED_HEX + 1, 0600, 1);
	if (err == -EEXIST)
		err = ogx_fail(err, "already exists; refusing to overwrite a key");
	if (!err)
		err = ogx_key_from_seed(key, seed);
out:
	sodium_free(seed);
	sodium_free(line);
	return err;
}

int ogx_key_load(const char *path, struct ogx_key *key)
{
	uint8_t *seed = sodium_malloc(crypto_sign_SEEDBYTES);
	int err;

	memset(key, 0, sizeof(*key));
	if (!seed)
		return -ENOMEM;
	err = ogx_read_secret_hex(path, seed, crypto_sign_SEEDBYTES, false);
	if (err == -EBADMSG)
		err = ogx_fail(err, "not an ogx key (want %d hex digits and a newline)", SEED_HEX);
	else if (!err)
		err = ogx_key_from_seed(key, seed);
	sodium_free(seed);
	return err;
}

void ogx_key_free(struct ogx_key *key)
{
	sodium_free(key->sk);
	key->sk = NULL;
}

void ogx_key_sign(const struct ogx_key *key, uint8_t sig[OGX_SIG_LEN], const void *msg,
		  size_t len)
{
	crypto_sign_detached(sig, NULL, msg, len, key->sk);
}

int ogx_sig_verify(const uint8_t pk[OGX_PK_LEN], const uint8_t sig[OGX_SIG_LEN],
		   const void *msg, size_t len)
{
	return crypto_sign_verify_detached(sig, msg, len, pk) ? -EBADMSG : 0;
}
