/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ethereum JSON-RPC client over HTTP (libcurl, jansson). One connection per
 * struct ogx_rpc, kept alive between calls; not thread-safe.
 *
 * Failures are classified, because what the submitter does next depends on
 * the kind, not on the wording, and every node words them differently (geth
 * "nonce too low", anvil "nonce too low" / "Nonce too low", erigon "nonce too
 * low: ..."): the node's message is matched by case-insensitive substring.
 */
#ifndef OGX_CHAIN_RPC_H
#define OGX_CHAIN_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "chain/eth_key.h"
#include "chain/keccak.h"
#include "util/err.h"

enum ogx_rpc_kind {
	OGX_RPC_OK = 0,
	OGX_RPC_TRANSPORT, /* connection refused/reset, timeout, HTTP error: retry later */
	OGX_RPC_NONCE_TOO_LOW, /* that nonce is already mined: look for our receipts */
	OGX_RPC_ALREADY_KNOWN, /* the same transaction is in the pool: success */
	OGX_RPC_UNDERPRICED, /* fee too low, or replacement under the bump: bump */
	OGX_RPC_INSUFFICIENT_FUNDS, /* the key cannot pay: tell the operator */
	OGX_RPC_REVERTED, /* execution reverted (eth_call, gas estimation) */
	OGX_RPC_BAD_RESPONSE, /* not JSON-RPC, or a result of the wrong shape */
	OGX_RPC_OTHER, /* any other error the node reported */
};

/* Name of a kind, for logs ("nonce-too-low"). */
const char *ogx_rpc_kind_name(enum ogx_rpc_kind kind);

/* Classify a node's error message. */
enum ogx_rpc_kind ogx_rpc_classify(const char *message);

struct ogx_rpc;

/* timeout_ms bounds each call, connect included. */
OGX_MUST_CHECK
int ogx_rpc_open(struct ogx_rpc **rpc, const char *url, long timeout_ms);
void ogx_rpc_close(struct ogx_rpc *rpc);

/* The kind and message of the last failed call (OGX_RPC_OK after a success). */
enum ogx_rpc_kind ogx_rpc_last_kind(const struct ogx_rpc *rpc);

/*
 * Call method with params (a JSON array, reference stolen). On success
 * *result holds a new reference. On failure: -ECONNREFUSED/-ETIMEDOUT/-EIO
 * for transport errors, -EREMOTEIO for an error the node reported, -EPROTO
 * for a malformed response; the detail (the node's message) is in
 * ogx_errmsg() and the kind in ogx_rpc_last_kind().
 */
OGX_MUST_CHECK
int ogx_rpc_call(struct ogx_rpc *rpc, const char *method, json_t *params, json_t **result);

/* Parse an Ethereum QUANTITY ("0x1a") into 64 bits; -EPROTO otherwise. */
OGX_MUST_CHECK
int ogx_rpc_quantity(const json_t *v, uint64_t *out);
/* Parse DATA of exactly len bytes ("0x" + 2·len hex digits); -EPROTO otherwise. */
OGX_MUST_CHECK
int ogx_rpc_data_fixed(const json_t *v, uint8_t *out, size_t len);
/* Parse DATA of any length into a malloc'd buffer. */
OGX_MUST_CHECK
int ogx_rpc_data(const json_t *v, uint8_t **out, size_t *len);

/* eth_chainId, eth_blockNumber. */
OGX_MUST_CHECK
int ogx_rpc_chain_id(struct ogx_rpc *rpc, uint64_t *id);
OGX_MUST_CHECK
int ogx_rpc_block_number(struct ogx_rpc *rpc, uint64_t *n);

/* eth_getTransactionCount at "latest" or "pending". */
OGX_MUST_CHECK
int ogx_rpc_nonce(struct ogx_rpc *rpc, const uint8_t addr[OGX_ETH_ADDR_LEN], const char *tag,
		  uint64_t *nonce);

/* Wei amounts beyond 64 bits: balances (anvil's dev accounts hold 10^22), L1 fees. */
typedef unsigned __int128 ogx_u128;

/* eth_getBalance at "latest", saturated at 2^128 - 1 wei. */
OGX_MUST_CHECK
int ogx_rpc_balance(struct ogx_rpc *rpc, const uint8_t addr[OGX_ETH_ADDR_LEN], ogx_u128 *wei);

/* A big-endian unsigned integer (e.g. a uint256 word), saturated at 2^128 - 1. */
ogx_u128 ogx_u128_from_be(const uint8_t *be, size_t len);

/* Decimal form of v into out (size >= 40). */
const char *ogx_u128_str(char out[40], ogx_u128 v);

/* eth_sendRawTransaction; hash is the node's answer. */
OGX_MUST_CHECK
int ogx_rpc_send_raw(struct ogx_rpc *rpc, const uint8_t *raw, size_t len,
		     uint8_t hash[OGX_KECCAK256_LEN]);

struct ogx_receipt {
	bool found; /* false: no receipt (pending, dropped or reorged out) */
	bool success; /* status 1 */
	uint64_t block_number;
	uint8_t block_hash[32];
	uint64_t gas_used;
	uint64_t effective_gas_price;
};

/* eth_getTransactionReceipt. */
OGX_MUST_CHECK
int ogx_rpc_receipt(struct ogx_rpc *rpc, const uint8_t hash[OGX_KECCAK256_LEN],
		    struct ogx_receipt *r);

struct ogx_block {
	uint64_t number;
	uint8_t hash[32];
	uint64_t base_fee; /* baseFeePerGas, 0 before London */
	uint64_t timestamp;
	size_t n_tx;
	uint8_t (*tx_hashes)[32]; /* malloc'd, n_tx entries (hashes only) */
};

/* eth_getBlockByNumber(number, false); tag when number is UINT64_MAX ("latest"). */
OGX_MUST_CHECK
int ogx_rpc_block(struct ogx_rpc *rpc, uint64_t number, struct ogx_block *b);
void ogx_block_free(struct ogx_block *b);

/* eth_maxPriorityFeePerGas. */
OGX_MUST_CHECK
int ogx_rpc_priority_fee(struct ogx_rpc *rpc, uint64_t *wei);

struct ogx_rpc_tx {
	bool found;
	bool mined; /* blockNumber present */
	uint64_t block_number;
	uint64_t nonce;
	uint8_t from[OGX_ETH_ADDR_LEN];
	bool has_to;
	uint8_t to[OGX_ETH_ADDR_LEN];
	uint8_t *input; /* malloc'd */
	size_t input_len;
};

/* eth_getTransactionByHash. */
OGX_MUST_CHECK
int ogx_rpc_tx_by_hash(struct ogx_rpc *rpc, const uint8_t hash[OGX_KECCAK256_LEN],
		       struct ogx_rpc_tx *tx);
void ogx_rpc_tx_free(struct ogx_rpc_tx *tx);

/* eth_call at "latest": the returned bytes, malloc'd. */
OGX_MUST_CHECK
int ogx_rpc_eth_call(struct ogx_rpc *rpc, const uint8_t to[OGX_ETH_ADDR_LEN],
		     const uint8_t *data, size_t len, uint8_t **out, size_t *out_len);

/* eth_getCode at "latest": the size of the code at addr (0: an account without code). */
OGX_MUST_CHECK
int ogx_rpc_code_size(struct ogx_rpc *rpc, const uint8_t addr[OGX_ETH_ADDR_LEN], size_t *size);

/* eth_estimateGas of a call from `from` to `to` (NULL: a contract creation) with data. */
OGX_MUST_CHECK
int ogx_rpc_estimate_gas(struct ogx_rpc *rpc, const uint8_t from[OGX_ETH_ADDR_LEN],
			 const uint8_t to[OGX_ETH_ADDR_LEN], const uint8_t *data, size_t len,
			 uint64_t *gas);

#endif
