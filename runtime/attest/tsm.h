/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node side: a hardware report from the kernel's configfs-tsm interface
 * (Linux 6.7+; Documentation/ABI/testing/configfs-tsm): in an SEV-SNP guest
 * (provider sev_guest) or a TDX guest (tdx_guest), make an entry under
 * /sys/kernel/config/tsm/report/, write the 64 bytes of report data to its
 * inblob, read the report from its outblob, and check that the entry's
 * generation moved by exactly that one write (no other writer raced it).
 * The report data is ogx_attest_binding() of the node key and the nonce or
 * log head (bind.h). No such guest is here: only the error paths are
 * tested; Documentation/attestation.md says so.
 */
#ifndef OGX_ATTEST_TSM_H
#define OGX_ATTEST_TSM_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define OGX_TSM_REPORT_DIR "/sys/kernel/config/tsm/report"
#define OGX_TSM_OUTBLOB_MAX (64 * 1024)

struct ogx_tsm_report {
	uint8_t *outblob;	/* malloc'd: sev_guest's 1184-byte report, tdx_guest's quote */
	size_t outblob_len;
	char provider[32];	/* "sev_guest", "tdx_guest" */
	uint64_t generation;	/* the entry's generation after the write */
};

/*
 * One report with report_data as its inblob, through dir (NULL: the
 * default above). -ENODEV when there is no configfs-tsm report interface,
 * -EAGAIN when the generation shows another write between ours and the
 * read, else -errno of the step, each with detail. Free with
 * ogx_tsm_report_free().
 */
OGX_MUST_CHECK
int ogx_tsm_report_get(const char *dir, const uint8_t report_data[64],
		       struct ogx_tsm_report *out);
void ogx_tsm_report_free(struct ogx_tsm_report *r);

#endif
