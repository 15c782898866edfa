// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the SEV-SNP report parser, and the verifier with the
 * same bytes as its VCEK (DER or PEM) and ASK + ARK chain (PEM), so that the
 * certificate loaders see them too. Nothing it accepts may crash or leak;
 * a report the parser accepts must hold its fields back (r and s
 * re-reversed). Seeds: tests/fuzz/corpus/snp_fuzz (the golden samples).
 */
#include <stdlib.h>
#include <string.h>

#include "attest/snp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ogx_snp_verify v = { .at = 1704067200 };
	struct ogx_snp_report r;

	if (!ogx_snp_parse(&r, data, len)) {
		for (int i = 0; i < 48; i++)
			if (r.sig_r[i] != data[0x2a0 + 47 - i] || r.sig_s[i] != data[0x2e8 + 47 - i])
				abort();
		if (memcmp(r.report_data, data + 0x50, 64) || memcmp(r.chip_id, data + 0x1a0, 64))
			abort();
	}
	v.vcek = data;
	v.vcek_len = len;
	v.chain = data;
	v.chain_len = len;
	if (!ogx_snp_verify(&v, data, len))
		abort(); /* a report whose VCEK and chain are itself cannot reach a pinned ARK */
	return 0;
}
