// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the spool: an iterator over the records from a given index on,
 * across segments, concurrent with the writer and without its lock. It
 * judges frames by the same rules as the writer's recovery (spool_segment.c)
 * and the same ack mark (spool_mark.c): a bad frame before the mark is
 * damage, at or past it a torn tail, which is never yielded.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "proof/spool.h"
#include "proof/spool_mark.h"
#include "proof/spool_segment.h"
#include "util/err.h"

struct ogx_spool_iter {
	int dirfd;
	unsigned int flags;
	uint64_t from;
	struct spool_reader r;	/* r.fd < 0 until a segment is entered */
	uint64_t seg_first;	/* the segment being read */
	uint64_t off;		/* where its next frame starts */
	uint64_t index;		/* the index of that frame */
	uint64_t durable;	/* OGX_SPOOL_ITER_DURABLE: its bytes a sync covers */
	/* The ack mark as last read (has_mark false: none yet). */
	int markfd;
	bool has_mark;
	uint64_t acked;
	uint8_t id[OGX_SPOOL_ID_LEN];
	bool at_end;		/* the last ogx_spool_iter_next() returned 0 */
	struct ogx_spool_tail tail;	/* what it saw */
};

_Static_assert(sizeof(((struct ogx_spool_tail *)0)->segment) == SPOOL_NAME_LEN + 1,
	       "segment name");

/*
 * Read the ack mark again (once there is one: a spool from an older ogx gets
 * it at its next writer open). The writer rewrites it in place, and a read
 * racing that write may see half of each version, which fails the checksum:
 * read again for a while before calling it bad.
 */
static int read_mark(struct ogx_spool_iter *it)
{
	struct spool_mark m;
	int err;

	if (it->markfd < 0) {
		err = ogx_spool_mark_open(it->dirfd, O_RDONLY, &it->markfd);
		if (err)
			return err == -ENOENT ? 0 : err;
	}
	for (int tries = 1;; tries++) {
		err = ogx_spool_mark_read(it->markfd, &m);
		if (err != -EBADMSG || tries == 10)
			break;
		usleep(1000);
	}
	if (err)
		return err;
	it->has_mark = true;
	it->acked = m.acked;
	memcpy(it->id, m.id, sizeof(it->id));
	return 0;
}

static int enter_segment(struct ogx_spool_iter *it, uint64_t first)
{
	char name[SPOOL_NAME_LEN + 1];
	int fd, err;

	err = ogx_spool_seg_open(it->dirfd, first, O_RDONLY, name, &fd);
	if (err)
		return err;
	if (it->r.fd >= 0)
		close(it->r.fd);
	ogx_spool_reader_attach(&it->r, fd, name);
	it->seg_first = first;
	it->off = SPOOL_HDR_LEN;
	it->index = first;
	it->durable = 0;
	return 0;
}

/* Enter the segment that holds index from (the first with OGX_SPOOL_ITER_FROM_FIRST). */
static int find_start(struct ogx_spool_iter *it)
{
	uint64_t *firsts;
	size_t n, k;
	int err;

	err = ogx_spool_list_segments(it->dirfd, &firsts, &n);
	if (err)
		return err;
	if (!n)
		return ogx_fail(-ENOENT, "not a spool (no segment files)");
	if (it->flags & OGX_SPOOL_ITER_FROM_FIRST)
		it->from = firsts[0];
	if (it->from < firsts[0]) {
		err = ogx_fail(-ENOENT, "records before index %" PRIu64 " are no longer in the"
			       " spool (asked for index %" PRIu64 ")", firsts[0], it->from);
		goto out;
	}
	for (k = n - 1; firsts[k] > it->from; k--)
		;
	err = enter_segment(it, firsts[k]);
out:
	free(firsts);
	return err;
}

/*
 * At the end of a segment, or at a torn tail in it (bad set): move on to the
 * next segment if there is one. Returns 1 to read on (in the next segment,
 * or in this one when it grew meanwhile), 0 at the end of the spool.
 */
