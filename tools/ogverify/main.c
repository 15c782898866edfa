// SPDX-License-Identifier: GPL-2.0
/*
 * ogverify: what a full node runs to check a node's work. Each subcommand
 * lives in its own file; exit status 0 only when every check passed.
 */

#include "ogverify.h"
#include "util/cli.h"

const char *prog = "ogverify";

static const struct ogx_subcommand subcommands[] = {
	{ "record", record_main, "check one proof record (schema, signature, digests, chain link)" },
	{ "spool", spool_main, "check every record of a spool and the hash chain between them" },
	{ "chain", chain_main, "read batches back from the chain and check every record in them" },
	{ "batch", batch_main, "check one batch file offline (signature, Merkle root, records)" },
	{ "log", log_main, "replay an ogx.ko event log to its head; match a spool's kernel evidence" },
	{ "report", report_main, "check a hardware TEE report (SEV-SNP, Nitro) and its node binding" },
};

int main(int argc, char **argv)
{
	return ogx_cli_main(prog, subcommands, sizeof(subcommands) / sizeof(subcommands[0]),
			    argc, argv);
}
