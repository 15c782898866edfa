// SPDX-License-Identifier: GPL-2.0
/*
 * The spool's writer after open: batched appends, group commit, segment
 * rolls, the ack mark. Opening (the lock, recovery) is spool_open.c. See
 * spool.h for the interface and Documentation/spool.md for the format and
 * the rules followed here.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proof/spool.h"
#include "proof/spool_mark.h"
#include "proof/spool_segment.h"
#include "proof/spool_writer.h"
#include "util/err.h"
#include "util/file.h"

int ogx_spool_failed(struct ogx_spool *sp, int err, const char *what)
{
	sp->failed = err;
	return ogx_fail(err, "%s: %s; reopen the spool to recover", what, strerror(-err));
}

/*
 * Create the segment for records from first on, durably and atomically: the
 * header goes into a temporary file that is fsynced and renamed into place,
 * then the directory is fsynced. A crash leaves either no segment or one with
 * a whole header, never a half-written one (a leftover .tmp is removed at the
 * next open).
 */
int ogx_spool_create_segment(struct ogx_spool *sp, uint64_t first, int *fdp)
{
	char name[SPOOL_NAME_LEN + 1], tmp[SPOOL_NAME_LEN + 5];
	uint8_t hdr[SPOOL_HDR_LEN];
	int fd, err;

	ogx_spool_seg_name(name, first);
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	ogx_spool_hdr_encode(hdr, first);
	fd = openat(sp->dirfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	err = ogx_write_all(fd, hdr, sizeof(hdr));
	if (!err && fsync(fd))
		err = -errno;
	if (!err && renameat2(sp->dirfd, tmp, sp->dirfd, name, RENAME_NOREPLACE))
		err = errno == EEXIST ? ogx_fail(-EEXIST, "segment %s already exists", name)
				       : -errno;
	if (!err && fsync(sp->dirfd))
		err = -errno;
	if (err) {
		unlinkat(sp->dirfd, tmp, 0);
		close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

/* Open segment first of sp with flags, its header checked (its name is not kept). */
static int open_segment(struct ogx_spool *sp, uint64_t first, int flags, int *fdp)
{
	char name[SPOOL_NAME_LEN + 1];

	return ogx_spool_seg_open(sp->dirfd, first, flags, name, fdp);
}

/* Write the ack mark: the records before index acked are acknowledged. */
int ogx_spool_write_mark(struct ogx_spool *sp, uint64_t acked)
{
	struct spool_mark m = { .acked = acked };
	int err;

	memcpy(m.id, sp->id, sizeof(m.id));
	err = ogx_spool_mark_write(sp->markfd, &m);
	if (err)
		return ogx_spool_failed(sp, err, "writing the ack mark");
	sp->acked = acked;
	return 0;
}

void ogx_spool_close(struct ogx_spool *sp)
{
	if (!sp)
		return;
	if (sp->fd >= 0)
		close(sp->fd);
	if (sp->markfd >= 0)
		close(sp->markfd);
	if (sp->lockfd >= 0)
		close(sp->lockfd);	/* releases the flock */
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	free(sp->meta);
	free(sp->torn_record);
	free(sp);
}

/* The current segment is full: make it durable whole, then start the next. */
static int roll(struct ogx_spool *sp)
{
	int fd, err;

	if (fdatasync(sp->fd))
		return ogx_spool_failed(sp, -errno, "fdatasync before a segment roll");
	err = ogx_spool_create_segment(sp, sp->next, &fd);
	if (err)
		return ogx_spool_failed(sp, err, "creating a segment");
	close(sp->fd);
	sp->fd = fd;
	sp->seg_first = sp->next;
	sp->seg_size = SPOOL_HDR_LEN;
	sp->seg_frames = 0;
	return 0;
}

/* pwritev all of iov at off, through short writes. */
static int pwritev_all(int fd, struct iovec *iov, int cnt, uint64_t off)
{
	while (cnt) {
		ssize_t w = pwritev(fd, iov, cnt, (off_t)off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		off += (uint64_t)w;
		while (cnt && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static int check_records(struct ogx_spool *sp, const struct iovec *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (recs[i].iov_len == 0)
			return ogx_fail(-EINVAL, "record %zu of the batch is empty", i);
		if (recs[i].iov_len > OGX_SPOOL_MAX_RECORD)
			return ogx_fail(-EMSGSIZE, "record %zu of the batch is %zu bytes (the limit"
					" is %u)", i, recs[i].iov_len, OGX_SPOOL_MAX_RECORD);
	}
	if (n > sp->meta_cap) {
		struct spool_frame_meta *m = realloc(sp->meta, n * sizeof(*m));

		if (!m)
			return -ENOMEM;
		sp->meta = m;
		sp->meta_cap = n;
	}
	return 0;
}

static void frame_meta(struct spool_frame_meta *m, const struct iovec *rec)
{
	uint32_t len = (uint32_t)rec->iov_len;

	m->len_le[0] = len;
	m->len_le[1] = len >> 8;
	m->len_le[2] = len >> 16;
	m->len_le[3] = len >> 24;
	ogx_spool_frame_sum(m->sum, m->len_le, rec->iov_base, len);
}

/*
 * Lay out as many of recs (up to max) as fit in the current segment
 * after its end: three iovecs each into iov, the frames' meta in meta. The
 * writer's position (seg_size, next, last record) moves past them at once;
 * the caller writes them at *off and fails the handle if that write fails.
 * Returns the number of records taken: at least one, unless the segment has
 * records and the first would take it past the limit (0: roll first).
 */
static size_t lay_out(struct ogx_spool *sp, const struct iovec *recs, size_t n, size_t max,
		      struct spool_frame_meta *meta, struct iovec *iov, int *cnt, uint64_t *off,
		      uint64_t *bytes_out)
{
	uint64_t bytes = 0;
	size_t j = 0;

	*cnt = 0;
	*off = sp->seg_size;
	while (j < n && j < max) {
		uint64_t fsz = SPOOL_FRAME_OVERHEAD + recs[j].iov_len;

		if ((sp->seg_frames || j) && sp->seg_size + bytes + fsz > sp->limit)
			break;
		frame_meta(&meta[j], &recs[j]);
		iov[(*cnt)++] = (struct iovec){ meta[j].len_le, SPOOL_LEN_BYTES };
		iov[(*cnt)++] = recs[j];
		iov[(*cnt)++] = (struct iovec){ meta[j].sum, SPOOL_SUM_LEN };
		sp->last_off = sp->seg_size + bytes;
		sp->last_len = (uint32_t)recs[j].iov_len;
		bytes += fsz;
		j++;
	}
	if (j) {
		sp->has_last = true;
		sp->last_seg = sp->seg_first;
		sp->seg_size += bytes;
		sp->seg_frames += j;
		sp->next += j;
	}
	*bytes_out = bytes;
	return j;
}

static int refuse_failed(struct ogx_spool *sp)
{
	return ogx_fail(-EIO, "an earlier I/O error (%s) stopped appends; reopen the spool",
			strerror(-sp->failed));
}

int ogx_spool_append(struct ogx_spool *sp, const struct iovec *recs, size_t n,
		     uint64_t *first)
{
	size_t i = 0;
	int err;

	if (sp->failed)
		return refuse_failed(sp);
	err = check_records(sp, recs, n);
	if (err)
		return err;
	*first = sp->next;
	while (i < n) {
		uint64_t off, bytes;
		size_t j;
		int cnt;

		j = lay_out(sp, recs + i, n - i, SPOOL_CHUNK, sp->meta + i, sp->iov, &cnt, &off,
			    &bytes);
		if (!j) {
			err = roll(sp);
			if (err)
				return err;
			continue;
		}
		err = pwritev_all(sp->fd, sp->iov, cnt, off);
		if (err)
			return ogx_spool_failed(sp, err, "writing records");
		i += j;
	}
	return 0;
}

int ogx_spool_plan(struct ogx_spool *sp, const struct iovec *recs, size_t n, bool may_roll,
		   struct ogx_spool_write *w)
{
	uint64_t bytes;
	int err;

	w->n = 0;
	if (sp->failed)
		return refuse_failed(sp);
	if (!n)
		return 0;
	_Static_assert(sizeof(w->meta[0]) == sizeof(struct spool_frame_meta), "frame meta");
	for (size_t i = 0; i < n && i < OGX_SPOOL_WRITE_MAX; i++)
		if (!recs[i].iov_len || recs[i].iov_len > OGX_SPOOL_MAX_RECORD)
			return ogx_fail(recs[i].iov_len ? -EMSGSIZE : -EINVAL,
					"record %zu of the batch is %zu bytes (1 to %u)", i,
					recs[i].iov_len, OGX_SPOOL_MAX_RECORD);
	sp->planned = true;
	w->first = sp->next;
	w->n = lay_out(sp, recs, n, OGX_SPOOL_WRITE_MAX, (struct spool_frame_meta *)w->meta,
		       w->iov, &w->iovcnt, &w->off, &bytes);
	if (!w->n && may_roll) {
		err = roll(sp);
		if (err)
			return err;
		w->first = sp->next;
		w->n = lay_out(sp, recs, n, OGX_SPOOL_WRITE_MAX,
			       (struct spool_frame_meta *)w->meta, w->iov, &w->iovcnt, &w->off,
			       &bytes);
	}
	w->fd = sp->fd;
	w->bytes = (size_t)bytes;
	return 0;
}

int ogx_spool_io_failed(struct ogx_spool *sp, int err, const char *what)
{
	if (sp->failed)
		return refuse_failed(sp);
	return ogx_spool_failed(sp, err, what);
}

int ogx_spool_sync(struct ogx_spool *sp)
{
	if (sp->failed)
		return refuse_failed(sp);
	/*
	 * Earlier segments were synced whole when they were rolled over, so
	 * the current one is all there is to sync. After a failed fdatasync
	 * the kernel may have dropped the dirty pages: nothing written since
	 * the last good sync can be trusted, hence the sticky failure.
	 */
	if (fdatasync(sp->fd))
		return ogx_spool_failed(sp, -errno, "fdatasync");
	/*
	 * The mark before the caller reports anything done. Planned writes
	 * may still be in flight, so a handle that planned leaves the mark to
	 * its caller (ogx_spool_mark_acked()).
	 */
	if (!sp->planned && sp->next > sp->acked)
		return ogx_spool_write_mark(sp, sp->next);
	return 0;
}

int ogx_spool_mark_acked(struct ogx_spool *sp, uint64_t next_index)
{
	if (sp->failed)
		return refuse_failed(sp);
	if (next_index <= sp->acked)
		return 0;	/* never lowered */
	if (next_index > sp->next)
		return ogx_fail(-EINVAL, "cannot acknowledge the records before index %" PRIu64
				": the next index is %" PRIu64, next_index, sp->next);
	return ogx_spool_write_mark(sp, next_index);
}

int ogx_spool_append_sync(struct ogx_spool *sp, const struct iovec *recs, size_t n,
			  uint64_t *first)
{
	int err = ogx_spool_append(sp, recs, n, first);

	return err ? err : ogx_spool_sync(sp);
}

uint64_t ogx_spool_next_index(const struct ogx_spool *sp)
{
	return sp->next;
}

uint64_t ogx_spool_torn_bytes(const struct ogx_spool *sp)
{
	return sp->torn_bytes;
}

int ogx_spool_torn_record(const struct ogx_spool *sp, const uint8_t **data, size_t *len)
{
	if (!sp->torn_record)
		return -ENOENT;
	*data = sp->torn_record;
	*len = sp->torn_record_len;
	return 0;
}

uint64_t ogx_spool_acked(const struct ogx_spool *sp)
{
	return sp->acked;
}

void ogx_spool_id(const struct ogx_spool *sp, uint8_t id[OGX_SPOOL_ID_LEN])
{
	memcpy(id, sp->id, OGX_SPOOL_ID_LEN);
}

int ogx_spool_last(struct ogx_spool *sp, uint64_t *index, uint8_t **data, size_t *len)
{
	uint8_t *buf;
	int fd = sp->fd, err;

	if (!sp->has_last)
		return ogx_fail(-ENOENT, "the spool has no records");
	if (sp->last_seg != sp->seg_first) {
		err = open_segment(sp, sp->last_seg, O_RDONLY, &fd);
		if (err)
			return err;
	}
	buf = malloc(sp->last_len);
	err = buf ? ogx_spool_pread_all(fd, buf, sp->last_len, sp->last_off + SPOOL_LEN_BYTES)
		  : -ENOMEM;
	if (fd != sp->fd)
		close(fd);
	if (err) {
		free(buf);
		return err;
	}
	*index = sp->next - 1;
	*data = buf;
	*len = sp->last_len;
	return 0;
}
