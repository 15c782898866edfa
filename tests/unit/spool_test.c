// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the proof spool (runtime/proof/spool.*): roundtrips across
 * segment rolls, reopening, every shape of torn tail, corruption, the writer
 * lock, limits, bad headers, a sticky I/O error, the ack mark (damage to
 * acknowledged records refused, never cut; legacy spools; bad mark files;
 * the plan path), readers' tails and ids, and the crash test: a child
 * appending in a loop is killed with SIGKILL 50 times and every record it was
 * told is durable must come back byte for byte, under the mark.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "kselftest_harness.h"
#include "proof/spool.h"
#include "proof/spool_mark.h"
#include "proof/spool_segment.h"
#include "util/err.h"

/* Record i's bytes are a function of i alone, so any record can be checked. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * Mostly record-sized (1..3000 bytes), one in eight large enough to span
 * pages, so that a SIGKILL can land in the middle of writing one.
 */
static size_t rec_len(uint64_t i)
{
	uint64_t h = mix(2 * i + 1);

	if (h % 8 == 0)
		return 20000 + (h >> 8) % 40000;
	return 1 + (h >> 8) % 3000;
}

/* Cheap to make (one multiply-add per 8 bytes), distinct for every index. */
static void rec_fill(uint64_t i, uint8_t *buf, size_t len)
{
	uint64_t s = mix(i ^ 0x5bd1e9955bd1e995ull), step = mix(i) | 1;
	size_t k = 0;

	for (; k + 8 <= len; k += 8, s += step)
		memcpy(buf + k, &s, 8);
	for (; k < len; k++)
		buf[k] = (uint8_t)(s >> (8 * (k % 8)));
}

/* Append records from..from+n-1 as one batch; 0 when they got those indexes. */
static int append_range(struct ogx_spool *sp, uint64_t from, size_t n, int sync)
{
	struct iovec *iov = calloc(n, sizeof(*iov));
	uint64_t first = ~0ull;
	int err = iov ? 0 : -ENOMEM;

	for (size_t k = 0; k < n && !err; k++) {
		iov[k].iov_len = rec_len(from + k);
		iov[k].iov_base = malloc(iov[k].iov_len);
		if (!iov[k].iov_base)
			err = -ENOMEM;
		else
			rec_fill(from + k, iov[k].iov_base, iov[k].iov_len);
	}
	if (!err)
		err = sync ? ogx_spool_append_sync(sp, iov, n, &first)
			   : ogx_spool_append(sp, iov, n, &first);
	if (!err && first != from)
		err = -EDOM;
	for (size_t k = 0; iov && k < n; k++)
		free(iov[k].iov_base);
	free(iov);
	return err;
}

static int rec_matches(uint64_t i, const uint8_t *data, size_t len)
{
	uint8_t *want;
	int ok;

	if (len != rec_len(i))
		return 0;
	want = malloc(len);
	if (!want)
		return 0;
	rec_fill(i, want, len);
	ok = !memcmp(want, data, len);
	free(want);
	return ok;
}

/*
 * Iterate dir from index from: 0 when exactly the records from..end-1 come
 * back, byte-exact, and then the end; otherwise the iterator's error, or
 * 1 + the index where what came back was wrong.
 */
static long long check_range(const char *dir, uint64_t from, uint64_t end, unsigned int flags)
{
	struct ogx_spool_iter *it;
	const uint8_t *data;
	uint64_t idx, want = from;
	size_t len;
	int rc;

	rc = ogx_spool_iter_open(&it, dir, from, flags);
	if (rc)
		return rc;
	while ((rc = ogx_spool_iter_next(it, &idx, &data, &len)) == 1) {
		if (idx != want || want >= end || !rec_matches(idx, data, len)) {
			fprintf(stderr, "# record %" PRIu64 " (want %" PRIu64 ") wrong\n", idx,
				want);
			ogx_spool_iter_close(it);
			return 1 + (long long)want;
		}
		want++;
	}
	ogx_spool_iter_close(it);
	if (rc < 0)
		return rc;
	return want == end ? 0 : 1 + (long long)want;
}

/* How many records a reader finds from index 0 on (all byte-exact), or < 0. */
static long long count_records(const char *dir)
{
	struct ogx_spool_iter *it;
	const uint8_t *data;
	long long n = 0;
	uint64_t idx;
	size_t len;
	int rc;

	rc = ogx_spool_iter_open(&it, dir, 0, 0);
	if (rc)
		return rc;
	while ((rc = ogx_spool_iter_next(it, &idx, &data, &len)) == 1) {
		if (idx != (uint64_t)n || !rec_matches(idx, data, len)) {
			rc = -EDOM;
			break;
		}
		n++;
	}
	ogx_spool_iter_close(it);
	return rc < 0 ? rc : n;
}

static uint64_t frame_off(uint64_t k)
{
	uint64_t off = SPOOL_HDR_LEN;

	for (uint64_t j = 0; j < k; j++)
		off += SPOOL_FRAME_OVERHEAD + rec_len(j);
	return off;
}

static void seg_path(char *out, size_t size, const char *dir, uint64_t first)
{
	char name[SPOOL_NAME_LEN + 1];

	ogx_spool_seg_name(name, first);
	snprintf(out, size, "%s/%s", dir, name);
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

static int write_at(const char *path, off_t off, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (pwrite(fd, data, len, off) != (ssize_t)len)
		err = -EIO;
	close(fd);
	return err;
}

static int create_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		err = -EIO;
	close(fd);
	return err;
}

static int flip_byte(const char *path, off_t off)
{
	int fd = open(path, O_RDWR);
	uint8_t b;
	int err = 0;

	if (fd < 0)
		return -errno;
	if (pread(fd, &b, 1, off) != 1)
		err = -EIO;
	b ^= 0x01;
	if (!err && pwrite(fd, &b, 1, off) != 1)
		err = -EIO;
	close(fd);
	return err;
}

/* The spool's segments, as their first indexes (at most max of them). */
static size_t list_segments(const char *dir, uint64_t *out, size_t max)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	uint64_t *firsts = NULL;
	size_t n = 0;

	if (dfd < 0)
		return 0;
	if (ogx_spool_list_segments(dfd, &firsts, &n))
		n = 0;
	close(dfd);
	if (n > max)
		n = max;
	memcpy(out, firsts, n * sizeof(*out));
	free(firsts);
	return n;
}

static int count_segments(const char *dir)
{
	char cmd[256];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls %s | grep -c '^[0-9a-f]\\{16\\}\\.seg$'", dir);
	f = popen(cmd, "r");
	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		pclose(f);
	}
	return n;
}

/* DIR/acked, the ack mark. */
static void mark_path(char *out, size_t size, const char *dir)
{
	snprintf(out, size, "%s/%s", dir, SPOOL_MARK_NAME);
}

static int unlink_mark(const char *dir)
{
	char path[160];

	mark_path(path, sizeof(path), dir);
	return unlink(path) ? -errno : 0;
}

/* The mark as the file holds it, read and checked; -errno if none or bad. */
static int read_mark_file(const char *dir, struct spool_mark *m)
{
	char path[160];
	int fd, err;

	mark_path(path, sizeof(path), dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	err = ogx_spool_mark_read(fd, m);
	close(fd);
	return err;
}

/* The whole of a file (malloc'd), to compare before and after; NULL if none. */
static uint8_t *slurp(const char *path, size_t *len)
{
	off_t size = file_size(path);
	uint8_t *buf;
	int fd;

	if (size < 0)
		return NULL;
	buf = malloc((size_t)size + 1);
	fd = open(path, O_RDONLY);
	if (!buf || fd < 0 || ogx_spool_pread_all(fd, buf, (size_t)size, 0)) {
		free(buf);
		buf = NULL;
	}
	if (fd >= 0)
		close(fd);
	*len = (size_t)size;
	return buf;
}

/* 1 when path holds exactly len bytes of want. */
static int same_file(const char *path, const uint8_t *want, size_t len)
{
	size_t got_len;
	uint8_t *got = slurp(path, &got_len);
	int same = got && got_len == len && !memcmp(got, want, len);

	free(got);
	return same;
}

/* A reader's message for a bad frame below the ack mark. */
static const char *mark_damage_msg(uint64_t seg, uint64_t index, uint64_t off, const char *why,
				   uint64_t acked)
{
	static char msg[300];

	snprintf(msg, sizeof(msg), "segment %016" PRIx64 ".seg: record at index %" PRIu64
		 " (offset %" PRIu64 ") is damaged (%s), but the ack mark says records up to"
		 " index %" PRIu64 " were acknowledged: corruption, not a torn tail", seg, index,
		 off, why, acked - 1);
	return msg;
}

FIXTURE(spool) {
	char tmp[64];
	char dir[96];
};

FIXTURE_SETUP(spool)
{
	strcpy(self->tmp, "/tmp/ogx-spool-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->tmp));
	snprintf(self->dir, sizeof(self->dir), "%s/spool", self->tmp);
}

FIXTURE_TEARDOWN(spool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->tmp);
	ASSERT_EQ(0, system(cmd));
}

TEST_F(spool, roundtrip_across_segment_rolls)
{
	struct ogx_spool_opts opts = { .segment_size = 65536 };
	struct ogx_spool *sp;
	uint64_t next = 0, idx;
	uint8_t *data;
	size_t len;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, &opts));
	ASSERT_EQ(0, ogx_spool_next_index(sp));
	while (next < 600) {
		size_t n = 1 + mix(next) % 24;

		ASSERT_EQ(0, append_range(sp, next, n, next % 3 == 0));
		next += n;
	}
	ASSERT_EQ(0, ogx_spool_sync(sp));
	ASSERT_EQ(next, ogx_spool_next_index(sp));
	ASSERT_GT(count_segments(self->dir), 20);
	ASSERT_EQ(0, check_range(self->dir, 0, next, 0));
	ASSERT_EQ(0, check_range(self->dir, 123, next, 0));
	ASSERT_EQ(0, check_range(self->dir, next - 1, next, OGX_SPOOL_ITER_DURABLE));
	ASSERT_EQ(0, check_range(self->dir, next + 5, next + 5, 0));
	ASSERT_EQ(0, ogx_spool_last(sp, &idx, &data, &len));
	ASSERT_EQ(next - 1, idx);
	ASSERT_TRUE(rec_matches(idx, data, len));
	free(data);
	ogx_spool_close(sp);
}

