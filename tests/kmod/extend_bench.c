// SPDX-License-Identifier: GPL-2.0
/*
 * EXTEND throughput of ogx.ko, run inside the qemu guest by
 * `make bench-kmod` (tests/kmod/run.t with OGX_KMOD_BENCH=1): events/s and
 * µs/event through ioctl() one event per call (the reference every ratio is
 * taken against), through uring_cmd one per submit and 32 SQEs per submit,
 * and through EXTEND_VEC (32 and 64 events per command) by ioctl() and by
 * uring_cmd; INFO by ioctl() and 32 per submit, which isolates the cost of
 * the transport from the kernel step; VERIFY by ioctl(), which is INFO's
 * transport plus one MAC; next to it, the cost of the Ed25519 signature the
 * runtime makes per record, for scale. Each figure is the best of ROUNDS
 * rounds that interleave the paths (the machine is shared and its load
 * swings).
 *
 * A MAC costs a few µs, less than a loaded host's noise in a 16,384-call
 * total, so it is measured apart: INFO, VERIFY and EXTEND by ioctl() in
 * short windows of WINDOW calls, interleaved, and the fastest window of
 * each (the one the host disturbed least); VERIFY - INFO is the MAC, the
 * rest of the two being the same transport and lock.
 *
 * Prints a table, and the JSON on one line after "OGX-JSON " for run.t to
 * store. It never fails on a time.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "proof/kmod.h"

#define EVENTS	16384
#define BATCH	32
#define ROUNDS	7
#define WINDOW	64	/* calls per window */
#define WINDOWS	256	/* windows per command and round */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct ogx_extend xs[EVENTS];
static struct ogx_info infos[EVENTS];
static struct ogx_extend_vec vecs[EVENTS];
static struct ogx_verify verifies[EVENTS];

/* The argument of call i: vectors of per_vec events over xs, or one struct. */
static void *arg(unsigned int cmd, unsigned int i, unsigned int per_vec)
{
	if (cmd == OGX_IOCTL_INFO)
		return &infos[i];
	if (cmd == OGX_IOCTL_EXTEND)
		return &xs[i];
	if (cmd == OGX_IOCTL_VERIFY)
		return &verifies[i];
	vecs[i] = (struct ogx_extend_vec){
		.events = (uintptr_t)&xs[i * per_vec],
		.count = per_vec,
		.stride = sizeof(xs[0]),
	};
	return &vecs[i];
}

/* EVENTS events (or INFOs) in calls of per_vec events each. */
static double bench_ioctl(int fd, unsigned int cmd, unsigned int per_vec)
{
	double t = now();
	unsigned int i;

	for (i = 0; i < EVENTS / per_vec; i++)
		if (ioctl(fd, cmd, arg(cmd, i, per_vec)))
			exit(1);
	return now() - t;
}

/* Like ogx_kmod_extend_batch(), for any command: batch SQEs per submit. */
static double bench_uring(int fd, unsigned int cmd, unsigned int batch,
			  unsigned int per_vec)
{
	unsigned int i, j, calls = EVENTS / per_vec;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	double t;

	if (io_uring_queue_init(batch, &ring, 0))
		exit(1);
	t = now();
	for (i = 0; i < calls; i += batch) {
		for (j = 0; j < batch; j++)
			ogx_kmod_prep_cmd(io_uring_get_sqe(&ring), fd, cmd,
					  arg(cmd, i + j, per_vec));
		if (io_uring_submit_and_wait(&ring, batch) != (int)batch)
			exit(1);
		for (j = 0; j < batch; j++) {
			if (io_uring_wait_cqe(&ring, &cqe) || cqe->res)
				exit(1);
			io_uring_cqe_seen(&ring, cqe);
		}
	}
	t = now() - t;
	io_uring_queue_exit(&ring);
	return t;
}

static double min(double a, double b)
{
	return a < b ? a : b;
}

