// SPDX-License-Identifier: GPL-2.0
/* See spool_segment.h; the format itself is specified in Documentation/spool.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "proof/spool.h"
#include "proof/spool_segment.h"
#include "util/err.h"

/*
 * The reader's buffer holds the largest frame with room to spare, so that one
 * refill always brings a whole frame in and small frames are read in large
 * sequential chunks.
 */
#define SPOOL_READ_BUF (2u << 20)

void ogx_spool_seg_name(char name[SPOOL_NAME_LEN + 1], uint64_t first)
{
	snprintf(name, SPOOL_NAME_LEN + 1, "%016" PRIx64 ".seg", first);
}

static void hdr_sum(uint8_t sum[SPOOL_SUM_LEN], const uint8_t *hdr)
{
	crypto_generichash(sum, SPOOL_SUM_LEN, hdr, SPOOL_HDR_SUMMED, NULL, 0);
}

void ogx_spool_hdr_encode(uint8_t hdr[SPOOL_HDR_LEN], uint64_t first)
{
	memcpy(hdr, SPOOL_MAGIC, SPOOL_MAGIC_LEN);
	put_le32(hdr + 8, SPOOL_VERSION);
	put_le32(hdr + 12, 0);
	put_le64(hdr + 16, first);
	hdr_sum(hdr + SPOOL_HDR_SUMMED, hdr);
}

int ogx_spool_hdr_check(const uint8_t *hdr, size_t got, const char *name, uint64_t want_first)
{
	uint8_t sum[SPOOL_SUM_LEN];
	uint32_t version;
	uint64_t first;

	if (got < SPOOL_HDR_LEN)
		return ogx_fail(-EBADMSG, "segment %s: header truncated (%zu of %d bytes)", name,
				got, SPOOL_HDR_LEN);
	if (memcmp(hdr, SPOOL_MAGIC, SPOOL_MAGIC_LEN))
		return ogx_fail(-EBADMSG, "segment %s: bad magic (not a spool segment)", name);
	version = get_le32(hdr + 8);
	if (version != SPOOL_VERSION)
		return ogx_fail(-ENOTSUP, "segment %s: format version %" PRIu32
				" (this build reads version %d)", name, version, SPOOL_VERSION);
	hdr_sum(sum, hdr);
	if (sodium_memcmp(sum, hdr + SPOOL_HDR_SUMMED, SPOOL_SUM_LEN))
		return ogx_fail(-EBADMSG, "segment %s: header checksum mismatch", name);
	if (get_le32(hdr + 12))
		return ogx_fail(-EBADMSG, "segment %s: reserved header field is not zero", name);
	first = get_le64(hdr + 16);
	if (first != want_first)
		return ogx_fail(-EBADMSG, "segment %s: header says first index %" PRIu64
				", its name says %" PRIu64, name, first, want_first);
	return 0;
}

void ogx_spool_frame_sum(uint8_t sum[SPOOL_SUM_LEN], const uint8_t len_le[SPOOL_LEN_BYTES],
		     const void *payload, size_t len)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, SPOOL_SUM_LEN);
	crypto_generichash_update(&st, len_le, SPOOL_LEN_BYTES);
	crypto_generichash_update(&st, payload, len);
	crypto_generichash_final(&st, sum, SPOOL_SUM_LEN);
}

