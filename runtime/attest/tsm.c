// SPDX-License-Identifier: GPL-2.0
/* See tsm.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attest/tsm.h"
#include "util/err.h"
#include "util/file.h"

static int read_attr(const char *entry, const char *name, size_t max, uint8_t **buf,
		     size_t *len)
{
	char path[4096 + 64];
	int err;

	snprintf(path, sizeof(path), "%s/%s", entry, name);
	err = ogx_read_file(path, max, buf, len);
	if (err)
		return ogx_fail(err, "%s: %s", path, ogx_errmsg(err));
	return 0;
}

static int read_generation(const char *entry, uint64_t *gen)
{
	uint8_t *buf;
	size_t len;
	char *end;
	int err = read_attr(entry, "generation", 64, &buf, &len);

	if (err)
		return err;
	errno = 0;
	*gen = strtoull((char *)buf, &end, 10);
	if (errno || end == (char *)buf || (*end && *end != '\n'))
		err = ogx_fail(-EBADMSG, "%s/generation: not a number", entry);
	free(buf);
	return err;
}

static int write_inblob(const char *entry, const uint8_t data[64])
{
	char path[4096 + 64];
	int fd, err;

	snprintf(path, sizeof(path), "%s/inblob", entry);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return ogx_fail(-errno, "%s: %s", path, strerror(errno));
	err = ogx_write_all(fd, data, 64);
	if (close(fd) && !err)
		err = -errno;
	return err ? ogx_fail(err, "%s: write: %s", path, strerror(-err)) : 0;
}

int ogx_tsm_report_get(const char *dir, const uint8_t report_data[64],
		       struct ogx_tsm_report *out)
{
	static atomic_uint counter;
	char entry[4096];
	uint64_t before, after;
	uint8_t *provider = NULL;
	size_t len;
	struct stat st;
	int err;

	memset(out, 0, sizeof(*out));
	if (!dir)
		dir = OGX_TSM_REPORT_DIR;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return ogx_fail(-ENODEV, "%s: no configfs-tsm report interface (it needs Linux "
				"6.7+ in an SEV-SNP or TDX guest, and configfs mounted)", dir);
	snprintf(entry, sizeof(entry), "%s/ogx-%ld-%u", dir, (long)getpid(),
		 atomic_fetch_add(&counter, 1));
	if (mkdir(entry, 0700))
		return ogx_fail(-errno, "%s: mkdir: %s", entry, strerror(errno));
	err = read_generation(entry, &before);
	err = err ?: write_inblob(entry, report_data);
	err = err ?: read_attr(entry, "outblob", OGX_TSM_OUTBLOB_MAX, &out->outblob,
			       &out->outblob_len);
	err = err ?: read_generation(entry, &after);
	if (!err && after != before + 1)
		err = ogx_fail(-EAGAIN, "%s: generation %" PRIu64 " -> %" PRIu64 ": another "
			       "writer changed the entry between our inblob and outblob", entry,
			       before, after);
	err = err ?: read_attr(entry, "provider", 64, &provider, &len);
	if (!err) {
		snprintf(out->provider, sizeof(out->provider), "%.*s", (int)strcspn(
			 (char *)provider, "\n"), (char *)provider);
		out->generation = after;
	}
	free(provider);
	if (rmdir(entry) && !err)
		err = ogx_fail(-errno, "%s: rmdir: %s", entry, strerror(errno));
	if (err)
		ogx_tsm_report_free(out);
	return err;
}

void ogx_tsm_report_free(struct ogx_tsm_report *r)
{
	free(r->outblob);
	memset(r, 0, sizeof(*r));
}
