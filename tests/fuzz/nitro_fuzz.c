// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the Nitro attestation document parser (COSE_Sign1, the
 * payload map) and the verifier behind it (the certificates of the
 * cabundle, the chain, the signature), at the golden sample's time. Nothing
 * may crash, leak, or allocate by a count the input cannot hold (libcbor
 * 0.8 would: nitro.c checks heads first). Seeds: tests/fuzz/corpus/
 * nitro_fuzz (the og-evm document).
 */
#include <stdlib.h>

#include "attest/nitro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ogx_nitro_verify v = { .at = 1770918962 };
	struct ogx_nitro_doc d;

	if (!ogx_nitro_parse(&d, data, len)) {
		if (!d.n_cabundle || d.signature.len != 96 || !d.certificate.data)
			abort();
		ogx_nitro_free(&d);
	}
	/* A verdict names its failed step exactly when it failed. */
	if (!ogx_nitro_verify(&v, data, len) != (v.failed == OGX_ATTEST_OK))
		abort();
	ogx_nitro_free(&v.doc);
	return 0;
}
