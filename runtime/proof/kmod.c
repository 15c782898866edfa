// SPDX-License-Identifier: GPL-2.0
/*
 * Client of /dev/ogx. ioctl() for single commands; for EXTEND at rate, a
 * ring of 64-byte SQEs carrying IORING_OP_URING_CMD with the ioctl number in
 * cmd_op and a struct ogx_uring_cmd (pointer to the argument) in the command
 * area. liburing 2.3 has no io_uring_prep_uring_cmd(): io_uring_prep_rw()
 * then the fields by hand.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "proof/kmod.h"
#include "util/digest.h"
#include "util/err.h"

int ogx_kmod_open(struct ogx_kmod *k, const char *path)
{
	struct ogx_info info;
	int err;

	memset(k, 0, sizeof(*k));
	path = path ? path : OGX_KMOD_DEV;
	k->fd = open(path, O_RDWR | O_CLOEXEC);
	if (k->fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			return ogx_fail(err, "%s: not present (is ogx.ko loaded?)", path);
		return ogx_fail(err, "%s: %s", path, strerror(-err));
	}
	err = ogx_kmod_info(k, &info);
	if (!err && info.abi_version != OGX_ABI_VERSION)
		err = ogx_fail(-EPROTO, "%s: ABI version %u, want %u", path,
			       info.abi_version, OGX_ABI_VERSION);
	if (err) {
		close(k->fd);
		k->fd = -1;
	}
	return err;
}

void ogx_kmod_close(struct ogx_kmod *k)
{
	if (k->ring_ready)
		io_uring_queue_exit(&k->ring);
	k->ring_ready = false;
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

static int ogx_kmod_ioctl(struct ogx_kmod *k, unsigned long cmd, void *arg)
{
	return ioctl(k->fd, cmd, arg) ? -errno : 0;
}

int ogx_kmod_info(struct ogx_kmod *k, struct ogx_info *info)
{
	return ogx_kmod_ioctl(k, OGX_IOCTL_INFO, info);
}

int ogx_kmod_extend(struct ogx_kmod *k, struct ogx_extend *x)
{
	return ogx_kmod_ioctl(k, OGX_IOCTL_EXTEND, x);
}

int ogx_kmod_extend_vec(struct ogx_kmod *k, struct ogx_extend *xs, unsigned int n,
			unsigned int *done)
{
	struct ogx_extend_vec v;
	int err = 0;

	*done = 0;
	while (*done < n) {
		v = (struct ogx_extend_vec){
			.events = (uintptr_t)&xs[*done],
			.count = n - *done < OGX_EXTEND_VEC_MAX ? n - *done : OGX_EXTEND_VEC_MAX,
			.stride = sizeof(xs[0]),
		};
		err = ogx_kmod_ioctl(k, OGX_IOCTL_EXTEND_VEC, &v);
		if (err)
			break;
		/* A short count: the rest failed; the next call says why. */
		*done += v.done;
	}
	return err;
}

int ogx_kmod_verify(struct ogx_kmod *k, const struct ogx_verify *v)
{
	return ogx_kmod_ioctl(k, OGX_IOCTL_VERIFY, (void *)v);
}

int ogx_kmod_ring_init(struct ogx_kmod *k, unsigned int entries)
{
	int err;

	if (k->ring_ready)
		return 0;
	err = io_uring_queue_init(entries, &k->ring, 0);
	if (err)
		return ogx_fail(err, "io_uring setup: %s", strerror(-err));
	k->ring_ready = true;
	return 0;
}

void ogx_kmod_prep_cmd(struct io_uring_sqe *sqe, int fd, unsigned int cmd,
		       void *arg)
{
	struct ogx_uring_cmd pdu = { .addr = (uintptr_t)arg };

	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = cmd;
	memcpy(sqe->cmd, &pdu, sizeof(pdu));
}

