// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper for tests/e2e/attest-*.t: plays ogx.ko's part on a software
 * TPM, which host tests have without the module. ogx.ko extends each
 * event's digest into its PCR (SHA-256 bank) as it appends the event; this
 * does the same for events [FIRST, FIRST+COUNT) of a read() log file (the
 * format of `cat /dev/ogx`), through tpm2-tss ($OGX_TCTI):
 *
 *	attest_pcr extend PCR LOG [FIRST [COUNT]]
 *	attest_pcr extend-raw PCR HEX        one digest (a boot PCR's measurement)
 *	attest_pcr read PCR                  prints the SHA-256 bank's value
 *	attest_pcr startup                   TPM2_Startup(CLEAR), after swtpm_ioctl -i
 *	                                     (a reboot: resetCount + 1, PCRs reset)
 *
 * tests/kmod runs the real module against swtpm in qemu; this lets the
 * quote tests run on the host with the same log format and the same digests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/ogx.h>

#include "attest/tpm.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

static int die(const char *what, int err)
{
	fprintf(stderr, "attest_pcr: %s: %s\n", what, ogx_errmsg(err));
	return 1;
}

int main(int argc, char **argv)
{
	struct ogx_tpm t;
	uint8_t d[32], *buf;
	char hex[65];
	size_t len, first = 0, count = SIZE_MAX;
	uint32_t pcr;
	int err;

	if (argc < 2 || (argc < 3 && strcmp(argv[1], "startup")))
		goto usage;
	pcr = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
	if ((err = ogx_tpm_open(&t, NULL)))
		return die("TPM", err);
	if (!strcmp(argv[1], "startup") && argc == 2) {
		TSS2_RC rc = Esys_Startup(t.esys, TPM2_SU_CLEAR);

		err = rc ? ogx_fail(-EIO, "Startup: %s", ogx_tpm_rc(rc)) : 0;
	} else if (!strcmp(argv[1], "read") && argc == 3) {
		err = ogx_tpm_pcr_read(&t, pcr, d);
		ogx_hex(hex, d, 32);
		if (!err)
			printf("%s\n", hex);
	} else if (!strcmp(argv[1], "extend-raw") && argc == 4) {
		err = ogx_unhex(d, 32, argv[3]) ? -EINVAL : ogx_tpm_pcr_extend(&t, pcr, d);
	} else if (!strcmp(argv[1], "extend") && argc >= 4 && argc <= 6) {
		const struct ogx_event *ev;

		if ((err = ogx_read_file(argv[3], 1u << 30, &buf, &len)))
			return die(argv[3], err);
		ev = (const struct ogx_event *)buf;
		len /= sizeof(*ev);
		if (argc >= 5)
			first = strtoull(argv[4], NULL, 10);
		if (argc == 6)
			count = strtoull(argv[5], NULL, 10);
		for (size_t i = first; !err && i < len && i - first < count; i++)
			err = ogx_tpm_pcr_extend(&t, pcr, ev[i].digest);
		free(buf);
	} else {
		ogx_tpm_close(&t);
		goto usage;
	}
	ogx_tpm_close(&t);
	return err ? die(argv[1], err) : 0;
usage:
	fprintf(stderr, "usage: attest_pcr extend PCR LOG [FIRST [COUNT]] | extend-raw PCR HEX | "
		"read PCR | startup\n");
	return 2;
}
