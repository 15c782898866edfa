// SPDX-License-Identifier: GPL-2.0
/*
 * Opening the spool for appending: the writer lock, leftover temporaries,
 * the ack mark, and recovery, which judges the end of the last segment
 * against the mark (a torn tail past it is cut, damage before it refused)
 * and then raises the mark over every record kept. See spool.h and
 * Documentation/spool.md, "Recovery" and "The ack mark".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <sodium.h>

#include "proof/spool.h"
#include "proof/spool_mark.h"
#include "proof/spool_segment.h"
#include "proof/spool_writer.h"
#include "util/err.h"
#include "util/file.h"

/* Our own temporaries (*.seg.tmp, acked.tmp) never hold anything yet. */
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

		if ((n > 8 && !strcmp(de->d_name + n - 8, ".seg.tmp")) ||
		    !strcmp(de->d_name, SPOOL_MARK_TMP))
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

/* Read the ack mark, when the spool has one (markfd stays -1 when not). */
static int load_mark(struct ogx_spool *sp)
{
	struct spool_mark m;
	int err = ogx_spool_mark_open(sp->dirfd, O_RDWR, &sp->markfd);

	if (err)
		return err == -ENOENT ? 0 : err;
	err = ogx_spool_mark_read(sp->markfd, &m);
	if (err)
		return err;
	memcpy(sp->id, m.id, sizeof(sp->id));
	sp->acked = m.acked;
	return 0;
}

/* The mark of a new spool, or of one written by an older ogx: a new id. */
static int create_mark(struct ogx_spool *sp, uint64_t acked)
{
	struct spool_mark m = { .acked = acked };
	int err;

	randombytes_buf(m.id, sizeof(m.id));
	err = ogx_spool_mark_create(sp->dirfd, &m, &sp->markfd);
	if (err)
		return err;
	memcpy(sp->id, m.id, sizeof(sp->id));
	sp->acked = acked;
	return 0;
}

/*
 * The end of the spool against the ack mark, before anything is cut: the
 * last valid frame ends at s->end in segment name, where index sp->next
 * would start, and s->torn says bad bytes follow. A bad frame (or none) at
 * an index the mark says was acknowledged is damage, never a torn tail.
 */
static int judge_end(struct ogx_spool *sp, const char *dir, const char *name,
		     const struct spool_scan *s)
{
	if (sp->markfd >= 0) {
		if (sp->acked <= sp->next)
			return 0;
		if (s->torn)
			return ogx_fail(-EBADMSG, "segment %s: record at index %" PRIu64 " (offset %"
					PRIu64 ") is damaged (%s), but the ack mark says records up to"
					" index %" PRIu64 " were acknowledged: corruption, not a torn"
					" tail; nothing was cut", name, sp->next, s->end, s->bad,
					sp->acked - 1);
		return ogx_fail(-EBADMSG, "segment %s ends before index %" PRIu64 " (at offset %"
				PRIu64 "), but the ack mark says records up to index %" PRIu64
				" were acknowledged: records missing; nothing was cut", name,
				sp->next, s->end, sp->acked - 1);
	}
	if (!s->torn)
		return 0;
	/* A spool from before the mark: nothing tells a torn tail from damage. */
	return ogx_fail(-EBADMSG, "segment %s: %" PRIu64 " bad bytes at offset %" PRIu64
			" (index %" PRIu64 ", %s) and no ack mark (a spool from an older ogx):"
			" they may be a damaged acknowledged record; nothing was cut. If record %"
			PRIu64 " was never acknowledged, cut them (truncate -s %" PRIu64 " %s/%s)"
			" and open again, else see Documentation/proof-record.md, Chains", name,
			s->file_size - s->end, s->end, sp->next, s->bad, sp->next, s->end, dir,
			name);
}

/*
 * After recovery every record kept is the spool's: the writer continues
 * after the last. Whole frames past the mark (written, but a crash came
 * before the sync that would have acknowledged them) and the records of a
 * spool from before the mark are made durable, then the mark is raised over
 * them, so that damage to any of them is refused from now on, never cut.
 */
static int settle_mark(struct ogx_spool *sp, const char *name, bool synced)
{
	if (sp->markfd >= 0 && sp->acked == sp->next)
		return 0;
	if (!synced && fdatasync(sp->fd))
		return ogx_fail(-errno, "segment %s: fdatasync: %s", name, strerror(errno));
	if (sp->markfd < 0)
		return create_mark(sp, sp->next);
	return ogx_spool_write_mark(sp, sp->next);
}

