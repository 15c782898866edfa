/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kind of model a file is: GGUF (with its general.architecture) or a
 * llama2.c checkpoint (whose 7 x int32 header must be sane and agree with the
 * file size). The whole file is checked by the format's own reader, so a
 * file that probes is one that the runtime can load.
 */
#ifndef OGX_MODEL_PROBE_H
#define OGX_MODEL_PROBE_H

#include <stdint.h>

#include "model/llama.h"
#include "util/err.h"

enum ogx_model_format {
	OGX_FORMAT_GGUF = 1,
	OGX_FORMAT_LLAMA2C = 2,
};

struct ogx_model_probe {
	enum ogx_model_format format;
	char arch[64];		/* GGUF general.architecture ("?" if absent); "llama" */
	uint64_t size;		/* file bytes */
	uint64_t n_tensors;	/* GGUF tensors; llama2.c: weight arrays */
	uint64_t n_params;	/* elements over all tensors (llama2.c: every float in the file) */
	struct ogx_llama_config llama;	/* llama2.c only */
};

/* -EBADMSG/-EINVAL with a detail when the file is neither, or is broken. */
OGX_MUST_CHECK
int ogx_model_probe(const char *path, struct ogx_model_probe *p);

/* "gguf/<arch>" or "llama2c": the short format shown in listings. */
void ogx_model_format_str(const struct ogx_model_probe *p, char *buf, size_t size);

#endif