static double bench_sign(void)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char sig[crypto_sign_BYTES], rec[256];
	double t;
	int i, n = 2048;

	crypto_sign_keypair(pk, sk);
	memset(rec, 7, sizeof(rec));
	t = now();
	for (i = 0; i < n; i++) {
		rec[0] = i;
		crypto_sign_detached(sig, NULL, rec, sizeof(rec), sk);
	}
	return (now() - t) / n * EVENTS;
}

/* VERIFY arguments for the evidence the last EXTEND run left in xs. */
static void verify_args(void)
{
	unsigned int i;

	for (i = 0; i < EVENTS; i++) {
		verifies[i] = (struct ogx_verify){ .seq = xs[i].seq };
		memcpy(verifies[i].digest, xs[i].digest, OGX_DIGEST_SIZE);
		memcpy(verifies[i].head, xs[i].head, OGX_DIGEST_SIZE);
		memcpy(verifies[i].mac, xs[i].mac, OGX_MAC_SIZE);
	}
}

static double bench_verify(int fd)
{
	verify_args();
	return bench_ioctl(fd, OGX_IOCTL_VERIFY, 1);
}

enum { WIN_INFO, WIN_VERIFY, WIN_EXTEND, NWIN };

static const unsigned int win_cmd[NWIN] = {
	[WIN_INFO] = OGX_IOCTL_INFO,
	[WIN_VERIFY] = OGX_IOCTL_VERIFY,
	[WIN_EXTEND] = OGX_IOCTL_EXTEND,
};

/* Lowers best[c] to the fastest window's seconds per call of each command. */
static void bench_windows(int fd, double best[NWIN])
{
	unsigned int w, c, i, at;
	double t;

	verify_args();	/* before the EXTEND windows rewrite xs */
	for (w = 0; w < WINDOWS; w++) {
		for (c = 0; c < NWIN; c++) {
			at = w * WINDOW % EVENTS;
			t = now();
			for (i = 0; i < WINDOW; i++)
				if (ioctl(fd, win_cmd[c], arg(win_cmd[c], at + i, 1)))
					exit(1);
			t = (now() - t) / WINDOW;
			if (t < best[c])
				best[c] = t;
		}
	}
}

enum {
	EXT_IOCTL, EXT_URING1, EXT_URING32, VEC32_IOCTL, VEC64_IOCTL,
	VEC32_URING, INFO_IOCTL, INFO_URING32, VERIFY_IOCTL, SIGN, NPATHS
};

static const struct path {
	const char *name;	/* table row */
	const char *key;	/* JSON */
	bool extend;		/* events appended: a ratio to EXTEND ioctl */
} paths[NPATHS] = {
	[EXT_IOCTL] = { "EXTEND ioctl, 1 event/call", "extend_ioctl", true },
	[EXT_URING1] = { "EXTEND uring_cmd, 1 SQE/submit", "extend_uring1", true },
	[EXT_URING32] = { "EXTEND uring_cmd, 32 SQEs/submit", "extend_uring32", true },
	[VEC32_IOCTL] = { "EXTEND_VEC ioctl, 32 events/call", "extend_vec32_ioctl", true },
	[VEC64_IOCTL] = { "EXTEND_VEC ioctl, 64 events/call", "extend_vec64_ioctl", true },
	[VEC32_URING] = { "EXTEND_VEC uring_cmd, 32 ev/SQE", "extend_vec32_uring1", true },
	[INFO_IOCTL] = { "INFO ioctl", "info_ioctl", false },
	[INFO_URING32] = { "INFO uring_cmd, 32 SQEs/submit", "info_uring32", false },
	[VERIFY_IOCTL] = { "VERIFY ioctl (INFO's cost + a MAC)", "verify_ioctl", false },
	[SIGN] = { "Ed25519 sign, 256 B (user)", "ed25519_sign", false },
};

