// SPDX-License-Identifier: GPL-2.0
/*
 * EXTEND_VEC: several events appended by one command, through ioctl() and
 * uring_cmd, and every validation path with its errno. Run inside the qemu
 * guest by tests/kmod/run.t like ogx_test.c, with the same fixture.
 */
#include "fixture.h"

#define VEC_MAX OGX_EXTEND_VEC_MAX

static void fill_vec(struct ogx_extend_vec *v, void *events, unsigned int count,
		     unsigned int stride)
{
	memset(v, 0, sizeof(*v));
	v->events = (uintptr_t)events;
	v->count = count;
	v->stride = stride;
}

static uint64_t events_now(int fd)
{
	struct ogx_info info;

	if (ogx_ioctl(fd, OGX_IOCTL_INFO, &info))
		return UINT64_MAX;
	return info.events;
}

/*
 * The n results at xs (stride bytes apart) are the log's events from
 * before->events on: consecutive seqs, the caller's exe, heads chained from
 * before->head, digests and heads as read() returns them, MACs VERIFY takes.
 */
static int check_results(int fd, const struct ogx_info *before, const uint8_t *xs,
			 unsigned int n, size_t stride)
{
	uint8_t exe[32], buf[64], head[32];
	struct ogx_event ev;
	struct ogx_verify v;
	unsigned int i;
	int rfd, ret = 0;

	if (ogx_sha256_self(exe))
		return -EIO;
	memcpy(head, before->head, 32);
	rfd = open("/dev/ogx", O_RDONLY);
	if (rfd < 0)
		return -errno;
	/* Skip to the first event of the vector (the ring holds it: tests are small). */
	do {
		if (read(rfd, &ev, sizeof(ev)) != sizeof(ev)) {
			ret = -ENODATA;
			goto out;
		}
	} while (le64toh(ev.seq) < before->events);
	for (i = 0; i < n; i++) {
		const struct ogx_extend *x = (const void *)(xs + i * stride);

		if (i && read(rfd, &ev, sizeof(ev)) != sizeof(ev)) {
			ret = -ENODATA;
			goto out;
		}
		memcpy(buf, head, 32);
		memcpy(buf + 32, x->digest, 32);
		ogx_sha256(head, buf, 64);
		to_verify(&v, x);
		if (x->seq != before->events + i || le64toh(ev.seq) != x->seq ||
		    memcmp(x->exe, exe, 32) || memcmp(ev.exe, exe, 32) ||
		    memcmp(x->head, head, 32) || memcmp(ev.head, head, 32) ||
		    memcmp(ev.digest, x->digest, 32) || memcmp(ev.input, x->input, 32) ||
		    le64toh(ev.time_ns) != x->time_ns ||
		    ogx_ioctl(fd, OGX_IOCTL_VERIFY, &v)) {
			ret = -EBADMSG;
			goto out;
		}
		ogx_sha256(buf, &ev, offsetof(struct ogx_event, digest));
		if (memcmp(buf, x->digest, 32)) {
			ret = -EBADMSG;
			goto out;
		}
	}
out:
	close(rfd);
	return ret;
}

TEST_F(ogx, vec_ioctl)
{
	struct ogx_extend xs[VEC_MAX];
	struct ogx_extend_vec v;
	struct ogx_info before;
	unsigned int i;

	for (i = 0; i < VEC_MAX; i++)
		fill_extend(&xs[i], 1000 + i);
	xs[3].type = OGX_EVENT_MODEL_LOAD;
	xs[4].flags = OGX_EVENT_F_FAILED;
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &before));
	fill_vec(&v, xs, 8, sizeof(xs[0]));
	v.done = 12345;		/* Out: ignored on input */
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	ASSERT_EQ(8, v.done);
	ASSERT_EQ(0, check_results(self->fd, &before, (uint8_t *)xs, 8, sizeof(xs[0])));
	ASSERT_EQ(before.events + 8, events_now(self->fd));

	/* The largest vector, and one event alone. */
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &before));
	fill_vec(&v, xs, VEC_MAX, sizeof(xs[0]));
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	ASSERT_EQ(VEC_MAX, v.done);
	ASSERT_EQ(0, check_results(self->fd, &before, (uint8_t *)xs, VEC_MAX, sizeof(xs[0])));
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &before));
	fill_vec(&v, xs, 1, sizeof(xs[0]));
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	ASSERT_EQ(1, v.done);
	ASSERT_EQ(0, check_results(self->fd, &before, (uint8_t *)xs, 1, sizeof(xs[0])));
}