TEST_F(spool, reopen_and_continue)
{
	struct ogx_spool_opts opts = { .segment_size = 8192 };
	struct ogx_spool *sp;
	uint8_t *data;
	uint64_t idx;
	size_t len;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, &opts));
	ASSERT_EQ(-ENOENT, ogx_spool_last(sp, &idx, &data, &len));
	ASSERT_STREQ("the spool has no records", ogx_errmsg(-ENOENT));
	ASSERT_EQ(0, append_range(sp, 0, 40, 1));
	ogx_spool_close(sp);
	for (uint64_t round = 1; round <= 5; round++) {
		ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, &opts));
		ASSERT_EQ(40 * round, ogx_spool_next_index(sp));
		ASSERT_EQ(0, ogx_spool_torn_bytes(sp));
		ASSERT_EQ(0, ogx_spool_last(sp, &idx, &data, &len));
		ASSERT_EQ(40 * round - 1, idx);
		ASSERT_TRUE(rec_matches(idx, data, len));
		free(data);
		ASSERT_EQ(0, append_range(sp, 40 * round, 40, 1));
		ogx_spool_close(sp);
	}
	ASSERT_EQ(0, check_range(self->dir, 0, 240, 0));
}

/*
 * A crash right after a roll leaves a last segment with a header and no
 * record: the last record is then the previous segment's last.
 */
TEST_F(spool, reopen_with_empty_last_segment)
{
	uint8_t hdr[SPOOL_HDR_LEN], *data;
	struct ogx_spool *sp;
	char path[160];
	uint64_t idx;
	size_t len;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(0, append_range(sp, 0, 7, 1));
	ogx_spool_close(sp);
	ogx_spool_hdr_encode(hdr, 7);
	seg_path(path, sizeof(path), self->dir, 7);
	ASSERT_EQ(0, create_file(path, hdr, sizeof(hdr)));
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(7, ogx_spool_next_index(sp));
	ASSERT_EQ(0, ogx_spool_last(sp, &idx, &data, &len));
	ASSERT_EQ(6, idx);
	ASSERT_TRUE(rec_matches(6, data, len));
	free(data);
	ASSERT_EQ(0, check_range(self->dir, 0, 7, 0));
	ASSERT_EQ(0, append_range(sp, 7, 3, 1));
	ASSERT_EQ(0, ogx_spool_last(sp, &idx, &data, &len));
	ASSERT_EQ(9, idx);
	free(data);
	ogx_spool_close(sp);
	ASSERT_EQ(0, check_range(self->dir, 0, 10, 0));
	ASSERT_EQ(SPOOL_HDR_LEN + SPOOL_FRAME_OVERHEAD * 3 + rec_len(7) + rec_len(8) +
		  rec_len(9), file_size(path));
}

/*
 * Read dir to its end; 0 with the tail that ogx_spool_iter_tail() reports,
 * or the iterator's error.
 */
static int read_tail(const char *dir, struct ogx_spool_tail *t)
{
	struct ogx_spool_iter *it;
	const uint8_t *data;
	uint64_t idx;
	size_t len;
	int rc;

	rc = ogx_spool_iter_open(&it, dir, 0, OGX_SPOOL_ITER_FROM_FIRST);
	if (rc)
		return rc;
	while ((rc = ogx_spool_iter_next(it, &idx, &data, &len)) == 1)
		;
	if (!rc)
		rc = ogx_spool_iter_tail(it, t);
	ogx_spool_iter_close(it);
	return rc;
}

/*
 * Ten records, the first acked of them synced (acknowledged) and the rest
 * appended without a sync, then the segment's end is damaged by tail
 * (appended) and/or a flipped byte at flip, past the ack mark: readers must
 * stop before the damage and describe it as the tail, open must cut exactly
 * cut bytes, keep keep records, raise the mark over them and continue.
 */
static void torn_tail_case(struct __test_metadata *_metadata, const char *dir, uint64_t acked,
			   const uint8_t *tail, size_t tail_len, off_t flip, uint64_t keep,
			   uint64_t cut)
{
	struct ogx_spool_tail t;
	struct ogx_spool *sp;
	char path[160];

	ASSERT_EQ(0, ogx_spool_open(&sp, dir, NULL));
	ASSERT_EQ(0, append_range(sp, 0, acked, 1));
	if (acked < 10)
		ASSERT_EQ(0, append_range(sp, acked, 10 - acked, 0));
	ASSERT_EQ(acked, ogx_spool_acked(sp));
	ogx_spool_close(sp);
	seg_path(path, sizeof(path), dir, 0);
	ASSERT_EQ(frame_off(10), file_size(path));
	if (tail_len)
		ASSERT_EQ(0, write_at(path, file_size(path), tail, tail_len));
	if (flip)
		ASSERT_EQ(0, flip_byte(path, flip));
	/* A reader stops at the torn tail without yielding it or failing. */
	ASSERT_EQ(0, check_range(dir, 0, keep, 0));
	ASSERT_EQ(0, read_tail(dir, &t));
	ASSERT_EQ(keep, t.index);
	ASSERT_STREQ("0000000000000000.seg", t.segment);
	ASSERT_EQ(frame_off(keep), t.offset);
	ASSERT_EQ(cut, t.bytes);
	ASSERT_NE(NULL, t.why);
	ASSERT_TRUE(t.has_mark);
	ASSERT_EQ(acked, t.acked);
	ASSERT_EQ(0, ogx_spool_open(&sp, dir, NULL));
	ASSERT_EQ(cut, ogx_spool_torn_bytes(sp));
	ASSERT_EQ(frame_off(keep), file_size(path));
	ASSERT_EQ(keep, ogx_spool_next_index(sp));
	ASSERT_EQ(keep, ogx_spool_acked(sp));
	ASSERT_EQ(0, append_range(sp, keep, 5, 1));
	ogx_spool_close(sp);
	ASSERT_EQ(0, check_range(dir, 0, keep + 5, 0));
	ASSERT_EQ(0, ogx_spool_open(&sp, dir, NULL));
	ASSERT_EQ(0, ogx_spool_torn_bytes(sp));
	ogx_spool_close(sp);
}

/*
 * The C writer produces tests/vectors/spool-0000000000000000.seg byte for
 * byte (tests/e2e/spool-independent.t builds the same file with Python's
 * BLAKE2b from Documentation/spool.md), and the C reader reads it.
 */
TEST_F(spool, golden_segment)
{
	uint8_t rec3[256], want[512], got[512];
	struct iovec iov[3] = { { "hello", 5 }, { "world!", 6 }, { rec3, sizeof(rec3) } };
	struct ogx_spool_iter *it;
	struct ogx_spool *sp;
	char path[256], golden[256];
	const uint8_t *data;
	uint64_t first, idx;
	ssize_t nwant, ngot;
	size_t len;
	int fd;

	for (int i = 0; i < 256; i++)
		rec3[i] = (uint8_t)i;
	snprintf(golden, sizeof(golden), "%s/tests/vectors/spool-0000000000000000.seg",
		 getenv("OGX_SRC") ?: ".");
	fd = open(golden, O_RDONLY);
	ASSERT_LE(0, fd);
	nwant = read(fd, want, sizeof(want));
	close(fd);
	ASSERT_EQ(367, nwant);
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(0, ogx_spool_append_sync(sp, iov, 3, &first));
	ASSERT_EQ(0, first);
	ogx_spool_close(sp);
	seg_path(path, sizeof(path), self->dir, 0);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	ngot = read(fd, got, sizeof(got));
	close(fd);
	ASSERT_EQ(nwant, ngot);
	ASSERT_EQ(0, memcmp(want, got, (size_t)nwant));
	ASSERT_EQ(0, ogx_spool_iter_open(&it, self->dir, 0, 0));
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(1, ogx_spool_iter_next(it, &idx, &data, &len));
		ASSERT_EQ(i, idx);
		ASSERT_EQ(iov[i].iov_len, len);
		ASSERT_EQ(0, memcmp(iov[i].iov_base, data, len));
	}
	ASSERT_EQ(0, ogx_spool_iter_next(it, &idx, &data, &len));
	ogx_spool_iter_close(it);
}

