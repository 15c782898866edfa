/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every ogx.ko test binary shares: raw ioctl and uring_cmd helpers,
 * loading and unloading the module with other parameters, reading a PCR,
 * and the ogx fixture, which opens /dev/ogx and fails the test when the
 * kernel log gains a WARNING:, BUG: or Oops while it runs.
 */
#ifndef OGX_TESTS_KMOD_FIXTURE_H
#define OGX_TESTS_KMOD_FIXTURE_H

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "proof/kmod.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/hex.h"

#define OGX_CMD(nr, size) _IOC(_IOC_READ | _IOC_WRITE, OGX_IOCTL_BASE, nr, size)
#define BAD_KERNEL_PTR ((void *)0xffff888000000000ULL)

static inline int ogx_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static inline void fill_extend(struct ogx_extend *x, unsigned int i)
{
	memset(x, 0, sizeof(*x));
	x->type = OGX_EVENT_JOB;
	memset(x->model, 0x10 + (i & 7), sizeof(x->model));
	memcpy(x->input, &i, sizeof(i));
	memset(x->output, 0x55, sizeof(x->output));
}

static inline void to_verify(struct ogx_verify *v, const struct ogx_extend *x)
{
	memset(v, 0, sizeof(*v));
	v->seq = x->seq;
	memcpy(v->digest, x->digest, sizeof(v->digest));
	memcpy(v->head, x->head, sizeof(v->head));
	memcpy(v->mac, x->mac, sizeof(v->mac));
}

/* Submits one uring_cmd on a fresh ring and returns the CQE's result. */
static inline int uring_cmd_once(int fd, unsigned int ring_flags, unsigned int cmd,
			  void *arg, uint64_t pad)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int ret;

	ret = io_uring_queue_init(4, &ring, ring_flags);
	if (ret)
		return ret;
	sqe = io_uring_get_sqe(&ring);
	ogx_kmod_prep_cmd(sqe, fd, cmd, arg);
	memcpy(sqe->cmd + 8, &pad, sizeof(pad));
	ret = io_uring_submit_and_wait(&ring, 1);
	if (ret == 1) {
		ret = io_uring_wait_cqe(&ring, &cqe);
		if (!ret) {
			ret = cqe->res;
			io_uring_cqe_seen(&ring, cqe);
		}
	} else if (ret >= 0) {
		ret = -EIO;
	}
	io_uring_queue_exit(&ring);
	return ret;
}

/* The parameters the guest loads the module with (tests/kmod/guest-init). */
#define BASE_PARAMS "ring_events=16384"

static inline int unload(void)
{
	return syscall(SYS_delete_module, "ogx", O_NONBLOCK) ? -errno : 0;
}

/* io_uring tears a ring down in a worker: its files go a little later. */
static inline int unload_settled(void)
{
	int i, ret = -EWOULDBLOCK;

	for (i = 0; i < 500 && ret == -EWOULDBLOCK; i++) {
		ret = unload();
		if (ret == -EWOULDBLOCK)
			usleep(10000);
	}
	return ret;
}

static inline int load(const char *params)
{
	const char *ko = getenv("OGX_KO");
	int fd, ret;

	if (!ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* Closes the fixture's file, then reloads with params. */
static inline int reload(int *fd, const char *params)
{
	int ret;

	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	ret = unload_settled();
	if (ret)
		return ret;
	ret = load(params);
	if (!ret)
		*fd = open("/dev/ogx", O_RDWR);
	return ret;
}

/* The SHA-256 bank's PCR pcr, from sysfs. */
static inline int read_pcr(int pcr, uint8_t out[32])
{
	char path[64], hex[80] = { 0 };
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/tpm/tpm0/pcr-sha256/%d", pcr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, hex, sizeof(hex) - 1);
	close(fd);
	if (n < 64)
		return -EIO;
	hex[64] = 0;
	return ogx_unhex(out, 32, hex);
}

/*
 * Reloads with pcr=$OGX_PCR, the guest's swtpm, having read that PCR into
 * before; *pcr gets its number.
 */
static inline int reload_anchored(int *fd, int *pcr, uint8_t before[32])
{
	const char *env = getenv("OGX_PCR");
	char params[64];
	int ret;

	if (!env)
		return -ENOENT;
	*pcr = atoi(env);
	ret = read_pcr(*pcr, before);
	if (ret)
		return ret;
	snprintf(params, sizeof(params), "%s pcr=%d", BASE_PARAMS, *pcr);
	ret = reload(fd, params);
	return ret ? ret : *fd < 0 ? -errno : 0;
}

/* What the PCR becomes from pcr when the events' digests are extended into it. */
static inline void pcr_fold(uint8_t pcr[32], const struct ogx_event *ev, size_t n)
{
	uint8_t buf[64];
	size_t i;

	for (i = 0; i < n; i++) {
		memcpy(buf, pcr, 32);
		memcpy(buf + 32, ev[i].digest, 32);
		ogx_sha256(pcr, buf, 64);
	}
}

/* 1 when the kernel log gained a line with WARNING:, BUG: or Oops. */
static inline int kmsg_bad(int kmsg)
{
	char rec[8192];
	ssize_t n;
	int bad = 0;

	for (;;) {
		n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: keep reading */
		if (n <= 0)
			break;
		rec[n] = 0;
		if (strstr(rec, "WARNING:") || strstr(rec, "BUG:") ||
		    strstr(rec, "Oops")) {
			fprintf(stderr, "# kernel: %s", rec);
			bad = 1;
		}
	}
	return bad;
}

FIXTURE(ogx) {
	int fd;
	int kmsg;
};

FIXTURE_SETUP(ogx)
{
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, self->kmsg);
	lseek(self->kmsg, 0, SEEK_END);
	self->fd = open("/dev/ogx", O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("/dev/ogx: %s", strerror(errno));
}

FIXTURE_TEARDOWN(ogx)
{
	if (self->fd >= 0)
		close(self->fd);
	if (kmsg_bad(self->kmsg)) {
		TH_LOG("the kernel log has WARNING:, BUG: or Oops");
		_metadata->passed = 0;
	}
	close(self->kmsg);
}

#endif
