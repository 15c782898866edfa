// SPDX-License-Identifier: GPL-2.0
/*
 * The spool's writer: the lock, recovery at open, batched appends, group
 * commit, segment rolls. See spool.h for the interface and
 * Documentation/spool.md for the format and the rules followed here.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "proof/spool.h"
#include "proof/spool_segment.h"
#include "util/err.h"
#include "util/file.h"

/* Records per pwritev: three iovecs each (length, payload, checksum). */
#define SPOOL_CHUNK (IOV_MAX / 3)

struct spool_frame_meta {
	uint8_t len_le[SPOOL_LEN_BYTES];
	uint8_t sum[SPOOL_SUM_LEN];
};

struct ogx_spool {
	int dirfd;
	int lockfd;
	int fd;			/* the current (last) segment */
	uint64_t seg_first;	/* index of its first record */
	uint64_t seg_size;	/* its bytes, header included: where the next frame goes */
	uint64_t seg_frames;	/* records in it */
	uint64_t next;		/* index of the next record */
	uint64_t limit;		/* segment size limit */
	uint64_t torn_bytes;	/* cut at open */
	/* Where the last record lives (has_last false: the spool is empty). */
	bool has_last;
	uint64_t last_seg, last_off;
	uint32_t last_len;
	/* An I/O error left the segment in an unknown state: append no more. */
	int failed;
	struct spool_frame_meta *meta;
	size_t meta_cap;
	struct iovec iov[3 * SPOOL_CHUNK];
};

static int spool_failed(struct ogx_spool *sp, int err, const char *what)
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
static int create_segment(struct ogx_spool *sp, uint64_t first, int *fdp)
{
	char name[SPOOL_NAME_LEN + 1], tmp[SPOOL_NAME_LEN + 5];
	uint8_t hdr[SPOOL_HDR_LEN];
	int fd, err;

	spool_seg_name(name, first);
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	spool_hdr_encode(hdr, first);
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

/* Only our own temporaries end in .seg.tmp; they never hold records. */
static int remove_leftover_tmp(struct ogx_spool *sp)
{
	int fd = openat(sp->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n > 8 && !strcmp(de->d_name + n - 8, ".seg.tmp"))
			unlinkat(sp->dirfd, de->d_name, 0);
	}
	closedir(d);
	return 0;
}

static int take_lock(struct ogx_spool *sp, unsigned int flags)
{
	sp->lockfd = openat(sp->dirfd, SPOOL_LOCK_NAME, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (sp->lockfd < 0)
		return -errno;
	while (flock(sp->lockfd, LOCK_EX | (flags & OGX_SPOOL_WAIT ? 0 : LOCK_NB))) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return ogx_fail(-EBUSY, "locked by another writer (another process has the"
					" spool open for appending)");
		return -errno;
	}
	return 0;
}

/* Open segment first of sp with flags, its header checked (its name is not kept). */
static int open_segment(struct ogx_spool *sp, uint64_t first, int flags, int *fdp)
{
	char name[SPOOL_NAME_LEN + 1];

	return spool_seg_open(sp->dirfd, first, flags, name, fdp);
}

/*
 * Recovery: scan the last segment, cut a torn tail, refuse corruption. When
 * the last segment has no record (a crash right after a roll), the last
 * record is at the end of the one before, which was synced whole before the
 * roll, so any bad frame there is corruption.
 */
