// SPDX-License-Identifier: GPL-2.0
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/cli.h"

static void usage(FILE *f, const char *prog, const struct ogx_subcommand *cmds, size_t n)
{
	fprintf(f, "Usage: %s <command> [<args>]\n\nCommands:\n", prog);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].description);
	fprintf(f, "\n'%s <command> --help' shows a command's options.\n", prog);
}

int ogx_cli_main(const char *prog, const struct ogx_subcommand *cmds, size_t n, int argc,
		 char **argv)
{
	if (argc < 2) {
		usage(stderr, prog, cmds, n);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout, prog, cmds, n);
		return 0;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "%s: libsodium failed to initialise\n", prog);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: '%s' is not a command\n", prog, argv[1]);
	usage(stderr, prog, cmds, n);
	return 2;
}