static int next_segment(struct ogx_spool_iter *it)
{
	uint64_t *firsts, next = 0;
	struct spool_frame f;
	bool found = false;
	size_t n;
	int rc;

	rc = ogx_spool_list_segments(it->dirfd, &firsts, &n);
	if (rc)
		return rc;
	for (size_t k = 0; k < n && !found; k++) {
		if (firsts[k] > it->seg_first) {
			next = firsts[k];
			found = true;
		}
	}
	free(firsts);
	if (!found)
		return 0;
	/*
	 * The writer syncs a segment whole before it creates the next one, so
	 * now that the next exists, this one's end is final: look again.
	 */
	it->r.buf_len = 0;
	rc = ogx_spool_read_frame(&it->r, it->off, &f);
	if (rc < 0 || rc == SPOOL_FRAME_OK)
		return rc;
	if (rc == SPOOL_FRAME_BAD)
		return ogx_fail(-EBADMSG, "segment %s: bad frame at offset %" PRIu64 " (%s) in a"
				" segment that is not the last: corruption", it->r.name, f.off,
				f.bad);
	if (next != it->index) {
		char name[SPOOL_NAME_LEN + 1];

		ogx_spool_seg_name(name, next);
		return ogx_fail(-EBADMSG, "segment %s ends before index %" PRIu64 ", but the next"
				" segment is %s (records missing)", it->r.name, it->index, name);
	}
	rc = enter_segment(it, next);
	return rc ? rc : 1;
}

/* Make what this segment holds now durable, from the reader's side. */
static int make_durable(struct ogx_spool_iter *it)
{
	struct stat st;

	if (fstat(it->r.fd, &st))
		return -errno;
	if (fdatasync(it->r.fd))
		return ogx_fail(-errno, "segment %s: fdatasync: %s", it->r.name, strerror(errno));
	it->durable = (uint64_t)st.st_size;
	return 0;
}

