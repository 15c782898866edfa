/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the spool's writer: the handle that spool_open.c (the lock,
 * recovery, the ack mark at open) fills in and spool.c (appends, group
 * commit, rolls, acknowledgements) writes through.
 */
#ifndef OGX_PROOF_SPOOL_WRITER_H
#define OGX_PROOF_SPOOL_WRITER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "proof/spool.h"
#include "proof/spool_segment.h"
#include "util/err.h"

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
	uint8_t *torn_record;	/* the first cut frame's payload, when it was whole */
	size_t torn_record_len;
	/* The ack mark, DIR/acked: records before index acked were acknowledged. */
	int markfd;
	uint64_t acked;
	uint8_t id[OGX_SPOOL_ID_LEN];	/* the spool's id, from the mark */
	bool planned;		/* ogx_spool_plan() was used: its caller acknowledges */
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

/* Fail the handle for good with err, detail naming what. Returns err. */
int ogx_spool_failed(struct ogx_spool *sp, int err, const char *what);

/* Create the segment for records from first on, durably; its fd into *fdp. */
OGX_MUST_CHECK
int ogx_spool_create_segment(struct ogx_spool *sp, uint64_t first, int *fdp);

/* Rewrite the ack mark to acked (one pwrite); a failure fails the handle. */
OGX_MUST_CHECK
int ogx_spool_write_mark(struct ogx_spool *sp, uint64_t acked);

#endif
