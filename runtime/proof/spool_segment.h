/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the spool: the on-disk format of one segment file (header,
 * frames, checksums) and the scanner that the writer (spool.c, at open) and
 * the readers (spool_iter.c) share, so that both judge a torn tail and a
 * corrupt frame by exactly the same rules. Documentation/spool.md is the
 * format's specification; keep the two in step.
 */
#ifndef OGX_PROOF_SPOOL_SEGMENT_H
#define OGX_PROOF_SPOOL_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define SPOOL_MAGIC "OGXSPOOL"
#define SPOOL_MAGIC_LEN 8
#define SPOOL_VERSION 1
#define SPOOL_HDR_LEN 40	/* magic, version, reserved, first index, checksum */
#define SPOOL_HDR_SUMMED 24	/* header bytes the header checksum covers */
#define SPOOL_LEN_BYTES 4	/* u32 LE payload length in front of each frame */
#define SPOOL_SUM_LEN 16	/* BLAKE2b-128 */
#define SPOOL_FRAME_OVERHEAD (SPOOL_LEN_BYTES + SPOOL_SUM_LEN)
#define SPOOL_NAME_LEN 20	/* 16 hex digits + ".seg" */
#define SPOOL_LOCK_NAME "lock"

/* The format's integers are little-endian. */
static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* "%016" PRIx64 ".seg" for first into name (SPOOL_NAME_LEN + 1 bytes). */
void ogx_spool_seg_name(char name[SPOOL_NAME_LEN + 1], uint64_t first);

/*
 * Open segment first in dirfd with flags (O_RDONLY or O_RDWR), its header
 * checked; its file name into name. -errno with the segment named.
 */
OGX_MUST_CHECK
int ogx_spool_seg_open(int dirfd, uint64_t first, int flags, char name[SPOOL_NAME_LEN + 1],
		   int *fdp);

/* The header of a segment whose first record has index first. */
void ogx_spool_hdr_encode(uint8_t hdr[SPOOL_HDR_LEN], uint64_t first);

/*
 * Check the got bytes read from the start of segment name against the
 * format: -EBADMSG (truncated, bad magic, bad checksum, reserved bits set,
 * first index not the one its name says) or -ENOTSUP (another format
 * version), each with detail naming the segment.
 */
OGX_MUST_CHECK
int ogx_spool_hdr_check(const uint8_t *hdr, size_t got, const char *name, uint64_t want_first);

/* The frame checksum: BLAKE2b-128 over the 4 length bytes and the payload. */
void ogx_spool_frame_sum(uint8_t sum[SPOOL_SUM_LEN], const uint8_t len_le[SPOOL_LEN_BYTES],
		     const void *payload, size_t len);

/*
 * The segments in dirfd, as sorted first indexes (malloc'd array; NULL and
 * 0 when there are none). Names that are not exactly 16 lower-case hex digits
 * and ".seg" are not segments and are ignored.
 */
OGX_MUST_CHECK
int ogx_spool_list_segments(int dirfd, uint64_t **firsts, size_t *n);

/* Buffered pread of one segment's frames. */
struct spool_reader {
	int fd;
	char name[SPOOL_NAME_LEN + 1];
	uint8_t *buf;
	size_t cap;
	uint64_t buf_off;	/* file offset of buf[0] */
	size_t buf_len;		/* bytes valid in buf */
};

OGX_MUST_CHECK
int ogx_spool_reader_init(struct spool_reader *r);
void ogx_spool_reader_free(struct spool_reader *r);
/* Start reading segment fd (not owned) named name; drops buffered bytes. */
void ogx_spool_reader_attach(struct spool_reader *r, int fd, const char *name);

struct spool_frame {
	uint64_t off;		/* where the frame starts */
	uint32_t len;		/* payload length */
	const uint8_t *payload;	/* into the reader's buffer, valid until the next read */
	const char *bad;	/* why the bytes at off are no frame; NULL when valid */
};

enum {
	SPOOL_FRAME_END = 0,	/* end of file exactly at off */
	SPOOL_FRAME_OK = 1,	/* a valid frame at off */
	SPOOL_FRAME_BAD = 2,	/* no valid frame at off (incomplete or failing), f->bad says why */
};

/* Read the frame at off: SPOOL_FRAME_* or a negative errno from the read. */
OGX_MUST_CHECK
int ogx_spool_read_frame(struct spool_reader *r, uint64_t off, struct spool_frame *f);

/*
 * The frame at f->off read bad: is it a torn tail or corruption? Returns
 * SPOOL_FRAME_BAD when no valid frame starts at any byte after it (a torn
 * tail), SPOOL_FRAME_OK (f filled in) when a writer was still writing it while
 * we looked and it is whole now, -EBADMSG with detail naming the segment and
 * both offsets when a valid frame follows it (corruption), or -errno.
 */
OGX_MUST_CHECK
int ogx_spool_judge_bad_frame(struct spool_reader *r, struct spool_frame *f);

/* What a scan of a whole segment found. */
struct spool_scan {
	uint64_t frames;	/* valid frames */
	uint64_t end;		/* offset just past the last valid frame (>= SPOOL_HDR_LEN) */
	uint64_t file_size;	/* bytes in the file when the scan ended */
	uint64_t last_off;	/* offset of the last valid frame, when frames > 0 */
	uint32_t last_len;	/* its payload length */
	bool torn;		/* bytes from end to file_size are a torn tail */
	const char *bad;	/* when torn: why the bytes at end are no frame */
};

/*
 * Scan segment r (its header already checked) from the first frame to the
 * end. A bad frame followed by a valid one is -EBADMSG; a bad frame with
 * nothing valid after it ends the scan with s->torn set.
 */
OGX_MUST_CHECK
int ogx_spool_scan_segment(struct spool_reader *r, struct spool_scan *s);

/* pread exactly len bytes at off: 0, -EIO on a short file, or -errno. */
OGX_MUST_CHECK
int ogx_spool_pread_all(int fd, void *buf, size_t len, uint64_t off);

#endif