TEST_F(ogx, vec_uring_cmd)
{
	struct ogx_extend xs[16];
	struct ogx_extend_vec v;
	struct ogx_info before;
	unsigned int i;

	for (i = 0; i < 16; i++)
		fill_extend(&xs[i], 2000 + i);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &before));
	fill_vec(&v, xs, 16, sizeof(xs[0]));
	ASSERT_EQ(0, uring_cmd_once(self->fd, 0, OGX_IOCTL_EXTEND_VEC, &v, 0));
	ASSERT_EQ(16, v.done);
	/* VERIFY through ioctl inside: the same key and chain on both paths. */
	ASSERT_EQ(0, check_results(self->fd, &before, (uint8_t *)xs, 16, sizeof(xs[0])));

	/* The same validation as ioctl: a few of the paths. */
	fill_vec(&v, xs, 0, sizeof(xs[0]));
	ASSERT_EQ(-EINVAL, uring_cmd_once(self->fd, 0, OGX_IOCTL_EXTEND_VEC, &v, 0));
	fill_vec(&v, xs, VEC_MAX + 1, sizeof(xs[0]));
	ASSERT_EQ(-E2BIG, uring_cmd_once(self->fd, 0, OGX_IOCTL_EXTEND_VEC, &v, 0));
	fill_vec(&v, NULL, 4, sizeof(xs[0]));
	ASSERT_EQ(-EFAULT, uring_cmd_once(self->fd, 0, OGX_IOCTL_EXTEND_VEC, &v, 0));
	fill_vec(&v, xs, 4, sizeof(xs[0]));
	xs[2].flags = 1U << 9;
	ASSERT_EQ(-EINVAL, uring_cmd_once(self->fd, 0, OGX_IOCTL_EXTEND_VEC, &v, 0));
	ASSERT_EQ(-EINVAL, uring_cmd_once(self->fd, 0, OGX_IOCTL_EXTEND_VEC, &v, 1));
	ASSERT_EQ(-EINVAL, uring_cmd_once(self->fd, IORING_SETUP_SQE128,
					   OGX_IOCTL_EXTEND_VEC, &v, 0));
	ASSERT_EQ(before.events + 16, events_now(self->fd));
}

/* Each header check, each element check: its errno, and nothing appended. */
TEST_F(ogx, vec_validation)
{
	struct ogx_extend xs[VEC_MAX + 1];
	struct ogx_extend_vec v;
	struct {
		struct ogx_extend_vec v;
		uint64_t tail[2];
	} big;
	uint8_t buf[64] = { 0 };
	uint64_t events;
	unsigned int i;

	for (i = 0; i <= VEC_MAX; i++)
		fill_extend(&xs[i], 3000 + i);
	events = events_now(self->fd);

	fill_vec(&v, xs, 4, sizeof(xs[0]));
	v.flags = 1;
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	v.flags = 1U << 31;
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	fill_vec(&v, xs, 0, sizeof(xs[0]));
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	fill_vec(&v, xs, VEC_MAX + 1, sizeof(xs[0]));
	ASSERT_EQ(-E2BIG, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	fill_vec(&v, xs, UINT32_MAX, sizeof(xs[0]));
	ASSERT_EQ(-E2BIG, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	/* Strides: below the first version, not a multiple of 8, too long. */
	fill_vec(&v, xs, 2, 0);
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	fill_vec(&v, xs, 2, OGX_EXTEND_SIZE_VER0 - 8);
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	fill_vec(&v, xs, 2, OGX_EXTEND_SIZE_VER0 + 4);
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	fill_vec(&v, xs, 2, 4096 + 8);
	ASSERT_EQ(-E2BIG, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	fill_vec(&v, xs, 2, UINT32_MAX - 7);
	ASSERT_EQ(-E2BIG, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));

	/* One bad element anywhere rejects the whole vector. */
	fill_vec(&v, xs, 8, sizeof(xs[0]));
	xs[5].type = 0;
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	xs[5].type = OGX_EVENT_KEY + 1;
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	xs[5].type = OGX_EVENT_JOB;
	xs[7].flags = 1U << 1;
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	xs[7].flags = 0;

	/* The header's own size rules, as for every command. */
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_CMD(3, 16), buf));
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_CMD(3, sizeof(v) + 4), buf));
	memset(&big, 0, sizeof(big));
	fill_vec(&big.v, xs, 2, sizeof(xs[0]));
	big.tail[1] = 1;
	ASSERT_EQ(-E2BIG, ogx_ioctl(self->fd, OGX_CMD(3, sizeof(big)), &big));
	ASSERT_EQ(events, events_now(self->fd));
	/* A longer header with a zero tail works. */
	big.tail[1] = 0;
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_CMD(3, sizeof(big)), &big));
	ASSERT_EQ(2, big.v.done);
	ASSERT_EQ(0, big.tail[0] | big.tail[1]);
	ASSERT_EQ(events + 2, events_now(self->fd));
}

