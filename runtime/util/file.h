/* SPDX-License-Identifier: GPL-2.0 */
/* Whole-file reads with a size bound, and crash-safe whole-file writes. */
#ifndef OGX_UTIL_FILE_H
#define OGX_UTIL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/*
 * Read all of path into a malloc'd buffer (NUL-terminated past len for
 * convenience). -EFBIG when the file is larger than max. "-" reads stdin.
 */
OGX_MUST_CHECK
int ogx_read_file(const char *path, size_t max, uint8_t **data, size_t *len);

/*
 * ogx_read_file() of a regular file only, for inputs whose size is the
 * first check: a device or a pipe (/dev/zero) is refused before a byte is
 * read (-EINVAL, "not a regular file (a character device)"), a file over
 * max by its size (-EFBIG).
 */
OGX_MUST_CHECK
int ogx_read_regular_file(const char *path, size_t max, uint8_t **data, size_t *len);

/*
 * Write data to path atomically: a temp file in the same directory, fsync,
 * rename, fsync of the directory. Creates with mode; with excl, an existing
 * path is -EEXIST and left untouched.
 */
OGX_MUST_CHECK
int ogx_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			  int excl);

/* Write all of len bytes, retrying on EINTR and short writes. */
OGX_MUST_CHECK
int ogx_write_all(int fd, const void *data, size_t len);

/* mkdir -p with mode for each created component. */
OGX_MUST_CHECK
int ogx_mkdirs(const char *path, mode_t mode);

/* ogx_mkdirs() of the folder path is in: before a file is made there. */
OGX_MUST_CHECK
int ogx_mkdirs_parent(const char *path, mode_t mode);

/*
 * Open a file that holds a secret (a key) for reading: a regular file, not a
 * symlink, readable by its owner only. Returns the fd, or -errno with detail
 * (-EINVAL not a regular file, -EPERM readable by group or others).
 */
OGX_MUST_CHECK
int ogx_open_secret(const char *path);

/*
 * Read a secret of len bytes kept as 2 * len hex digits and an optional
 * newline (after an optional 0x with allow_0x) from path, opened as
 * ogx_open_secret() does, into out; the text is held in sodium_malloc'd
 * memory only. -EBADMSG (no detail: the caller says what it wanted) when
 * the file holds anything else.
 */
OGX_MUST_CHECK
int ogx_read_secret_hex(const char *path, uint8_t *out, size_t len, bool allow_0x);

/* fsync a directory by path (after a create/rename inside it). */
OGX_MUST_CHECK
int ogx_fsync_dir(const char *path);

#endif
