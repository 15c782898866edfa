// SPDX-License-Identifier: GPL-2.0
/*
 * ogx.ko under load, in the qemu guest of tests/kmod/run.t: concurrent
 * extenders (threads on ioctl and threads on rings) get one total order with
 * no lost event, the read() log replays to the head, and a randomized
 * ioctl + uring_cmd loop of 100,000 calls leaves the kernel log clean and
 * the chain replayable.
 */
#include <pthread.h>
#include <stdint.h>

#include "fixture.h"

#define IOCTL_THREADS	4
#define IOCTL_EVENTS	400
#define RING_THREADS	2
#define RING_BATCHES	10
#define RING_BATCH	32
#define TOTAL_EVENTS	(IOCTL_THREADS * IOCTL_EVENTS + \
			 RING_THREADS * RING_BATCHES * RING_BATCH)

struct extender {
	pthread_t thread;
	int fd;
	unsigned int id;
	bool ring;
	int err;
	unsigned int n;
	struct ogx_extend *xs;
};

static void *extender_main(void *arg)
{
	struct extender *e = arg;
	unsigned int i;

	for (i = 0; i < e->n; i++)
		fill_extend(&e->xs[i], e->id << 16 | i);
	if (!e->ring) {
		for (i = 0; i < e->n && !e->err; i++)
			e->err = ogx_ioctl(e->fd, OGX_IOCTL_EXTEND, &e->xs[i]);
	} else {
		struct ogx_kmod k = { .fd = e->fd };
		int res[RING_BATCH];

		e->err = ogx_kmod_ring_init(&k, RING_BATCH);
		for (i = 0; i < e->n && !e->err; i += RING_BATCH)
			e->err = ogx_kmod_extend_batch(&k, &e->xs[i], res,
						       RING_BATCH);
		if (k.ring_ready)
			io_uring_queue_exit(&k.ring);
	}
	return NULL;
}

/*
 * Reads the log from seq first on, n events, into ev. The fd must be fresh
 * (position 0) and the events still in the ring.
 */
static int read_log(int fd, uint64_t first, struct ogx_event *ev, size_t n)
{
	struct ogx_event chunk[64];
	size_t got = 0, i;
	ssize_t r;

	while (got < n) {
		r = read(fd, chunk, sizeof(chunk));
		if (r <= 0)
			return r < 0 ? -errno : -ENODATA;
		for (i = 0; i < r / sizeof(chunk[0]) && got < n; i++) {
			uint64_t seq = le64toh(chunk[i].seq);

			if (seq < first)
				continue;
			if (seq != first + got)
				return -EBADMSG;
			ev[got++] = chunk[i];
		}
	}
	return 0;
}

TEST_F_TIMEOUT(ogx, concurrent_total_order, 300)
{
	struct extender ext[IOCTL_THREADS + RING_THREADS];
	struct ogx_event *log;
	struct ogx_info before, after;
	struct ogx_extend warm;
	uint8_t head[OGX_DIGEST_SIZE];
	unsigned int i, j, nthreads = IOCTL_THREADS + RING_THREADS;
	uint8_t *seen;
	int rfd;

	/*
	 * The executable's digest cached first: a ring's EXTEND that finds it
	 * missing is punted to an io-wq worker (it would read the file), and
	 * punted SQEs of one batch need not run in submission order.
	 */
	fill_extend(&warm, 0xffff);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &warm));
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &before));
	ASSERT_LT(TOTAL_EVENTS, before.ring_events);
	for (i = 0; i < nthreads; i++) {
		ext[i] = (struct extender){
			.fd = self->fd, .id = i, .ring = i >= IOCTL_THREADS,
			.n = i >= IOCTL_THREADS ? RING_BATCHES * RING_BATCH :
						  IOCTL_EVENTS,
		};
		ext[i].xs = calloc(ext[i].n, sizeof(*ext[i].xs));
		ASSERT_NE(NULL, ext[i].xs);
	}
	for (i = 0; i < nthreads; i++)
		ASSERT_EQ(0, pthread_create(&ext[i].thread, NULL, extender_main, &ext[i]));
	for (i = 0; i < nthreads; i++)
		ASSERT_EQ(0, pthread_join(ext[i].thread, NULL));
	for (i = 0; i < nthreads; i++) {
		ASSERT_EQ(0, ext[i].err) TH_LOG("extender %u: %s", i, strerror(-ext[i].err));
	}

	/* Nothing else extends in the guest: exactly our events were added. */
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &after));
	ASSERT_EQ(before.events + TOTAL_EVENTS, after.events);

	/* Every seq in the range was handed out exactly once. */
	seen = calloc(TOTAL_EVENTS, 1);
	ASSERT_NE(NULL, seen);
	log = calloc(TOTAL_EVENTS, sizeof(*log));
	ASSERT_NE(NULL, log);
	rfd = open("/dev/ogx", O_RDONLY);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, read_log(rfd, before.events, log, TOTAL_EVENTS));
	close(rfd);
	for (i = 0; i < nthreads; i++) {
		for (j = 0; j < ext[i].n; j++) {
			const struct ogx_extend *x = &ext[i].xs[j];
			uint64_t k = x->seq - before.events;

			ASSERT_LT(k, TOTAL_EVENTS);
			ASSERT_EQ(0, seen[k]);
			seen[k] = 1;
			/* What each extender got is what the log holds. */
			ASSERT_EQ(0, memcmp(log[k].digest, x->digest, 32));
			ASSERT_EQ(0, memcmp(log[k].head, x->head, 32));
			ASSERT_EQ(0, memcmp(log[k].input, x->input, 32));
		}
		if (ext[i].ring) {
			/* One ring's batch runs in order. */
			for (j = 1; j < ext[i].n; j++)
				ASSERT_LT(ext[i].xs[j - 1].seq, ext[i].xs[j].seq);
		}
	}
	/* And the log replays from the head before to the head after. */
	memcpy(head, before.head, sizeof(head));
	ASSERT_EQ(0, ogx_kmod_replay(log, TOTAL_EVENTS, before.events, head))
		TH_LOG("%s", ogx_errmsg(-EBADMSG));
	ASSERT_EQ(0, memcmp(head, after.head, sizeof(head)));
	for (i = 0; i < nthreads; i++)
		free(ext[i].xs);
	free(seen);
	free(log);
}

