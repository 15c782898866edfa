// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit: moves proof records from the node's spool to an EVM chain. Each
 * subcommand lives in its own file and is dispatched from the table below.
 */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "ogsubmit.h"

const char *prog = "ogsubmit";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *description;
} subcommands[] = {
	{ "run", run_main, "the daemon: spool records to batches on chain, crash-safe" },
	{ "key", key_main, "generate or show the submitter's Ethereum account key" },
	{ "check", check_main, "check every spool record as the daemon does, without a chain" },
	{ "send", send_main, "sign and send one EIP-1559 transaction (for operators and tests)" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s <command> [<args>]\n\nCommands:\n", prog);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].description);
	fprintf(f, "\n'%s <command> --help' shows a command's options.\n", prog);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "%s: libsodium failed to initialise\n", prog);
		return 1;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: '%s' is not a command\n", prog, argv[1]);
	usage(stderr);
	return 2;
}
