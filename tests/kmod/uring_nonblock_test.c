// SPDX-License-Identifier: GPL-2.0
/*
 * IO_URING_F_NONBLOCK, in the qemu guest of tests/kmod/run.t. io_uring first
 * issues a uring_cmd inside io_uring_enter(), in the submitting thread, with
 * IO_URING_F_NONBLOCK; where the command would sleep ogx.ko answers -EAGAIN
 * and io_uring issues it again from an io-wq worker, a thread of this
 * process named "iou-wrk-<tid>". With pcr= set every EXTEND is punted so:
 * io_uring_enter() returns before the TPM has answered, the completions come
 * later from the worker, and the events are in the log and the PCR as
 * ioctl() would have put them. Without a TPM, with the executable's digest
 * cached, nothing is punted: every completion is posted before
 * io_uring_enter() returns. A cold digest cache is punted too (hashing the
 * executable reads a file). Which thread ran an EXTEND is shown exactly by
 * write-protecting, with userfaultfd, the page its result is written back
 * to: the writer stops in a fault that names its thread. Each test leaves
 * the module loaded as the guest loaded it (ring_events=16384, no PCR).
 */
#include <dirent.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

#include "fixture.h"

#define N	8

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* How many threads of this process are io-wq workers. */
static int io_workers(void)
{
	DIR *dir = opendir("/proc/self/task");
	char path[300], comm[32];
	struct dirent *e;
	int n = 0, fd;
	ssize_t len;

	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;	/* the thread has exited */
		len = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (len > 0 && !strncmp(comm, "iou-wrk-", 8))
			n++;
	}
	closedir(dir);
	return n;
}

struct batch {
	double enter_us;	/* the io_uring_submit() (io_uring_enter()) */
	double total_us;	/* from before it to the last completion */
	unsigned int ready;	/* completions posted when it returned */
	int res[N];
};

/*
 * EXTENDs xs[0..n) on a fresh ring, sqe_flags on every SQE, all in one
 * io_uring_enter(), and waits for every completion.
 */
static int extend_batch(int fd, struct ogx_extend *xs, unsigned int n,
			unsigned int sqe_flags, struct batch *b)
{
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	unsigned int i;
	double t0;
	int ret;

	ret = io_uring_queue_init(N, &ring, 0);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		ogx_kmod_prep_cmd(sqe, fd, OGX_IOCTL_EXTEND, &xs[i]);
		sqe->flags |= sqe_flags;
		sqe->user_data = i;
		b->res[i] = -EINPROGRESS;
	}
	t0 = now_us();
	ret = io_uring_submit(&ring);
	b->enter_us = now_us() - t0;
	b->ready = io_uring_cq_ready(&ring);
	if (ret != (int)n) {
		ret = ret < 0 ? ret : -EIO;
		goto out;
	}
	for (i = 0; i < n; i++) {
		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret)
			goto out;
		if (cqe->user_data < n)
			b->res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	b->total_us = now_us() - t0;
	ret = 0;
out:
	io_uring_queue_exit(&ring);
	return ret;
}

/* What each completion reported is what the log holds, and VERIFY agrees. */
static int in_log(int fd, const struct ogx_extend *xs, unsigned int n)
{
	struct ogx_event ev[64];
	struct ogx_verify v;
	unsigned int i, j, found = 0;
	int rfd, ret = 0;
	ssize_t r;

	rfd = open("/dev/ogx", O_RDONLY);	/* reads from seq 0 */
	if (rfd < 0)
		return -errno;
	while (!ret && (r = read(rfd, ev, sizeof(ev))) > 0) {
		for (j = 0; j < r / sizeof(ev[0]); j++) {
			for (i = 0; i < n; i++) {
				if (le64toh(ev[j].seq) != xs[i].seq)
					continue;
				if (memcmp(ev[j].digest, xs[i].digest, 32) ||
				    memcmp(ev[j].head, xs[i].head, 32) ||
				    memcmp(ev[j].input, xs[i].input, 32))
					ret = -EBADMSG;
				found++;
			}
		}
	}
	close(rfd);
	if (!ret && found != n)
		ret = -ENODATA;
	for (i = 0; i < n && !ret; i++) {
		to_verify(&v, &xs[i]);
		ret = ogx_ioctl(fd, OGX_IOCTL_VERIFY, &v);
	}
	return ret;
}

