// SPDX-License-Identifier: GPL-2.0
/* See file.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>
#include <unistd.h>

#include "err.h"
#include "file.h"

/* Read fd to its end (at most max bytes), then close it. */
static int read_fd(int fd, size_t max, uint8_t **data, size_t *len)
{
	size_t cap = 4096, n = 0;
	uint8_t *buf = NULL;
	int err = 0;

	for (;;) {
		ssize_t r;

		if (!buf || n + 1 >= cap) {
			uint8_t *nb;

			if (buf)
				cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			err = ogx_fail(-EFBIG, "larger than %zu bytes", max);
			break;
		}
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = 0;
	*data = buf;
	*len = n;
	return 0;
}

int ogx_read_file(const char *path, size_t max, uint8_t **data, size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);

	if (fd < 0)
		return -errno;
	return read_fd(fd, max, data, len);
}

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a pipe";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a plain file";
}

int ogx_read_regular_file(const char *path, size_t max, uint8_t **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), err;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ogx_fail(-EINVAL, "not a regular file (%s)", file_kind(st.st_mode));
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return ogx_fail(-EFBIG, "larger than %zu bytes", max);
	}
	return read_fd(fd, max, data, len);
}

int ogx_write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int ogx_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

int ogx_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			  int excl)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	if (excl && access(path, F_OK) == 0)
		return -EEXIST;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	err = ogx_write_all(fd, data, len);
	if (!err && fchmod(fd, mode))
		err = -errno;
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err) {
		/* link() refuses to replace, which is what excl asks for. */
		if (excl) {
			if (link(tmp, path))
				err = -errno;
			unlink(tmp);
		} else if (rename(tmp, path)) {
			err = -errno;
		}
	}
	if (err) {
		unlink(tmp);
		return err;
	}
	return ogx_fsync_dir(dirname(dir));
}

int ogx_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int ogx_mkdirs_parent(const char *path, mode_t mode)
{
	char dir[PATH_MAX];

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	return ogx_mkdirs(dirname(dir), mode);
}

int ogx_open_secret(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = ogx_fail(-EINVAL, "not a regular file");
	else if (st.st_mode & 077)
		err = ogx_fail(-EPERM, "key file mode %04o is readable by others; chmod 600 it",
			       (unsigned int)(st.st_mode & 07777));
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int ogx_read_secret_hex(const char *path, uint8_t *out, size_t len, bool allow_0x)
{
	size_t hexlen = 2 * len, got;
	char *buf = sodium_malloc(hexlen + 4);
	const char *hex = buf;
	ssize_t n;
	int fd, err = 0;

	if (!buf)
		return -ENOMEM;
	fd = ogx_open_secret(path);
	if (fd < 0) {
		sodium_free(buf);
		return fd;
	}
	n = read(fd, buf, hexlen + 4);
	if (n < 0)
		err = -errno;
	close(fd);
	if (!err && allow_0x && n >= 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
		hex += 2;
		n -= 2;
	}
	if (!err && ((size_t)n < hexlen || (size_t)n > hexlen + 1 ||
		     ((size_t)n == hexlen + 1 && hex[hexlen] != '\n') ||
		     sodium_hex2bin(out, len, hex, hexlen, NULL, &got, NULL) || got != len))
		err = -EBADMSG;
	sodium_free(buf);
	return err;
}
