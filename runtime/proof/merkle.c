// SPDX-License-Identifier: GPL-2.0
/* See merkle.h; the algorithms are RFC 6962 §2.1 and §2.1.1. */
#include <errno.h>
#include <string.h>

#include "proof/merkle.h"
#include "util/err.h"

static void leaf_hash(uint8_t out[OGX_DIGEST_LEN], const uint8_t d[OGX_DIGEST_LEN])
{
	struct ogx_sha256_ctx st;
	uint8_t tag = 0x00;

	ogx_sha256_init(&st);
	ogx_sha256_update(&st, &tag, 1);
	ogx_sha256_update(&st, d, OGX_DIGEST_LEN);
	ogx_sha256_final(&st, out);
}

static void node_hash(uint8_t out[OGX_DIGEST_LEN], const uint8_t l[OGX_DIGEST_LEN],
		      const uint8_t r[OGX_DIGEST_LEN])
{
	struct ogx_sha256_ctx st;
	uint8_t tag = 0x01;

	ogx_sha256_init(&st);
	ogx_sha256_update(&st, &tag, 1);
	ogx_sha256_update(&st, l, OGX_DIGEST_LEN);
	ogx_sha256_update(&st, r, OGX_DIGEST_LEN);
	ogx_sha256_final(&st, out);
}

/* The largest power of two strictly below n (n >= 2). */
static size_t split(size_t n)
{
	size_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

static void mth(const uint8_t (*d)[OGX_DIGEST_LEN], size_t n, uint8_t out[OGX_DIGEST_LEN])
{
	uint8_t l[OGX_DIGEST_LEN], r[OGX_DIGEST_LEN];
	size_t k;

	if (n == 1) {
		leaf_hash(out, d[0]);
		return;
	}
	k = split(n);
	mth(d, k, l);
	mth(d + k, n - k, r);
	node_hash(out, l, r);
}

void ogx_merkle_root(const uint8_t (*leaves)[OGX_DIGEST_LEN], size_t n,
		     uint8_t root[OGX_DIGEST_LEN])
{
	if (!n)
		ogx_sha256(root, NULL, 0);
	else
		mth(leaves, n, root);
}

/* PATH(m, D[n]) of RFC 6962 §2.1.1, appended from the top down, then reversed. */
int ogx_merkle_path(const uint8_t (*leaves)[OGX_DIGEST_LEN], size_t n, size_t index,
		    uint8_t path[OGX_MERKLE_MAX_PATH][OGX_DIGEST_LEN], size_t *len)
{
	uint8_t tmp[OGX_DIGEST_LEN];
	size_t k, i;

	if (index >= n)
		return ogx_fail(-EINVAL, "leaf %zu of a tree of %zu", index, n);
	*len = 0;
	while (n > 1) {
		k = split(n);
		if (index < k) {
			mth(leaves + k, n - k, path[(*len)++]);
			n = k;
		} else {
			mth(leaves, k, path[(*len)++]);
			leaves += k;
			index -= k;
			n -= k;
		}
	}
	for (i = 0; i < *len / 2; i++) {
		memcpy(tmp, path[i], OGX_DIGEST_LEN);
		memcpy(path[i], path[*len - 1 - i], OGX_DIGEST_LEN);
		memcpy(path[*len - 1 - i], tmp, OGX_DIGEST_LEN);
	}
	return 0;
}

/* RFC 9162 §2.1.3.2, the verification of an inclusion proof. */
int ogx_merkle_verify(const uint8_t leaf[OGX_DIGEST_LEN], size_t index, size_t n,
		      const uint8_t (*path)[OGX_DIGEST_LEN], size_t len,
		      const uint8_t root[OGX_DIGEST_LEN])
{
	uint8_t r[OGX_DIGEST_LEN];
	size_t fn = index, sn = n - 1, i;

	if (index >= n)
		return ogx_fail(-EBADMSG, "inclusion proof: leaf %zu of a tree of %zu", index, n);
	leaf_hash(r, leaf);
	for (i = 0; i < len; i++) {
		if (sn == 0)
			return ogx_fail(-EBADMSG, "inclusion proof: path too long");
		if ((fn & 1) || fn == sn) {
			node_hash(r, path[i], r);
			if (!(fn & 1))
				while (fn && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			node_hash(r, r, path[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(r, root, OGX_DIGEST_LEN))
		return ogx_fail(-EBADMSG, "inclusion proof does not lead to the batch root");
	return 0;
}
