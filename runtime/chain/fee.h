/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fee suggestion for EIP-1559 transactions: the tip the node suggests
 * (eth_maxPriorityFeePerGas) and a fee cap of twice the latest base fee plus
 * the tip, which stays above the base fee for six full blocks (the base fee
 * rises at most 12.5 % a block). The replacement rule is ogx_fee_bump() in tx.h.
 */
#ifndef OGX_CHAIN_FEE_H
#define OGX_CHAIN_FEE_H

#include <stdint.h>

#include "chain/rpc.h"
#include "util/err.h"

struct ogx_fees {
	uint64_t max_priority_fee;
	uint64_t max_fee;
	uint64_t base_fee; /* of the latest block */
};

OGX_MUST_CHECK
int ogx_fee_suggest(struct ogx_rpc *rpc, struct ogx_fees *fees);

/*
 * The fees for a replacement of a transaction that paid old: each field at
 * least ogx_fee_bump() of the old one, and at least the fresh suggestion.
 * -EDQUOT when that would exceed cap (wei per gas; 0: no cap).
 */
OGX_MUST_CHECK
int ogx_fee_replace(const struct ogx_fees *old, const struct ogx_fees *fresh, uint64_t cap,
		    struct ogx_fees *out);

#endif
