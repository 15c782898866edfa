// SPDX-License-Identifier: GPL-2.0
/*
 * Raw transaction and RLP parsing on arbitrary bytes: no crash, no read past
 * the input, and anything that parses re-encodes to the same bytes (the
 * decoder accepts only canonical encodings).
 */
#include <stdlib.h>
#include <string.h>

#include "chain/rlp.h"
#include "chain/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ogx_rlp_item it, sub;
	struct ogx_tx tx;
	uint8_t *raw;
	size_t used, off = 0, len;
	uint64_t v;

	if (!ogx_rlp_decode(data, size, &it, &used) && it.is_list)
		while (ogx_rlp_next(&it, &off, &sub) == 1)
			(void)ogx_rlp_get_uint(&sub, &v);
	if (!ogx_tx_parse(&tx, data, size)) {
		if (ogx_tx_raw(&tx, &raw, &len))
			abort();
		if (len != size || memcmp(raw, data, size))
			abort();
		free(raw);
	}
	return 0;
}
