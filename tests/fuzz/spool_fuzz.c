// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the spool's frame scanner: arbitrary bytes become a
 * segment file (after a valid header, or, when the first input byte is odd,
 * as the whole file), with an ack mark that says the first 0 to 7 records
 * were acknowledged (taken from bits 2-4 of the first byte) or, when bit 1
 * is set, no mark (a spool from an older ogx). Then a reader iterates it and
 * the writer opens it. Besides not crashing, the two must agree, because
 * they share one rule: when the reader ends cleanly after n records, the
 * writer opens with next index n, having cut exactly the bytes after the
 * last of them, and marks them acknowledged; when the reader refuses the
 * spool, the writer refuses it with the same error. The one difference is
 * by design: without a mark the writer refuses to cut anything (-EBADMSG).
 * The spool lives on /dev/shm when it exists, so a cut costs no disk flush.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proof/spool.h"
#include "proof/spool_mark.h"
#include "proof/spool_segment.h"

static char dir[64], seg[96], mark[96];

static void cleanup(void)
{
	char path[128];

	unlink(seg);
	unlink(mark);
	snprintf(path, sizeof(path), "%s/lock", dir);
	unlink(path);
	rmdir(dir);
}

static void setup(void)
{
	char name[SPOOL_NAME_LEN + 1];

	snprintf(dir, sizeof(dir), "%s/ogx-spool-fuzz-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		abort();
	ogx_spool_seg_name(name, 0);
	snprintf(seg, sizeof(seg), "%s/%s", dir, name);
	snprintf(mark, sizeof(mark), "%s/%s", dir, SPOOL_MARK_NAME);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[SPOOL_HDR_LEN], mbuf[SPOOL_MARK_LEN];
	struct spool_mark m = { .acked = 0 };
	bool has_mark;
	struct ogx_spool_iter *it;
	struct ogx_spool *sp;
	const uint8_t *rec;
	uint64_t n = 0, idx, end = SPOOL_HDR_LEN;
	int fd, rerr, werr;
	struct stat st;
	size_t len;

	if (!dir[0])
		setup();
	if (size < 1)
		return 0;
	fd = open(seg, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	ogx_spool_hdr_encode(hdr, 0);
	if ((!(data[0] & 1) && write(fd, hdr, sizeof(hdr)) != sizeof(hdr)) ||
	    write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	close(fd);
	has_mark = !(data[0] & 2);
	unlink(mark);
	if (has_mark) {
		m.acked = (data[0] >> 2) & 7;
		ogx_spool_mark_encode(mbuf, &m);
		fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, mbuf, sizeof(mbuf)) != sizeof(mbuf))
			abort();
		close(fd);
	}

	rerr = ogx_spool_iter_open(&it, dir, 0, 0);
	if (!rerr) {
		while ((rerr = ogx_spool_iter_next(it, &idx, &rec, &len)) == 1) {
			if (idx != n++ || len == 0 || len > OGX_SPOOL_MAX_RECORD)
				abort();
			end += SPOOL_FRAME_OVERHEAD + len;
		}
		ogx_spool_iter_close(it);
	}
	if (!rerr && !has_mark && (stat(seg, &st) || (uint64_t)st.st_size != end))
		rerr = -EBADMSG;	/* nothing tells a torn tail from damage: fail closed */
	werr = ogx_spool_open(&sp, dir, NULL);
	if (rerr < 0) {
		if (werr != rerr)
			abort();
		return 0;
	}
	if (werr || ogx_spool_next_index(sp) != n || ogx_spool_acked(sp) != n ||
	    stat(seg, &st) || (uint64_t)st.st_size != end)
		abort();
	if (n) {
		uint8_t *last;

		if (ogx_spool_last(sp, &idx, &last, &len) || idx != n - 1)
			abort();
		free(last);
	}
	ogx_spool_close(sp);
	return 0;
}
