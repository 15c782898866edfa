/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exposure ledger: per payer, every payment this node accepted that may
 * still be settled (its validBefore is ahead and it was not seen used on
 * chain), and the payer's token balance as last read from the chain. A
 * payment is accepted only when that balance covers it plus the payer's
 * open payments here (x402_chain.c), so a payer cannot be answered for more
 * than it holds.
 *
 * It is not a file of its own: it is rebuilt at start from the durable
 * nonce log (x402_nonces.c, one line per accepted payment with from, nonce,
 * value and validBefore), every line whose validBefore is still ahead being
 * open again. An entry leaves when its validBefore passes (it can no longer
 * be settled, by anyone) or when authorizationState says its nonce is used
 * (settled, by ogsubmit or whoever sent it first, or cancelled); both are
 * facts of the chain and the clock, so a restart loses nothing: what it
 * forgets to have retired it retires again at the next balance that falls
 * short. Loop thread only.
 */
#ifndef OGX_SERVE_X402_LEDGER_H
#define OGX_SERVE_X402_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/rpc.h"

struct x402_open {
	uint8_t nonce[32];
	ogx_u128 value;			/* saturated at 2^128 - 1 */
	uint64_t valid_before;
	bool at_risk;			/* accepted with no balance read (RPC down) */
};

struct x402_payer {
	uint8_t addr[20];
	bool used;			/* the slot holds a payer */
	struct x402_open *open;		/* oldest first */
	size_t n_open, cap_open;
	bool have_balance;
	ogx_u128 balance;		/* the token's balanceOf, when last read */
	uint64_t balance_ns;		/* mono ns of that read */
};

struct x402_ledger {
	struct x402_payer *slots;	/* open addressing on the address */
	size_t n, cap;
};

/* The payer's record (created with create; NULL: out of memory or absent). */
struct x402_payer *ogx_x402_ledger_payer(struct x402_ledger *l, const uint8_t from[20],
					 bool create);
/* An accepted payment, open until settled or expired. 0 or -ENOMEM. */
int ogx_x402_ledger_add(struct x402_ledger *l, const uint8_t from[20], const uint8_t nonce[32],
			ogx_u128 value, uint64_t valid_before, bool at_risk);
/*
 * Drop the payer's expired entries (validBefore <= now, seconds); the sum
 * of the rest (saturated), their count in *n, and of them accepted at risk
 * in *at_risk.
 */
ogx_u128 ogx_x402_ledger_exposure(struct x402_payer *p, uint64_t now, size_t *n,
				  ogx_u128 *at_risk);
/* The entry of that nonce is settled (or cancelled): it leaves. */
void ogx_x402_ledger_retire(struct x402_payer *p, const uint8_t nonce[32]);
/* A balance read covers every open entry: none is at risk any more. */
void ogx_x402_ledger_covered(struct x402_payer *p);
/* Every payer's open sum, and how many entries (for /metrics). */
ogx_u128 ogx_x402_ledger_total(struct x402_ledger *l, uint64_t now, size_t *n);
void ogx_x402_ledger_free(struct x402_ledger *l);

/* A uint256 as decimal text (a payment's value) into 128 bits, saturated. */
ogx_u128 ogx_x402_value_u128(const char *dec);

#endif
