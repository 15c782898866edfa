// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun attest <command>: the node's TPM (runtime/attest/tpm.h,
 * Documentation/attestation.md). One file per command (attest_<name>.c),
 * dispatched from the table below.
 */
#include <stdio.h>
#include <string.h>

#include "ogrun.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *description;
} attest_commands[] = {
	{ "enroll", attest_enroll_main, "-o RECORD | --activate CHAL -o ANSWER",
	  "create the AK, write the enrolment record; answer a verifier's challenge" },
	{ "quote", attest_quote_main, "--nonce HEX -o QUOTE",
	  "quote ogx.ko's PCR and PCRs 0-7, with the module's event log" },
};

#define N_COMMANDS (sizeof(attest_commands) / sizeof(attest_commands[0]))

static int attest_usage(FILE *f)
{
	fprintf(f, "Usage: %s attest <command> [<args>]\n\nCommands:\n", prog);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-7s %-38s %s\n", attest_commands[i].name, attest_commands[i].args,
			attest_commands[i].description);
	fprintf(f, "\nThe TPM is tpm2-tss's TCTI --tcti, else $OGX_TCTI, else device:/dev/tpmrm0\n"
		   "(swtpm: swtpm:host=127.0.0.1,port=2321). The AK's blobs are kept in\n"
		   "$OGX_HOME/tpm-ak (mode 0600).\n");
	return f == stdout ? 0 : 2;
}

int attest_main(int argc, char **argv)
{
	if (argc < 2)
		return attest_usage(stderr);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		return attest_usage(stdout);
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(argv[1], attest_commands[i].name))
			return attest_commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: attest: '%s' is not an attest command\n", prog, argv[1]);
	return attest_usage(stderr);
}
