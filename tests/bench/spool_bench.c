// SPDX-License-Identifier: GPL-2.0
/*
 * Spool benchmark: the cost of making proof records durable.
 *
 *   append       one record appended, no sync (framing, BLAKE2b, pwritev)
 *   fdatasync    one sync after one appended record
 *   group commit append a batch of 1, 8 or 64 records + one sync, per record
 *   ack mark     the mark's cost on the hot path: its pwrite alone
 *                (ogx_spool_mark_acked() after an append), and batch 1 with
 *                the mark (ogx_spool_append_sync(): append, fdatasync, mark)
 *                beside the same without it (ogx_spool_plan(), pwritev,
 *                fdatasync: the raw append + sync), interleaved record by
 *                record on two spools in the same file system
 *   open         reopen: the recovery scan of the last segment, and
 *                ogx_spool_last() (one pread)
 *   floor        what the disk itself allows, without the spool: one record
 *                written over blocks already written (no size change, so
 *                fdatasync commits no metadata) + fdatasync, and one aligned
 *                4 KiB O_DIRECT write with RWF_DSYNC over such blocks. These
 *                are the least a durable answer can cost on this disk; the
 *                spool's "fdatasync after 1 record" also grows the file.
 *
 * Records are 512 bytes (the size of a signed VANILLA record). The spool is
 * a fresh directory under $TMPDIR (default /tmp), so the sync cost is that
 * file system's. Prints a table; writes JSON to $OGX_BENCH_JSON when set.
 * Never fails on a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "proof/spool.h"
#include "util/err.h"

static struct ogx_spool_write plan_w;

#define REC_LEN 512
#define N_APPEND 20000
#define N_SYNC 300
#define N_ROUNDS 300
#define FLOOR_FILE (4u << 20)

struct stats {
	double p50, p99, mean;
	int n;
};

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct stats summarize(double *v, int n)
{
	struct stats s = { .n = n };
	double sum = 0;

	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	for (int i = 0; i < n; i++)
		sum += v[i];
	s.mean = sum / n;
	s.p50 = v[n / 2];
	s.p99 = v[(int)((n - 1) * 0.99)];
	return s;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "spool_bench: %s: %s\n", what, ogx_errmsg(err));
	exit(1);
}

static void json_stats(FILE *f, const char *name, struct stats s)
{
	fprintf(f, "\"%s\": {\"p50\": %.2f, \"p99\": %.2f, \"mean\": %.2f, \"n\": %d}", name, s.p50,
		s.p99, s.mean, s.n);
}

/*
 * The floor rows: a file of FLOOR_FILE bytes written and synced first, then
 * N_SYNC durable writes of one record each, walking through it. Mode 0:
 * pwrite + fdatasync; mode 1: O_DIRECT, the 4 KiB block holding the record,
 * pwritev2(RWF_DSYNC). Returns -errno (O_DIRECT refused by the file system:
 * -EINVAL, the row is then left out).
 */
static int floor_run(const char *dir, int mode, struct stats *out, double *v)
{
	char path[300];
	uint8_t *buf;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/floor", dir);
	if (posix_memalign((void **)&buf, 4096, FLOOR_FILE))
		return -ENOMEM;
	memset(buf, 0x5a, FLOOR_FILE);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || pwrite(fd, buf, FLOOR_FILE, 0) != FLOOR_FILE || fsync(fd)) {
		err = -errno;
		goto out;
	}
	if (mode == 1) {
		close(fd);
		fd = open(path, O_RDWR | O_DIRECT);
		if (fd < 0) {
			err = -errno;
			goto out;
		}
	}
	for (int i = 0; i < N_SYNC; i++) {
		off_t off = (off_t)i * REC_LEN % (FLOOR_FILE - 4096);
		double t0 = now_us();

		if (mode == 0) {
			if (pwrite(fd, buf, REC_LEN, off) != REC_LEN || fdatasync(fd))
				err = -errno;
		} else {
			struct iovec iv = { buf, 4096 };

			if (pwritev2(fd, &iv, 1, off & ~(off_t)4095, RWF_DSYNC) != 4096)
				err = -errno;
		}
		v[i] = now_us() - t0;
		if (err)
			goto out;
	}
	*out = summarize(v, N_SYNC);
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
	free(buf);
	return err ? err : 0;
}

/*
 * The mark rows. mark: N_SYNC pwrites of the mark alone (an append before
 * each, untimed, so that each raises it). with/raw: N_SYNC batches of one
 * record each way, alternating which goes first.
 */
static void mark_run(const char *dir, const struct iovec *rec, double *v, struct stats *mark,
		     struct stats *with, struct stats *raw)
{
	double *w = calloc(N_SYNC, sizeof(*w)), *r = calloc(N_SYNC, sizeof(*r));
	struct ogx_spool *a, *b;
	char da[300], db[300];
	uint64_t first;
	int err;