/* A newer userspace's longer elements: taken while their tails are zero. */
TEST_F(ogx, vec_long_stride)
{
	struct elem {
		struct ogx_extend x;
		uint64_t tail[3];
	} es[6];
	struct ogx_extend_vec v;
	struct ogx_info before;
	unsigned int i;

	memset(es, 0, sizeof(es));
	for (i = 0; i < 6; i++)
		fill_extend(&es[i].x, 4000 + i);
	es[4].tail[2] = 1;
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &before));
	fill_vec(&v, es, 6, sizeof(es[0]));
	ASSERT_EQ(-E2BIG, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	ASSERT_EQ(before.events, events_now(self->fd));
	es[4].tail[2] = 0;
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	ASSERT_EQ(6, v.done);
	ASSERT_EQ(0, check_results(self->fd, &before, (uint8_t *)es, 6, sizeof(es[0])));
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, es[i].tail[0] | es[i].tail[1] | es[i].tail[2]);
}

TEST_F(ogx, vec_bad_pointers)
{
	struct ogx_extend xs[4], *x;
	struct ogx_extend_vec v;
	unsigned int i, stride;
	uint64_t events;
	uint8_t *map;

	for (i = 0; i < 4; i++)
		fill_extend(&xs[i], 5000 + i);
	map = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	events = events_now(self->fd);

	/* The header itself. */
	ASSERT_EQ(-EFAULT, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, NULL));
	ASSERT_EQ(-EFAULT, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, BAD_KERNEL_PTR));
	/* The events: unmapped, kernel, past the top of the address space. */
	fill_vec(&v, NULL, 2, sizeof(xs[0]));
	ASSERT_EQ(-EFAULT, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	v.events = (uintptr_t)BAD_KERNEL_PTR;
	ASSERT_EQ(-EFAULT, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	v.events = UINT64_MAX - sizeof(xs[0]);
	ASSERT_EQ(-EFAULT, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	/* The same through the element-wise path of a longer stride. */
	fill_vec(&v, NULL, 2, sizeof(xs[0]) + 8);
	ASSERT_EQ(-EFAULT, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));

	/* The last element runs into an unmapped page: nothing is appended. */
	ASSERT_EQ(0, mprotect(map + 2 * 4096, 4096, PROT_NONE));
	for (stride = sizeof(xs[0]); stride <= sizeof(xs[0]) + 8; stride += 8) {
		uint8_t *at = map + 2 * 4096 - 2 * stride - stride / 2;

		memset(at, 0, 2 * stride);
		for (i = 0; i < 2; i++)
			memcpy(at + i * stride, &xs[i], sizeof(xs[i]));
		fill_vec(&v, at, 3, stride);
		ASSERT_EQ(-EFAULT, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	}
	ASSERT_EQ(events, events_now(self->fd));

	/*
	 * Readable but not writable: the events are appended and stay in
	 * the log, the results cannot be returned (as for EXTEND).
	 */
	x = (struct ogx_extend *)map;
	memcpy(x, xs, 4 * sizeof(*x));
	ASSERT_EQ(0, mprotect(map, 4096 * 2, PROT_READ));
	fill_vec(&v, x, 4, sizeof(*x));
	ASSERT_EQ(-EFAULT, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &v));
	ASSERT_EQ(0, v.done);
	ASSERT_EQ(events + 4, events_now(self->fd));
	munmap(map, 3 * 4096);
}

/*
 * Vectors from two rings and an ioctl thread interleave only between
 * vectors: each one's events are consecutive in the log.
 */
TEST_F(ogx, vec_concurrent)
{
	struct ogx_extend xs[2][8][16];
	struct ogx_extend_vec vs[2][8];
	struct io_uring ring[2];
	struct io_uring_cqe *cqe;
	unsigned int r, i, j;
	uint64_t events;
	pid_t pid;
	int status;

	events = events_now(self->fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ogx_extend cx[16];
		struct ogx_extend_vec cv;

		for (i = 0; i < 40; i++) {
			for (j = 0; j < 16; j++)
				fill_extend(&cx[j], 6000 + i * 16 + j);
			fill_vec(&cv, cx, 16, sizeof(cx[0]));
			if (ogx_ioctl(self->fd, OGX_IOCTL_EXTEND_VEC, &cv) || cv.done != 16)
				_exit(1);
			for (j = 1; j < 16; j++)
				if (cx[j].seq != cx[0].seq + j)
					_exit(2);
		}
		_exit(0);
	}
	for (r = 0; r < 2; r++) {
		ASSERT_EQ(0, io_uring_queue_init(8, &ring[r], 0));
		for (i = 0; i < 8; i++) {
			for (j = 0; j < 16; j++)
				fill_extend(&xs[r][i][j], 7000 + (r * 8 + i) * 16 + j);
			fill_vec(&vs[r][i], xs[r][i], 16, sizeof(xs[r][i][0]));
			ogx_kmod_prep_cmd(io_uring_get_sqe(&ring[r]), self->fd,
					  OGX_IOCTL_EXTEND_VEC, &vs[r][i]);
		}
	}
	for (r = 0; r < 2; r++)
		ASSERT_EQ(8, io_uring_submit(&ring[r]));
	for (r = 0; r < 2; r++) {
		for (i = 0; i < 8; i++) {
			ASSERT_EQ(0, io_uring_wait_cqe(&ring[r], &cqe));
			ASSERT_EQ(0, cqe->res);
			io_uring_cqe_seen(&ring[r], cqe);
		}
		io_uring_queue_exit(&ring[r]);
		for (i = 0; i < 8; i++) {
			ASSERT_EQ(16, vs[r][i].done);
			for (j = 1; j < 16; j++)
				ASSERT_EQ(xs[r][i][0].seq + j, xs[r][i][j].seq);
		}
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(events + 40 * 16 + 2 * 8 * 16, events_now(self->fd));
}

/* The client splits a long run into vectors; each lands whole. */
TEST_F(ogx, vec_client)
{
	struct ogx_kmod k = { .fd = self->fd };
	struct ogx_extend xs[150];
	struct ogx_info before;
	unsigned int i, done = 0;

	for (i = 0; i < 150; i++)
		fill_extend(&xs[i], 8000 + i);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &before));
	ASSERT_EQ(0, ogx_kmod_extend_vec(&k, xs, 150, &done));
	ASSERT_EQ(150, done);
	/* Vectors of 64, 64 and 22: consecutive within each. */
	for (i = 1; i < 150; i++)
		if (i % OGX_EXTEND_VEC_MAX)
			ASSERT_EQ(xs[i - 1].seq + 1, xs[i].seq);
	for (i = 0; i < 150; i++) {
		struct ogx_verify v;

		to_verify(&v, &xs[i]);
		ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	}
	/* A bad event in the second vector: the first one stays appended. */
	xs[100].type = 0;
	ASSERT_EQ(-EINVAL, ogx_kmod_extend_vec(&k, xs, 150, &done));
	ASSERT_EQ(OGX_EXTEND_VEC_MAX, done);
	ASSERT_EQ(0, ogx_kmod_extend_vec(&k, xs, 0, &done));
	ASSERT_EQ(0, done);
}

TEST_HARNESS_MAIN