static double run(int fd, int p)
{
	switch (p) {
	case EXT_IOCTL: return bench_ioctl(fd, OGX_IOCTL_EXTEND, 1);
	case EXT_URING1: return bench_uring(fd, OGX_IOCTL_EXTEND, 1, 1);
	case EXT_URING32: return bench_uring(fd, OGX_IOCTL_EXTEND, BATCH, 1);
	case VEC32_IOCTL: return bench_ioctl(fd, OGX_IOCTL_EXTEND_VEC, 32);
	case VEC64_IOCTL: return bench_ioctl(fd, OGX_IOCTL_EXTEND_VEC, OGX_EXTEND_VEC_MAX);
	case VEC32_URING: return bench_uring(fd, OGX_IOCTL_EXTEND_VEC, 1, 32);
	case INFO_IOCTL: return bench_ioctl(fd, OGX_IOCTL_INFO, 1);
	case INFO_URING32: return bench_uring(fd, OGX_IOCTL_INFO, BATCH, 1);
	case VERIFY_IOCTL: return bench_verify(fd);
	default: return bench_sign();
	}
}

int main(void)
{
	double t[NPATHS], win[NWIN] = { 1e9, 1e9, 1e9 }, mac_us;
	int fd, i, p, round;

	if (sodium_init() < 0)
		return 1;
	fd = open("/dev/ogx", O_RDWR);
	if (fd < 0) {
		perror("/dev/ogx");
		return 1;
	}
	for (i = 0; i < EVENTS; i++) {
		xs[i].type = OGX_EVENT_JOB;
		memcpy(xs[i].input, &i, sizeof(i));
	}
	bench_ioctl(fd, OGX_IOCTL_EXTEND, 1);	/* warm: exe digest cached */
	/* Rounds interleave the paths, so that load drift hits all alike. */
	for (p = 0; p < NPATHS; p++)
		t[p] = 1e9;
	for (round = 0; round < ROUNDS; round++) {
		for (p = 0; p < NPATHS; p++)
			t[p] = min(t[p], run(fd, p));
		bench_windows(fd, win);
	}
	mac_us = (win[WIN_VERIFY] - win[WIN_INFO]) * 1e6;

	printf("# %-34s %10s %9s %8s\n", "path (16384 events, best of 7)",
	       "events/s", "us/event", "x ioctl");
	for (p = 0; p < NPATHS; p++) {
		printf("# %-34s %10.0f %9.2f", paths[p].name, EVENTS / t[p],
		       t[p] / EVENTS * 1e6);
		if (paths[p].extend)
			printf(" %7.2fx", t[EXT_IOCTL] / t[p]);
		printf("\n");
	}
	printf("# x ioctl: events/s over EXTEND ioctl, 1 event/call\n");
	printf("# fastest of %dx%d windows of %d calls, us/call: INFO %.2f, VERIFY %.2f, EXTEND %.2f\n",
	       ROUNDS, WINDOWS, WINDOW, win[WIN_INFO] * 1e6,
	       win[WIN_VERIFY] * 1e6, win[WIN_EXTEND] * 1e6);
	printf("# MAC, estimated as VERIFY - INFO of those: %.2f us\n", mac_us);
	printf("OGX-JSON {\"events\":%d", EVENTS);
	for (p = 0; p < NPATHS; p++) {
		printf(",\"%s_per_s\":%.0f", paths[p].key, EVENTS / t[p]);
		if (paths[p].extend && p != EXT_IOCTL)
			printf(",\"%s_over_ioctl\":%.3f", paths[p].key, t[EXT_IOCTL] / t[p]);
	}
	printf(",\"window_info_us\":%.3f,\"window_verify_us\":%.3f,"
	       "\"window_extend_us\":%.3f,\"mac_est_us\":%.3f}\n",
	       win[WIN_INFO] * 1e6, win[WIN_VERIFY] * 1e6,
	       win[WIN_EXTEND] * 1e6, mac_us);
	close(fd);
	return 0;
}
