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

int send_main(int argc, char **argv)
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
	const char *url = NULL, *keyfile = NULL, *to = NULL, *data_hex = "", *data_file = NULL;
	uint64_t want_chain = 0, gas = 0, wait = 0, chain_id, value = 0;
	struct ogx_eth_key key = {};
	struct ogx_rpc *rpc = NULL;
	struct ogx_fees fees;
	struct ogx_receipt rc;
	struct ogx_tx tx = {};
	uint8_t *data = NULL, *raw = NULL, hash[32], sent[32];
	size_t raw_len, n;
	char hx[65];
	const char *what = NULL;
	int c, err;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': url = optarg; break;
		case 'k': keyfile = optarg; break;
		case 't': to = optarg; break;
		case 'd': data_hex = optarg; break;
		case 'D': data_file = optarg; break;
		case 'v': if (parse_u64("value", optarg, &value)) return 2; break;
		case 'c': if (parse_u64("chain-id", optarg, &want_chain)) return 2; break;
		case 'g': if (parse_u64("gas", optarg, &gas)) return 2; break;
		case 'w': if (parse_u64("wait", optarg, &wait)) return 2; break;
		case 'h': return send_usage(stdout);
		default: return send_usage(stderr);
		}
	}
	if (!url || !keyfile || optind != argc)
		return send_usage(stderr);
	if (data_file) {
		/* Calldata past the kernel's 128 KiB limit on one argument. */
		if ((err = ogx_read_file(data_file, 16u << 20, &data, &n))) {
			fprintf(stderr, "%s: %s: %s\n", prog, data_file, ogx_errmsg(err));
			return 1;
		}
		goto have_data;
	}
	if (!strncmp(data_hex, "0x", 2))
		data_hex += 2;
	n = strlen(data_hex) / 2;
	data = malloc(n + 1);
	if (!data || strlen(data_hex) % 2 || ogx_unhex(data, n, data_hex)) {
		fprintf(stderr, "%s: send: --data is not hex bytes\n", prog);
		free(data);
		return 2;
	}
have_data:
	if (to && (err = ogx_eth_addr_parse(tx.to, to))) {
		fprintf(stderr, "%s: send: --to: %s\n", prog, ogx_errmsg(err));
		free(data);
		return 2;
	}
	if ((err = ogx_eth_key_load(keyfile, &key))) {
		what = keyfile;
		goto out;
	}
	what = url;
	if ((err = ogx_rpc_open(&rpc, url, 10000)) || (err = ogx_rpc_chain_id(rpc, &chain_id)))
		goto out;
	if (want_chain && want_chain != chain_id) {
		err = ogx_fail(-EINVAL, "chain id is %llu, not %llu as --chain-id says",
			       (unsigned long long)chain_id, (unsigned long long)want_chain);
		goto out;
	}
	tx.chain_id = chain_id;
	tx.has_to = to != NULL;
	tx.value = value;
	tx.data = data;
	tx.data_len = n;
	if ((err = ogx_rpc_nonce(rpc, key.addr, "pending", &tx.nonce)) ||
	    (err = ogx_fee_suggest(rpc, &fees)) ||
	    (!gas && (err = ogx_rpc_estimate_gas(rpc, key.addr, to ? tx.to : NULL, data, n,
						 &gas))))
		goto out;
	tx.gas = gas;
	tx.max_priority_fee = fees.max_priority_fee;
	tx.max_fee = fees.max_fee;
	what = "transaction";
	if ((err = ogx_tx_sign(&tx, &key)) || (err = ogx_tx_raw(&tx, &raw, &raw_len)))
		goto out;
	ogx_tx_hash(raw, raw_len, hash);
	what = url;
	if ((err = ogx_rpc_send_raw(rpc, raw, raw_len, sent)))
		goto out;
	ogx_hex(hx, hash, 32);
	if (memcmp(sent, hash, 32)) {
		err = ogx_fail(-EPROTO, "node answered a hash other than 0x%s", hx);
		goto out;
	}
	printf("0x%s\n", hx);
	fflush(stdout);
	if (wait) {
		if ((err = wait_receipt(rpc, hash, wait, &rc)))
			goto out;
		printf("block %llu status %s gas %llu\n", (unsigned long long)rc.block_number,
		       rc.success ? "success" : "reverted", (unsigned long long)rc.gas_used);
		if (!rc.success)
			err = ogx_fail(-EREMOTEIO, "transaction reverted");
	}
out:
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, what, ogx_errmsg(err));
	free(raw);
	free(data);
	ogx_rpc_close(rpc);
	ogx_eth_key_free(&key);
	return err ? 1 : 0;
}