int ogx_kmod_extend_batch(struct ogx_kmod *k, struct ogx_extend *xs,
			  int *res, unsigned int n)
{
	unsigned int done = 0, depth;
	int first = 0;

	if (!k->ring_ready)
		return ogx_fail(-EINVAL, "extend batch: ring not set up");
	depth = k->ring.sq.ring_entries;
	while (done < n) {
		unsigned int i, batch = n - done < depth ? n - done : depth;
		struct io_uring_cqe *cqe;
		int err;

		for (i = 0; i < batch; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&k->ring);

			ogx_kmod_prep_cmd(sqe, k->fd, OGX_IOCTL_EXTEND, &xs[done + i]);
			sqe->user_data = done + i;
		}
		err = io_uring_submit_and_wait(&k->ring, batch);
		if (err < 0)
			return ogx_fail(err, "io_uring submit: %s", strerror(-err));
		for (i = 0; i < batch; i++) {
			err = io_uring_wait_cqe(&k->ring, &cqe);
			if (err)
				return ogx_fail(err, "io_uring wait: %s", strerror(-err));
			if (cqe->user_data < n)
				res[cqe->user_data] = cqe->res;
			if (cqe->res < 0 && !first)
				first = cqe->res;
			io_uring_cqe_seen(&k->ring, cqe);
		}
		done += batch;
	}
	return first;
}

int ogx_kmod_replay(const struct ogx_event *ev, size_t n, uint64_t first_seq,
		    uint8_t head[OGX_DIGEST_SIZE])
{
	uint8_t digest[OGX_DIGEST_SIZE], buf[2 * OGX_DIGEST_SIZE];
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t seq = le64toh(ev[i].seq);

		if (seq != first_seq + i)
			return ogx_fail(-EBADMSG, "event log: seq %llu where %llu was due",
					(unsigned long long)seq,
					(unsigned long long)(first_seq + i));
		ogx_sha256(digest, &ev[i], offsetof(struct ogx_event, digest));
		if (memcmp(digest, ev[i].digest, OGX_DIGEST_SIZE))
			return ogx_fail(-EBADMSG, "event log: seq %llu: digest mismatch",
					(unsigned long long)seq);
		memcpy(buf, head, OGX_DIGEST_SIZE);
		memcpy(buf + OGX_DIGEST_SIZE, digest, OGX_DIGEST_SIZE);
		ogx_sha256(head, buf, sizeof(buf));
		if (memcmp(head, ev[i].head, OGX_DIGEST_SIZE))
			return ogx_fail(-EBADMSG, "event log: seq %llu: chain head mismatch",
					(unsigned long long)seq);
	}
	return 0;
}

int ogx_kmod_check_log(struct ogx_kmod *k)
{
	uint8_t head[OGX_DIGEST_SIZE] = { 0 };
	struct ogx_event ev[64];
	struct ogx_info info;
	uint64_t seq = 0;
	int fd, err = 0;
	ssize_t r;
	char path[64];

	/* A fresh open reads from seq 0, whatever k->fd has consumed. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", k->fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ogx_fail(-errno, "%s: %s", OGX_KMOD_DEV, strerror(errno));
	err = ogx_kmod_info(k, &info);
	if (!err && info.dropped)
		err = ogx_fail(-ENODATA, "event log: %llu events dropped from the ring",
			       (unsigned long long)info.dropped);
	while (!err && seq < info.events) {
		r = read(fd, ev, sizeof(ev));
		if (r < 0) {
			err = ogx_fail(-errno, "event log: read: %s", strerror(errno));
			break;
		}
		if (r == 0 || r % sizeof(ev[0]))
			break;
		if (seq + r / sizeof(ev[0]) > info.events)
			r = (info.events - seq) * sizeof(ev[0]);
		err = ogx_kmod_replay(ev, r / sizeof(ev[0]), seq, head);
		seq += r / sizeof(ev[0]);
	}
	close(fd);
	if (!err && seq != info.events)
		err = ogx_fail(-EBADMSG, "event log: %llu events read, %llu issued",
			       (unsigned long long)seq, (unsigned long long)info.events);
	if (!err && memcmp(head, info.head, OGX_DIGEST_SIZE))
		err = ogx_fail(-EBADMSG, "event log: replay does not reach the head");
	return err;
}
