// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun: the node's command line. Each subcommand lives in its own file and is
 * dispatched from the table below, the way wg(8) does it.
 */

#include "ogrun.h"
#include "util/cli.h"

const char *prog = "ogrun";

static const struct ogx_subcommand subcommands[] = {
	{ "run", run_main, "run a job on a model and write its signed proof record" },
	{ "generate", generate_main, "generate text with a Llama model (Vulkan or CPU)" },
	{ "serve", serve_main, "serve HTTP: OpenAI-compatible, /v1/infer, x402, a proof per answer" },
	{ "key", key_main, "generate or show the node's signing key" },
	{ "chain", chain_main, "show the key's chain (spool, epoch), or start a new epoch" },
	{ "model", model_main, "add, list and show models in the node's store" },
	{ "tee-report", tee_report_main, "fetch an SEV-SNP/TDX report binding the node key (configfs-tsm)" },
};

int main(int argc, char **argv)
{
	return ogx_cli_main(prog, subcommands, sizeof(subcommands) / sizeof(subcommands[0]),
			    argc, argv);
}
