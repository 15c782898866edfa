/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EIP-1559 (type 2) transactions: the fields, the signing hash
 * keccak256(0x02 ‖ rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas,
 * gasLimit, to, value, data, accessList])), the signed raw bytes
 * 0x02 ‖ rlp([... , yParity, r, s]) that eth_sendRawTransaction takes, and the
 * transaction hash keccak256(raw). The access list is always empty: the
 * submitter touches no storage it could pre-warm.
 */
#ifndef OGX_CHAIN_TX_H
#define OGX_CHAIN_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/eth_key.h"
#include "chain/keccak.h"
#include "util/err.h"

#define OGX_TX_TYPE_EIP1559 0x02

struct ogx_tx {
	uint64_t chain_id;
	uint64_t nonce;
	uint64_t max_priority_fee; /* wei per gas */
	uint64_t max_fee; /* wei per gas */
	uint64_t gas;
	bool has_to; /* false: contract creation */
	uint8_t to[OGX_ETH_ADDR_LEN];
	uint64_t value; /* wei; the submitter sends none, 64 bits suffice */
	const uint8_t *data; /* calldata, not owned */
	size_t data_len;
	bool signed_;
	struct ogx_eth_sig sig;
};

/* keccak256(0x02 ‖ rlp(unsigned fields)): what the sender signs. */
OGX_MUST_CHECK
int ogx_tx_signing_hash(const struct ogx_tx *tx, uint8_t hash[OGX_KECCAK256_LEN]);

/* 0x02 ‖ rlp(unsigned fields), malloc'd: what an L1-fee oracle prices. */
OGX_MUST_CHECK
int ogx_tx_unsigned(const struct ogx_tx *tx, uint8_t **out, size_t *len);

/* Sign tx with key (fills tx->sig, sets tx->signed_). */
OGX_MUST_CHECK
int ogx_tx_sign(struct ogx_tx *tx, const struct ogx_eth_key *key);

/* The signed transaction's raw bytes (malloc'd); -EINVAL if unsigned. */
OGX_MUST_CHECK
int ogx_tx_raw(const struct ogx_tx *tx, uint8_t **raw, size_t *len);

/* keccak256 of raw bytes: the transaction hash nodes index it by. */
void ogx_tx_hash(const uint8_t *raw, size_t len, uint8_t hash[OGX_KECCAK256_LEN]);

/*
 * Parse raw type-2 bytes back (tx->data points into raw). -EBADMSG with
 * detail for anything that is not a canonical signed type-2 transaction with
 * an empty access list and 64-bit quantities.
 */
OGX_MUST_CHECK
int ogx_tx_parse(struct ogx_tx *tx, const uint8_t *raw, size_t len);

/* The sender of a signed transaction, by recovery. */
OGX_MUST_CHECK
int ogx_tx_sender(const struct ogx_tx *tx, uint8_t addr[OGX_ETH_ADDR_LEN]);

/*
 * Gas used by a transaction with this calldata to an account without code:
 * the intrinsic gas (21,000, and 4 per zero byte and 16 per other byte,
 * EIP-2028), or the calldata floor of EIP-7623 (Prague; Base's Isthmus) when
 * that is higher: 21,000 + 10 per token, a zero byte one token, others four.
 */
uint64_t ogx_tx_calldata_gas(const uint8_t *data, size_t len);

/*
 * The least fee a node accepts as a replacement for a transaction paying
 * old: geth's txpool wants at least +10 % on both fee fields; we pay
 * ceil(old × 1.1) + 1 wei so that rounding never leaves us a wei short.
 * -EOVERFLOW when that does not fit in 64 bits.
 */
OGX_MUST_CHECK
int ogx_fee_bump(uint64_t old, uint64_t *bumped);

#endif
