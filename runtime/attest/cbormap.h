/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attestation files (enrolment record, challenge, quote bundle) are
 * CBOR maps with the keys 0..n-1 in order, each an unsigned integer or a
 * byte string: decoded here with libcbor's streaming decoder, strictly — a definite
 * map of exactly those keys, each of its type and size — and canonically:
 * the caller re-encodes what it decoded and compares bytes, so every file
 * has one encoding.
 */
#ifndef OGX_ATTEST_CBORMAP_H
#define OGX_ATTEST_CBORMAP_H

#include <stddef.h>
#include <stdint.h>

#include "util/cbor_enc.h"
#include "util/err.h"

enum ogx_cbormap_kind { OGX_CBORMAP_UINT, OGX_CBORMAP_BYTES };

struct ogx_cbormap_field {
	const char *name;		/* for the detail of an error */
	enum ogx_cbormap_kind kind;
	size_t min, max;		/* a byte string's length */
	uint64_t u;			/* out: the integer */
	uint8_t *data;			/* out: the bytes, malloc'd (also for 0 bytes) */
	size_t len;
};

#define OGX_CBORMAP_FIELD(n, k, lo, hi) { .name = (n), .kind = (k), .min = (lo), .max = (hi) }

/*
 * Decodes buf into f[0..n) (key i into f[i]); -EBADMSG naming what and the
 * field on any deviation. On failure nothing stays allocated.
 */
OGX_MUST_CHECK
int ogx_cbormap_decode(const uint8_t *buf, size_t len, struct ogx_cbormap_field *f, size_t n,
		       const char *what);
void ogx_cbormap_free(struct ogx_cbormap_field *f, size_t n);

/* -EBADMSG unless enc (a re-encoding of what was decoded) is buf. */
OGX_MUST_CHECK
int ogx_cbormap_canonical(const struct ogx_cbor_enc *enc, const uint8_t *buf, size_t len,
			  const char *what);

#endif
