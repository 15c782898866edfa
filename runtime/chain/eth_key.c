// SPDX-License-Identifier: GPL-2.0
/* See eth_key.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "chain/eth_key.h"
#include "chain/keccak.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

#define SECRET_HEX (2 * OGX_ETH_SECRET_LEN)

static secp256k1_context *ctx;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;

/*
 * One context for the process: read-only after creation, so shared by
 * threads. Randomised (blinding of the signing computations against side
 * channels), as the library recommends for contexts that sign.
 */
static void ctx_create(void)
{
	uint8_t seed[32];

	/* Idempotent; sodium_malloc and randombytes need it. */
	if (sodium_init() < 0)
		return;
	ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	randombytes_buf(seed, sizeof(seed));
	if (ctx && !secp256k1_context_randomize(ctx, seed)) {
		secp256k1_context_destroy(ctx);
		ctx = NULL;
	}
	sodium_memzero(seed, sizeof(seed));
}

static secp256k1_context *context(void)
{
	pthread_once(&ctx_once, ctx_create);
	return ctx;
}

static void pubkey_to_addr(const secp256k1_pubkey *pk, uint8_t xy[64],
			   uint8_t addr[OGX_ETH_ADDR_LEN])
{
	uint8_t ser[65], h[OGX_KECCAK256_LEN];
	size_t n = sizeof(ser);

	secp256k1_ec_pubkey_serialize(context(), ser, &n, pk, SECP256K1_EC_UNCOMPRESSED);
	if (xy)
		memcpy(xy, ser + 1, 64);
	ogx_keccak256(h, ser + 1, 64);
	memcpy(addr, h + 12, OGX_ETH_ADDR_LEN);
}

int ogx_eth_key_from_secret(struct ogx_eth_key *key, const uint8_t secret[OGX_ETH_SECRET_LEN])
{
	secp256k1_pubkey pk;

	memset(key, 0, sizeof(*key));
	if (!context())
		return -ENOMEM;
	if (!secp256k1_ec_seckey_verify(ctx, secret))
		return ogx_fail(-EINVAL, "secp256k1 secret is zero or not below the curve order");
	key->secret = sodium_malloc(OGX_ETH_SECRET_LEN);
	if (!key->secret)
		return -ENOMEM;
	memcpy(key->secret, secret, OGX_ETH_SECRET_LEN);
	sodium_mprotect_readonly(key->secret);
	if (!secp256k1_ec_pubkey_create(ctx, &pk, secret)) {
		ogx_eth_key_free(key);
		return -EINVAL;
	}
	pubkey_to_addr(&pk, key->pubkey, key->addr);
	return 0;
}

int ogx_eth_key_generate(const char *path, struct ogx_eth_key *key)
{
	uint8_t *secret = context() ? sodium_malloc(OGX_ETH_SECRET_LEN) : NULL;
	char *line = secret ? sodium_malloc(SECRET_HEX + 2) : NULL;
	int err;

	memset(key, 0, sizeof(*key));
	if (!secret || !line) {
		err = -ENOMEM;
		goto out;
	}
	/* Rejection sampling: about one draw in 2^128 is out of range. */
	do
		randombytes_buf(secret, OGX_ETH_SECRET_LEN);
	while (!secp256k1_ec_seckey_verify(ctx, secret));
	sodium_bin2hex(line, SECRET_HEX + 1, secret, OGX_ETH_SECRET_LEN);
	line[SECRET_HEX] = '\n';
	err = ogx_write_file_atomic(path, line, SECRET_HEX + 1, 0600, 1);
	if (err == -EEXIST)
		err = ogx_fail(err, "already exists; refusing to overwrite a key");
	if (!err)
		err = ogx_eth_key_from_secret(key, secret);
out:
	sodium_free(secret);
	sodium_free(line);
	return err;
}

int ogx_eth_key_load(const char *path, struct ogx_eth_key *key)
{
	uint8_t *secret = context() ? sodium_malloc(OGX_ETH_SECRET_LEN) : NULL;
	int err;

	memset(key, 0, sizeof(*key));
	if (!secret)
		return -ENOMEM;
	err = ogx_read_secret_hex(path, secret, OGX_ETH_SECRET_LEN, true);
	if (err == -EBADMSG)
		err = ogx_fail(err, "not a secp256k1 key (want %d hex digits and a newline)",
			       SECRET_HEX);
	else if (!err)
		err = ogx_eth_key_from_secret(key, secret);
	sodium_free(secret);
	return err;
}

void ogx_eth_key_free(struct ogx_eth_key *key)
{
	sodium_free(key->secret);
	key->secret = NULL;
}

