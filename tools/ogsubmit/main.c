// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit: moves proof records from the node's spool to an EVM chain. Each
 * subcommand lives in its own file and is dispatched from the table below.
 */

#include "ogsubmit.h"
#include "util/cli.h"

const char *prog = "ogsubmit";

static const struct ogx_subcommand subcommands[] = {
	{ "run", run_main, "the daemon: spool records to batches on chain, crash-safe" },
	{ "key", key_main, "generate or show the submitter's Ethereum account key" },
	{ "check", check_main, "check every spool record as the daemon does, without a chain" },
	{ "send", send_main, "sign and send one EIP-1559 transaction (for operators and tests)" },
};

int main(int argc, char **argv)
{
	return ogx_cli_main(prog, subcommands, sizeof(subcommands) / sizeof(subcommands[0]),
			    argc, argv);
}