/* Nothing was dropped yet (ring_events=16384): the log replays from zero. */
TEST_F(ogx, log_replays_to_head)
{
	struct ogx_kmod k = { .fd = self->fd };
	uint8_t head[32] = { 0 };
	struct ogx_event ev[2];

	ASSERT_EQ(0, ogx_kmod_check_log(&k)) TH_LOG("%s", ogx_errmsg(-EBADMSG));
	/* Tampered records do not replay. */
	ASSERT_EQ(sizeof(ev), read(self->fd, ev, sizeof(ev)));
	ASSERT_EQ(0, le64toh(ev[0].seq));
	ASSERT_EQ(0, ogx_kmod_replay(ev, 2, 0, head));
	memset(head, 0, sizeof(head));
	ev[1].input[0] ^= 1;
	ASSERT_EQ(-EBADMSG, ogx_kmod_replay(ev, 2, 0, head));
	ev[1].input[0] ^= 1;
	memset(head, 0, sizeof(head));
	ASSERT_EQ(-EBADMSG, ogx_kmod_replay(ev + 1, 1, 1, head));	/* wrong start */
	memset(head, 0, sizeof(head));
	ASSERT_EQ(-EBADMSG, ogx_kmod_replay(ev, 2, 5, head));	/* seq gap */
}

/* xorshift64*: a fixed seed, so a failure reproduces. */
static uint64_t rnd_state = 0x6f67782d6b6d6f64ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

#define FUZZ_CALLS	100000
#define FUZZ_BUF	(5 * 4096)

struct fuzz {
	uint8_t *buf;		/* argument space, room bytes */
	size_t room;
	void *unmapped;
	struct io_uring ring, ring128;
	unsigned long extends;	/* events appended */
	unsigned long vec_extends;	/* of them, by EXTEND_VEC */
	unsigned long calls;
	unsigned long by_errno[160];
};

/* A command number: mostly real ones, sometimes any size, nr, dir, type. */
static unsigned int fuzz_cmd(void)
{
	static const unsigned int real[] = {
		OGX_IOCTL_INFO, OGX_IOCTL_EXTEND, OGX_IOCTL_VERIFY,
		OGX_IOCTL_EXTEND_VEC,
	};
	unsigned int r = rnd() % 100;

	if (r < 75)
		return real[rnd() % 4];
	if (r < 90)
		return OGX_CMD(rnd() % 5, rnd() % 2 ? rnd() % 600 : (rnd() % 75) * 8);
	return _IOC(rnd() % 4, rnd() % 2 ? OGX_IOCTL_BASE : rnd() % 256,
		    rnd() % 8, rnd() % 1024);
}

/* A random, mostly valid event. */
static void fuzz_event(struct ogx_extend *x)
{
	fill_extend(x, (unsigned int)rnd());
	x->type = rnd() % 10 ? 1 + rnd() % 3 : rnd();
	x->flags = rnd() % 10 ? rnd() % 2 : rnd();
}

/*
 * An EXTEND_VEC header at f->buf and its events after it: mostly valid
 * (short vectors, elements rarely bad), sometimes a bad count, stride,
 * flags or pointer, or events that run into the unmapped page.
 */
