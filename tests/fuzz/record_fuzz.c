// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the proof record decoder. Whatever it accepts must
 * re-encode to the same bytes and survive signature verification (which
 * fails, but must not crash); its x402 payment evidence (key 15) then goes
 * through the reader ogsubmit settles from, and an accepted authorization
 * through the calldata encoder.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/eip3009.h"
#include "proof/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ogx_record r;
	struct ogx_eip3009_auth a;
	uint8_t call[OGX_EIP3009_TRANSFER_LEN];
	uint8_t *again;
	size_t alen;

	if (ogx_record_decode(data, len, &r))
		return 0;
	if (ogx_record_encode(&r, true, &again, &alen) || alen != len ||
	    memcmp(again, data, len))
		abort();
	free(again);
	(void)ogx_record_verify(&r);
	if (!ogx_eip3009_from_record(&r, &a))
		(void)ogx_eip3009_transfer_call(&a, call);
	ogx_record_free(&r);
	return 0;
}
