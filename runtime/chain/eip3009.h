/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EIP-3009 authorizations as ogsubmit settles them: read out of a proof
 * record's x402 payment evidence (key 15, written by ogrun serve; the keys
 * are in Documentation/proof-record.md), and the two calls made to the
 * token: transferWithAuthorization(from, to, value, validAfter,
 * validBefore, nonce, v, r, s), which moves the money, and
 * authorizationState(authorizer, nonce), which says whether the nonce is
 * already used (settled by someone else, or cancelled).
 */
#ifndef OGX_CHAIN_EIP3009_H
#define OGX_CHAIN_EIP3009_H

#include <stddef.h>
#include <stdint.h>

#include "proof/record.h"
#include "util/err.h"

#define OGX_EIP3009_TRANSFER_SIG "transferWithAuthorization(address,address,uint256,uint256," \
				 "uint256,bytes32,uint8,bytes32,bytes32)"
#define OGX_EIP3009_STATE_SIG "authorizationState(address,bytes32)"
#define OGX_EIP3009_TRANSFER_LEN (4 + 9 * 32)
#define OGX_EIP3009_STATE_LEN (4 + 2 * 32)

struct ogx_eip3009_auth {
	uint64_t chain_id;
	uint8_t asset[20]; /* the token contract (EIP-712 verifyingContract) */
	uint8_t from[20], to[20];
	char value[80]; /* decimal, as signed */
	uint64_t valid_after, valid_before;
	uint8_t nonce[32];
	uint8_t sig[65]; /* r ‖ s ‖ v (27 or 28: ogx_eth_sig65_normalize) */
};

/*
 * The authorization in r's payment evidence: 0, -ENOENT when r carries no
 * payment, -EBADMSG with detail when the evidence is not an `exact` EVM
 * payment with every field this needs.
 */
OGX_MUST_CHECK
int ogx_eip3009_from_record(const struct ogx_record *r, struct ogx_eip3009_auth *a);

/* Calldata of the two calls (fixed sizes above). -ERANGE: value is no uint256. */
OGX_MUST_CHECK
int ogx_eip3009_transfer_call(const struct ogx_eip3009_auth *a,
			      uint8_t out[OGX_EIP3009_TRANSFER_LEN]);
void ogx_eip3009_state_call(const uint8_t from[20], const uint8_t nonce[32],
			    uint8_t out[OGX_EIP3009_STATE_LEN]);

#endif