static void fuzz_vec(struct fuzz *f, struct ogx_extend_vec *v)
{
	uint8_t *events = f->buf + 64;
	unsigned int r = rnd() % 100, i, stride, fit;

	stride = rnd() % 8 ? sizeof(struct ogx_extend) : OGX_EXTEND_SIZE_VER0 + 8 * (rnd() % 3);
	fit = (f->room - 64) / stride;
	if (fit > OGX_EXTEND_VEC_MAX)
		fit = OGX_EXTEND_VEC_MAX;
	v->count = 1 + rnd() % (rnd() % 4 ? 4 : fit);
	v->stride = stride;
	memset(events, 0, (size_t)v->count * stride);
	for (i = 0; i < v->count; i++)
		if (rnd() % 8 == 0)
			fuzz_event((struct ogx_extend *)(events + i * stride));
		else
			fill_extend((struct ogx_extend *)(events + i * stride), (unsigned int)rnd());
	v->events = (uintptr_t)events;
	if (r < 4)
		v->count = rnd() % 2 ? 0 : OGX_EXTEND_VEC_MAX + 1 + rnd() % 1000;
	else if (r < 8)
		v->stride = rnd() % 8192;
	else if (r < 10)
		v->flags = rnd();
	else if (r < 12)
		v->events = rnd() % 2 ? 0 : (uintptr_t)f->unmapped;
	else if (r < 14)	/* the last element half in the unmapped page */
		v->events = (uintptr_t)f->unmapped - (v->count - 1) * stride - stride / 2;
	else if (r < 15)
		v->events = rnd();
}

/* An argument: mostly a plausible struct, sometimes garbage or a bad pointer. */
static void *fuzz_arg(struct fuzz *f, unsigned int cmd)
{
	struct ogx_extend *x = (struct ogx_extend *)f->buf;
	unsigned int r = rnd() % 100, i;

	if (r < 3)
		return NULL;
	if (r < 6)
		return f->unmapped;
	if (r < 8)
		return BAD_KERNEL_PTR;
	memset(f->buf, 0, _IOC_SIZE(cmd) + 8);
	if (r < 20) {
		for (i = 0; i < _IOC_SIZE(cmd); i += 8)
			*(uint64_t *)(f->buf + i) = rnd();
		return f->buf;
	}
	if (_IOC_NR(cmd) == 3) {
		fuzz_vec(f, (struct ogx_extend_vec *)f->buf);
	} else if (cmd == OGX_IOCTL_EXTEND || _IOC_NR(cmd) == 1) {
		fuzz_event(x);
	} else if (cmd == OGX_IOCTL_VERIFY) {
		struct ogx_verify *v = (struct ogx_verify *)f->buf;

		v->seq = rnd() % 4096;
		v->pad = rnd() % 10 ? 0 : rnd();
	}
	return f->buf;
}

static int fuzz_errno_ok(int res)
{
	return res == 0 || res == -EINVAL || res == -E2BIG || res == -EFAULT ||
	       res == -ENOTTY || res == -EBADMSG;
}

static void fuzz_count(struct fuzz *f, unsigned int cmd, int res, const void *arg)
{
	bool ours = _IOC_TYPE(cmd) == OGX_IOCTL_BASE &&
		    _IOC_DIR(cmd) == (_IOC_READ | _IOC_WRITE);

	f->calls++;
	/* Any size of EXTEND that succeeded appended an event; of EXTEND_VEC, done. */
	if (res == 0 && ours && _IOC_NR(cmd) == 1)
		f->extends++;
	if (res == 0 && ours && _IOC_NR(cmd) == 3) {
		f->extends += ((const struct ogx_extend_vec *)arg)->done;
		f->vec_extends += ((const struct ogx_extend_vec *)arg)->done;
	}
	if (res <= 0 && -res < 160)
		f->by_errno[-res]++;
}

/* Reads what the log gained and replays it onto head. */
static int fuzz_drain(int rfd, uint64_t *next, uint8_t head[32])
{
	struct ogx_event ev[64];
	ssize_t r;
	size_t i, n;

	while ((r = read(rfd, ev, sizeof(ev))) > 0) {
		n = r / sizeof(ev[0]);
		for (i = 0; i < n && le64toh(ev[i].seq) < *next; i++)
			;
		if (ogx_kmod_replay(ev + i, n - i, *next, head))
			return -EBADMSG;
		*next += n - i;
	}
	return r < 0 ? -errno : 0;
}

