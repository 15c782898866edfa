/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An Ethereum account key: a secp256k1 secret (libsecp256k1), its address
 * (the last 20 bytes of keccak256 of the uncompressed public key), and
 * recoverable ECDSA signatures over 32-byte hashes (low s, y parity), as
 * transactions and EIP-712 messages need. On disk like the node key
 * (proof/key.h): one line of 64 hex digits, mode 0600. In memory the secret
 * lives in a sodium_malloc'd page, wiped on free.
 */
#ifndef OGX_CHAIN_ETH_KEY_H
#define OGX_CHAIN_ETH_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define OGX_ETH_SECRET_LEN 32
#define OGX_ETH_ADDR_LEN 20
/* "0x" and 40 hex digits and a NUL. */
#define OGX_ETH_ADDR_STRLEN 43

struct ogx_eth_key {
	uint8_t *secret; /* OGX_ETH_SECRET_LEN, sodium_malloc'd */
	uint8_t pubkey[64]; /* x ‖ y, big-endian */
	uint8_t addr[OGX_ETH_ADDR_LEN];
};

/* A recoverable signature: r, s (s in the lower half of the order), y parity. */
struct ogx_eth_sig {
	uint8_t r[32], s[32];
	uint8_t y_parity;
};

/* From a raw secret; -EINVAL when it is zero or not below the curve order. */
OGX_MUST_CHECK
int ogx_eth_key_from_secret(struct ogx_eth_key *key, const uint8_t secret[OGX_ETH_SECRET_LEN]);

/* Generate a key into path (0600, never over an existing file). */
OGX_MUST_CHECK
int ogx_eth_key_generate(const char *path, struct ogx_eth_key *key);

/*
 * Load a key file: -EPERM when group/other can read it, -EBADMSG with detail
 * when its content is not a key. An optional "0x" prefix is accepted.
 */
OGX_MUST_CHECK
int ogx_eth_key_load(const char *path, struct ogx_eth_key *key);

void ogx_eth_key_free(struct ogx_eth_key *key);

/* Sign a 32-byte hash (RFC 6979 nonce, so deterministic). */
OGX_MUST_CHECK
int ogx_eth_sign(const struct ogx_eth_key *key, const uint8_t hash[32], struct ogx_eth_sig *sig);

/* Recover the signer's address; -EBADMSG when the signature is invalid or high-s. */
OGX_MUST_CHECK
int ogx_eth_recover(const uint8_t hash[32], const struct ogx_eth_sig *sig,
		    uint8_t addr[OGX_ETH_ADDR_LEN]);

/* The address in EIP-55 mixed-case checksum form. */
void ogx_eth_addr_str(char out[OGX_ETH_ADDR_STRLEN], const uint8_t addr[OGX_ETH_ADDR_LEN]);

/*
 * Parse "0x" + 40 hex digits. All lower case or all upper case is taken as
 * is; mixed case is an EIP-55 checksum and must be right: -EINVAL with
 * detail ("fails its EIP-55 checksum") otherwise.
 */
OGX_MUST_CHECK
int ogx_eth_addr_parse(uint8_t addr[OGX_ETH_ADDR_LEN], const char *s);

/* A 65-byte r ‖ s ‖ v signature (EIP-712 messages: EIP-3009, Permit2). */
#define OGX_ETH_SIG65_LEN 65

/*
 * The one rule for 65-byte signatures, for whoever accepts one (ogrun
 * serve's x402) and whoever settles it (ogsubmit): s in the lower half of
 * the order (EIP-2; the tokens refuse the high-s twin) and v one of 27, 28
 * or 0, 1 (the same parity; wallets and libraries write either). v is
 * normalised in place to 27 or 28, the form the tokens' ecrecover takes, so
 * what was accepted is what is settled. -EBADMSG with detail otherwise.
 */
OGX_MUST_CHECK
int ogx_eth_sig65_normalize(uint8_t sig[OGX_ETH_SIG65_LEN], struct ogx_eth_sig *out);

#endif
