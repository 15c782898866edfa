/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ogsubmit's configuration: one file of "key = value" lines (default
 * /etc/ogx/ogsubmit.conf), each key also a flag (--batch-records 256 or
 * --batch-records=256) that overrides the file. A bad value names the key,
 * where it came from, and the reason.
 */
#ifndef OGSUBMIT_CONFIG_H
#define OGSUBMIT_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "chain/batch.h"
#include "chain/eth_key.h"
#include "proof/key.h"

#define OGS_CONFIG_DEFAULT "/etc/ogx/ogsubmit.conf"

enum { OGS_L1_FEE_AUTO, OGS_L1_FEE_ON, OGS_L1_FEE_OFF };

struct ogs_config {
	char rpc[1024];
	uint64_t chain_id;
	char key[PATH_MAX]; /* secp256k1 key that pays (0600) */
	char operator_key[PATH_MAX]; /* Ed25519 key that signs batches (0600) */
	char spool[PATH_MAX];
	char state_dir[PATH_MAX]; /* journal, cursor, lock */
	uint8_t target[OGX_ETH_ADDR_LEN]; /* the inbox address */
	bool settle; /* settle_asset is set: settle x402 payments */
	uint8_t settle_asset[OGX_ETH_ADDR_LEN]; /* the EIP-3009 token they pay in */
	bool settle_upto; /* settle_upto_asset is set: settle x402 upto payments */
	uint8_t settle_upto_asset[OGX_ETH_ADDR_LEN]; /* the token they pay in through Permit2 */
	bool has_node;
	uint8_t node[OGX_PK_LEN]; /* accept records of this node only */
	uint32_t require; /* OGX_REQUIRE(level)s whose evidence must be checked here */
	uint64_t confirmations;
	uint64_t batch_records, batch_bytes, batch_delay_ms;
	uint64_t fee_cap; /* wei per gas, max fee; 0: none */
	uint64_t bump_after_ms, rebroadcast_ms, poll_ms, rpc_timeout_ms;
	uint64_t max_inflight;
	uint64_t settle_inflight; /* payments sent and not yet confirmed */
	uint32_t da; /* enum ogx_da */
	bool contract; /* mode = contract: call submit() on the settlement contract */
	int l1_fee; /* OGS_L1_FEE_*: budget the OP Stack L1 data fee */
	bool once; /* exit 0 once the spool is drained and everything confirmed */
	bool check; /* only check the configuration */
	bool set[32]; /* which keys were given (for the required ones) */
};

/* Defaults, then the file (path NULL: the default path if it exists), then argv. */
int ogs_config_load(struct ogs_config *c, int argc, char **argv);

/* Usage text of the keys. */
void ogs_config_usage(FILE *f);

#endif