	snprintf(da, sizeof(da), "%s/mark-a", dir);
	snprintf(db, sizeof(db), "%s/mark-b", dir);
	if (!w || !r)
		die("mark", -ENOMEM);
	if ((err = ogx_spool_open(&a, da, NULL)) || (err = ogx_spool_open(&b, db, NULL)))
		die("mark: open", err);
	for (int i = 0; i < N_SYNC; i++) {
		double t0;

		if ((err = ogx_spool_append(a, rec, 1, &first)))
			die("append", err);
		t0 = now_us();
		err = ogx_spool_mark_acked(a, first + 1);
		v[i] = now_us() - t0;
		if (err)
			die("mark", err);
	}
	*mark = summarize(v, N_SYNC);
	if ((err = ogx_spool_sync(a)))
		die("sync", err);
	for (int i = 0; i < 2 * N_SYNC; i++) {
		double t0 = now_us();

		if ((i & 1) == (i / 2 & 1)) {
			err = ogx_spool_append_sync(a, rec, 1, &first);
			w[i / 2] = now_us() - t0;
		} else {
			err = ogx_spool_plan(b, rec, 1, true, &plan_w);
			if (!err && pwritev(plan_w.fd, plan_w.iov, plan_w.iovcnt,
					    (off_t)plan_w.off) != (ssize_t)plan_w.bytes)
				err = -EIO;
			if (!err && fdatasync(plan_w.fd))
				err = -errno;
			r[i / 2] = now_us() - t0;
		}
		if (err)
			die("batch 1 with/without the mark", err);
	}
	*with = summarize(w, N_SYNC);
	*raw = summarize(r, N_SYNC);
	ogx_spool_close(a);
	ogx_spool_close(b);
	free(w);
	free(r);
}

