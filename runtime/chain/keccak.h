/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keccak-256 as Ethereum uses it (the original Keccak submission, padding
 * 0x01), which differs from the standardised SHA3-256 (padding 0x06). Used
 * only where Ethereum requires it: addresses, transaction hashes and the
 * signing hash of a transaction. Everything else in ogx hashes with SHA-256.
 */
#ifndef OGX_CHAIN_KECCAK_H
#define OGX_CHAIN_KECCAK_H

#include <stddef.h>
#include <stdint.h>
#include <nettle/sha3.h>

#define OGX_KECCAK256_LEN 32
/* Rate of Keccak-256: 1600 bits of state less 2 × 256 bits of capacity. */
#define OGX_KECCAK256_RATE 136

struct ogx_keccak {
	struct sha3_state state;
	unsigned int pos; /* bytes absorbed into the current block */
};

void ogx_keccak_init(struct ogx_keccak *ctx);
void ogx_keccak_update(struct ogx_keccak *ctx, const void *data, size_t len);
/* Writes the digest and leaves ctx wiped. */
void ogx_keccak_final(struct ogx_keccak *ctx, uint8_t out[OGX_KECCAK256_LEN]);

void ogx_keccak256(uint8_t out[OGX_KECCAK256_LEN], const void *data, size_t len);

#endif
