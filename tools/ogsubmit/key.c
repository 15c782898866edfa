// SPDX-License-Identifier: GPL-2.0
/* ogsubmit key gen FILE | ogsubmit key show FILE: the account that pays for batches. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "chain/eth_key.h"
#include "ogsubmit.h"
#include "util/err.h"
#include "util/file.h"

static int key_usage(FILE *f)
{
	fprintf(f, "Usage: %s key gen FILE\n       %s key show FILE\n"
		   "Prints the account's address (EIP-55). FILE holds the secp256k1 secret,\n"
		   "64 hex digits, mode 0600.\n",
		prog, prog);
	return f == stdout ? 0 : 2;
}

/* key gen FILE | key show FILE: *gen says which. */
static int parse_key_args(int argc, char **argv, bool *gen)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return key_usage(stdout);
	if (argc != 3)
		return key_usage(stderr);
	*gen = !strcmp(argv[1], "gen");
	if (!*gen && strcmp(argv[1], "show")) {
		fprintf(stderr, "%s: key: '%s' is not a key command\n", prog, argv[1]);
		return key_usage(stderr);
	}
	return OGX_ARGS_OK;
}

/* A new key in path, its folder made if need be. */
static int generate_key(const char *path, struct ogx_eth_key *key)
{
	int err;

	err = ogx_mkdirs_parent(path, 0700);
	if (err)
		return err;
	return ogx_eth_key_generate(path, key);
}

/* Generate (gen) or load the key in path, and print its address. */
static int run_key(const char *path, bool gen)
{
	char addr[OGX_ETH_ADDR_STRLEN];
	struct ogx_eth_key key;
	int err;

	if (gen)
		err = generate_key(path, &key);
	else
		err = ogx_eth_key_load(path, &key);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(err));
		return 1;
	}
	ogx_eth_addr_str(addr, key.addr);
	printf("%s\n", addr);
	ogx_eth_key_free(&key);
	return 0;
}

int key_main(int argc, char **argv)
{
	bool gen;
	int rc = parse_key_args(argc, argv, &gen);

	return rc == OGX_ARGS_OK ? run_key(argv[2], gen) : rc;
}