/* The torn tail's first frame, when its length and payload are whole (see spool.h). */
static void keep_torn_record(struct ogx_spool *sp, const struct spool_scan *s)
{
	uint8_t len_le[SPOOL_LEN_BYTES];
	uint32_t len = 0;

	if (s->file_size - s->end < SPOOL_LEN_BYTES ||
	    pread(sp->fd, len_le, sizeof(len_le), (off_t)s->end) != (ssize_t)sizeof(len_le))
		return;
	for (int i = SPOOL_LEN_BYTES - 1; i >= 0; i--)
		len = len << 8 | len_le[i];
	if (!len || len > OGX_SPOOL_MAX_RECORD || s->file_size - s->end - SPOOL_LEN_BYTES < len)
		return;
	sp->torn_record = malloc(len);
	if (!sp->torn_record)
		return;
	if (pread(sp->fd, sp->torn_record, len, (off_t)(s->end + SPOOL_LEN_BYTES)) !=
	    (ssize_t)len) {
		free(sp->torn_record);
		sp->torn_record = NULL;
		return;
	}
	sp->torn_record_len = len;
}

/*
 * Recovery: scan the last segment, judge its end against the ack mark, cut
 * a torn tail, refuse corruption. When the last segment has no record (a
 * crash right after a roll), the last record is at the end of the one
 * before, which was synced whole before the roll, so any bad frame there is
 * corruption. Nothing is cut before every check passed.
 */
static int recover(struct ogx_spool *sp, const char *dir, const uint64_t *firsts, size_t n)
{
	char name[SPOOL_NAME_LEN + 1], prev_name[SPOOL_NAME_LEN + 1];
	struct spool_scan s, prev;
	struct spool_reader r;
	int err, fd;

	err = ogx_spool_reader_init(&r);
	if (err)
		return err;
	sp->seg_first = firsts[n - 1];
	err = ogx_spool_seg_open(sp->dirfd, sp->seg_first, O_RDWR, name, &sp->fd);
	if (err)
		goto out;
	ogx_spool_reader_attach(&r, sp->fd, name);
	err = ogx_spool_scan_segment(&r, &s);
	if (err)
		goto out;
	sp->seg_size = s.end;
	sp->seg_frames = s.frames;
	sp->next = sp->seg_first + s.frames;
	if (s.frames) {
		sp->has_last = true;
		sp->last_seg = sp->seg_first;
		sp->last_off = s.last_off;
		sp->last_len = s.last_len;
	} else if (n > 1) {
		err = ogx_spool_seg_open(sp->dirfd, firsts[n - 2], O_RDONLY, prev_name, &fd);
		if (err)
			goto out;
		ogx_spool_reader_attach(&r, fd, prev_name);
		err = ogx_spool_scan_segment(&r, &prev);
		close(fd);
		if (err)
			goto out;
		if (prev.torn) {
			err = ogx_fail(-EBADMSG, "segment %s: bad frame at offset %" PRIu64
				       " in a segment that is not the last: corruption",
				       prev_name, prev.end);
			goto out;
		}
		if (firsts[n - 2] + prev.frames != sp->seg_first) {
			err = ogx_fail(-EBADMSG, "segment %s ends before index %" PRIu64 ", but"
				       " the next segment starts at %" PRIu64 " (records missing)",
				       prev_name, firsts[n - 2] + prev.frames, sp->seg_first);
			goto out;
		}
		if (prev.frames) {
			sp->has_last = true;
			sp->last_seg = firsts[n - 2];
			sp->last_off = prev.last_off;
			sp->last_len = prev.last_len;
		}
	}
	err = judge_end(sp, dir, name, &s);
	if (err)
		goto out;
	if (s.torn) {
		/*
		 * The remains of a write a crash cut short, past the mark: a
		 * sync would have made them whole, and nobody was told they
		 * are durable. A first frame whose payload is all there is
		 * kept in memory for the caller (ogx_spool_torn_record()).
		 */
		keep_torn_record(sp, &s);
		if (ftruncate(sp->fd, (off_t)s.end) || fsync(sp->fd)) {
			err = ogx_fail(-errno, "segment %s: cutting the torn tail: %s", name,
				       strerror(errno));
			goto out;
		}
		sp->torn_bytes = s.file_size - s.end;
	}
	err = settle_mark(sp, name, s.torn);
out:
	ogx_spool_reader_free(&r);
	return err;
}

/* No segment yet: a new spool, or one whose creation a crash interrupted. */
static int start_spool(struct ogx_spool *sp)
{
	int err;

	if (sp->markfd >= 0 && sp->acked)
		return ogx_fail(-EBADMSG, "the ack mark says records up to index %" PRIu64
				" were acknowledged, but the spool has no segment files: records"
				" missing", sp->acked - 1);
	if (sp->markfd < 0) {
		err = create_mark(sp, 0);
		if (err)
			return err;
	}
	sp->seg_size = SPOOL_HDR_LEN;
	return ogx_spool_create_segment(sp, 0, &sp->fd);
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
	sp->dirfd = sp->lockfd = sp->fd = sp->markfd = -1;
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
		err = load_mark(sp);
	if (!err)
		err = ogx_spool_list_segments(sp->dirfd, &firsts, &n);
	if (err)
		goto fail;
	err = n ? recover(sp, dir, firsts, n) : start_spool(sp);
	free(firsts);
	if (err)
		goto fail;
	*spp = sp;
	return 0;
fail:
	ogx_spool_close(sp);
	return err;
}

