// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the IDX reader: the first byte picks images (idx3)
 * or labels (idx1), the rest is the file, plain or gzip'd.
 */
#include <stdlib.h>

#include "model/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ogx_idx idx;
	volatile uint8_t sink;

	if (!size)
		return 0;
	if (ogx_idx_parse(data + 1, size - 1, data[0] & 1 ? 3 : 1, &idx))
		return 0;
	if (idx.count * idx.item_size == 0)
		abort();
	sink = idx.data[idx.count * idx.item_size - 1];
	(void)sink;
	ogx_idx_free(&idx);
	return 0;
}
