// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun: the node's command line. Each subcommand lives in its own file and is
 * dispatched from the table below, the way wg(8) does it.
 */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "ogrun.h"

const char *prog = "ogrun";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *description;
} subcommands[] = {
	{ "run", run_main, "run a job on a model and write its signed proof record" },
	{ "generate", generate_main, "generate text with a Llama model (Vulkan or CPU)" },
	{ "serve", serve_main, "serve HTTP: OpenAI-compatible, /v1/infer, x402, a proof per answer" },
	{ "key", key_main, "generate or show the node's signing key" },
	{ "model", model_main, "add, list and show models in the node's store" },
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