/* The writer's checks of the segment before an empty last one. */
TEST_F(spool, empty_last_segment_checks_previous)
{
	uint8_t hdr[SPOOL_HDR_LEN];
	struct ogx_spool *sp;
	char path[160], path0[160], msg[256];

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(0, append_range(sp, 0, 7, 1));
	ogx_spool_close(sp);
	/* An empty segment claiming index 9 after records 0-6: a gap. */
	ogx_spool_hdr_encode(hdr, 9);
	seg_path(path, sizeof(path), self->dir, 9);
	ASSERT_EQ(0, create_file(path, hdr, sizeof(hdr)));
	ASSERT_EQ(-EBADMSG, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_STREQ("segment 0000000000000000.seg ends before index 7, but the next segment"
		     " starts at 9 (records missing)", ogx_errmsg(-EBADMSG));
	ASSERT_EQ(0, unlink(path));
	/* The segment before was synced whole: a bad last frame is corruption. */
	ogx_spool_hdr_encode(hdr, 7);
	seg_path(path, sizeof(path), self->dir, 7);
	ASSERT_EQ(0, create_file(path, hdr, sizeof(hdr)));
	seg_path(path0, sizeof(path0), self->dir, 0);
	ASSERT_EQ(0, flip_byte(path0, file_size(path0) - 1));
	snprintf(msg, sizeof(msg), "segment 0000000000000000.seg: bad frame at offset %" PRIu64
		 " in a segment that is not the last: corruption", frame_off(6));
	ASSERT_EQ(-EBADMSG, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
	ASSERT_EQ(frame_off(7), file_size(path0));
}

/* Record 10's whole frame, as the writer would have written it. */
static size_t frame_bytes(uint8_t *out, uint64_t i)
{
	uint32_t len = (uint32_t)rec_len(i);

	out[0] = len;
	out[1] = len >> 8;
	out[2] = len >> 16;
	out[3] = len >> 24;
	rec_fill(i, out + SPOOL_LEN_BYTES, len);
	ogx_spool_frame_sum(out + SPOOL_LEN_BYTES + len, out, out + SPOOL_LEN_BYTES, len);
	return SPOOL_FRAME_OVERHEAD + len;
}

TEST_F(spool, torn_partial_length)
{
	static const uint8_t tail[] = { 0x10, 0x00 };

	torn_tail_case(_metadata, self->dir, 10, tail, sizeof(tail), 0, 10, 2);
}

TEST_F(spool, torn_partial_payload)
{
	uint8_t tail[54] = { 100, 0, 0, 0 };

	memset(tail + 4, 0xa5, 50);
	torn_tail_case(_metadata, self->dir, 10, tail, sizeof(tail), 0, 10, 54);
}

TEST_F(spool, torn_partial_checksum)
{
	static uint8_t frame[SPOOL_FRAME_OVERHEAD + 65536];
	size_t n = frame_bytes(frame, 10);

	torn_tail_case(_metadata, self->dir, 10, frame, n - 5, 0, 10, n - 5);
}

TEST_F(spool, torn_zero_filled_tail)
{
	static const uint8_t zeros[4096];

	torn_tail_case(_metadata, self->dir, 10, zeros, sizeof(zeros), 0, 10, 4096);
}

TEST_F(spool, torn_checksum_mismatch_at_end)
{
	static uint8_t frame[SPOOL_FRAME_OVERHEAD + 65536];
	size_t n = frame_bytes(frame, 10);

	frame[SPOOL_LEN_BYTES] ^= 0x40;	/* the first payload byte */
	torn_tail_case(_metadata, self->dir, 10, frame, n, 0, 10, n);
}

/*
 * The last frame in the file, never acknowledged (appended, no sync), fails
 * its checksum and reaches the end: cut. (Acknowledged, it is refused:
 * ack_damage_last_frame_checksum.)
 */
TEST_F(spool, torn_last_frame_bad_checksum)
{
	torn_tail_case(_metadata, self->dir, 9, NULL, 0, (off_t)frame_off(10) - 1, 9,
		       SPOOL_FRAME_OVERHEAD + rec_len(9));
}

/* Zeros after a torn frame: still one torn tail, cut from the frame on. */
TEST_F(spool, torn_frame_then_zeros)
{
	static uint8_t tail[SPOOL_FRAME_OVERHEAD + 65536 + 8192];
	size_t n = frame_bytes(tail, 10) - 7;

	memset(tail + n, 0, 8192);
	torn_tail_case(_metadata, self->dir, 10, tail, n + 8192, 0, 10, n + 8192);
}

TEST_F(spool, midfile_corruption_is_refused)
{
	struct ogx_spool *sp;
	char path[160], msg[256];
	off_t size;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(0, append_range(sp, 0, 10, 1));
	ogx_spool_close(sp);
	seg_path(path, sizeof(path), self->dir, 0);
	size = file_size(path);
	ASSERT_EQ(0, flip_byte(path, (off_t)frame_off(3) + SPOOL_LEN_BYTES));
	snprintf(msg, sizeof(msg), "segment 0000000000000000.seg: bad frame at offset %" PRIu64
		 " (checksum mismatch), yet a valid frame follows at offset %" PRIu64
		 ": corruption, not a torn tail", frame_off(3), frame_off(4));
	ASSERT_EQ(-EBADMSG, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
	ASSERT_EQ(size, file_size(path));
	/*
	 * Readers get the records before the damage, then an error: the ack
	 * mark says the record was acknowledged, which settles it at once;
	 * without a mark, the valid frame after it does.
	 */
	ASSERT_EQ(-EBADMSG, check_range(self->dir, 0, 3, 0));
	ASSERT_STREQ(mark_damage_msg(0, 3, frame_off(3), "checksum mismatch", 10),
		     ogx_errmsg(-EBADMSG));
	ASSERT_EQ(0, unlink_mark(self->dir));
	ASSERT_EQ(-EBADMSG, check_range(self->dir, 0, 3, 0));
	ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
}

TEST_F(spool, midfile_bad_length_is_refused)
{
	static const uint8_t huge[4] = { 0xff, 0xff, 0xff, 0xff };
	struct ogx_spool *sp;
	char path[160], msg[256];

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(0, append_range(sp, 0, 10, 1));
	ogx_spool_close(sp);
	seg_path(path, sizeof(path), self->dir, 0);
	ASSERT_EQ(0, write_at(path, (off_t)frame_off(5), huge, sizeof(huge)));
	snprintf(msg, sizeof(msg), "segment 0000000000000000.seg: bad frame at offset %" PRIu64
		 " (length out of range), yet a valid frame follows at offset %" PRIu64
		 ": corruption, not a torn tail", frame_off(5), frame_off(6));
	ASSERT_EQ(-EBADMSG, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
}

/*
 * A segment that is not the last was synced whole before the next was
 * created, so even a bad frame at its very end is corruption.
 */
TEST_F(spool, corruption_in_earlier_segment)
{
	struct ogx_spool_opts opts = { .segment_size = 8192 };
	struct ogx_spool *sp;
	char path[160], msg[256];
	uint64_t segs[4];

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, &opts));
	ASSERT_EQ(0, append_range(sp, 0, 40, 1));
	ogx_spool_close(sp);
	ASSERT_EQ(4, list_segments(self->dir, segs, 4));
	ASSERT_EQ(0, check_range(self->dir, 0, 40, 0));
	seg_path(path, sizeof(path), self->dir, 0);
	ASSERT_EQ(0, flip_byte(path, file_size(path) - 1));
	ASSERT_EQ(-EBADMSG, check_range(self->dir, 0, segs[1] - 1, 0));
	ASSERT_STREQ(mark_damage_msg(0, segs[1] - 1, frame_off(segs[1] - 1),
				     "checksum mismatch", 40), ogx_errmsg(-EBADMSG));
	/* Without the mark (or past it), the successor settles it. */
	ASSERT_EQ(0, unlink_mark(self->dir));
	snprintf(msg, sizeof(msg), "segment 0000000000000000.seg: bad frame at offset %" PRIu64
		 " (checksum mismatch) in a segment that is not the last: corruption",
		 frame_off(segs[1] - 1));
	ASSERT_EQ(-EBADMSG, check_range(self->dir, 0, segs[1] - 1, 0));
	ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
}

TEST_F(spool, missing_segment_is_a_gap)
{
	struct ogx_spool_opts opts = { .segment_size = 8192 };
	struct ogx_spool *sp;
	char path[160], msg[256];
	uint64_t segs[4];

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, &opts));
	ASSERT_EQ(0, append_range(sp, 0, 40, 1));
	ogx_spool_close(sp);
	ASSERT_EQ(4, list_segments(self->dir, segs, 4));
	seg_path(path, sizeof(path), self->dir, segs[1]);
	ASSERT_EQ(0, unlink(path));
	snprintf(msg, sizeof(msg), "segment 0000000000000000.seg ends before index %" PRIu64
		 ", but the next segment is %016" PRIx64 ".seg (records missing)", segs[1],
		 segs[2]);
	ASSERT_EQ(-EBADMSG, check_range(self->dir, 0, segs[1], 0));
	ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
}

TEST_F(spool, writer_lock)
{
	struct ogx_spool *sp, *sp2;
	struct ogx_spool_opts wait = { .flags = OGX_SPOOL_WAIT };
	struct pollfd pfd;
	int p[2], go[2], status;
	pid_t pid;
	char c;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(-EBUSY, ogx_spool_open(&sp2, self->dir, NULL));
	ASSERT_STREQ("locked by another writer (another process has the spool open for"
		     " appending)", ogx_errmsg(-EBUSY));
	/* Readers need no lock. */
	ASSERT_EQ(0, append_range(sp, 0, 3, 1));
	ASSERT_EQ(0, check_range(self->dir, 0, 3, 0));
	ogx_spool_close(sp);
	/*
	 * With OGX_SPOOL_WAIT a second writer waits until the first is gone.
	 * The lock belongs to the open file, which a fork shares: the child
	 * is forked first and told when the parent holds the lock.
	 */
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(p[0]);
		close(go[1]);
		if (read(go[0], &c, 1) != 1 || ogx_spool_open(&sp2, self->dir, &wait))
			_exit(1);
		c = (char)('0' + ogx_spool_next_index(sp2));
		_exit(write(p[1], &c, 1) == 1 && !append_range(sp2, 3, 2, 1) ? 0 : 2);
	}
	close(p[1]);
	close(go[0]);
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	ASSERT_EQ(0, poll(&pfd, 1, 200));	/* still waiting for the lock */
	ogx_spool_close(sp);
	ASSERT_EQ(1, read(p[0], &c, 1));
	ASSERT_EQ('3', c);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	close(p[0]);
	ASSERT_EQ(0, check_range(self->dir, 0, 5, 0));
}

