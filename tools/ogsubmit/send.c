// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit send: sign one EIP-1559 transaction and broadcast it, optionally
 * waiting for its receipt. For operators (a funded key moving on) and for
 * the tests that check our transactions against a real node.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/eth_key.h"
#include "chain/fee.h"
#include "chain/rpc.h"
#include "chain/tx.h"
#include "ogsubmit.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

static int send_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s send --rpc URL --key FILE [--to ADDRESS] [--data HEX | --data-file FILE]\n"
		"       [--value WEI]"
		" [--chain-id N] [--gas N] [--wait SECONDS]\n"
		"Prints the transaction hash; with --wait, then the block number and status\n"
		"once the receipt is there. Without --to, the transaction creates a contract\n"
		"whose init code is the data.\n",
		prog);
	return f == stdout ? 0 : 2;
}

static int parse_u64(const char *opt, const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	if (!*s || *end || errno || *s == '-') {
		fprintf(stderr, "%s: send: --%s '%s' is not a number\n", prog, opt, s);
		return -EINVAL;
	}
	return 0;
}

static int wait_receipt(struct ogx_rpc *rpc, const uint8_t hash[32], uint64_t seconds,
			struct ogx_receipt *r)
{
	struct timespec t0, now, nap = { 0, 100 * 1000 * 1000 };
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		err = ogx_rpc_receipt(rpc, hash, r);
		if (err || r->found)
			return err;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((uint64_t)(now.tv_sec - t0.tv_sec) >= seconds)
			return ogx_fail(-ETIMEDOUT, "no receipt after %llu s",
					(unsigned long long)seconds);
		nanosleep(&nap, NULL);
	}
}

/* What the command line asks for; data is malloc'd. */
struct send_args {
	const char *url, *keyfile, *to;
	uint8_t to_addr[OGX_ETH_ADDR_LEN];
	uint8_t *data;
	size_t data_len;
	uint64_t want_chain, gas, wait, value;
};

/* --data-file FILE, or --data HEX (default none): exit 1 or 2 on failure. */
static int load_data(struct send_args *a, const char *data_file, const char *data_hex)
{
	int err;

	if (data_file) {
		/* Calldata past the kernel's 128 KiB limit on one argument. */
		err = ogx_read_file(data_file, 16u << 20, &a->data, &a->data_len);
		if (err) {
			fprintf(stderr, "%s: %s: %s\n", prog, data_file, ogx_errmsg(err));
			return 1;
		}
		return 0;
	}
	if (!strncmp(data_hex, "0x", 2))
		data_hex += 2;
	a->data_len = strlen(data_hex) / 2;
	a->data = malloc(a->data_len + 1);
	if (!a->data || strlen(data_hex) % 2 || ogx_unhex(a->data, a->data_len, data_hex)) {
		fprintf(stderr, "%s: send: --data is not hex bytes\n", prog);
		return 2;
	}
	return 0;
}

static int parse_send_args(int argc, char **argv, struct send_args *a)
{
	static const struct option opts[] = {
		{ "rpc", required_argument, NULL, 'r' }, { "key", required_argument, NULL, 'k' },
		{ "to", required_argument, NULL, 't' }, { "data", required_argument, NULL, 'd' },
		{ "data-file", required_argument, NULL, 'D' },
		{ "value", required_argument, NULL, 'v' },
		{ "chain-id", required_argument, NULL, 'c' },
		{ "gas", required_argument, NULL, 'g' }, { "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' }, {},
	};
	const char *data_hex = "", *data_file = NULL;
	int c, err;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': a->url = optarg; break;
		case 'k': a->keyfile = optarg; break;
		case 't': a->to = optarg; break;
		case 'd': data_hex = optarg; break;
		case 'D': data_file = optarg; break;
		case 'v': if (parse_u64("value", optarg, &a->value)) return 2; break;
		case 'c': if (parse_u64("chain-id", optarg, &a->want_chain)) return 2; break;
		case 'g': if (parse_u64("gas", optarg, &a->gas)) return 2; break;
		case 'w': if (parse_u64("wait", optarg, &a->wait)) return 2; break;
		case 'h': return send_usage(stdout);
		default: return send_usage(stderr);
		}
	}
	if (!a->url || !a->keyfile || optind != argc)
		return send_usage(stderr);
	err = load_data(a, data_file, data_hex);
	if (err)
		return err;
	if (a->to) {
		err = ogx_eth_addr_parse(a->to_addr, a->to);
		if (err) {
			fprintf(stderr, "%s: send: --to: %s\n", prog, ogx_errmsg(err));
			return 2;
		}
	}
	return OGX_ARGS_OK;
}