static int recover(struct ogx_spool *sp, const uint64_t *firsts, size_t n)
{
	char name[SPOOL_NAME_LEN + 1];
	struct spool_reader r;
	struct spool_scan s;
	int err, fd;

	err = spool_reader_init(&r);
	if (err)
		return err;
	sp->seg_first = firsts[n - 1];
	err = open_segment(sp, sp->seg_first, O_RDWR, &sp->fd);
	if (err)
		goto out;
	spool_seg_name(name, sp->seg_first);
	spool_reader_attach(&r, sp->fd, name);
	err = spool_scan_segment(&r, &s);
	if (err)
		goto out;
	if (s.torn) {
		/*
		 * The remains of a write a crash cut short: a sync would
		 * have made them whole, so nobody was told they are durable.
		 */
		if (ftruncate(sp->fd, (off_t)s.end) || fsync(sp->fd)) {
			err = ogx_fail(-errno, "segment %s: cutting the torn tail: %s", name,
				       strerror(errno));
			goto out;
		}
		sp->torn_bytes = s.file_size - s.end;
	}
	sp->seg_size = s.end;
	sp->seg_frames = s.frames;
	sp->next = sp->seg_first + s.frames;
	if (s.frames) {
		sp->has_last = true;
		sp->last_seg = sp->seg_first;
		sp->last_off = s.last_off;
		sp->last_len = s.last_len;
		goto out;
	}
	if (n < 2)
		goto out;
	err = open_segment(sp, firsts[n - 2], O_RDONLY, &fd);
	if (err)
		goto out;
	spool_seg_name(name, firsts[n - 2]);
	spool_reader_attach(&r, fd, name);
	err = spool_scan_segment(&r, &s);
	close(fd);
	if (err)
		goto out;
	if (s.torn) {
		err = ogx_fail(-EBADMSG, "segment %s: bad frame at offset %" PRIu64
			       " in a segment that is not the last: corruption", name, s.end);
		goto out;
	}
	if (firsts[n - 2] + s.frames != sp->seg_first) {
		err = ogx_fail(-EBADMSG, "segment %s ends before index %" PRIu64 ", but the"
			       " next segment starts at %" PRIu64 " (records missing)", name,
			       firsts[n - 2] + s.frames, sp->seg_first);
		goto out;
	}
	if (s.frames) {
		sp->has_last = true;
		sp->last_seg = firsts[n - 2];
		sp->last_off = s.last_off;
		sp->last_len = s.last_len;
	}
out:
	spool_reader_free(&r);
	return err;
}

int ogx_spool_open(struct ogx_spool **spp, const char *dir, const struct ogx_spool_opts *opts)
{
	struct ogx_spool_opts none = { 0 };
	struct ogx_spool *sp;
	uint64_t *firsts = NULL;
	size_t n = 0;
	int err;

	if (!opts)
		opts = &none;
	if (opts->flags & ~OGX_SPOOL_WAIT)
		return ogx_fail(-EINVAL, "unknown flags %#x", opts->flags);
	if (opts->segment_size && opts->segment_size < OGX_SPOOL_SEGMENT_SIZE_MIN)
		return ogx_fail(-EINVAL, "segment size %" PRIu64 " is below the minimum %llu",
				opts->segment_size, OGX_SPOOL_SEGMENT_SIZE_MIN);
	if (sodium_init() < 0)
		return ogx_fail(-ENOSYS, "libsodium failed to initialise");
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->dirfd = sp->lockfd = sp->fd = -1;
	sp->limit = opts->segment_size ? opts->segment_size : OGX_SPOOL_SEGMENT_SIZE_DEFAULT;
	/*
	 * Group-readable (before the umask): the submitter reads the spool
	 * under its own user, as a member of the spool's group.
	 */
	err = ogx_mkdirs(dir, 0750);
	if (err) {
		goto fail;
	}
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		err = -errno;
		goto fail;
	}
	err = take_lock(sp, opts->flags);
	if (!err)
		err = remove_leftover_tmp(sp);
	if (!err)
		err = spool_list_segments(sp->dirfd, &firsts, &n);
	if (err)
		goto fail;
	if (n) {
		err = recover(sp, firsts, n);
	} else {
		sp->seg_size = SPOOL_HDR_LEN;
		err = create_segment(sp, 0, &sp->fd);
	}
	free(firsts);
	if (err)
		goto fail;
	*spp = sp;
	return 0;
fail:
	ogx_spool_close(sp);
	return err;
}

void ogx_spool_close(struct ogx_spool *sp)
{
	if (!sp)
		return;
	if (sp->fd >= 0)
		close(sp->fd);
	if (sp->lockfd >= 0)
		close(sp->lockfd);	/* releases the flock */
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	free(sp->meta);
	free(sp);
}

/* The current segment is full: make it durable whole, then start the next. */
static int roll(struct ogx_spool *sp)
{
	int fd, err;

	if (fdatasync(sp->fd))
		return spool_failed(sp, -errno, "fdatasync before a segment roll");
	err = create_segment(sp, sp->next, &fd);
	if (err)
		return spool_failed(sp, err, "creating a segment");
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
	spool_frame_sum(m->sum, m->len_le, rec->iov_base, len);
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
			return spool_failed(sp, err, "writing records");
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
	return spool_failed(sp, err, what);
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
		return spool_failed(sp, -errno, "fdatasync");
	return 0;
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
	err = buf ? spool_pread_all(fd, buf, sp->last_len, sp->last_off + SPOOL_LEN_BYTES)
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
