// SPDX-License-Identifier: GPL-2.0
/* See digest.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"

void ogx_sha256(uint8_t out[OGX_DIGEST_LEN], const void *data, size_t len)
{
	struct ogx_sha256_ctx ctx;

	ogx_sha256_init(&ctx);
	ogx_sha256_update(&ctx, data, len);
	ogx_sha256_final(&ctx, out);
}

int ogx_sha256_file(uint8_t out[OGX_DIGEST_LEN], const char *path)
{
	struct ogx_sha256_ctx st;
	uint8_t buf[1 << 16];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	ogx_sha256_init(&st);
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return (int)r;
		}
		ogx_sha256_update(&st, buf, (size_t)r);
	}
	close(fd);
	ogx_sha256_final(&st, out);
	return 0;
}

int ogx_sha256_self(uint8_t out[OGX_DIGEST_LEN])
{
	static uint8_t cached[OGX_DIGEST_LEN];
	static int have;
	int err;

	if (!have) {
		err = ogx_sha256_file(cached, "/proc/self/exe");
		if (err)
			return err;
		have = 1;
	}
	memcpy(out, cached, OGX_DIGEST_LEN);
	return 0;
}
