// SPDX-License-Identifier: GPL-2.0
/*
 * EXTEND throughput of ogx.ko, run inside the qemu guest by
 * `make bench-kmod` (tests/kmod/run.t with OGX_KMOD_BENCH=1): events/s and
 * µs/event through ioctl(), through uring_cmd one per submit, and batched
 * 32 per submit; next to it, the cost of the Ed25519 signature the runtime
 * makes per record, for scale. Prints a table, and the JSON on one line
 * after "OGX-JSON " for run.t to store. It never fails on a time.
 */
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proof/kmod.h"

#define EVENTS	16384
#define BATCH	32

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct ogx_extend xs[EVENTS];
static int res[EVENTS];

static double bench_ioctl(int fd)
{
	struct ogx_kmod k = { .fd = fd };
	double t = now();
	int i;

	for (i = 0; i < EVENTS; i++)
		if (ogx_kmod_extend(&k, &xs[i]))
			exit(1);
	return now() - t;
}

static double bench_uring(int fd, unsigned int batch)
{
	struct ogx_kmod k = { .fd = fd };
	double t;
	int i;

	if (ogx_kmod_ring_init(&k, batch))
		exit(1);
	t = now();
	for (i = 0; i < EVENTS; i += batch)
		if (ogx_kmod_extend_batch(&k, xs + i, res + i, batch))
			exit(1);
	t = now() - t;
	io_uring_queue_exit(&k.ring);
	return t;
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

int main(void)
{
	double t_ioctl, t_uring1, t_uring32, t_sign;
	int fd, i;

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
	bench_ioctl(fd);	/* warm: exe digest cached, pages touched */
	t_ioctl = bench_ioctl(fd);
	t_uring1 = bench_uring(fd, 1);
	t_uring32 = bench_uring(fd, BATCH);
	t_sign = bench_sign();

	printf("# %-28s %12s %10s\n", "path (16384 EXTENDs)", "events/s", "us/event");
	printf("# %-28s %12.0f %10.2f\n", "ioctl", EVENTS / t_ioctl, t_ioctl / EVENTS * 1e6);
	printf("# %-28s %12.0f %10.2f\n", "uring_cmd, 1 per submit", EVENTS / t_uring1,
	       t_uring1 / EVENTS * 1e6);
	printf("# %-28s %12.0f %10.2f\n", "uring_cmd, 32 per submit", EVENTS / t_uring32,
	       t_uring32 / EVENTS * 1e6);
	printf("# %-28s %12.0f %10.2f\n", "Ed25519 sign of 256 B (user)", EVENTS / t_sign,
	       t_sign / EVENTS * 1e6);
	printf("# batched uring_cmd / ioctl: %.2fx\n", t_ioctl / t_uring32);
	printf("OGX-JSON {\"events\":%d,\"ioctl_events_per_s\":%.0f,"
	       "\"uring1_events_per_s\":%.0f,\"uring32_events_per_s\":%.0f,"
	       "\"ed25519_signs_per_s\":%.0f,\"uring32_over_ioctl\":%.3f}\n",
	       EVENTS, EVENTS / t_ioctl, EVENTS / t_uring1, EVENTS / t_uring32,
	       EVENTS / t_sign, t_ioctl / t_uring32);
	close(fd);
	return 0;
}
