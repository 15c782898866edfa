/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The L1 data fee of OP Stack chains (Base): on top of L2 gas, a transaction
 * pays for its bytes posted to Ethereum, as the GasPriceOracle predeploy
 * prices them (getL1Fee(bytes) over the unsigned RLP transaction; after
 * Fjord, its FastLZ-compressed size). The fee is taken from the balance at
 * inclusion, so a submitter that budgets only gas × fee can be refused.
 */
#ifndef OGX_CHAIN_L1FEE_H
#define OGX_CHAIN_L1FEE_H

#include <stdbool.h>
#include <stdint.h>

#include "chain/rpc.h"
#include "chain/tx.h"
#include "util/err.h"

/* 0x420000000000000000000000000000000000000F on every OP Stack chain. */
extern const uint8_t ogx_gas_price_oracle[OGX_ETH_ADDR_LEN];

/* Base 8453, Base Sepolia 84532, OP Mainnet 10, OP Sepolia 11155420. */
bool ogx_chain_has_l1_fee(uint64_t chain_id);

/* The L1 data fee of tx (unsigned fields suffice) from the oracle, in wei. */
OGX_MUST_CHECK
int ogx_l1_fee(struct ogx_rpc *rpc, const struct ogx_tx *tx, ogx_u128 *fee);

#endif
