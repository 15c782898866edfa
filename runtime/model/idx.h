/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IDX files, the format of MNIST and Fashion-MNIST: a big-endian header
 * (two zero bytes, element type, number of dimensions, one uint32 per
 * dimension) followed by the elements. Only uint8 elements (type 0x08) are
 * read: images are idx3 (count x rows x cols), labels idx1 (count). Files may
 * be gzip'd, as the data sets ship them.
 */
#ifndef OGX_MODEL_IDX_H
#define OGX_MODEL_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Largest file (compressed or not) and largest decompressed payload accepted. */
#define OGX_IDX_MAX_BYTES (512u << 20)

struct ogx_idx {
	uint8_t *data;		/* count * item_size elements, owned */
	unsigned int ndim;	/* 1 (labels) or 3 (images) */
	uint32_t dims[3];	/* dims[0] is the item count */
	size_t count;		/* dims[0] */
	size_t item_size;	/* product of dims[1..ndim-1]; 1 for labels */
};

/*
 * Parse an IDX image of ndim dimensions (1 or 3) from buf, gzip'd or not.
 * The element count must match the payload exactly. On success *out owns
 * a copy of the elements; release it with ogx_idx_free().
 */
OGX_MUST_CHECK
int ogx_idx_parse(const uint8_t *buf, size_t len, unsigned int ndim, struct ogx_idx *out);

/* Read and parse a file: ogx_idx_parse() of its contents. */
OGX_MUST_CHECK
int ogx_idx_load(const char *path, unsigned int ndim, struct ogx_idx *out);

/*
 * Images and their labels, checked against each other: same count, every
 * label below n_classes. Either is left empty on failure.
 */
OGX_MUST_CHECK
int ogx_idx_load_set(const char *images_path, const char *labels_path, unsigned int n_classes,
		     struct ogx_idx *images, struct ogx_idx *labels);

void ogx_idx_free(struct ogx_idx *idx);

#endif
