// SPDX-License-Identifier: GPL-2.0
/* See l1fee.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain/abi.h"
#include "chain/l1fee.h"
#include "util/err.h"

const uint8_t ogx_gas_price_oracle[OGX_ETH_ADDR_LEN] = {
	0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0f,
};

bool ogx_chain_has_l1_fee(uint64_t chain_id)
{
	return chain_id == 8453 || chain_id == 84532 || chain_id == 10 || chain_id == 11155420;
}

int ogx_l1_fee(struct ogx_rpc *rpc, const struct ogx_tx *tx, ogx_u128 *fee)
{
	uint8_t *utx = NULL, *call = NULL, *ret = NULL;
	size_t ulen, clen, rlen;
	int err;

	if ((err = ogx_tx_unsigned(tx, &utx, &ulen)))
		return err;
	/* getL1Fee(bytes): selector, offset 0x20, length, data padded to 32. */
	clen = 4 + 64 + (ulen + 31) / 32 * 32;
	call = calloc(1, clen);
	if (!call) {
		err = -ENOMEM;
		goto out;
	}
	ogx_abi_selector("getL1Fee(bytes)", call);
	call[4 + 31] = 0x20;
	for (int i = 0; i < 8; i++)
		call[4 + 63 - i] = (uint8_t)((uint64_t)ulen >> (8 * i));
	memcpy(call + 4 + 64, utx, ulen);
	if ((err = ogx_rpc_eth_call(rpc, ogx_gas_price_oracle, call, clen, &ret, &rlen)))
		goto out;
	if (rlen != 32) {
		err = ogx_fail(-EPROTO, "GasPriceOracle.getL1Fee answered %zu bytes, not a uint256 "
			       "(is this an OP Stack chain?)", rlen);
		goto out;
	}
	*fee = ogx_u128_from_be(ret, 32);
out:
	free(utx);
	free(call);
	free(ret);
	return err;
}
