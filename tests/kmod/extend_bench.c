// SPDX-License-Identifier: GPL-2.0
/*
 * EXTEND throughput of ogx.ko, run inside the qemu guest by
 * `make bench-kmod` (tests/kmod/run.t with OGX_KMOD_BENCH=1): events/s and
 * µs/event through ioctl(), through uring_cmd one per submit, and batched
 * 32 per submit; INFO the same ways, which isolates the cost of the
 * transport from the kernel step; next to it, the cost of the Ed25519
 * signature the runtime makes per record, for scale. Each figure is the best
 * of 3 rounds (the machine is shared). Prints a table, and the JSON on one line
 * after "OGX-JSON " for run.t to store. It never fails on a time.
 */
#include <fcntl.h>
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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct ogx_extend xs[EVENTS];
static struct ogx_info infos[EVENTS];

static double bench_ioctl(int fd, unsigned int cmd)
{
	double t = now();
	int i;

	for (i = 0; i < EVENTS; i++)
		if (ioctl(fd, cmd, cmd == OGX_IOCTL_INFO ? (void *)&infos[i] : (void *)&xs[i]))
			exit(1);
	return now() - t;
}

/* Like ogx_kmod_extend_batch(), for any command. */
static double bench_uring(int fd, unsigned int cmd, unsigned int batch)
{
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	unsigned int i, j;
	double t;

	if (io_uring_queue_init(batch, &ring, 0))
		exit(1);
	t = now();
	for (i = 0; i < EVENTS; i += batch) {
		for (j = 0; j < batch; j++)
			ogx_kmod_prep_cmd(io_uring_get_sqe(&ring), fd, cmd,
					  cmd == OGX_IOCTL_INFO ? (void *)&infos[i + j] :
								  (void *)&xs[i + j]);
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

static void row(const char *what, double t)
{
	printf("# %-30s %12.0f %10.2f\n", what, EVENTS / t, t / EVENTS * 1e6);
}

int main(void)
{
	double t_ioctl, t_uring1, t_uring32, t_sign, i_ioctl, i_uring32;
	int fd, i, round;

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
	bench_ioctl(fd, OGX_IOCTL_EXTEND);	/* warm: exe digest cached */
	/* Rounds interleave the paths, so that load drift hits all alike. */
	t_ioctl = t_uring1 = t_uring32 = i_ioctl = i_uring32 = t_sign = 1e9;
	for (round = 0; round < 3; round++) {
		t_ioctl = min(t_ioctl, bench_ioctl(fd, OGX_IOCTL_EXTEND));
		t_uring1 = min(t_uring1, bench_uring(fd, OGX_IOCTL_EXTEND, 1));
		t_uring32 = min(t_uring32, bench_uring(fd, OGX_IOCTL_EXTEND, BATCH));
		i_ioctl = min(i_ioctl, bench_ioctl(fd, OGX_IOCTL_INFO));
		i_uring32 = min(i_uring32, bench_uring(fd, OGX_IOCTL_INFO, BATCH));
		t_sign = min(t_sign, bench_sign());
	}

	printf("# %-30s %12s %10s\n", "path (16384 calls, best of 3)", "calls/s", "us/call");
	row("EXTEND ioctl", t_ioctl);
	row("EXTEND uring_cmd, 1/submit", t_uring1);
	row("EXTEND uring_cmd, 32/submit", t_uring32);
	row("INFO ioctl", i_ioctl);
	row("INFO uring_cmd, 32/submit", i_uring32);
	row("Ed25519 sign, 256 B (user)", t_sign);
	printf("# EXTEND batched uring_cmd / ioctl: %.2fx\n", t_ioctl / t_uring32);
	printf("OGX-JSON {\"calls\":%d,\"extend_ioctl_per_s\":%.0f,"
	       "\"extend_uring1_per_s\":%.0f,\"extend_uring32_per_s\":%.0f,"
	       "\"info_ioctl_per_s\":%.0f,\"info_uring32_per_s\":%.0f,"
	       "\"ed25519_signs_per_s\":%.0f,\"extend_uring32_over_ioctl\":%.3f}\n",
	       EVENTS, EVENTS / t_ioctl, EVENTS / t_uring1, EVENTS / t_uring32,
	       EVENTS / i_ioctl, EVENTS / i_uring32, EVENTS / t_sign, t_ioctl / t_uring32);
	close(fd);
	return 0;
}
