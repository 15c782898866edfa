// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the MLP classifier's loader: arbitrary bytes as a
 * GGUF file, then, when they load as a model (f32 or int8), a forward pass
 * on extreme inputs. Under UBSan this also checks the load-time limits: a
 * model that loads can never overflow its int32 accumulators.
 */
#include <stdlib.h>
#include <string.h>

#include "model/gguf.h"
#include "model/mlp.h"
#include "model/mlp_gguf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ogx_gguf *g;
	struct ogx_mlp m;
	unsigned int cls[2];
	uint8_t *px;
	size_t n_in;

	if (ogx_gguf_open_mem(data, size, &g))
		return 0;
	if (ogx_mlp_from_gguf(g, &m)) {
		ogx_gguf_close(g);
		return 0;
	}
	ogx_gguf_close(g);
	n_in = ogx_mlp_n_in(&m);
	px = malloc(2 * n_in);
	if (px) {
		/* all 255 (the largest accumulators), then alternating 0 / 255 */
		memset(px, 255, n_in);
		for (size_t i = 0; i < n_in; i++)
			px[n_in + i] = i % 2 ? 255 : 0;
		if (ogx_mlp_classify(&m, px, 2, cls) == 0 &&
		    (cls[0] >= ogx_mlp_n_out(&m) || cls[1] >= ogx_mlp_n_out(&m)))
			abort();
		free(px);
	}
	ogx_mlp_free(&m);
	return 0;
}
