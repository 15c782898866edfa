/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Merkle tree over record digests, as RFC 6962 (Certificate Transparency)
 * §2.1 defines it with SHA-256: leaf hash H(0x00 ‖ d), interior node
 * H(0x01 ‖ left ‖ right), split at the largest power of two below n (so no
 * leaf is ever duplicated and second preimages between levels are ruled
 * out). A batch commits to its records by this root; an inclusion proof
 * shows one record is in a batch without the others.
 */
#ifndef OGX_PROOF_MERKLE_H
#define OGX_PROOF_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "util/digest.h"
#include "util/err.h"

/* Enough for 2^64 leaves. */
#define OGX_MERKLE_MAX_PATH 64

/* Root of n leaves (digests); n = 0 gives SHA-256 of the empty string. */
void ogx_merkle_root(const uint8_t (*leaves)[OGX_DIGEST_LEN], size_t n,
		     uint8_t root[OGX_DIGEST_LEN]);

/* Audit path for leaf index of n: *len hashes, leaf side first. -EINVAL if index >= n. */
OGX_MUST_CHECK
int ogx_merkle_path(const uint8_t (*leaves)[OGX_DIGEST_LEN], size_t n, size_t index,
		    uint8_t path[OGX_MERKLE_MAX_PATH][OGX_DIGEST_LEN], size_t *len);

/* 0 when leaf at index of n and path give root; -EBADMSG otherwise. */
OGX_MUST_CHECK
int ogx_merkle_verify(const uint8_t leaf[OGX_DIGEST_LEN], size_t index, size_t n,
		      const uint8_t (*path)[OGX_DIGEST_LEN], size_t len,
		      const uint8_t root[OGX_DIGEST_LEN]);

#endif