int ogx_eth_sign(const struct ogx_eth_key *key, const uint8_t hash[32], struct ogx_eth_sig *sig)
{
	secp256k1_ecdsa_recoverable_signature rs;
	uint8_t rs64[64];
	int recid;

	if (!context())
		return -ENOMEM;
	/* libsecp256k1 always emits the lower-s form that Ethereum requires (EIP-2). */
	if (!secp256k1_ecdsa_sign_recoverable(ctx, &rs, hash, key->secret, NULL, NULL))
		return ogx_fail(-EINVAL, "secp256k1 signing failed");
	secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, rs64, &recid, &rs);
	memcpy(sig->r, rs64, 32);
	memcpy(sig->s, rs64 + 32, 32);
	sig->y_parity = recid;
	return 0;
}

int ogx_eth_recover(const uint8_t hash[32], const struct ogx_eth_sig *sig,
		    uint8_t addr[OGX_ETH_ADDR_LEN])
{
	secp256k1_ecdsa_recoverable_signature rs;
	secp256k1_ecdsa_signature plain;
	secp256k1_pubkey pk;
	uint8_t rs64[64];

	if (!context())
		return -ENOMEM;
	if (sig->y_parity > 1)
		return ogx_fail(-EBADMSG, "signature y parity %u is not 0 or 1", sig->y_parity);
	memcpy(rs64, sig->r, 32);
	memcpy(rs64 + 32, sig->s, 32);
	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, rs64, sig->y_parity))
		return ogx_fail(-EBADMSG, "signature r or s out of range");
	/* Reject high s (EIP-2): normalize reports whether it had to change s. */
	secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &rs);
	if (secp256k1_ecdsa_signature_normalize(ctx, NULL, &plain))
		return ogx_fail(-EBADMSG, "signature s is in the upper half of the order");
	if (!secp256k1_ecdsa_recover(ctx, &pk, &rs, hash))
		return ogx_fail(-EBADMSG, "signature does not recover a public key");
	pubkey_to_addr(&pk, NULL, addr);
	return 0;
}

void ogx_eth_addr_str(char out[OGX_ETH_ADDR_STRLEN], const uint8_t addr[OGX_ETH_ADDR_LEN])
{
	uint8_t h[OGX_KECCAK256_LEN];
	char lower[2 * OGX_ETH_ADDR_LEN + 1];
	int i, nib;

	ogx_hex(lower, addr, OGX_ETH_ADDR_LEN);
	ogx_keccak256(h, lower, 2 * OGX_ETH_ADDR_LEN);
	out[0] = '0';
	out[1] = 'x';
	for (i = 0; i < 2 * OGX_ETH_ADDR_LEN; i++) {
		nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 0xf;
		out[2 + i] = (lower[i] >= 'a' && nib >= 8) ? lower[i] - 'a' + 'A' : lower[i];
	}
	out[2 + 2 * OGX_ETH_ADDR_LEN] = '\0';
}

int ogx_eth_addr_parse(uint8_t addr[OGX_ETH_ADDR_LEN], const char *s)
{
	char want[OGX_ETH_ADDR_STRLEN];
	bool lower = false, upper = false;

	if (strncmp(s, "0x", 2) && strncmp(s, "0X", 2))
		return ogx_fail(-EINVAL, "address '%.64s' does not start with 0x", s);
	if (strlen(s + 2) != 2 * OGX_ETH_ADDR_LEN || ogx_unhex(addr, OGX_ETH_ADDR_LEN, s + 2))
		return ogx_fail(-EINVAL, "address '%.64s' is not 40 hex digits", s);
	for (const char *p = s + 2; *p; p++) {
		lower |= *p >= 'a' && *p <= 'f';
		upper |= *p >= 'A' && *p <= 'F';
	}
	if (!lower || !upper)
		return 0;
	ogx_eth_addr_str(want, addr);
	if (strcmp(want + 2, s + 2))
		return ogx_fail(-EINVAL, "address '%s' fails its EIP-55 checksum (want %s)", s,
				want);
	return 0;
}

int ogx_eth_sig65_normalize(uint8_t sig[OGX_ETH_SIG65_LEN], struct ogx_eth_sig *out)
{
	static const uint8_t half[32] = {
		0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9,
		0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
	};
	uint8_t v = sig[64];

	if (memcmp(sig + 32, half, 32) > 0)
		return ogx_fail(-EBADMSG, "signature has a high s (malleable form; EIP-2 wants "
				"s <= n/2)");
	if (v != 0 && v != 1 && v != 27 && v != 28)
		return ogx_fail(-EBADMSG, "signature v %u is not 27, 28, 0 or 1", v);
	sig[64] = v < 27 ? (uint8_t)(v + 27) : v;
	memcpy(out->r, sig, 32);
	memcpy(out->s, sig + 32, 32);
	out->y_parity = (uint8_t)(sig[64] - 27);
	return 0;
}
