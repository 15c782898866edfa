/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the spool: the ack mark, DIR/acked, a 56-byte file that says
 * up to which index the writer has acknowledged records as durable, and the
 * spool's id. The writer (spool.c) rewrites it in place with one pwrite after
 * every sync that it acknowledges, before the caller reports anything done;
 * recovery and readers (spool_iter.c) use it to tell a torn tail (at or past
 * the mark) from a damaged acknowledged record (before it). Format and rules:
 * Documentation/spool.md, "The ack mark"; keep the two in step.
 */
#ifndef OGX_PROOF_SPOOL_MARK_H
#define OGX_PROOF_SPOOL_MARK_H

#include <stddef.h>
#include <stdint.h>

#include "proof/spool.h"
#include "util/err.h"

#define SPOOL_MARK_NAME "acked"
#define SPOOL_MARK_TMP "acked.tmp"
#define SPOOL_MARK_MAGIC "OGXACKED"
#define SPOOL_MARK_VERSION 1
#define SPOOL_MARK_LEN 56	/* magic, version, reserved, id, acked, checksum */
#define SPOOL_MARK_SUMMED 40	/* bytes the checksum covers */

struct spool_mark {
	uint8_t id[OGX_SPOOL_ID_LEN];	/* made once, when the spool is created */
	uint64_t acked;			/* the index after the last acknowledged record */
};

void ogx_spool_mark_encode(uint8_t buf[SPOOL_MARK_LEN], const struct spool_mark *m);

/*
 * Check got bytes read from the mark file against the format: -EBADMSG (a
 * wrong size, bad magic, checksum mismatch, reserved field set) or -ENOTSUP
 * (another version), with detail naming the file.
 */
OGX_MUST_CHECK
int ogx_spool_mark_decode(const uint8_t *buf, size_t got, struct spool_mark *m);

/* Open DIR/acked with flags: -ENOENT (no detail) when there is none. */
OGX_MUST_CHECK
int ogx_spool_mark_open(int dirfd, int flags, int *fdp);

/* Read and check the mark in fd. */
OGX_MUST_CHECK
int ogx_spool_mark_read(int fd, struct spool_mark *m);

/* Rewrite the mark in fd in place: one pwrite, no sync. */
OGX_MUST_CHECK
int ogx_spool_mark_write(int fd, const struct spool_mark *m);

/*
 * Create DIR/acked holding m durably, as segments are created (a temporary
 * file, fsync, rename without replacing, fsync of the directory); an O_RDWR
 * descriptor of it into *fdp.
 */
OGX_MUST_CHECK
int ogx_spool_mark_create(int dirfd, const struct spool_mark *m, int *fdp);

#endif