TEST_F(spool, record_size_limits)
{
	struct ogx_spool_opts opts = { .segment_size = 4096 };
	uint8_t *big = calloc(1, OGX_SPOOL_MAX_RECORD + 1);
	struct ogx_spool *sp;
	struct iovec iov[2];
	const uint8_t *data;
	struct ogx_spool_iter *it;
	char path[160];
	uint64_t first, idx;
	size_t len;

	ASSERT_NE(NULL, big);
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, &opts));
	iov[0] = (struct iovec){ "small", 5 };
	iov[1] = (struct iovec){ big, OGX_SPOOL_MAX_RECORD + 1 };
	ASSERT_EQ(-EMSGSIZE, ogx_spool_append(sp, iov, 2, &first));
	ASSERT_STREQ("record 1 of the batch is 1048577 bytes (the limit is 1048576)",
		     ogx_errmsg(-EMSGSIZE));
	iov[1].iov_len = 0;
	ASSERT_EQ(-EINVAL, ogx_spool_append(sp, iov, 2, &first));
	ASSERT_STREQ("record 1 of the batch is empty", ogx_errmsg(-EINVAL));
	/* Nothing of a refused batch is written. */
	ASSERT_EQ(0, ogx_spool_next_index(sp));
	seg_path(path, sizeof(path), self->dir, 0);
	ASSERT_EQ(SPOOL_HDR_LEN, file_size(path));
	/* The largest record fits, alone in a segment bigger than the limit. */
	memset(big, 0x5a, OGX_SPOOL_MAX_RECORD);
	iov[1].iov_len = OGX_SPOOL_MAX_RECORD;
	ASSERT_EQ(0, ogx_spool_append_sync(sp, iov, 2, &first));
	ASSERT_EQ(0, first);
	ASSERT_EQ(0, ogx_spool_append_sync(sp, iov, 1, &first));
	ASSERT_EQ(2, first);
	ogx_spool_close(sp);
	ASSERT_EQ(3, count_segments(self->dir));
	ASSERT_EQ(0, ogx_spool_iter_open(&it, self->dir, 1, 0));
	ASSERT_EQ(1, ogx_spool_iter_next(it, &idx, &data, &len));
	ASSERT_EQ(1, idx);
	ASSERT_EQ(OGX_SPOOL_MAX_RECORD, len);
	ASSERT_EQ(0, memcmp(big, data, len));
	ASSERT_EQ(1, ogx_spool_iter_next(it, &idx, &data, &len));
	ASSERT_EQ(2, idx);
	ASSERT_EQ(5, len);
	ASSERT_EQ(0, ogx_spool_iter_next(it, &idx, &data, &len));
	ogx_spool_iter_close(it);
	free(big);
}

TEST_F(spool, bad_options)
{
	struct ogx_spool_opts small = { .segment_size = 100 }, flags = { .flags = 0x80 };
	struct ogx_spool_iter *it;
	struct ogx_spool *sp;

	ASSERT_EQ(-EINVAL, ogx_spool_open(&sp, self->dir, &small));
	ASSERT_STREQ("segment size 100 is below the minimum 4096", ogx_errmsg(-EINVAL));
	ASSERT_EQ(-EINVAL, ogx_spool_open(&sp, self->dir, &flags));
	ASSERT_STREQ("unknown flags 0x80", ogx_errmsg(-EINVAL));
	ASSERT_EQ(-EINVAL, ogx_spool_iter_open(&it, self->dir, 0, 0x80));
	ASSERT_STREQ("unknown flags 0x80", ogx_errmsg(-EINVAL));
	ASSERT_EQ(-ENOENT, ogx_spool_iter_open(&it, self->dir, 0, 0));
}

/* Damage the header of a three-record spool, expect err with msg from open and readers. */
static void bad_header_case(struct __test_metadata *_metadata, const char *dir,
			    const uint8_t *hdr, size_t len, int err, const char *msg)
{
	struct ogx_spool_iter *it;
	struct ogx_spool *sp;
	char path[160];

	ASSERT_EQ(0, ogx_spool_open(&sp, dir, NULL));
	ASSERT_EQ(0, append_range(sp, 0, 3, 1));
	ogx_spool_close(sp);
	seg_path(path, sizeof(path), dir, 0);
	if (len < SPOOL_HDR_LEN) {
		ASSERT_EQ(0, truncate(path, (off_t)len));
	} else {
		ASSERT_EQ(0, write_at(path, 0, hdr, SPOOL_HDR_LEN));
	}
	ASSERT_EQ(err, ogx_spool_open(&sp, dir, NULL));
	ASSERT_STREQ(msg, ogx_errmsg(err));
	ASSERT_EQ(err, ogx_spool_iter_open(&it, dir, 0, 0));
	ASSERT_STREQ(msg, ogx_errmsg(err));
}

TEST_F(spool, bad_header_magic)
{
	uint8_t hdr[SPOOL_HDR_LEN];

	ogx_spool_hdr_encode(hdr, 0);
	hdr[0] = 'X';
	bad_header_case(_metadata, self->dir, hdr, sizeof(hdr), -EBADMSG,
			"segment 0000000000000000.seg: bad magic (not a spool segment)");
}

TEST_F(spool, bad_header_version)
{
	uint8_t hdr[SPOOL_HDR_LEN];

	ogx_spool_hdr_encode(hdr, 0);
	hdr[8] = 2;
	bad_header_case(_metadata, self->dir, hdr, sizeof(hdr), -ENOTSUP,
			"segment 0000000000000000.seg: format version 2 (this build reads"
			" version 1)");
}

TEST_F(spool, bad_header_checksum)
{
	uint8_t hdr[SPOOL_HDR_LEN];

	ogx_spool_hdr_encode(hdr, 0);
	hdr[16] = 1;
	bad_header_case(_metadata, self->dir, hdr, sizeof(hdr), -EBADMSG,
			"segment 0000000000000000.seg: header checksum mismatch");
}

TEST_F(spool, bad_header_reserved)
{
	uint8_t hdr[SPOOL_HDR_LEN];

	ogx_spool_hdr_encode(hdr, 0);
	hdr[12] = 1;
	crypto_generichash(hdr + SPOOL_HDR_SUMMED, SPOOL_SUM_LEN, hdr, SPOOL_HDR_SUMMED, NULL, 0);
	bad_header_case(_metadata, self->dir, hdr, sizeof(hdr), -EBADMSG,
			"segment 0000000000000000.seg: reserved header field is not zero");
}

TEST_F(spool, bad_header_truncated)
{
	bad_header_case(_metadata, self->dir, NULL, 10, -EBADMSG,
			"segment 0000000000000000.seg: header truncated (10 of 40 bytes)");
}

TEST_F(spool, bad_header_index_not_its_name)
{
	uint8_t hdr[SPOOL_HDR_LEN];

	ogx_spool_hdr_encode(hdr, 5);
	bad_header_case(_metadata, self->dir, hdr, sizeof(hdr), -EBADMSG,
			"segment 0000000000000000.seg: header says first index 5, its name"
			" says 0");
}

/* A spool whose older segments were removed starts at its first segment. */
TEST_F(spool, spool_starting_later)
{
	uint8_t hdr[SPOOL_HDR_LEN];
	struct ogx_spool_iter *it;
	struct ogx_spool *sp;
	char path[160];

	ASSERT_EQ(0, mkdir(self->dir, 0700));
	ogx_spool_hdr_encode(hdr, 10);
	seg_path(path, sizeof(path), self->dir, 10);
	ASSERT_EQ(0, create_file(path, hdr, sizeof(hdr)));
	/* Our own leftover temporaries are removed; other files are left alone. */
	snprintf(path, sizeof(path), "%s/000000000000000b.seg.tmp", self->dir);
	ASSERT_EQ(0, create_file(path, "junk", 4));
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(-1, file_size(path));
	ASSERT_EQ(10, ogx_spool_next_index(sp));
	ASSERT_EQ(0, append_range(sp, 10, 4, 1));
	ogx_spool_close(sp);
	ASSERT_EQ(0, check_range(self->dir, 12, 14, 0));
	ASSERT_EQ(-ENOENT, ogx_spool_iter_open(&it, self->dir, 3, 0));
	ASSERT_STREQ("records before index 10 are no longer in the spool (asked for index 3)",
		     ogx_errmsg(-ENOENT));
}

/* A reader at the end yields what the writer appends later, across rolls. */
TEST_F(spool, reader_follows_writer)
{
	struct ogx_spool_opts opts = { .segment_size = 4096 };
	struct ogx_spool_iter *it[2];
	struct ogx_spool *sp;
	const uint8_t *data;
	uint64_t idx, want[2] = { 0, 0 };
	size_t len;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, &opts));
	ASSERT_EQ(0, ogx_spool_iter_open(&it[0], self->dir, 0, 0));
	ASSERT_EQ(0, ogx_spool_iter_open(&it[1], self->dir, 0, OGX_SPOOL_ITER_DURABLE));
	for (uint64_t next = 0; next < 200; next += 20) {
		ASSERT_EQ(0, append_range(sp, next, 20, next % 40 == 0));
		for (int k = 0; k < 2; k++) {
			int rc;

			while ((rc = ogx_spool_iter_next(it[k], &idx, &data, &len)) == 1) {
				ASSERT_EQ(want[k], idx);
				ASSERT_TRUE(rec_matches(idx, data, len));
				want[k]++;
			}
			ASSERT_EQ(0, rc);
			ASSERT_EQ(next + 20, want[k]);
		}
	}
	ogx_spool_iter_close(it[0]);
	ogx_spool_iter_close(it[1]);
	ogx_spool_close(sp);
}

