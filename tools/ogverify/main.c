// SPDX-License-Identifier: GPL-2.0
/*
 * ogverify: what a full node runs to check a node's work. Each subcommand
 * lives in its own file; exit status 0 only when every check passed.
 */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "ogverify.h"

const char *prog = "ogverify";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *description;
} subcommands[] = {
	{ "record", record_main, "check one proof record (schema, signature, digests, chain link)" },
	{ "spool", spool_main, "check every record of a spool and the hash chain between them" },
	{ "chain", chain_main, "read batches back from the chain and check every record in them" },
	{ "batch", batch_main, "check one batch file offline (signature, Merkle root, records)" },
	{ "log", log_main, "replay an ogx.ko event log to its head; match a spool's kernel evidence" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s <command> [<args>]\n\nCommands:\n", prog);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].description);
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
