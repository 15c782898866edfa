/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every ogx.ko test binary shares: raw ioctl and uring_cmd helpers and
 * the ogx fixture, which opens /dev/ogx and fails the test when the kernel
 * log gains a WARNING:, BUG: or Oops while it runs.
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
