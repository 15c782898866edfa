/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Uniswap Permit2 signature transfers with x402's `upto` witness, as the
 * official x402 clients sign them (npm @x402/evm 2.27.0,
 * src/upto/client/permit2.ts; Documentation/serve.md, "x402 v2"): the
 * EIP-712 digest of PermitWitnessTransferFrom(TokenPermissions permitted,
 * address spender,uint256 nonce,uint256 deadline,Witness witness) under the
 * domain EIP712Domain(string name,uint256 chainId,address verifyingContract)
 * = ("Permit2", chain id, Permit2), with Witness(address to,address
 * facilitator,uint256 validAfter); and the calls made for it: the x402
 * upto proxy's settle(permit, amount, owner, witness, signature), which
 * moves `amount` (at most the signed cap) from the owner to witness.to, and
 * Permit2's nonceBitmap(owner, word), which says whether a nonce is used.
 * Shared by ogrun serve (verification) and ogsubmit (settlement).
 */
#ifndef OGX_CHAIN_PERMIT2_H
#define OGX_CHAIN_PERMIT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proof/record.h"

/* Canonical addresses, the same on every EVM chain (CREATE2), Base included. */
#define OGX_PERMIT2_ADDRESS "0x000000000022D473030F116dDEE9F6B43aC78BA3"
#define OGX_X402_UPTO_PROXY_ADDRESS "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002"
#define OGX_X402_EXACT_PROXY_ADDRESS "0x402085c248EeA27D92E8b30b2C58ed07f9E20001"

#define OGX_PERMIT2_UPTO_SETTLE_SIG "settle(((address,uint256),uint256,uint256),uint256," \
				    "address,(address,address,uint256),bytes)"
#define OGX_PERMIT2_BITMAP_SIG "nonceBitmap(address,uint256)"
/* selector, 4 permit words, amount, owner, 3 witness words, offset; length, 65 bytes → 96 */
#define OGX_PERMIT2_UPTO_SETTLE_LEN (4 + 10 * 32 + 32 + 96)
#define OGX_PERMIT2_BITMAP_LEN (4 + 2 * 32)

struct ogx_permit2_upto {
	uint64_t chain_id;
	uint8_t permit2[20];		/* EIP-712 verifyingContract */
	uint8_t token[20];		/* permitted.token */
	char amount[80];		/* permitted.amount: the cap, decimal */
	uint8_t spender[20];		/* the upto proxy */
	uint8_t nonce[32];		/* uint256, big-endian */
	uint64_t deadline;
	uint8_t from[20];		/* the owner (payer) */
	uint8_t to[20];			/* witness.to: payTo */
	uint8_t facilitator[20];	/* witness.facilitator: who may settle */
	uint64_t valid_after;		/* witness.validAfter */
	uint8_t sig[65];		/* r ‖ s ‖ v */
};

/*
 * Record payment evidence (key 15) of scheme "upto": the keys are
 * Documentation/proof-record.md's (ogrun serve writes them, serve/x402_upto.c).
 */
bool ogx_permit2_is_upto(const struct ogx_record *r);

/*
 * The permit in r's upto payment evidence and the amount the node charged
 * (decimal, ≤ the cap): 0, -ENOENT without a payment, -EBADMSG with detail
 * when it is not an upto payment with every field.
 */
int ogx_permit2_upto_from_record(const struct ogx_record *r, struct ogx_permit2_upto *a,
				 char charged[80]);

/* The EIP-712 digest the owner signed. -ERANGE: amount is no uint256. */
int ogx_permit2_upto_digest(const struct ogx_permit2_upto *a, uint8_t out[32]);

/* Calldata of the proxy's settle() moving `amount` (decimal, ≤ the cap: the proxy checks). */
int ogx_permit2_upto_settle_call(const struct ogx_permit2_upto *a, const char *amount,
				 uint8_t out[OGX_PERMIT2_UPTO_SETTLE_LEN]);

/* Calldata of nonceBitmap(owner, nonce >> 8), and the bit of the nonce in the word it returns. */
void ogx_permit2_bitmap_call(const uint8_t owner[20], const uint8_t nonce[32],
			     uint8_t out[OGX_PERMIT2_BITMAP_LEN]);
bool ogx_permit2_nonce_used(const uint8_t nonce[32], const uint8_t word[32]);

#endif