/*
 * A real I/O error (the file size limit, RLIMIT_FSIZE) in the middle of a
 * write: the append fails, the handle refuses more, and a reopen cuts the
 * partly written frame.
 */
TEST_F(spool, io_error_is_sticky_and_recovered)
{
	struct rlimit old, lim;
	static uint8_t rec[1000];
	struct iovec iov = { rec, sizeof(rec) };
	struct ogx_spool *sp;
	uint64_t first;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(0, append_range(sp, 0, 5, 1));
	ASSERT_EQ(0, getrlimit(RLIMIT_FSIZE, &old));
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = frame_off(5) + 100;
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &lim));
	ASSERT_EQ(-EFBIG, ogx_spool_append(sp, &iov, 1, &first));
	ASSERT_STREQ("writing records: File too large; reopen the spool to recover",
		     ogx_errmsg(-EFBIG));
	ASSERT_EQ(-EIO, ogx_spool_append(sp, &iov, 1, &first));
	ASSERT_STREQ("an earlier I/O error (File too large) stopped appends; reopen the spool",
		     ogx_errmsg(-EIO));
	ASSERT_EQ(-EIO, ogx_spool_sync(sp));
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &old));
	ogx_spool_close(sp);
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(100, ogx_spool_torn_bytes(sp));
	ASSERT_EQ(5, ogx_spool_next_index(sp));
	ogx_spool_close(sp);
	ASSERT_EQ(0, check_range(self->dir, 0, 5, 0));
}

/* Records from..from+n-1 as iovecs (malloc'd each). */
static struct iovec *make_range(uint64_t from, size_t n)
{
	struct iovec *iov = calloc(n, sizeof(*iov));

	for (size_t k = 0; iov && k < n; k++) {
		iov[k].iov_len = rec_len(from + k);
		iov[k].iov_base = malloc(iov[k].iov_len);
		if (iov[k].iov_base)
			rec_fill(from + k, iov[k].iov_base, iov[k].iov_len);
	}
	return iov;
}

/*
 * The server's way (runtime/serve/commit.c): plan, write, fdatasync, with a
 * roll only before a group's first write. Same spool as ogx_spool_append's.
 */
TEST_F(spool, planned_writes_across_rolls)
{
	struct ogx_spool_opts opts = { .segment_size = 65536 };
	static struct ogx_spool_write w;
	struct ogx_spool *sp;
	uint64_t next = 0;
	int groups = 0;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, &opts));
	while (next < 2000) {
		size_t n = 1 + mix(next) % 400, done = 0;
		struct iovec *iov = make_range(next, n);
		bool first = true;

		ASSERT_NE(NULL, iov);
		/* one group: writes until the records are out or a roll is due */
		while (done < n) {
			ASSERT_EQ(0, ogx_spool_plan(sp, iov + done, n - done, first, &w));
			if (!w.n) {
				ASSERT_FALSE(first);
				ASSERT_EQ(0, fdatasync(w.fd)); /* the group's sync */
				first = true;                  /* the next group may roll */
				groups++;
				continue;
			}
			ASSERT_EQ(next + done, w.first);
			ASSERT_LE(w.n, OGX_SPOOL_WRITE_MAX);
			ASSERT_EQ((ssize_t)w.bytes, pwritev(w.fd, w.iov, w.iovcnt, (off_t)w.off));
			done += w.n;
			first = false;
		}
		ASSERT_EQ(0, fdatasync(w.fd));
		groups++;
		for (size_t k = 0; k < n; k++)
			free(iov[k].iov_base);
		free(iov);
		next += n;
	}
	ASSERT_EQ(next, ogx_spool_next_index(sp));
	ASSERT_GT(count_segments(self->dir), 20);
	ogx_spool_close(sp);
	ASSERT_EQ(0, check_range(self->dir, 0, next, 0));
	/* and the writer reopens it like any other */
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, &opts));
	ASSERT_EQ(next, ogx_spool_next_index(sp));
	ASSERT_EQ(0, ogx_spool_torn_bytes(sp));
	ASSERT_EQ(0, append_range(sp, next, 3, 1));
	ogx_spool_close(sp);
	ASSERT_EQ(0, check_range(self->dir, 0, next + 3, 0));
}

TEST_F(spool, planned_write_errors)
{
	static struct ogx_spool_write w;
	static uint8_t big[OGX_SPOOL_MAX_RECORD + 1];
	struct iovec empty = { big, 0 }, huge = { big, sizeof(big) };
	struct ogx_spool *sp;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(-EINVAL, ogx_spool_plan(sp, &empty, 1, true, &w));
	ASSERT_STREQ("record 0 of the batch is 0 bytes (1 to 1048576)", ogx_errmsg(-EINVAL));
	ASSERT_EQ(-EMSGSIZE, ogx_spool_plan(sp, &huge, 1, true, &w));
	ASSERT_EQ(0, w.n);
	ASSERT_EQ(0, ogx_spool_next_index(sp));
	/* the ring reports a failed fdatasync: the handle refuses from then on */
	ASSERT_EQ(-EIO, ogx_spool_io_failed(sp, -EIO, "fdatasync"));
	ASSERT_STREQ("fdatasync: Input/output error; reopen the spool to recover",
		     ogx_errmsg(-EIO));
	huge.iov_len = 10;
	ASSERT_EQ(-EIO, ogx_spool_plan(sp, &huge, 1, true, &w));
	ASSERT_STREQ("an earlier I/O error (Input/output error) stopped appends; reopen the spool",
		     ogx_errmsg(-EIO));
	ASSERT_EQ(-EIO, ogx_spool_append(sp, &huge, 1, &(uint64_t){ 0 }));
	ASSERT_EQ(-EIO, ogx_spool_sync(sp));
	ogx_spool_close(sp);
}

/*
 * The ack mark. Ten acknowledged records (appended and synced), then one
 * byte of the last one flipped at off: the open refuses with the exact
 * message and leaves every file byte for byte as it was, readers give
 * the records before it and then the damage, and with the byte restored
 * (the record restored from a copy) the spool opens again.
 */
static void ack_damage_case(struct __test_metadata *_metadata, const char *dir, off_t off,
			    const char *why)
{
	char path[160], mpath[160], msg[400];
	uint8_t *seg, *mark;
	size_t seg_len, mark_len;
	struct ogx_spool *sp;

	ASSERT_EQ(0, ogx_spool_open(&sp, dir, NULL));
	ASSERT_EQ(0, append_range(sp, 0, 10, 1));
	ASSERT_EQ(10, ogx_spool_acked(sp));
	ogx_spool_close(sp);
	seg_path(path, sizeof(path), dir, 0);
	mark_path(mpath, sizeof(mpath), dir);
	ASSERT_EQ(0, flip_byte(path, off));
	seg = slurp(path, &seg_len);
	mark = slurp(mpath, &mark_len);
	ASSERT_NE(NULL, seg);
	ASSERT_NE(NULL, mark);
	snprintf(msg, sizeof(msg), "segment 0000000000000000.seg: record at index 9 (offset %"
		 PRIu64 ") is damaged (%s), but the ack mark says records up to index 9 were"
		 " acknowledged: corruption, not a torn tail; nothing was cut", frame_off(9), why);
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(-EBADMSG, ogx_spool_open(&sp, dir, NULL));
		ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
		ASSERT_TRUE(same_file(path, seg, seg_len));
		ASSERT_TRUE(same_file(mpath, mark, mark_len));
	}
	ASSERT_EQ(-EBADMSG, check_range(dir, 0, 9, 0));
	ASSERT_STREQ(mark_damage_msg(0, 9, frame_off(9), why, 10), ogx_errmsg(-EBADMSG));
	ASSERT_EQ(0, flip_byte(path, off));
	ASSERT_EQ(0, ogx_spool_open(&sp, dir, NULL));
	ASSERT_EQ(10, ogx_spool_next_index(sp));
	ASSERT_EQ(0, ogx_spool_torn_bytes(sp));
	ogx_spool_close(sp);
	ASSERT_EQ(0, check_range(dir, 0, 10, 0));
	free(seg);
	free(mark);
}

/* The length's top byte: the length goes out of range. */
TEST_F(spool, ack_damage_last_frame_length)
{
	ack_damage_case(_metadata, self->dir, (off_t)frame_off(9) + 3, "length out of range");
}

TEST_F(spool, ack_damage_last_frame_payload)
{
	ack_damage_case(_metadata, self->dir,
			(off_t)(frame_off(9) + SPOOL_LEN_BYTES + rec_len(9) / 2),
			"checksum mismatch");
}

TEST_F(spool, ack_damage_last_frame_checksum)
{
	ack_damage_case(_metadata, self->dir, (off_t)frame_off(10) - 1, "checksum mismatch");
}

