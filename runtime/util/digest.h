/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256, the one hash of records, chains, inputs and models. nettle, not
 * libsodium: Debian's nettle is built "fat" and picks the x86 SHA extensions
 * (or its assembly) at run time, where libsodium has only portable C
 * (Documentation/benchmarks.md, "Again, with SHA-256 from nettle").
 */
#ifndef OGX_UTIL_DIGEST_H
#define OGX_UTIL_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <nettle/sha2.h>

#include "util/err.h"

#define OGX_DIGEST_LEN 32

void ogx_sha256(uint8_t out[OGX_DIGEST_LEN], const void *data, size_t len);

/* Streaming: init, any number of updates, final (which leaves ctx reset). */
struct ogx_sha256_ctx {
	struct sha256_ctx c;
};

static inline void ogx_sha256_init(struct ogx_sha256_ctx *ctx)
{
	sha256_init(&ctx->c);
}

static inline void ogx_sha256_update(struct ogx_sha256_ctx *ctx, const void *data, size_t len)
{
	if (len) /* nettle would memcpy from data even for 0 bytes (NULL is allowed here) */
		sha256_update(&ctx->c, len, data);
}

static inline void ogx_sha256_final(struct ogx_sha256_ctx *ctx, uint8_t out[OGX_DIGEST_LEN])
{
	sha256_digest(&ctx->c, OGX_DIGEST_LEN, out);
}

/* SHA-256 of a file's contents, streamed. */
OGX_MUST_CHECK
int ogx_sha256_file(uint8_t out[OGX_DIGEST_LEN], const char *path);

/* SHA-256 of the running executable (/proc/self/exe): the runtime measurement. */
OGX_MUST_CHECK
int ogx_sha256_self(uint8_t out[OGX_DIGEST_LEN]);

#endif