static int parse_seg_name(const char *s, uint64_t *first)
{
	uint64_t v = 0;

	if (strlen(s) != SPOOL_NAME_LEN || strcmp(s + 16, ".seg"))
		return -1;
	for (int i = 0; i < 16; i++) {
		int c = s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*first = v;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int ogx_spool_list_segments(int dirfd, uint64_t **firsts, size_t *n)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint64_t *v = NULL, first;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((errno = 0, de = readdir(d))) {
		if (parse_seg_name(de->d_name, &first))
			continue;
		if (cnt == cap) {
			uint64_t *nv = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = first;
	}
	if (errno) {
		int err = -errno;

		free(v);
		closedir(d);
		return err;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_u64);
	*firsts = v;
	*n = cnt;
	return 0;
}

int ogx_spool_seg_open(int dirfd, uint64_t first, int flags, char name[SPOOL_NAME_LEN + 1],
		   int *fdp)
{
	uint8_t hdr[SPOOL_HDR_LEN];
	ssize_t got;
	int fd, err;

	ogx_spool_seg_name(name, first);
	fd = openat(dirfd, name, flags | O_CLOEXEC);
	if (fd < 0)
		return ogx_fail(-errno, "segment %s: %s", name, strerror(errno));
	do
		got = pread(fd, hdr, sizeof(hdr), 0);
	while (got < 0 && errno == EINTR);
	err = got < 0 ? -errno : ogx_spool_hdr_check(hdr, (size_t)got, name, first);
	if (err) {
		close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

int ogx_spool_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t got = pread(fd, p, len, (off_t)off);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			return -EIO;
		p += got;
		off += (uint64_t)got;
		len -= (size_t)got;
	}
	return 0;
}

int ogx_spool_reader_init(struct spool_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->cap = SPOOL_READ_BUF;
	r->buf = malloc(r->cap);
	return r->buf ? 0 : -ENOMEM;
}

void ogx_spool_reader_free(struct spool_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

void ogx_spool_reader_attach(struct spool_reader *r, int fd, const char *name)
{
	r->fd = fd;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->buf_off = 0;
	r->buf_len = 0;
}

/*
 * Make the n bytes at off available in the buffer. Returns how many of them
 * the file has (< n at its end) or -errno; *fresh is set when they were read
 * from the file now rather than found in the buffer. A refill always starts
 * at off, so after one, everything from off on is fresh.
 */
static ssize_t reader_fill(struct spool_reader *r, uint64_t off, size_t n, bool *fresh)
{
	if (off >= r->buf_off && off + n <= r->buf_off + r->buf_len)
		return (ssize_t)n;
	r->buf_off = off;
	r->buf_len = 0;
	while (r->buf_len < r->cap) {
		ssize_t got = pread(r->fd, r->buf + r->buf_len, r->cap - r->buf_len,
				    (off_t)(off + r->buf_len));

		if (got < 0) {
			if (errno == EINTR)
				continue;
			r->buf_len = 0;
			return -errno;
		}
		if (got == 0)
			break;
		r->buf_len += (size_t)got;
	}
	*fresh = true;
	return (ssize_t)(r->buf_len < n ? r->buf_len : n);
}

/* Judge the bytes at off once; see ogx_spool_read_frame(). */
static int read_frame_once(struct spool_reader *r, uint64_t off, struct spool_frame *f,
			   bool *fresh)
{
	uint8_t sum[SPOOL_SUM_LEN];
	const uint8_t *p;
	ssize_t got;
	size_t need;

	f->off = off;
	f->len = 0;
	f->payload = NULL;
	f->bad = NULL;
	got = reader_fill(r, off, SPOOL_LEN_BYTES, fresh);
	if (got < 0)
		return (int)got;
	if (got == 0)
		return SPOOL_FRAME_END;
	if (got < SPOOL_LEN_BYTES) {
		f->bad = "incomplete length field";
		return SPOOL_FRAME_BAD;
	}
	f->len = get_le32(r->buf + (off - r->buf_off));
	if (f->len == 0 || f->len > OGX_SPOOL_MAX_RECORD) {
		f->bad = "length out of range";
		return SPOOL_FRAME_BAD;
	}
	need = SPOOL_FRAME_OVERHEAD + (size_t)f->len;
	got = reader_fill(r, off, need, fresh);
	if (got < 0)
		return (int)got;
	if ((size_t)got < need) {
		f->bad = "incomplete frame";
		return SPOOL_FRAME_BAD;
	}
	p = r->buf + (off - r->buf_off);
	ogx_spool_frame_sum(sum, p, p + SPOOL_LEN_BYTES, f->len);
	if (sodium_memcmp(sum, p + SPOOL_LEN_BYTES + f->len, SPOOL_SUM_LEN)) {
		f->bad = "checksum mismatch";
		return SPOOL_FRAME_BAD;
	}
	f->payload = p + SPOOL_LEN_BYTES;
	return SPOOL_FRAME_OK;
}

int ogx_spool_read_frame(struct spool_reader *r, uint64_t off, struct spool_frame *f)
{
	bool fresh = false;
	int rc = read_frame_once(r, off, f, &fresh);

	/*
	 * Bytes judged bad from the buffer may be stale: a writer that
	 * recovered the spool may have cut them and written a frame there
	 * since. Judge only what the file holds now.
	 */
	if (rc == SPOOL_FRAME_BAD && !fresh) {
		r->buf_len = 0;
		rc = read_frame_once(r, off, f, &fresh);
	}
	return rc;
}

/*
 * After a bad frame at off: 1 when no valid frame starts at any byte after
 * it, 0 with its offset in *valid_off when one does, or -errno.
 */
static int tail_is_torn(struct spool_reader *r, uint64_t off, uint64_t *valid_off)
{
	uint8_t sum[SPOOL_SUM_LEN];
	struct stat st;

	if (fstat(r->fd, &st))
		return -errno;
	/*
	 * Try every byte after the bad frame as the start of a frame. Lengths
	 * out of range or past the end cost nothing, so a zero-filled or
	 * random tail is scanned at the speed of reading it; the checksum is
	 * 128 bits, so no torn bytes pass for a frame by chance.
	 */
	for (uint64_t o = off + 1; o + SPOOL_FRAME_OVERHEAD < (uint64_t)st.st_size; o++) {
		bool fresh = false;
		const uint8_t *p;
		ssize_t got;
		uint32_t len;

		got = reader_fill(r, o, SPOOL_LEN_BYTES, &fresh);
		if (got < 0)
			return (int)got;
		if (got < SPOOL_LEN_BYTES)
			break;
		len = get_le32(r->buf + (o - r->buf_off));
		if (len == 0 || len > OGX_SPOOL_MAX_RECORD ||
		    o + SPOOL_FRAME_OVERHEAD + len > (uint64_t)st.st_size)
			continue;
		got = reader_fill(r, o, SPOOL_FRAME_OVERHEAD + len, &fresh);
		if (got < 0)
			return (int)got;
		if ((size_t)got < SPOOL_FRAME_OVERHEAD + len)
			continue;
		p = r->buf + (o - r->buf_off);
		ogx_spool_frame_sum(sum, p, p + SPOOL_LEN_BYTES, len);
		if (!sodium_memcmp(sum, p + SPOOL_LEN_BYTES + len, SPOOL_SUM_LEN)) {
			*valid_off = o;
			return 0;
		}
	}
	return 1;
}

static int corrupt(const struct spool_reader *r, const struct spool_frame *f, uint64_t valid_off)
{
	return ogx_fail(-EBADMSG, "segment %s: bad frame at offset %" PRIu64 " (%s), yet a valid"
			" frame follows at offset %" PRIu64 ": corruption, not a torn tail",
			r->name, f->off, f->bad, valid_off);
}

int ogx_spool_judge_bad_frame(struct spool_reader *r, struct spool_frame *f)
{
	uint64_t valid_off = 0;
	int rc = tail_is_torn(r, f->off, &valid_off);

	if (rc)
		return rc < 0 ? rc : SPOOL_FRAME_BAD;
	/*
	 * A writer writes in file order, so with a valid frame visible after
	 * off, the bytes at off are final: read them once more before calling
	 * them corrupt.
	 */
	r->buf_len = 0;
	rc = ogx_spool_read_frame(r, f->off, f);
	if (rc != SPOOL_FRAME_BAD)
		return rc;
	return corrupt(r, f, valid_off);
}

int ogx_spool_scan_segment(struct spool_reader *r, struct spool_scan *s)
{
	uint64_t off = SPOOL_HDR_LEN;
	struct spool_frame f;
	struct stat st;

	memset(s, 0, sizeof(*s));
	for (;;) {
		int rc = ogx_spool_read_frame(r, off, &f);

		if (rc == SPOOL_FRAME_BAD)
			rc = ogx_spool_judge_bad_frame(r, &f);
		if (rc < 0)
			return rc;
		if (rc != SPOOL_FRAME_OK) {
			s->torn = rc == SPOOL_FRAME_BAD;
			s->bad = f.bad;
			break;
		}
		s->frames++;
		s->last_off = off;
		s->last_len = f.len;
		off += SPOOL_FRAME_OVERHEAD + f.len;
	}
	s->end = off;
	if (fstat(r->fd, &st))
		return -errno;
	s->file_size = (uint64_t)st.st_size;
	return 0;
}