int ogx_spool_iter_open(struct ogx_spool_iter **itp, const char *dir, uint64_t from,
			unsigned int flags)
{
	struct ogx_spool_iter *it;
	int err;

	if (flags & ~(OGX_SPOOL_ITER_DURABLE | OGX_SPOOL_ITER_FROM_FIRST))
		return ogx_fail(-EINVAL, "unknown flags %#x", flags);
	if (sodium_init() < 0)
		return ogx_fail(-ENOSYS, "libsodium failed to initialise");
	it = calloc(1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->flags = flags;
	it->from = from;
	it->markfd = -1;
	err = ogx_spool_reader_init(&it->r);
	if (err) {
		free(it);
		return err;
	}
	it->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (it->dirfd < 0)
		err = -errno;
	if (!err)
		err = read_mark(it);
	if (!err)
		err = find_start(it);
	if (err) {
		ogx_spool_iter_close(it);
		return err;
	}
	*itp = it;
	return 0;
}

/* A bad frame at an index the ack mark says was acknowledged. */
static int damaged(const struct ogx_spool_iter *it, const struct spool_frame *f)
{
	return ogx_fail(-EBADMSG, "segment %s: record at index %" PRIu64 " (offset %" PRIu64
			") is damaged (%s), but the ack mark says records up to index %" PRIu64
			" were acknowledged: corruption, not a torn tail", it->r.name, it->index,
			f->off, f->bad, it->acked - 1);
}

/* The end of the spool: remember what it looked like for ogx_spool_iter_tail(). */
static int at_end(struct ogx_spool_iter *it, int rc, const struct spool_frame *f)
{
	struct ogx_spool_tail *t = &it->tail;
	struct stat st;

	if (it->index < it->acked)
		return ogx_fail(-EBADMSG, "segment %s ends before index %" PRIu64 " (at offset %"
				PRIu64 "), but the ack mark says records up to index %" PRIu64
				" were acknowledged: records missing", it->r.name, it->index,
				it->off, it->acked - 1);
	if (fstat(it->r.fd, &st))
		return -errno;
	memset(t, 0, sizeof(*t));
	t->index = it->index;
	memcpy(t->segment, it->r.name, sizeof(t->segment));
	t->offset = it->off;
	if (rc == SPOOL_FRAME_BAD && (uint64_t)st.st_size > it->off) {
		t->bytes = (uint64_t)st.st_size - it->off;
		t->why = f->bad;
	}
	t->has_mark = it->has_mark;
	t->acked = it->acked;
	memcpy(t->id, it->id, sizeof(t->id));
	it->at_end = true;
	return 0;
}

int ogx_spool_iter_next(struct ogx_spool_iter *it, uint64_t *index, const uint8_t **data,
			size_t *len)
{
	it->at_end = false;
	for (;;) {
		struct spool_frame f;
		uint64_t end;
		int rc;

		rc = ogx_spool_read_frame(&it->r, it->off, &f);
		if (rc == SPOOL_FRAME_END || rc == SPOOL_FRAME_BAD) {
			/*
			 * Before judging where the records end: the mark
			 * first, then the bytes again. The writer raises the
			 * mark only after the frames below it are whole in
			 * the file, so a frame below a mark read before its
			 * bytes cannot be one it is still writing.
			 */
			rc = read_mark(it);
			if (rc)
				return rc;
			it->r.buf_len = 0;
			rc = ogx_spool_read_frame(&it->r, it->off, &f);
		}
		if (rc == SPOOL_FRAME_BAD && it->index < it->acked)
			return damaged(it, &f);
		if (rc == SPOOL_FRAME_BAD)
			rc = ogx_spool_judge_bad_frame(&it->r, &f);
		if (rc < 0)
			return rc;
		if (rc != SPOOL_FRAME_OK) {
			/* The end of this segment, or a torn tail: never yielded. */
			int more = next_segment(it);

			if (more < 0)
				return more;
			if (!more)
				return at_end(it, rc, &f);
			continue;
		}
		end = f.off + SPOOL_FRAME_OVERHEAD + f.len;
		if ((it->flags & OGX_SPOOL_ITER_DURABLE) && end > it->durable) {
			/*
			 * The frame was in the page cache before this
			 * fdatasync began, so the sync covers it.
			 */
			rc = make_durable(it);
			if (rc)
				return rc;
		}
		it->off = end;
		if (it->index++ < it->from)
			continue;
		*index = it->index - 1;
		*data = f.payload;
		*len = f.len;
		return 1;
	}
}

int ogx_spool_iter_tail(struct ogx_spool_iter *it, struct ogx_spool_tail *t)
{
	if (!it->at_end)
		return ogx_fail(-EINVAL, "the spool's tail is known only after"
				" ogx_spool_iter_next() returned 0");
	*t = it->tail;
	return 0;
}

int ogx_spool_iter_acked(struct ogx_spool_iter *it, uint64_t *acked)
{
	if (!it->has_mark)
		return -ENOENT;
	*acked = it->acked;
	return 0;
}

int ogx_spool_iter_id(struct ogx_spool_iter *it, uint8_t id[OGX_SPOOL_ID_LEN])
{
	int err;

	if (!it->has_mark) {
		err = read_mark(it);
		if (err)
			return err;
	}
	if (!it->has_mark)
		return ogx_fail(-ENOENT, "the spool has no ack mark, so no id yet (written by an"
				" older ogx; its next writer open creates one)");
	memcpy(id, it->id, OGX_SPOOL_ID_LEN);
	return 0;
}

void ogx_spool_iter_close(struct ogx_spool_iter *it)
{
	if (!it)
		return;
	if (it->r.fd >= 0)
		close(it->r.fd);
	if (it->markfd >= 0)
		close(it->markfd);
	if (it->dirfd >= 0)
		close(it->dirfd);
	ogx_spool_reader_free(&it->r);
	free(it);
}