/* No TPM, the digest cached: io_uring_enter() runs every EXTEND itself. */
TEST_F(ogx, inline_without_tpm)
{
	struct ogx_extend warm, xs[N];
	struct ogx_info info;
	struct batch b;
	unsigned int i;

	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &info));
	ASSERT_EQ(0, info.flags & OGX_INFO_F_TPM);
	fill_extend(&warm, 200);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &warm));
	for (i = 0; i < N; i++)
		fill_extend(&xs[i], 201 + i);
	ASSERT_EQ(0, extend_batch(self->fd, xs, N, 0, &b));
	TH_LOG("no TPM: io_uring_enter() %.0f us, %u of %d completions posted by then",
	       b.enter_us, b.ready, N);
	ASSERT_EQ(N, b.ready);
	ASSERT_EQ(0, io_workers());
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, b.res[i]);
		ASSERT_EQ(warm.seq + 1 + i, xs[i].seq);
	}
	ASSERT_EQ(0, in_log(self->fd, xs, N));
}

/* A digest not cached is computed in a worker; the next EXTEND is inline. */
TEST_F(ogx, cold_exe_digest_punted)
{
	struct ogx_extend xs[2], by_ioctl;
	struct batch b;

	/* A new module instance has an empty digest cache. */
	ASSERT_EQ(0, reload(&self->fd, BASE_PARAMS));
	ASSERT_LE(0, self->fd);
	fill_extend(&xs[0], 300);
	ASSERT_EQ(0, extend_batch(self->fd, &xs[0], 1, 0, &b));
	TH_LOG("cold digest: io_uring_enter() %.0f us, completion after %.0f us",
	       b.enter_us, b.total_us);
	ASSERT_EQ(0, b.res[0]);
	ASSERT_LE(1, io_workers());
	ASSERT_EQ(0, xs[0].seq);

	fill_extend(&xs[1], 301);
	ASSERT_EQ(0, extend_batch(self->fd, &xs[1], 1, 0, &b));
	ASSERT_EQ(1, b.ready);
	ASSERT_EQ(0, b.res[0]);
	ASSERT_EQ(1, xs[1].seq);

	/* The worker measured this executable, as an ioctl() does. */
	fill_extend(&by_ioctl, 302);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &by_ioctl));
	ASSERT_EQ(0, memcmp(by_ioctl.exe, xs[0].exe, 32));
	ASSERT_EQ(0, memcmp(by_ioctl.exe, xs[1].exe, 32));
	ASSERT_EQ(0, in_log(self->fd, xs, 2));
}

/*
 * pcr= set: every EXTEND goes to the TPM, so each is punted to a worker.
 * The first batch, on a task that has no worker yet, leaves an io-wq worker
 * behind, and its results are the log's, VERIFY's and the PCR's; so are
 * those of IOSQE_ASYNC, which skips the inline attempt, the contrast.
 * Before ogx.ko honoured IO_URING_F_NONBLOCK the batch ran inside
 * io_uring_enter(), with no worker. The times of io_uring_enter() (the
 * first batch, and the fastest of ROUNDS warm ones, once TCG has
 * translated the code and the worker exists) are logged beside an EXTEND
 * by ioctl().
 */
#define ROUNDS	5