int main(void)
{
	static const int batches[] = { 1, 8, 64 };
	struct stats append, sync, per_rec[3], per_batch[3], floor[2], mark, with_mark, raw;
	int floor_err[2];
	const char *tmp = getenv("TMPDIR");
	const char *json = getenv("OGX_BENCH_JSON");
	static uint8_t rec[64][REC_LEN];
	struct iovec iov[64];
	char dir[256], cmd[300];
	struct ogx_spool *sp;
	struct statfs fs;
	uint64_t first, n_records;
	double open_us, last_us;
	double *v;
	int err;

	snprintf(dir, sizeof(dir), "%s/ogx-spool-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("spool_bench: mkdtemp");
		return 1;
	}
	v = calloc(N_APPEND, sizeof(*v));
	if (!v)
		return 1;
	for (int i = 0; i < 64; i++) {
		for (int k = 0; k < REC_LEN; k++)
			rec[i][k] = (uint8_t)(i * 31 + k);
		iov[i] = (struct iovec){ rec[i], REC_LEN };
	}
	err = ogx_spool_open(&sp, dir, NULL);
	if (err)
		die(dir, err);

	/* Warm up: the first appends allocate blocks and fault pages in. */
	for (int i = 0; i < 1000; i++)
		if ((err = ogx_spool_append(sp, iov, 1, &first)))
			die("append", err);
	if ((err = ogx_spool_sync(sp)))
		die("sync", err);

	for (int i = 0; i < N_APPEND; i++) {
		double t0 = now_us();

		err = ogx_spool_append(sp, iov, 1, &first);
		v[i] = now_us() - t0;
		if (err)
			die("append", err);
	}
	append = summarize(v, N_APPEND);
	if ((err = ogx_spool_sync(sp)))
		die("sync", err);

	for (int i = 0; i < N_SYNC; i++) {
		double t0;

		if ((err = ogx_spool_append(sp, iov, 1, &first)))
			die("append", err);
		t0 = now_us();
		err = ogx_spool_sync(sp);
		v[i] = now_us() - t0;
		if (err)
			die("sync", err);
	}
	sync = summarize(v, N_SYNC);

	for (int b = 0; b < 3; b++) {
		double *pb = calloc(N_ROUNDS, sizeof(*pb));

		if (!pb)
			return 1;
		for (int i = 0; i < N_ROUNDS; i++) {
			double t0 = now_us();

			err = ogx_spool_append_sync(sp, iov, (size_t)batches[b], &first);
			pb[i] = now_us() - t0;
			v[i] = pb[i] / batches[b];
			if (err)
				die("append+sync", err);
		}
		per_rec[b] = summarize(v, N_ROUNDS);
		per_batch[b] = summarize(pb, N_ROUNDS);
		free(pb);
	}
	ogx_spool_close(sp);

	/* Reopen: what a restarted node pays before it can continue its chain. */
	{
		uint8_t *last;
		size_t last_len;
		uint64_t idx;
		double t0 = now_us();

		err = ogx_spool_open(&sp, dir, NULL);
		open_us = now_us() - t0;
		if (err)
			die("reopen", err);
		t0 = now_us();
		err = ogx_spool_last(sp, &idx, &last, &last_len);
		last_us = now_us() - t0;
		if (err)
			die("last", err);
		free(last);
		n_records = ogx_spool_next_index(sp);
		ogx_spool_close(sp);
	}
	mark_run(dir, iov, v, &mark, &with_mark, &raw);
	for (int m = 0; m < 2; m++)
		if ((floor_err[m] = floor_run(dir, m, &floor[m], v)) && floor_err[m] != -EINVAL)
			die("floor", floor_err[m]);
	if (statfs(dir, &fs))
		fs.f_type = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "spool_bench: could not remove %s\n", dir);

	printf("spool: %d-byte records, file system type %#lx under %s\n", REC_LEN,
	       (unsigned long)fs.f_type, tmp && *tmp ? tmp : "/tmp");
	printf("%-32s %10s %10s %10s %7s\n", "operation", "p50 µs", "p99 µs", "mean µs", "n");
	printf("%-32s %10.2f %10.2f %10.2f %7d\n", "append 1 record, no sync", append.p50,
	       append.p99, append.mean, append.n);
	printf("%-32s %10.2f %10.2f %10.2f %7d\n", "fdatasync after 1 record", sync.p50, sync.p99,
	       sync.mean, sync.n);
	for (int b = 0; b < 3; b++) {
		char name[64];

		snprintf(name, sizeof(name), "group commit %2d: per record", batches[b]);
		printf("%-32s %10.2f %10.2f %10.2f %7d\n", name, per_rec[b].p50, per_rec[b].p99,
		       per_rec[b].mean, per_rec[b].n);
		snprintf(name, sizeof(name), "group commit %2d: per batch", batches[b]);
		printf("%-32s %10.2f %10.2f %10.2f %7d\n", name, per_batch[b].p50,
		       per_batch[b].p99, per_batch[b].mean, per_batch[b].n);
	}
	printf("%-32s %10.2f %10.2f %10.2f %7d\n", "ack mark: its pwrite alone", mark.p50,
	       mark.p99, mark.mean, mark.n);
	printf("%-32s %10.2f %10.2f %10.2f %7d\n", "batch 1 with the mark", with_mark.p50,
	       with_mark.p99, with_mark.mean, with_mark.n);
	printf("%-32s %10.2f %10.2f %10.2f %7d\n", "batch 1 raw (no mark)", raw.p50, raw.p99,
	       raw.mean, raw.n);
	if (!floor_err[0])
		printf("%-32s %10.2f %10.2f %10.2f %7d\n", "floor: overwrite + fdatasync",
		       floor[0].p50, floor[0].p99, floor[0].mean, floor[0].n);
	if (!floor_err[1])
		printf("%-32s %10.2f %10.2f %10.2f %7d\n", "floor: O_DIRECT 4 KiB RWF_DSYNC",
		       floor[1].p50, floor[1].p99, floor[1].mean, floor[1].n);
	else
		printf("floor: O_DIRECT refused by this file system\n");
	printf("reopen (scan of a %.1f MiB segment, %" PRIu64 " records): %.0f µs;"
	       " last record: %.1f µs\n",
	       (double)n_records * (REC_LEN + 20) / (1 << 20), n_records, open_us, last_us);

	if (json && *json) {
		FILE *f = fopen(json, "w");

		if (!f) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\"bench\": \"spool\", \"record_bytes\": %d, \"fs_type\": \"%#lx\", ",
			REC_LEN, (unsigned long)fs.f_type);
		json_stats(f, "append_nosync_us", append);
		fprintf(f, ", ");
		json_stats(f, "fdatasync_us", sync);
		fprintf(f, ", \"group_commit\": [");
		for (int b = 0; b < 3; b++) {
			fprintf(f, "%s{\"batch\": %d, ", b ? ", " : "", batches[b]);
			json_stats(f, "per_record_us", per_rec[b]);
			fprintf(f, ", ");
			json_stats(f, "per_batch_us", per_batch[b]);
			fprintf(f, "}");
		}
		fprintf(f, "], ");
		json_stats(f, "mark_pwrite_us", mark);
		fprintf(f, ", ");
		json_stats(f, "batch1_with_mark_us", with_mark);
		fprintf(f, ", ");
		json_stats(f, "batch1_raw_us", raw);
		for (int m = 0; m < 2; m++) {
			if (floor_err[m])
				continue;
			fprintf(f, ", ");
			json_stats(f, m ? "floor_odirect_dsync_us" : "floor_overwrite_fdatasync_us",
				   floor[m]);
		}
		fprintf(f, ", \"reopen_us\": %.1f, \"reopen_records\": %" PRIu64
			", \"last_record_us\": %.1f}\n", open_us, n_records, last_us);
		if (fclose(f)) {
			perror(json);
			return 1;
		}
	}
	free(v);
	return 0;
}
