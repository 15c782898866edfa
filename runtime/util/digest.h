/* SPDX-License-Identifier: GPL-2.0 */
/* SHA-256, the one hash of records and chains (libsodium). */
#ifndef OGX_UTIL_DIGEST_H
#define OGX_UTIL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define OGX_DIGEST_LEN 32

void ogx_sha256(uint8_t out[OGX_DIGEST_LEN], const void *data, size_t len);

/* SHA-256 of a file's contents, streamed. */
int ogx_sha256_file(uint8_t out[OGX_DIGEST_LEN], const char *path);

/* SHA-256 of the running executable (/proc/self/exe): the runtime measurement. */
int ogx_sha256_self(uint8_t out[OGX_DIGEST_LEN]);

#endif