/* Acknowledged bytes cut off the end: refused, never taken as a torn tail. */
TEST_F(spool, ack_truncated_is_refused)
{
	struct ogx_spool *sp;
	char path[160], msg[400];

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(0, append_range(sp, 0, 10, 1));
	ogx_spool_close(sp);
	seg_path(path, sizeof(path), self->dir, 0);
	/* into the last record */
	ASSERT_EQ(0, truncate(path, (off_t)frame_off(10) - 5));
	snprintf(msg, sizeof(msg), "segment 0000000000000000.seg: record at index 9 (offset %"
		 PRIu64 ") is damaged (incomplete frame), but the ack mark says records up to"
		 " index 9 were acknowledged: corruption, not a torn tail; nothing was cut",
		 frame_off(9));
	ASSERT_EQ(-EBADMSG, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
	ASSERT_EQ(frame_off(10) - 5, file_size(path));
	/* whole records, at a frame boundary */
	ASSERT_EQ(0, truncate(path, (off_t)frame_off(7)));
	snprintf(msg, sizeof(msg), "segment 0000000000000000.seg ends before index 7 (at offset %"
		 PRIu64 "), but the ack mark says records up to index 9 were acknowledged:"
		 " records missing; nothing was cut", frame_off(7));
	ASSERT_EQ(-EBADMSG, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
	ASSERT_EQ(frame_off(7), file_size(path));
	snprintf(msg, sizeof(msg), "segment 0000000000000000.seg ends before index 7 (at offset %"
		 PRIu64 "), but the ack mark says records up to index 9 were acknowledged:"
		 " records missing", frame_off(7));
	ASSERT_EQ(-EBADMSG, check_range(self->dir, 0, 7, 0));
	ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
}

/* The last segment removed: the records in it were acknowledged. */
TEST_F(spool, ack_last_segment_removed_is_refused)
{
	struct ogx_spool_opts opts = { .segment_size = 8192 };
	char path[160], prev[160], msg[400];
	struct ogx_spool *sp;
	uint64_t segs[64];
	size_t n;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, &opts));
	ASSERT_EQ(0, append_range(sp, 0, 40, 1));
	ogx_spool_close(sp);
	n = list_segments(self->dir, segs, 64);
	ASSERT_LE(3, n);
	seg_path(path, sizeof(path), self->dir, segs[n - 1]);
	seg_path(prev, sizeof(prev), self->dir, segs[n - 2]);
	ASSERT_EQ(0, unlink(path));
	snprintf(msg, sizeof(msg), "segment %016" PRIx64 ".seg ends before index %" PRIu64
		 " (at offset %lld), but the ack mark says records up to index 39 were"
		 " acknowledged: records missing; nothing was cut", segs[n - 2], segs[n - 1],
		 (long long)file_size(prev));
	ASSERT_EQ(-EBADMSG, ogx_spool_open(&sp, self->dir, &opts));
	ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
	ASSERT_EQ(n - 1, list_segments(self->dir, segs, 64));
	ASSERT_EQ(-EBADMSG, check_range(self->dir, 0, segs[n - 1], 0));
}

/*
 * A spool from an older ogx, without the mark: with nothing to cut the
 * open creates it (a new id, acked = the records there), and readers see
 * no mark until then.
 */
TEST_F(spool, legacy_spool_without_mark_gets_one)
{
	uint8_t id[OGX_SPOOL_ID_LEN], id2[OGX_SPOOL_ID_LEN];
	struct ogx_spool_iter *it;
	struct ogx_spool_tail t;
	struct ogx_spool *sp;
	struct spool_mark m;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(0, append_range(sp, 0, 10, 1));
	ogx_spool_id(sp, id);
	ogx_spool_close(sp);
	ASSERT_EQ(0, unlink_mark(self->dir));
	ASSERT_EQ(0, read_tail(self->dir, &t));
	ASSERT_FALSE(t.has_mark);
	ASSERT_EQ(0, t.acked);
	ASSERT_EQ(10, t.index);
	ASSERT_EQ(0, t.bytes);
	ASSERT_EQ(NULL, t.why);
	ASSERT_EQ(0, ogx_spool_iter_open(&it, self->dir, 0, 0));
	ASSERT_EQ(-ENOENT, ogx_spool_iter_id(it, id2));
	ASSERT_STREQ("the spool has no ack mark, so no id yet (written by an older ogx; its next"
		     " writer open creates one)", ogx_errmsg(-ENOENT));
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(10, ogx_spool_acked(sp));
	ASSERT_EQ(0, ogx_spool_torn_bytes(sp));
	ogx_spool_id(sp, id2);
	ASSERT_NE(0, memcmp(id, id2, sizeof(id)));	/* a new spool id */
	ASSERT_EQ(0, read_mark_file(self->dir, &m));
	ASSERT_EQ(10, m.acked);
	ASSERT_EQ(0, memcmp(id2, m.id, sizeof(id2)));
	/* an iterator opened before the mark existed finds it */
	ASSERT_EQ(0, ogx_spool_iter_id(it, id));
	ASSERT_EQ(0, memcmp(id, id2, sizeof(id)));
	ogx_spool_iter_close(it);
	ASSERT_EQ(0, append_range(sp, 10, 2, 1));
	ASSERT_EQ(12, ogx_spool_acked(sp));
	ogx_spool_close(sp);
}

/*
 * Without the mark, bad bytes at the end may be a damaged acknowledged
 * record: the open refuses (fail closed), touches nothing and says what
 * the operator can do; done, the spool opens and gets its mark.
 */
