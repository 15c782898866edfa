/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The proof spool: a durable, append-only log of records in a directory of
 * segment files. Records are opaque byte strings here (the proof code puts
 * CBOR in them); each gets the next index, 0, 1, 2, ...
 *
 * One process at a time appends (an flock on DIR/lock). It appends the
 * records of the jobs that finished together in one batch and makes the
 * batch durable with one fdatasync (group commit):
 *
 *	ogx_spool_append(sp, recs, n, &first);	// record k gets index first + k
 *	ogx_spool_sync(sp);			// then, and only then, report the jobs done
 *
 * A sync that returns 0 also rewrites the ack mark (DIR/acked, one pwrite,
 * no fsync): the index after the last record acknowledged as durable. On
 * open, the writer cuts a torn tail left by a crash, past the mark, and
 * refuses a spool whose acknowledged records are damaged or missing, so that
 * no acknowledged record is ever cut and signed again. Readers (ogsubmit,
 * ogverify) iterate concurrently without a lock and judge frames by the same
 * mark. Format, recovery rules and the durability guarantee:
 * Documentation/spool.md. A writer handle or an iterator is used by one
 * thread at a time.
 */
#ifndef OGX_PROOF_SPOOL_H
#define OGX_PROOF_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "util/err.h"

/* The largest record, a property of the format: readers rely on it. */
#define OGX_SPOOL_MAX_RECORD (1u << 20)
#define OGX_SPOOL_SEGMENT_SIZE_DEFAULT (64ull << 20)
#define OGX_SPOOL_SEGMENT_SIZE_MIN 4096ull

/* The spool's id: 16 random bytes made once, when the spool is created. */
#define OGX_SPOOL_ID_LEN 16

/* ogx_spool_open() flags. */
#define OGX_SPOOL_WAIT (1u << 0)	/* wait for the writer lock instead of -EBUSY */

struct ogx_spool_opts {
	/*
	 * Start a new segment when a record would take the current one past
	 * this many bytes (a segment always takes at least one record).
	 * 0: OGX_SPOOL_SEGMENT_SIZE_DEFAULT.
	 */
	uint64_t segment_size;
	unsigned int flags;	/* OGX_SPOOL_* */
};

struct ogx_spool;

/*
 * Open the spool in dir for appending, creating dir (0750) and the first
 * segment when there are none (segments are 0640: readers may run as
 * another user in the spool's group). opts may be NULL. Errors, each with
 * detail: -EBUSY (another process holds the writer lock and OGX_SPOOL_WAIT is not
 * set), -EBADMSG (a bad segment header or ack mark, a damaged record that is
 * not a torn tail, acknowledged records missing, or bad bytes at the end of a
 * spool that has no ack mark yet), -ENOTSUP (another format version),
 * -EINVAL (bad opts). A refused open changes nothing on disk.
 */
OGX_MUST_CHECK
int ogx_spool_open(struct ogx_spool **sp, const char *dir, const struct ogx_spool_opts *opts);

/* Close without syncing: records appended since the last sync may be lost. */
void ogx_spool_close(struct ogx_spool *sp);

/*
 * Append n records; record k gets index *first + k. They are written (one
 * pwritev per segment they land in) but durable only once ogx_spool_sync()
 * returns 0. -EMSGSIZE for a record over OGX_SPOOL_MAX_RECORD, -EINVAL for an
 * empty one: then nothing is written. After an I/O error the handle refuses
 * every further call with -EIO: close it and open the spool again, which
 * keeps whatever of the failed batch reached the disk whole.
 */
OGX_MUST_CHECK
int ogx_spool_append(struct ogx_spool *sp, const struct iovec *recs, size_t n,
		     uint64_t *first);

/*
 * Make every record appended so far durable: one fdatasync, then the ack
 * mark raised past them (one pwrite), so that the caller may report them
 * done once this returns 0. On a handle that ogx_spool_plan() was used on,
 * the mark is left to ogx_spool_mark_acked().
 */
OGX_MUST_CHECK
int ogx_spool_sync(struct ogx_spool *sp);