TEST_F_TIMEOUT(ogx, fuzz_100k, 600)
{
	struct fuzz f = { 0 };
	struct io_uring_params p128 = { .flags = IORING_SETUP_SQE128 };
	struct ogx_info before, after;
	uint8_t head[32];
	uint64_t next;
	int rfd, res, round = 0;

	f.buf = mmap(NULL, FUZZ_BUF + 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f.buf);
	f.unmapped = f.buf + FUZZ_BUF;
	f.room = FUZZ_BUF;
	ASSERT_EQ(0, mprotect(f.unmapped, 4096, PROT_NONE));
	ASSERT_EQ(0, io_uring_queue_init(16, &f.ring, 0));
	ASSERT_EQ(0, io_uring_queue_init_params(8, &f.ring128, &p128));
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &before));
	memcpy(head, before.head, 32);
	next = before.events;
	rfd = open("/dev/ogx", O_RDONLY);
	ASSERT_LE(0, rfd);
	/* fuzz_drain() skips what was logged before and replays the rest. */

	while (f.calls < FUZZ_CALLS) {
		unsigned int r = rnd() % 100, cmd;
		void *arg;

		if (r < 50) {
			cmd = fuzz_cmd();
			arg = fuzz_arg(&f, cmd);
			res = ogx_ioctl(self->fd, cmd, arg);
			ASSERT_TRUE(fuzz_errno_ok(res)) TH_LOG("ioctl %#x: %d", cmd, res);
			fuzz_count(&f, cmd, res, arg);
		} else if (r < 98) {
			/* A batch of uring_cmds, each on its own argument. */
			struct io_uring *ring = rnd() % 50 ? &f.ring : &f.ring128;
			unsigned int i, n = 1 + rnd() % 8, cmds[8];
			void *args[8];
			uint64_t one = 1;	/* a non-zero pad */
			struct io_uring_cqe *cqe;
			uint8_t *bufs = f.buf;

			for (i = 0; i < n; i++) {
				struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

				/* Arguments 1 KiB apart: sizes below that. */
				cmds[i] = fuzz_cmd();
				cmds[i] = (cmds[i] & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
					  (_IOC_SIZE(cmds[i]) % 1000) << _IOC_SIZESHIFT;
				f.buf = bufs + i * 1024;
				f.room = 1024;
				arg = args[i] = fuzz_arg(&f, cmds[i]);
				ogx_kmod_prep_cmd(sqe, self->fd, cmds[i], arg);
				if (rnd() % 30 == 0)
					memcpy(sqe->cmd + 8, &one, sizeof(one));
				sqe->user_data = i;
			}
			f.buf = bufs;
			f.room = FUZZ_BUF;
			ASSERT_EQ(n, io_uring_submit_and_wait(ring, n));
			for (i = 0; i < n; i++) {
				ASSERT_EQ(0, io_uring_wait_cqe(ring, &cqe));
				res = cqe->res;
				ASSERT_TRUE(fuzz_errno_ok(res))
					TH_LOG("uring_cmd %#x: %d", cmds[cqe->user_data], res);
				fuzz_count(&f, cmds[cqe->user_data], res, args[cqe->user_data]);
				io_uring_cqe_seen(ring, cqe);
			}
		} else {
			struct ogx_event ev[4];
			void *where = rnd() % 4 ? (void *)ev : f.unmapped;
			ssize_t n = read(self->fd, where, rnd() % sizeof(ev));

			res = n < 0 ? -errno : 0;
			ASSERT_TRUE(fuzz_errno_ok(res)) TH_LOG("read: %d", res);
			fuzz_count(&f, 0, res, NULL);
		}
		if (f.calls / 2000 != (unsigned long)round) {
			round = f.calls / 2000;
			ASSERT_EQ(0, fuzz_drain(rfd, &next, head))
				TH_LOG("%s", ogx_errmsg(-EBADMSG));
		}
	}
	ASSERT_EQ(0, fuzz_drain(rfd, &next, head));
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &after));
	/* No lost event: every successful EXTEND is in the chain, once. */
	ASSERT_EQ(before.events + f.extends, after.events);
	ASSERT_EQ(after.events, next);
	ASSERT_EQ(0, memcmp(head, after.head, 32));
	/* The vector path was exercised, not just present. */
	ASSERT_LT(1000, f.vec_extends);
	TH_LOG("%lu calls, %lu events (%lu by EXTEND_VEC); 0: %lu, EINVAL: %lu, E2BIG: %lu, EFAULT: %lu, ENOTTY: %lu, EBADMSG: %lu",
	       f.calls, f.extends, f.vec_extends, f.by_errno[0], f.by_errno[EINVAL], f.by_errno[E2BIG],
	       f.by_errno[EFAULT], f.by_errno[ENOTTY], f.by_errno[EBADMSG]);
	close(rfd);
	io_uring_queue_exit(&f.ring);
	io_uring_queue_exit(&f.ring128);
}

TEST_HARNESS_MAIN
