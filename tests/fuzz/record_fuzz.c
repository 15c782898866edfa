// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the proof record decoder. Whatever it accepts must
 * re-encode to the same bytes and survive signature verification (which
 * fails, but must not crash).
 */
#include <stdlib.h>
#include <string.h>

#include "proof/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ogx_record r;
	uint8_t *again;
	size_t alen;

	if (ogx_record_decode(data, len, &r))
		return 0;
	if (ogx_record_encode(&r, true, &again, &alen) || alen != len ||
	    memcmp(again, data, len))
		abort();
	free(again);
	(void)ogx_record_verify(&r);
	ogx_record_free(&r);
	return 0;
}