/* ogx_spool_append() then ogx_spool_sync(). */
OGX_MUST_CHECK
int ogx_spool_append_sync(struct ogx_spool *sp, const struct iovec *recs, size_t n,
			  uint64_t *first);

/*
 * Appends whose I/O the caller makes (the server's io_uring loop): plan the
 * frames, write them, fdatasync, and report a failure. The spool's format and
 * recovery are those of ogx_spool_append(); only who calls write(2) changes.
 *
 *	ogx_spool_plan(sp, recs, n, true, &w);	// takes w.n <= n records
 *	pwritev(w.fd, w.iov, w.iovcnt, w.off) == w.bytes, then fdatasync(w.fd)
 *	ogx_spool_mark_acked(sp, w.first + w.n);	// then report them done
 *	on any failure: ogx_spool_io_failed(sp, err, what)
 *
 * The writer's position moves at plan time, so several plans may be written
 * at once (they never overlap), but a segment roll (fdatasync of the old
 * segment, creating the next) happens inside ogx_spool_plan() and needs every
 * planned write and its fdatasync completed first: pass may_roll only then.
 * Without it, a record that needs a new segment gives w.n = 0.
 */
#define OGX_SPOOL_WRITE_MAX 256		/* records per planned write */

struct ogx_spool_write {
	int fd;			/* the segment: valid until the next roll */
	uint64_t off;		/* where the bytes go */
	size_t bytes;		/* the write's length */
	uint64_t first;		/* index of the first record */
	size_t n;		/* records taken */
	int iovcnt;
	struct iovec iov[3 * OGX_SPOOL_WRITE_MAX];	/* point into recs and meta */
	uint8_t meta[OGX_SPOOL_WRITE_MAX][20];		/* length and checksum per frame */
};

/*
 * Plan the next write of recs (the first OGX_SPOOL_WRITE_MAX of them at
 * most, as many as fit in the segment). recs' bytes must stay put until the
 * write is done. -EIO after a failure, -EINVAL/-EMSGSIZE for a bad record,
 * or a roll's error (which fails the handle).
 */
OGX_MUST_CHECK
int ogx_spool_plan(struct ogx_spool *sp, const struct iovec *recs, size_t n, bool may_roll,
		   struct ogx_spool_write *w);

/*
 * A planned write or its fdatasync failed (or was short, err -EIO): the
 * handle refuses every further append, as after a failed ogx_spool_append().
 * Returns err with detail naming what.
 */
int ogx_spool_io_failed(struct ogx_spool *sp, int err, const char *what);

/*
 * The records before next_index are durable (an fdatasync that covers them
 * returned 0) and about to be reported done: raise the ack mark to
 * next_index with one pwrite, no sync. Call it after the sync and before any
 * of them is acknowledged; never lowers the mark (a lower next_index is a
 * no-op). -EINVAL past the records planned or appended; a failed write fails
 * the handle (-EIO from then on), and the records must not be reported done.
 */
OGX_MUST_CHECK
int ogx_spool_mark_acked(struct ogx_spool *sp, uint64_t next_index);

/* The ack mark: the index after the last record acknowledged as durable. */
uint64_t ogx_spool_acked(const struct ogx_spool *sp);

/* The spool's id (a signer binds a key's chain to one spool by it). */
void ogx_spool_id(const struct ogx_spool *sp, uint8_t id[OGX_SPOOL_ID_LEN]);

/* The index the next appended record will get (= number of records ever appended). */
uint64_t ogx_spool_next_index(const struct ogx_spool *sp);

/* Bytes of torn tail that ogx_spool_open() cut from the last segment (0: none). */
uint64_t ogx_spool_torn_bytes(const struct ogx_spool *sp);

/*
 * When the torn tail ogx_spool_open() cut began with a frame whose length
 * field and whole payload were in the file (only its checksum torn or
 * missing), that payload: the bytes of a record the writer had finished
 * writing but never acknowledged. The spool cannot tell whether they are
 * intact; a caller that can (the signer: a record it signed, with the seq it
 * would sign next) may append them again rather than sign another record for
 * that seq. -ENOENT otherwise. Valid until ogx_spool_close().
 */