/* The unsigned transaction: the node's chain id (as --chain-id says), nonce, fees, gas. */
static int prepare_tx(struct ogx_rpc *rpc, const struct ogx_eth_key *key,
		      const struct send_args *a, struct ogx_tx *tx)
{
	uint64_t chain_id, gas = a->gas;
	struct ogx_fees fees;
	int err;

	err = ogx_rpc_chain_id(rpc, &chain_id);
	if (err)
		return err;
	if (a->want_chain && a->want_chain != chain_id)
		return ogx_fail(-EINVAL, "chain id is %llu, not %llu as --chain-id says",
				(unsigned long long)chain_id, (unsigned long long)a->want_chain);
	tx->chain_id = chain_id;
	tx->has_to = a->to != NULL;
	memcpy(tx->to, a->to_addr, OGX_ETH_ADDR_LEN);
	tx->value = a->value;
	tx->data = a->data;
	tx->data_len = a->data_len;
	err = ogx_rpc_nonce(rpc, key->addr, "pending", &tx->nonce);
	if (err)
		return err;
	err = ogx_fee_suggest(rpc, &fees);
	if (err)
		return err;
	if (!gas) {
		err = ogx_rpc_estimate_gas(rpc, key->addr, a->to ? tx->to : NULL, a->data,
					   a->data_len, &gas);
		if (err)
			return err;
	}
	tx->gas = gas;
	tx->max_priority_fee = fees.max_priority_fee;
	tx->max_fee = fees.max_fee;
	return 0;
}

/* Broadcast raw, print its hash, and with --wait its receipt. */
static int send_raw(struct ogx_rpc *rpc, const uint8_t *raw, size_t raw_len, uint64_t wait)
{
	uint8_t hash[32], sent[32];
	struct ogx_receipt rc;
	char hx[65];
	int err;

	ogx_tx_hash(raw, raw_len, hash);
	err = ogx_rpc_send_raw(rpc, raw, raw_len, sent);
	if (err)
		return err;
	ogx_hex(hx, hash, 32);
	if (memcmp(sent, hash, 32))
		return ogx_fail(-EPROTO, "node answered a hash other than 0x%s", hx);
	printf("0x%s\n", hx);
	fflush(stdout);
	if (!wait)
		return 0;
	err = wait_receipt(rpc, hash, wait, &rc);
	if (err)
		return err;
	printf("block %llu status %s gas %llu\n", (unsigned long long)rc.block_number,
	       rc.success ? "success" : "reverted", (unsigned long long)rc.gas_used);
	return rc.success ? 0 : ogx_fail(-EREMOTEIO, "transaction reverted");
}

static int run_send(const struct send_args *a)
{
	struct ogx_eth_key key;
	struct ogx_rpc *rpc;
	struct ogx_tx tx = {};
	uint8_t *raw = NULL;
	size_t raw_len;
	const char *what = a->keyfile;
	int err;

	err = ogx_eth_key_load(a->keyfile, &key);
	if (err)
		goto fail;
	what = a->url;
	err = ogx_rpc_open(&rpc, a->url, 10000);
	if (err)
		goto err_key;
	err = prepare_tx(rpc, &key, a, &tx);
	if (err)
		goto err_rpc;
	what = "transaction";
	err = ogx_tx_sign(&tx, &key);
	if (err)
		goto err_rpc;
	err = ogx_tx_raw(&tx, &raw, &raw_len);
	if (err)
		goto err_raw;
	what = a->url;
	err = send_raw(rpc, raw, raw_len, a->wait);
err_raw:
	free(raw);
err_rpc:
	ogx_rpc_close(rpc);
err_key:
	ogx_eth_key_free(&key);
fail:
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, what, ogx_errmsg(err));
	return err ? 1 : 0;
}

int send_main(int argc, char **argv)
{
	struct send_args a = {};
	int rc = parse_send_args(argc, argv, &a);

	if (rc == OGX_ARGS_OK)
		rc = run_send(&a);
	free(a.data);
	return rc;
}
