/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line of the tools (ogrun, ogsubmit, ogverify): `prog <command>
 * [<args>]`, one function per subcommand.
 */
#ifndef OGX_UTIL_CLI_H
#define OGX_UTIL_CLI_H

#include <stddef.h>

struct ogx_subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the command's name */
	const char *description;
};

/*
 * main() of a tool: usage on --help (exit 0) or without a command (exit 2),
 * libsodium initialised, then the named subcommand's status; an unknown
 * command is exit 2 with the usage on stderr.
 */
int ogx_cli_main(const char *prog, const struct ogx_subcommand *cmds, size_t n, int argc,
		 char **argv);

#endif