TEST_F_TIMEOUT(ogx, tpm_extend_punted, 300)
{
	struct ogx_extend warm[1 + ROUNDS], xs[(2 + ROUNDS) * N];
	struct ogx_event ev[1 + ROUNDS + (2 + ROUNDS) * N];
	uint8_t pcr_before[32], pcr_after[32];
	double t0, ioctl_us = 1e9, enter_us = 1e9;
	struct batch b, async, warm_b;
	struct ogx_kmod k;
	int pcr, i, r;

	ASSERT_EQ(0, reload_anchored(&self->fd, &pcr, pcr_before));

	/* By ioctl(): one EXTEND to cache the digest, then the TPM's cost. */
	for (i = 0; i < 1 + ROUNDS; i++) {
		fill_extend(&warm[i], 390 + i);
		t0 = now_us();
		ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &warm[i]));
		t0 = now_us() - t0;
		if (i && t0 < ioctl_us)
			ioctl_us = t0;
	}

	for (i = 0; i < (2 + ROUNDS) * N; i++)
		fill_extend(&xs[i], 400 + i);
	ASSERT_EQ(0, io_workers());
	ASSERT_EQ(0, extend_batch(self->fd, xs, N, 0, &b));
	ASSERT_LE(1, io_workers());
	ASSERT_EQ(0, extend_batch(self->fd, xs + N, N, IOSQE_ASYNC, &async));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, b.res[i]);
		ASSERT_EQ(0, async.res[i]);
	}
	for (r = 0; r < ROUNDS; r++) {
		ASSERT_EQ(0, extend_batch(self->fd, xs + (2 + r) * N, N, 0, &warm_b));
		for (i = 0; i < N; i++)
			ASSERT_EQ(0, warm_b.res[i]);
		if (warm_b.enter_us < enter_us)
			enter_us = warm_b.enter_us;
	}
	/*
	 * Times, for the record only: a loaded host can stall either vCPU
	 * for milliseconds, so they decide nothing (tpm_extend_in_worker
	 * shows exactly who ran an EXTEND).
	 */
	TH_LOG("TPM: EXTEND by ioctl() %.0f us (fastest of %d); %d EXTENDs in one io_uring_enter(): "
	       "first %.0f us (IOSQE_ASYNC %.0f us), %u (%u) completions posted by its return, "
	       "the last after %.0f us (%.0f us); warm, fastest of %d: %.0f us",
	       ioctl_us, ROUNDS, N, b.enter_us, async.enter_us, b.ready, async.ready,
	       b.total_us, async.total_us, ROUNDS, enter_us);
	ASSERT_EQ(0, in_log(self->fd, xs, (2 + ROUNDS) * N));

	/* The log replays to the head, and the PCR is the same chain. */
	k = (struct ogx_kmod){ .fd = self->fd };
	ASSERT_EQ(0, ogx_kmod_check_log(&k));
	ASSERT_EQ(sizeof(ev), read(self->fd, ev, sizeof(ev)));
	ASSERT_EQ(0, read_pcr(pcr, pcr_after));
	pcr_fold(pcr_before, ev, ARRAY_SIZE(ev));
	ASSERT_EQ(0, memcmp(pcr_before, pcr_after, 32));

	/* Back to the parameters the guest loaded it with. */
	ASSERT_EQ(0, reload(&self->fd, BASE_PARAMS));
	ASSERT_LE(0, self->fd);
}

/*
 * The page that EXTEND's result is written back to, write-protected with
 * userfaultfd: the thread that writes it stops in a fault, which names the
 * thread (UFFD_FEATURE_THREAD_ID), and stays there until the test has
 * looked at the ring. A writer that is the submitter itself, inside
 * io_uring_enter(), cannot wait for that: after 2 s it is let go anyway.
 */
struct wp_page {
	int uffd;
	struct ogx_extend *x;	/* at the start of the page */
	sem_t looked;		/* the test has looked at the ring */
	pid_t writer;		/* the thread that wrote the result */
	char comm[32];		/* its name */
	int err;
};

