// SPDX-License-Identifier: GPL-2.0
/*
 * Keccak-256 sponge over nettle's Keccak-f[1600] permutation. Nettle (like
 * OpenSSL 3.0, libgcrypt and rhash on Debian 12) implements only the FIPS 202
 * SHA-3 functions, whose domain-separation padding (0x06) gives different
 * digests from Ethereum's pre-standard Keccak (0x01). Nettle does export the
 * permutation, so the sponge around it — absorb at rate 136, pad, squeeze one
 * block — is the few lines below.
 */
#include <string.h>

#include "chain/keccak.h"

/* State lanes are little-endian 64-bit words; bytes are absorbed in order. */
static void absorb_byte(struct sha3_state *st, unsigned int i, uint8_t b)
{
	st->a[i / 8] ^= (uint64_t)b << (8 * (i % 8));
}

void ogx_keccak_init(struct ogx_keccak *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

void ogx_keccak_update(struct ogx_keccak *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t lane;
	int i;

	/* Whole little-endian lanes while aligned to one: 8× fewer steps. */
	while (ctx->pos % 8 == 0 && len >= 8) {
		lane = 0;
		for (i = 7; i >= 0; i--)
			lane = lane << 8 | p[i];
		ctx->state.a[ctx->pos / 8] ^= lane;
		ctx->pos += 8;
		p += 8;
		len -= 8;
		if (ctx->pos == OGX_KECCAK256_RATE) {
			nettle_sha3_permute(&ctx->state);
			ctx->pos = 0;
		}
	}
	while (len--) {
		absorb_byte(&ctx->state, ctx->pos++, *p++);
		if (ctx->pos == OGX_KECCAK256_RATE) {
			nettle_sha3_permute(&ctx->state);
			ctx->pos = 0;
		}
	}
}

void ogx_keccak_final(struct ogx_keccak *ctx, uint8_t out[OGX_KECCAK256_LEN])
{
	unsigned int i;

	/* pad10*1 with Keccak's 0x01 domain bit (SHA-3 would use 0x06). */
	absorb_byte(&ctx->state, ctx->pos, 0x01);
	absorb_byte(&ctx->state, OGX_KECCAK256_RATE - 1, 0x80);
	nettle_sha3_permute(&ctx->state);
	for (i = 0; i < OGX_KECCAK256_LEN; i++)
		out[i] = ctx->state.a[i / 8] >> (8 * (i % 8));
	memset(ctx, 0, sizeof(*ctx));
}

void ogx_keccak256(uint8_t out[OGX_KECCAK256_LEN], const void *data, size_t len)
{
	struct ogx_keccak ctx;

	ogx_keccak_init(&ctx);
	ogx_keccak_update(&ctx, data, len);
	ogx_keccak_final(&ctx, out);
}