TEST_F(spool, legacy_spool_without_mark_torn_is_refused)
{
	uint8_t tail[54] = { 100, 0, 0, 0 };
	char path[160], mpath[160], msg[500];
	struct ogx_spool_tail t;
	struct ogx_spool *sp;
	uint8_t *seg;
	size_t seg_len;

	memset(tail + 4, 0xa5, 50);
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(0, append_range(sp, 0, 10, 1));
	ogx_spool_close(sp);
	ASSERT_EQ(0, unlink_mark(self->dir));
	seg_path(path, sizeof(path), self->dir, 0);
	mark_path(mpath, sizeof(mpath), self->dir);
	ASSERT_EQ(0, write_at(path, file_size(path), tail, sizeof(tail)));
	seg = slurp(path, &seg_len);
	ASSERT_NE(NULL, seg);
	snprintf(msg, sizeof(msg), "segment 0000000000000000.seg: 54 bad bytes at offset %" PRIu64
		 " (index 10, incomplete frame) and no ack mark (a spool from an older ogx):"
		 " they may be a damaged acknowledged record; nothing was cut. If record 10 was"
		 " never acknowledged, cut them (truncate -s %" PRIu64 " %s/0000000000000000.seg)"
		 " and open again, else see Documentation/proof-record.md, Chains", frame_off(10),
		 frame_off(10), self->dir);
	ASSERT_EQ(-EBADMSG, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
	ASSERT_TRUE(same_file(path, seg, seg_len));
	ASSERT_EQ(-1, file_size(mpath));
	/* readers: the records, then the bytes as the tail */
	ASSERT_EQ(0, check_range(self->dir, 0, 10, 0));
	ASSERT_EQ(0, read_tail(self->dir, &t));
	ASSERT_EQ(10, t.index);
	ASSERT_EQ(54, t.bytes);
	ASSERT_STREQ("incomplete frame", t.why);
	ASSERT_FALSE(t.has_mark);
	/* what the message says */
	ASSERT_EQ(0, truncate(path, (off_t)frame_off(10)));
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(10, ogx_spool_acked(sp));
	ogx_spool_close(sp);
	free(seg);
}

/* Damage the mark of a three-record spool; expect err with msg from open and readers. */
static void bad_mark_case(struct __test_metadata *_metadata, const char *dir, off_t size,
			  off_t off, uint8_t xor, bool resum, int err, const char *msg)
{
	char path[160], mpath[160];
	uint8_t buf[SPOOL_MARK_LEN], *seg;
	struct ogx_spool_iter *it;
	struct ogx_spool *sp;
	size_t seg_len;
	int fd;

	ASSERT_EQ(0, ogx_spool_open(&sp, dir, NULL));
	ASSERT_EQ(0, append_range(sp, 0, 3, 1));
	ogx_spool_close(sp);
	mark_path(mpath, sizeof(mpath), dir);
	seg_path(path, sizeof(path), dir, 0);
	fd = open(mpath, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(SPOOL_MARK_LEN, pread(fd, buf, sizeof(buf), 0));
	buf[off] ^= xor;
	if (resum)
		crypto_generichash(buf + SPOOL_MARK_SUMMED, SPOOL_SUM_LEN, buf, SPOOL_MARK_SUMMED,
				   NULL, 0);
	ASSERT_EQ(SPOOL_MARK_LEN, pwrite(fd, buf, sizeof(buf), 0));
	ASSERT_EQ(0, ftruncate(fd, size));
	close(fd);
	seg = slurp(path, &seg_len);
	ASSERT_NE(NULL, seg);
	ASSERT_EQ(err, ogx_spool_open(&sp, dir, NULL));
	ASSERT_STREQ(msg, ogx_errmsg(err));
	ASSERT_TRUE(same_file(path, seg, seg_len));
	ASSERT_EQ(size, file_size(mpath));
	ASSERT_EQ(err, ogx_spool_iter_open(&it, dir, 0, 0));
	ASSERT_STREQ(msg, ogx_errmsg(err));
	free(seg);
}

TEST_F(spool, bad_mark_checksum)
{
	bad_mark_case(_metadata, self->dir, SPOOL_MARK_LEN, 32, 0x01, false, -EBADMSG,
		      "ack mark file acked: checksum mismatch");
}

TEST_F(spool, bad_mark_magic)
{
	bad_mark_case(_metadata, self->dir, SPOOL_MARK_LEN, 0, 0x20, false, -EBADMSG,
		      "ack mark file acked: bad magic (not a spool ack mark)");
}

TEST_F(spool, bad_mark_version)
{
	bad_mark_case(_metadata, self->dir, SPOOL_MARK_LEN, 8, 0x03, true, -ENOTSUP,
		      "ack mark file acked: format version 2 (this build reads version 1)");
}

TEST_F(spool, bad_mark_reserved)
{
	bad_mark_case(_metadata, self->dir, SPOOL_MARK_LEN, 12, 0x01, true, -EBADMSG,
		      "ack mark file acked: reserved field is not zero");
}

TEST_F(spool, bad_mark_size)
{
	bad_mark_case(_metadata, self->dir, 20, 0, 0, false, -EBADMSG,
		      "ack mark file acked: truncated (20 of 56 bytes)");
}

TEST_F(spool, bad_mark_too_long)
{
	bad_mark_case(_metadata, self->dir, SPOOL_MARK_LEN + 1, 0, 0, false, -EBADMSG,
		      "ack mark file acked: longer than 56 bytes");
}

/*
 * The mark moves after every sync, only up, never past what was appended,
 * and keeps the spool's id.
 */
TEST_F(spool, mark_is_monotonic)
{
	uint8_t id[OGX_SPOOL_ID_LEN], id2[OGX_SPOOL_ID_LEN];
	struct ogx_spool *sp;
	struct spool_mark m;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(0, ogx_spool_acked(sp));
	ASSERT_EQ(0, read_mark_file(self->dir, &m));
	ASSERT_EQ(0, m.acked);
	ogx_spool_id(sp, id);
	ASSERT_EQ(0, memcmp(id, m.id, sizeof(id)));
	ASSERT_EQ(0, append_range(sp, 0, 5, 1));
	ASSERT_EQ(0, read_mark_file(self->dir, &m));
	ASSERT_EQ(5, m.acked);
	ASSERT_EQ(0, ogx_spool_mark_acked(sp, 3));	/* lower: nothing */
	ASSERT_EQ(5, ogx_spool_acked(sp));
	ASSERT_EQ(0, read_mark_file(self->dir, &m));
	ASSERT_EQ(5, m.acked);
	ASSERT_EQ(0, append_range(sp, 5, 3, 0));	/* appended, not synced */
	ASSERT_EQ(5, ogx_spool_acked(sp));
	ASSERT_EQ(-EINVAL, ogx_spool_mark_acked(sp, 9));
	ASSERT_STREQ("cannot acknowledge the records before index 9: the next index is 8",
		     ogx_errmsg(-EINVAL));
	ASSERT_EQ(0, ogx_spool_sync(sp));
	ASSERT_EQ(8, ogx_spool_acked(sp));
	ASSERT_EQ(0, ogx_spool_sync(sp));	/* nothing new: the same */
	ASSERT_EQ(0, read_mark_file(self->dir, &m));
	ASSERT_EQ(8, m.acked);
	ogx_spool_close(sp);
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(8, ogx_spool_acked(sp));
	ogx_spool_id(sp, id2);
	ASSERT_EQ(0, memcmp(id, id2, sizeof(id)));
	ogx_spool_close(sp);
}

/*
 * The server's way: plan, write, fdatasync, then ogx_spool_mark_acked()
 * before any answer. ogx_spool_sync() on such a handle leaves the mark to
 * the caller. A group synced but not yet marked (a crash before its answers
 * went out) is past the mark: a bad last frame there is a torn tail; the
 * open keeps what is whole and raises the mark over it.
 */
TEST_F(spool, mark_acked_after_planned_writes)
{
	static struct ogx_spool_write w;
	struct iovec *iov = make_range(0, 8);
	char path[160], msg[400];
	struct ogx_spool *sp;

	ASSERT_NE(NULL, iov);
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(0, ogx_spool_plan(sp, iov, 5, true, &w));
	ASSERT_EQ(5, w.n);
	ASSERT_EQ((ssize_t)w.bytes, pwritev(w.fd, w.iov, w.iovcnt, (off_t)w.off));
	ASSERT_EQ(0, fdatasync(w.fd));
	ASSERT_EQ(0, ogx_spool_sync(sp));
	ASSERT_EQ(0, ogx_spool_acked(sp));
	ASSERT_EQ(0, ogx_spool_mark_acked(sp, w.first + w.n));
	ASSERT_EQ(5, ogx_spool_acked(sp));
	ASSERT_EQ(0, ogx_spool_plan(sp, iov + 5, 3, true, &w));
	ASSERT_EQ(3, w.n);
	ASSERT_EQ((ssize_t)w.bytes, pwritev(w.fd, w.iov, w.iovcnt, (off_t)w.off));
	ASSERT_EQ(0, fdatasync(w.fd));
	ogx_spool_close(sp);
	seg_path(path, sizeof(path), self->dir, 0);
	ASSERT_EQ(0, flip_byte(path, (off_t)frame_off(8) - 1));
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(SPOOL_FRAME_OVERHEAD + rec_len(7), ogx_spool_torn_bytes(sp));
	ASSERT_EQ(7, ogx_spool_next_index(sp));
	ASSERT_EQ(7, ogx_spool_acked(sp));
	ogx_spool_close(sp);
	/* records 5 and 6 are under the mark now: damage there is refused */
	ASSERT_EQ(0, flip_byte(path, (off_t)frame_off(7) - 1));
	snprintf(msg, sizeof(msg), "segment 0000000000000000.seg: record at index 6 (offset %"
		 PRIu64 ") is damaged (checksum mismatch), but the ack mark says records up to"
		 " index 6 were acknowledged: corruption, not a torn tail; nothing was cut",
		 frame_off(6));
	ASSERT_EQ(-EBADMSG, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
	for (size_t k = 0; k < 8; k++)
		free(iov[k].iov_base);
	free(iov);
}

/*
 * A failed mark write (RLIMIT_FSIZE makes it short) fails the sync and the
 * handle: the records must not be reported done. A reopen keeps them whole
 * and marks them.
 */
TEST_F(spool, mark_write_failure_fails_the_sync)
{
	struct rlimit old, lim;
	struct ogx_spool *sp;
	struct spool_mark m;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(0, append_range(sp, 0, 5, 1));
	ASSERT_EQ(0, append_range(sp, 5, 2, 0));
	ASSERT_EQ(0, getrlimit(RLIMIT_FSIZE, &old));
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 10;
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &lim));
	ASSERT_EQ(-EIO, ogx_spool_sync(sp));
	ASSERT_STREQ("writing the ack mark: Input/output error; reopen the spool to recover",
		     ogx_errmsg(-EIO));
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &old));
	ASSERT_EQ(5, ogx_spool_acked(sp));
	ASSERT_EQ(-EIO, ogx_spool_mark_acked(sp, 7));
	ASSERT_EQ(-EIO, append_range(sp, 7, 1, 1));
	ogx_spool_close(sp);
	ASSERT_EQ(0, read_mark_file(self->dir, &m));
	ASSERT_EQ(5, m.acked);
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(7, ogx_spool_next_index(sp));
	ASSERT_EQ(7, ogx_spool_acked(sp));
	ogx_spool_close(sp);
}

/* The spool's id: one per spool, the same to the writer, readers and the file. */
TEST_F(spool, spool_id)
{
	uint8_t id[OGX_SPOOL_ID_LEN], id2[OGX_SPOOL_ID_LEN], zero[OGX_SPOOL_ID_LEN] = { 0 };
	struct ogx_spool_iter *it;
	struct ogx_spool_tail t;
	struct ogx_spool *sp;
	const uint8_t *data;
	char other[160];
	uint64_t idx;
	size_t len;

	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ogx_spool_id(sp, id);
	ASSERT_NE(0, memcmp(id, zero, sizeof(id)));
	ASSERT_EQ(0, append_range(sp, 0, 2, 1));
	ASSERT_EQ(0, ogx_spool_iter_open(&it, self->dir, 0, 0));
	ASSERT_EQ(0, ogx_spool_iter_id(it, id2));
	ASSERT_EQ(0, memcmp(id, id2, sizeof(id)));
	ASSERT_EQ(-EINVAL, ogx_spool_iter_tail(it, &t));
	ASSERT_STREQ("the spool's tail is known only after ogx_spool_iter_next() returned 0",
		     ogx_errmsg(-EINVAL));
	while (ogx_spool_iter_next(it, &idx, &data, &len) == 1)
		;
	ASSERT_EQ(0, ogx_spool_iter_tail(it, &t));
	ASSERT_EQ(0, memcmp(id, t.id, sizeof(id)));
	ASSERT_EQ(2, t.acked);
	ogx_spool_iter_close(it);
	ogx_spool_close(sp);
	snprintf(other, sizeof(other), "%s/other", self->tmp);
	ASSERT_EQ(0, ogx_spool_open(&sp, other, NULL));
	ogx_spool_id(sp, id2);
	ASSERT_NE(0, memcmp(id, id2, sizeof(id)));
	ogx_spool_close(sp);
}

/* A directory without segment files is not a spool to a reader. */
TEST_F(spool, iter_on_directory_without_spool)
{
	struct ogx_spool_iter *it;
	char path[160];

	ASSERT_EQ(0, mkdir(self->dir, 0700));
	ASSERT_EQ(-ENOENT, ogx_spool_iter_open(&it, self->dir, 0, 0));
	ASSERT_STREQ("not a spool (no segment files)", ogx_errmsg(-ENOENT));
	snprintf(path, sizeof(path), "%s/lock", self->dir);
	ASSERT_EQ(0, create_file(path, "", 0));
	ASSERT_EQ(-ENOENT, ogx_spool_iter_open(&it, self->dir, 0, OGX_SPOOL_ITER_FROM_FIRST));
	ASSERT_STREQ("not a spool (no segment files)", ogx_errmsg(-ENOENT));
}