static void *wp_handler(void *arg)
{
	struct uffdio_writeprotect unprotect = { .mode = 0 };
	struct pollfd pfd = { .events = POLLIN };
	struct wp_page *w = arg;
	struct timespec until;
	struct uffd_msg msg;
	char path[64];
	ssize_t len;
	int fd;

	pfd.fd = w->uffd;
	if (poll(&pfd, 1, 60000) != 1 || read(w->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT ||
	    !(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
		w->err = -EIO;
	} else {
		w->writer = msg.arg.pagefault.feat.ptid;
		snprintf(path, sizeof(path), "/proc/self/task/%d/comm", w->writer);
		fd = open(path, O_RDONLY);
		len = fd < 0 ? -1 : read(fd, w->comm, sizeof(w->comm) - 1);
		w->comm[len > 0 ? len - 1 : 0] = 0;	/* without its newline */
		if (fd >= 0)
			close(fd);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 2;
		sem_timedwait(&w->looked, &until);
	}
	unprotect.range.start = (uintptr_t)w->x;
	unprotect.range.len = 4096;
	if (ioctl(w->uffd, UFFDIO_WRITEPROTECT, &unprotect))
		w->err = -errno;
	return NULL;
}

/* The EXTEND to the write-protected page, filled with event i, and armed. */
static int wp_page_init(struct wp_page *w, unsigned int i)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_THREAD_ID | UFFD_FEATURE_PAGEFAULT_FLAG_WP,
	};
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect protect = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };

	memset(w, 0, sizeof(*w));
	w->x = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->x == MAP_FAILED)
		return -errno;
	fill_extend(w->x, i);	/* the page is present before it is protected */
	w->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (w->uffd < 0)
		return -errno;
	reg.range.start = protect.range.start = (uintptr_t)w->x;
	reg.range.len = protect.range.len = 4096;
	if (ioctl(w->uffd, UFFDIO_API, &api) || ioctl(w->uffd, UFFDIO_REGISTER, &reg) ||
	    ioctl(w->uffd, UFFDIO_WRITEPROTECT, &protect))
		return -errno;
	return sem_init(&w->looked, 0, 0) ? -errno : 0;
}

/*
 * pcr= set, exactly: an EXTEND submitted through io_uring is run, result
 * written back included, by an io-wq worker, and io_uring_enter() has
 * returned, with no completion posted, while that worker still waits in
 * the fault. Before ogx.ko honoured IO_URING_F_NONBLOCK the writer was the
 * submitting thread, inside io_uring_enter(), and the completion was
 * posted by its return.
 */
TEST_F_TIMEOUT(ogx, tpm_extend_in_worker, 120)
{
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	uint8_t pcr_before[32];
	pthread_t handler;
	struct wp_page w;
	unsigned int ready;
	int pcr, res;

	ASSERT_EQ(0, reload_anchored(&self->fd, &pcr, pcr_before));
	ASSERT_EQ(0, wp_page_init(&w, 500)) TH_LOG("userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	ogx_kmod_prep_cmd(io_uring_get_sqe(&ring), self->fd, OGX_IOCTL_EXTEND, w.x);
	ASSERT_EQ(0, pthread_create(&handler, NULL, wp_handler, &w));

	ASSERT_EQ(1, io_uring_submit(&ring));
	ready = io_uring_cq_ready(&ring);
	sem_post(&w.looked);
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	res = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	ASSERT_EQ(0, pthread_join(handler, NULL));
	io_uring_queue_exit(&ring);
	TH_LOG("the result was written by thread %d \"%s\"; the submitter is %d; "
	       "%u completion(s) posted when io_uring_enter() returned",
	       w.writer, w.comm, gettid(), ready);

	ASSERT_EQ(0, w.err);
	ASSERT_EQ(0, ready);
	ASSERT_NE(gettid(), w.writer);
	ASSERT_EQ(0, strncmp(w.comm, "iou-wrk-", 8));
	ASSERT_EQ(0, res);
	ASSERT_EQ(0, in_log(self->fd, w.x, 1));
	close(w.uffd);
	munmap(w.x, 4096);

	/* Back to the parameters the guest loaded it with. */
	ASSERT_EQ(0, reload(&self->fd, BASE_PARAMS));
	ASSERT_LE(0, self->fd);
}

TEST_HARNESS_MAIN
