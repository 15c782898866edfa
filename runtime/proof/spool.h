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
 * Readers (ogsubmit, ogverify) iterate concurrently without a lock. On open,
 * the writer cuts a torn tail left by a crash and refuses a spool whose
 * accepted records are damaged. Format, recovery rules and the durability
 * guarantee: Documentation/spool.md. A writer handle or an iterator is used
 * by one thread at a time.
 */
#ifndef OGX_PROOF_SPOOL_H
#define OGX_PROOF_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* The largest record, a property of the format: readers rely on it. */
#define OGX_SPOOL_MAX_RECORD (1u << 20)
#define OGX_SPOOL_SEGMENT_SIZE_DEFAULT (64ull << 20)
#define OGX_SPOOL_SEGMENT_SIZE_MIN 4096ull

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
 * set), -EBADMSG (a bad segment header, or a damaged record that is not a
 * torn tail), -ENOTSUP (another format version), -EINVAL (bad opts).
 */
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
int ogx_spool_append(struct ogx_spool *sp, const struct iovec *recs, size_t n,
		     uint64_t *first);

/* Make every record appended so far durable: one fdatasync. */
int ogx_spool_sync(struct ogx_spool *sp);

/* ogx_spool_append() then ogx_spool_sync(). */
int ogx_spool_append_sync(struct ogx_spool *sp, const struct iovec *recs, size_t n,
			  uint64_t *first);

/*
 * Appends whose I/O the caller makes (the server's io_uring loop): plan the
 * frames, write them, fdatasync, and report a failure. The spool's format and
 * recovery are those of ogx_spool_append(); only who calls write(2) changes.
 *
 *	ogx_spool_plan(sp, recs, n, true, &w);	// takes w.n <= n records
 *	pwritev(w.fd, w.iov, w.iovcnt, w.off) == w.bytes, then fdatasync(w.fd)
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
int ogx_spool_plan(struct ogx_spool *sp, const struct iovec *recs, size_t n, bool may_roll,
		   struct ogx_spool_write *w);

/*
 * A planned write or its fdatasync failed (or was short, err -EIO): the
 * handle refuses every further append, as after a failed ogx_spool_append().
 * Returns err with detail naming what.
 */
int ogx_spool_io_failed(struct ogx_spool *sp, int err, const char *what);

/* The index the next appended record will get (= number of records ever appended). */
uint64_t ogx_spool_next_index(const struct ogx_spool *sp);

/* Bytes of torn tail that ogx_spool_open() cut from the last segment (0: none). */
uint64_t ogx_spool_torn_bytes(const struct ogx_spool *sp);

/*
 * The last record (the runtime continues its hash chain from it): its index
 * and a malloc'd copy of its bytes. -ENOENT when the spool has no records.
 * Costs one pread: the position is known from open and every append.
 */
int ogx_spool_last(struct ogx_spool *sp, uint64_t *index, uint8_t **data, size_t *len);

/* ogx_spool_iter_open() flags. */
/*
 * Yield only records that are durable: before yielding a record that no
 * fdatasync is known to cover, fdatasync the segment (from the reader's
 * side). A consumer that acts on records outside this machine (ogsubmit)
 * sets it, so that nothing it sends on can vanish in a power loss.
 */
#define OGX_SPOOL_ITER_DURABLE (1u << 0)

struct ogx_spool_iter;

/*
 * Iterate the records of the spool in dir from index from on. Takes no lock
 * and writes nothing. -ENOENT (with detail) when dir is not a spool, or when
 * from is before its first segment.
 */
int ogx_spool_iter_open(struct ogx_spool_iter **it, const char *dir, uint64_t from,
			unsigned int flags);

/*
 * The next record: returns 1 with its index and bytes (valid until the next
 * call), 0 at the end, or a negative errno (-EBADMSG with detail for a damaged
 * record or segment, a gap between segments, a bad header). The end is the end
 * of the last segment or a torn tail there, which is never yielded; called
 * again after 0, it yields what a writer has appended since.
 */
int ogx_spool_iter_next(struct ogx_spool_iter *it, uint64_t *index, const uint8_t **data,
			size_t *len);

void ogx_spool_iter_close(struct ogx_spool_iter *it);

#endif