/*
 * A spool whose first segment starts at index 1000: OGX_SPOOL_ITER_FROM_FIRST
 * reads it from there; without the flag from keeps its exact meaning.
 */
TEST_F(spool, iter_from_first_segment)
{
	uint8_t hdr[SPOOL_HDR_LEN];
	struct ogx_spool_iter *it;
	struct ogx_spool *sp;
	char path[160];

	ASSERT_EQ(0, mkdir(self->dir, 0700));
	ogx_spool_hdr_encode(hdr, 1000);
	seg_path(path, sizeof(path), self->dir, 1000);
	ASSERT_EQ(0, create_file(path, hdr, sizeof(hdr)));
	ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
	ASSERT_EQ(1000, ogx_spool_acked(sp));
	ASSERT_EQ(0, append_range(sp, 1000, 5, 1));
	ogx_spool_close(sp);
	ASSERT_EQ(0, check_range(self->dir, 1000, 1005, OGX_SPOOL_ITER_FROM_FIRST));
	ASSERT_EQ(0, ogx_spool_iter_open(&it, self->dir, 1003, OGX_SPOOL_ITER_FROM_FIRST));
	ogx_spool_iter_close(it);
	ASSERT_EQ(0, check_range(self->dir, 1003, 1005, 0));
	ASSERT_EQ(-ENOENT, ogx_spool_iter_open(&it, self->dir, 0, 0));
	ASSERT_STREQ("records before index 1000 are no longer in the spool (asked for index 0)",
		     ogx_errmsg(-ENOENT));
}

/*
 * tests/vectors/spool-acked is the mark of the golden segment's three records
 * with the id 00 01 ... 0f (tests/e2e/spool-independent.t builds it from
 * the table in Documentation/spool.md): the C encoder writes it, the
 * decoder reads it.
 */
TEST_F(spool, golden_mark)
{
	struct spool_mark m = { .acked = 3 }, got;
	uint8_t buf[SPOOL_MARK_LEN];
	char golden[256];

	for (int i = 0; i < OGX_SPOOL_ID_LEN; i++)
		m.id[i] = (uint8_t)i;
	ogx_spool_mark_encode(buf, &m);
	snprintf(golden, sizeof(golden), "%s/tests/vectors/spool-acked", getenv("OGX_SRC") ?: ".");
	ASSERT_TRUE(same_file(golden, buf, sizeof(buf)));
	ASSERT_EQ(0, ogx_spool_mark_decode(buf, sizeof(buf), &got));
	ASSERT_EQ(3, got.acked);
	ASSERT_EQ(0, memcmp(m.id, got.id, sizeof(m.id)));
}

/* What the crash test's child tells its parent after each durable batch. */
struct crash_msg {
	uint64_t first;
	uint64_t count;
};

/*
 * The child: append random batches until killed, with one sync (group
 * commit) every 1 to 8 batches, and tell the parent which records each sync
 * made durable only after it returned.
 */
static void crash_child(const char *dir, int fd, unsigned int seed)
{
	struct ogx_spool_opts opts = { .segment_size = 1 << 20 };
	int sync_every, batches = 0;
	struct ogx_spool *sp;
	uint64_t next, unacked;

	srand(seed);
	sync_every = 1 + rand() % 16;
	if (ogx_spool_open(&sp, dir, &opts))
		_exit(2);
	next = unacked = ogx_spool_next_index(sp);
	for (;;) {
		uint64_t n = 1 + (uint64_t)(rand() % 16);
		struct crash_msg m;

		if (append_range(sp, next, n, 0))
			_exit(3);
		next += n;
		if (++batches % sync_every)
			continue;
		if (ogx_spool_sync(sp))
			_exit(4);
		m = (struct crash_msg){ unacked, next - unacked };
		if (write(fd, &m, sizeof(m)) != sizeof(m))
			_exit(5);
		unacked = next;
		if (rand() % 4 == 0)
			usleep((useconds_t)(rand() % 300));
	}
}

/* The parent's view of the acknowledgements, which must continue each other. */
struct crash_acks {
	uint64_t expect_first;	/* where the next acknowledged batch must start */
	uint64_t acked;		/* records acknowledged durable */
};

/* Wait up to timeout_ms (-1: no limit) for one: 1 got, 0 none, -1 out of order. */
static int take_ack(struct crash_acks *a, int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct crash_msg m;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	if (read(fd, &m, sizeof(m)) != sizeof(m))
		return 0;
	if (m.first != a->expect_first || m.count == 0) {
		fprintf(stderr, "# ack for %" PRIu64 "+%" PRIu64 ", expected from %" PRIu64 "\n",
			m.first, m.count, a->expect_first);
		return -1;
	}
	a->expect_first = a->acked = m.first + m.count;
	return 1;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * Kill -9 a child appending with group commit, 50 times at random moments,
 * reopening and checking after each: the ack mark covers every acknowledged
 * record and no more than the records there, so the open never refuses;
 * every acknowledged record is there, byte-exact; a torn tail is cut, never
 * accepted; the next child continues at the index the reopen reports. Odd rounds aim the kill at the write
 * phase (a random 0-1 ms after an acknowledgement, when the child is
 * writing its next batches): fdatasync takes milliseconds here and writes
 * microseconds, so uniformly random kills alone would rarely tear a frame.
 */
TEST_F_TIMEOUT(spool, crash_kill9_50_times, 120)
{
	unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	uint64_t total_torn = 0, torn_rounds = 0;
	struct crash_acks acks = { 0, 0 };

	TH_LOG("seed %u", seed);
	srand(seed);
	for (int round = 0; round < 50; round++) {
		long wait_ms = 1 + rand() % 20;
		struct ogx_spool *sp;
		struct timespec t0;
		uint64_t idx, next;
		int p[2], status, rc;
		static uint64_t segs[1024];
		struct ogx_spool_tail tail;
		struct spool_mark mark;
		long long seen;
		uint8_t *data;
		size_t nseg;
		size_t len;
		pid_t pid;

		ASSERT_EQ(0, pipe(p));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(p[0]);
			crash_child(self->dir, p[1], seed + (unsigned int)round);
		}
		close(p[1]);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (ms_since(&t0) < wait_ms)
			ASSERT_LE(0, take_ack(&acks, p[0], (int)(wait_ms - ms_since(&t0))));
		if (round % 2 && take_ack(&acks, p[0], 500) == 1)
			usleep((useconds_t)(rand() % 400));
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		while ((rc = take_ack(&acks, p[0], -1)) == 1)
			;
		ASSERT_EQ(0, rc);
		close(p[0]);

		/*
		 * The ack mark, written before each acknowledgement, covers
		 * every acknowledged record, and (a kill -9 loses nothing
		 * written) never more than the records there.
		 */
		rc = read_mark_file(self->dir, &mark);
		if (rc == -ENOENT) {	/* killed while creating the spool */
			ASSERT_EQ(0, acks.acked);
			mark.acked = 0;
		} else {
			ASSERT_EQ(0, rc);
			ASSERT_LE(acks.acked, mark.acked);
		}
		/*
		 * A reader, before any recovery, stops exactly where recovery
		 * will cut, and says what it will cut; then every
		 * acknowledged record is there, byte for byte, and nothing
		 * after.
		 */
		seen = count_records(self->dir);
		if (seen == -ENOENT && !list_segments(self->dir, segs, 1))
			seen = 0;	/* no segment yet */
		ASSERT_LE(0, seen);
		ASSERT_LE(mark.acked, (uint64_t)seen);
		memset(&tail, 0, sizeof(tail));
		if (list_segments(self->dir, segs, 1)) {
			ASSERT_EQ(0, read_tail(self->dir, &tail));
			ASSERT_EQ(seen, tail.index);
			ASSERT_EQ(mark.acked, tail.acked);
		}
		/* All damage is past the mark: the open never refuses. */
		ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
		next = ogx_spool_next_index(sp);
		ASSERT_EQ(seen, next);
		ASSERT_EQ(tail.bytes, ogx_spool_torn_bytes(sp));
		ASSERT_EQ(next, ogx_spool_acked(sp));
		if (ogx_spool_torn_bytes(sp)) {
			total_torn += ogx_spool_torn_bytes(sp);
			torn_rounds++;
		}
		ASSERT_LE(acks.acked, next);
		/* Recovery touched only the last segment: read it again. */
		nseg = list_segments(self->dir, segs, 1024);
		ASSERT_LT(0, nseg);
		ASSERT_EQ(0, check_range(self->dir, segs[nseg - 1], next, 0));
		if (next) {
			ASSERT_EQ(0, ogx_spool_last(sp, &idx, &data, &len));
			ASSERT_EQ(next - 1, idx);
			ASSERT_TRUE(rec_matches(idx, data, len));
			free(data);
		}
		ogx_spool_close(sp);
		/* Nothing torn is left for a second open to find. */
		ASSERT_EQ(0, ogx_spool_open(&sp, self->dir, NULL));
		ASSERT_EQ(0, ogx_spool_torn_bytes(sp));
		ASSERT_EQ(next, ogx_spool_next_index(sp));
		ogx_spool_close(sp);
		/* The next child must continue exactly here. */
		acks.expect_first = next;
	}
	TH_LOG("%" PRIu64 " records, %d segments, torn tails cut in %" PRIu64
	       " of 50 rounds (%" PRIu64 " bytes)", acks.expect_first,
	       count_segments(self->dir), torn_rounds, total_torn);
	ASSERT_LT(0, acks.expect_first);
}

TEST_HARNESS_MAIN
