// SPDX-License-Identifier: GPL-2.0
/* See spool_mark.h; the format is specified in Documentation/spool.md. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "proof/spool_mark.h"
#include "proof/spool_segment.h"
#include "util/err.h"
#include "util/file.h"

static void mark_sum(uint8_t sum[SPOOL_SUM_LEN], const uint8_t *buf)
{
	crypto_generichash(sum, SPOOL_SUM_LEN, buf, SPOOL_MARK_SUMMED, NULL, 0);
}

void ogx_spool_mark_encode(uint8_t buf[SPOOL_MARK_LEN], const struct spool_mark *m)
{
	memcpy(buf, SPOOL_MARK_MAGIC, 8);
	put_le32(buf + 8, SPOOL_MARK_VERSION);
	put_le32(buf + 12, 0);
	memcpy(buf + 16, m->id, OGX_SPOOL_ID_LEN);
	put_le64(buf + 32, m->acked);
	mark_sum(buf + SPOOL_MARK_SUMMED, buf);
}

int ogx_spool_mark_decode(const uint8_t *buf, size_t got, struct spool_mark *m)
{
	uint8_t sum[SPOOL_SUM_LEN];
	uint32_t version;

	if (got < SPOOL_MARK_LEN)
		return ogx_fail(-EBADMSG, "ack mark file " SPOOL_MARK_NAME ": truncated (%zu of %d"
				" bytes)", got, SPOOL_MARK_LEN);
	if (got > SPOOL_MARK_LEN)
		return ogx_fail(-EBADMSG, "ack mark file " SPOOL_MARK_NAME ": longer than %d bytes",
				SPOOL_MARK_LEN);
	if (memcmp(buf, SPOOL_MARK_MAGIC, 8))
		return ogx_fail(-EBADMSG, "ack mark file " SPOOL_MARK_NAME ": bad magic (not a spool"
				" ack mark)");
	version = get_le32(buf + 8);
	if (version != SPOOL_MARK_VERSION)
		return ogx_fail(-ENOTSUP, "ack mark file " SPOOL_MARK_NAME ": format version %" PRIu32
				" (this build reads version %d)", version, SPOOL_MARK_VERSION);
	mark_sum(sum, buf);
	if (sodium_memcmp(sum, buf + SPOOL_MARK_SUMMED, SPOOL_SUM_LEN))
		return ogx_fail(-EBADMSG, "ack mark file " SPOOL_MARK_NAME ": checksum mismatch");
	if (get_le32(buf + 12))
		return ogx_fail(-EBADMSG, "ack mark file " SPOOL_MARK_NAME ": reserved field is not"
				" zero");
	memcpy(m->id, buf + 16, OGX_SPOOL_ID_LEN);
	m->acked = get_le64(buf + 32);
	return 0;
}

int ogx_spool_mark_open(int dirfd, int flags, int *fdp)
{
	int fd = openat(dirfd, SPOOL_MARK_NAME, flags | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? -ENOENT
				       : ogx_fail(-errno, "ack mark file " SPOOL_MARK_NAME ": %s",
						  strerror(errno));
	*fdp = fd;
	return 0;
}

int ogx_spool_mark_read(int fd, struct spool_mark *m)
{
	uint8_t buf[SPOOL_MARK_LEN + 1];
	ssize_t got;

	do
		got = pread(fd, buf, sizeof(buf), 0);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return ogx_fail(-errno, "ack mark file " SPOOL_MARK_NAME ": %s", strerror(errno));
	return ogx_spool_mark_decode(buf, (size_t)got, m);
}

int ogx_spool_mark_write(int fd, const struct spool_mark *m)
{
	uint8_t buf[SPOOL_MARK_LEN];
	ssize_t w;

	ogx_spool_mark_encode(buf, m);
	do
		w = pwrite(fd, buf, sizeof(buf), 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return w == sizeof(buf) ? 0 : -EIO;
}

int ogx_spool_mark_create(int dirfd, const struct spool_mark *m, int *fdp)
{
	uint8_t buf[SPOOL_MARK_LEN];
	int fd, err;

	ogx_spool_mark_encode(buf, m);
	fd = openat(dirfd, SPOOL_MARK_TMP, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return ogx_fail(-errno, "ack mark file " SPOOL_MARK_TMP ": %s", strerror(errno));
	err = ogx_write_all(fd, buf, sizeof(buf));
	if (!err && fsync(fd))
		err = -errno;
	if (!err && renameat2(dirfd, SPOOL_MARK_TMP, dirfd, SPOOL_MARK_NAME, RENAME_NOREPLACE))
		err = errno == EEXIST ? ogx_fail(-EEXIST, "ack mark file " SPOOL_MARK_NAME " already"
						 " exists") : -errno;
	if (!err && fsync(dirfd))
		err = -errno;
	if (err) {
		unlinkat(dirfd, SPOOL_MARK_TMP, 0);
		close(fd);
		return err == -EEXIST ? err : ogx_fail(err, "creating the ack mark: %s",
						       strerror(-err));
	}
	*fdp = fd;
	return 0;
}
