// SPDX-License-Identifier: GPL-2.0
/*
 * Batch and submit() calldata decoding on arbitrary bytes (what ogverify
 * chain reads from any transaction to the inbox): no crash, no read past
 * the input, and a batch that decodes re-encodes to the same bytes (one
 * encoding per batch).
 */
#include <stdlib.h>
#include <string.h>

#include "chain/abi.h"
#include "chain/batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ogx_batch b;
	const uint8_t *inner;
	uint8_t root[32], *enc;
	uint64_t seq;
	uint32_t count;
	size_t len, ilen;

	if (!ogx_batch_decode(data, size, &b)) {
		if (ogx_batch_encode(&b, true, &enc, &len))
			abort();
		if (len != size || memcmp(enc, data, size))
			abort();
		free(enc);
		(void)ogx_batch_verify_sig(&b);
		ogx_batch_free(&b);
	}
	if (!ogx_abi_submit_decode(data, size, &seq, root, &count, &inner, &ilen) &&
	    !ogx_batch_decode(inner, ilen, &b))
		ogx_batch_free(&b);
	return 0;
}
