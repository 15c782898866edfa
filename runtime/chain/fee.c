// SPDX-License-Identifier: GPL-2.0
/* See fee.h. */
#include <errno.h>
#include <string.h>

#include "chain/fee.h"
#include "chain/tx.h"
#include "util/err.h"

int ogx_fee_suggest(struct ogx_rpc *rpc, struct ogx_fees *fees)
{
	struct ogx_block b;
	uint64_t tip;
	int err;

	memset(fees, 0, sizeof(*fees));
	err = ogx_rpc_block(rpc, UINT64_MAX, &b);
	if (err)
		return err;
	ogx_block_free(&b);
	err = ogx_rpc_priority_fee(rpc, &tip);
	if (err)
		return err;
	fees->base_fee = b.base_fee;
	fees->max_priority_fee = tip;
	if (__builtin_mul_overflow(b.base_fee, 2, &fees->max_fee) ||
	    __builtin_add_overflow(fees->max_fee, tip, &fees->max_fee))
		return ogx_fail(-EOVERFLOW, "base fee %llu wei does not fit a fee cap",
				(unsigned long long)b.base_fee);
	return 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

int ogx_fee_replace(const struct ogx_fees *old, const struct ogx_fees *fresh, uint64_t cap,
		    struct ogx_fees *out)
{
	uint64_t tip, fee;
	int err;

	if ((err = ogx_fee_bump(old->max_priority_fee, &tip)) ||
	    (err = ogx_fee_bump(old->max_fee, &fee)))
		return err;
	out->base_fee = fresh->base_fee;
	out->max_priority_fee = max_u64(tip, fresh->max_priority_fee);
	out->max_fee = max_u64(fee, fresh->max_fee);
	/* The cap must cover the tip, or the node rejects the transaction. */
	if (out->max_fee < out->max_priority_fee)
		out->max_fee = out->max_priority_fee;
	if (cap && out->max_fee > cap)
		return ogx_fail(-EDQUOT, "fee cap reached: replacement needs %llu wei/gas, cap %llu",
				(unsigned long long)out->max_fee, (unsigned long long)cap);
	return 0;
}
