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
 * A subcommand is parse_<cmd>_args(), which either stops the command with its
 * exit status (--help: 0, bad options: 2, unreadable option files: 1) or
 * returns OGX_ARGS_OK, then a function that runs it with one way out.
 */
enum { OGX_ARGS_OK = -1 };

/*
 * main() of a tool: usage on --help (exit 0) or without a command (exit 2),
 * libsodium initialised, then the named subcommand's status; an unknown
 * command is exit 2 with the usage on stderr.
 */
int ogx_cli_main(const char *prog, const struct ogx_subcommand *cmds, size_t n, int argc,
		 char **argv);

#endif