OGX_MUST_CHECK
int ogx_spool_torn_record(const struct ogx_spool *sp, const uint8_t **data, size_t *len);

/*
 * The last record (the runtime continues its hash chain from it): its index
 * and a malloc'd copy of its bytes. -ENOENT when the spool has no records.
 * Costs one pread: the position is known from open and every append.
 */
OGX_MUST_CHECK
int ogx_spool_last(struct ogx_spool *sp, uint64_t *index, uint8_t **data, size_t *len);

/* ogx_spool_iter_open() flags. */
/*
 * Yield only records that are durable: before yielding a record that no
 * fdatasync is known to cover, fdatasync the segment (from the reader's
 * side). A consumer that acts on records outside this machine (ogsubmit)
 * sets it, so that nothing it sends on can vanish in a power loss.
 */
#define OGX_SPOOL_ITER_DURABLE (1u << 0)
/* Start at the first segment's first index, whatever it is; from is ignored. */
#define OGX_SPOOL_ITER_FROM_FIRST (1u << 1)

struct ogx_spool_iter;

/*
 * Iterate the records of the spool in dir from index from on. Takes no lock
 * and writes nothing. -ENOENT (with detail) when dir is not a spool (no such
 * directory, or no segment file in it), or when from is before its first
 * segment; -EBADMSG or -ENOTSUP for a bad ack mark.
 */
OGX_MUST_CHECK
int ogx_spool_iter_open(struct ogx_spool_iter **it, const char *dir, uint64_t from,
			unsigned int flags);

/*
 * The next record: returns 1 with its index and bytes (valid until the next
 * call), 0 at the end, or a negative errno (-EBADMSG with detail for a damaged
 * record or segment, a gap between segments, a bad header or ack mark, a
 * bad or missing record before the ack mark). The end is the end of the last
 * segment or a torn tail there past the mark, which is never yielded
 * (ogx_spool_iter_tail() describes it); called again after 0, it yields what
 * a writer has appended since.
 */
OGX_MUST_CHECK
int ogx_spool_iter_next(struct ogx_spool_iter *it, uint64_t *index, const uint8_t **data,
			size_t *len);

/* How the spool ended when ogx_spool_iter_next() last returned 0. */
struct ogx_spool_tail {
	uint64_t index;		/* the index after the last valid record */
	char segment[21];	/* the last segment's file name (16 hex digits, ".seg") */
	uint64_t offset;	/* where in it the last valid frame ends */
	uint64_t bytes;		/* bytes after that which are no frame (0: a clean end) */
	const char *why;	/* why they are not a frame; NULL when bytes is 0 */
	bool has_mark;		/* false: no ack mark (a spool from an older ogx) */
	uint64_t acked;		/* the ack mark read before those bytes (0 without one) */
	uint8_t id[OGX_SPOOL_ID_LEN];	/* the spool's id (zeros without a mark) */
};

/*
 * The tail of the spool as the last ogx_spool_iter_next() that returned 0
 * saw it: bytes > 0 is a torn tail past the ack mark (or a frame a writer is
 * still writing). -EINVAL when the last call did not return 0.
 */
OGX_MUST_CHECK
int ogx_spool_iter_tail(struct ogx_spool_iter *it, struct ogx_spool_tail *t);

/*
 * The spool's id, from its ack mark (read again if there was none at open).
 * -ENOENT when the spool has no mark (written by an older ogx; its next
 * writer open creates one).
 */
OGX_MUST_CHECK
int ogx_spool_iter_id(struct ogx_spool_iter *it, uint8_t id[OGX_SPOOL_ID_LEN]);

/*
 * The ack mark as the iterator last read it (also after an error): the index
 * after the last record acknowledged as durable. -ENOENT without a mark.
 */
OGX_MUST_CHECK
int ogx_spool_iter_acked(struct ogx_spool_iter *it, uint64_t *acked);

void ogx_spool_iter_close(struct ogx_spool_iter *it);

#endif
