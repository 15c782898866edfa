// SPDX-License-Identifier: GPL-2.0
/*
 * The ABI of ogx.ko and every validation path with its errno, run inside a
 * qemu guest by tests/kmod/run.t (as root, chrooted into the host root, the
 * module loaded without a PCR). Every test uses the ogx fixture (fixture.h),
 * whose teardown fails the test when the kernel log gained a WARNING:, BUG:
 * or Oops while it ran.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include "fixture.h"
#include "proof/job.h"
#include "proof/kmod_evidence.h"

TEST_F(ogx, info)
{
	static const uint8_t zero[OGX_BOOT_ID_SIZE];
	struct ogx_info info;

	memset(&info, 0xff, sizeof(info));
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &info));
	ASSERT_EQ(OGX_ABI_VERSION, info.abi_version);
	ASSERT_EQ(0, info.flags);	/* loaded without pcr= */
	ASSERT_EQ(0, info.pcr);
	ASSERT_NE(0, memcmp(info.boot_id, zero, sizeof(zero)));
	ASSERT_LE(info.dropped, info.events);
	ASSERT_LT(0, info.ring_events);
}

/* EXTEND returns the evidence the log holds; VERIFY accepts it. */
TEST_F(ogx, extend_evidence)
{
	uint8_t exe[32], buf[64], head[32];
	struct ogx_info before, after;
	struct ogx_extend x;
	struct ogx_verify v;
	struct ogx_event ev;

	ASSERT_EQ(0, ogx_sha256_self(exe));
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &before));
	fill_extend(&x, 1);
	x.flags = OGX_EVENT_F_FAILED;
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &x));
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &after));
	ASSERT_EQ(before.events, x.seq);
	ASSERT_EQ(before.events + 1, after.events);
	ASSERT_EQ(0, memcmp(exe, x.exe, 32));
	memcpy(buf, before.head, 32);
	memcpy(buf + 32, x.digest, 32);
	ogx_sha256(head, buf, 64);
	ASSERT_EQ(0, memcmp(head, x.head, 32));
	ASSERT_EQ(0, memcmp(head, after.head, 32));

	/* The log record at x.seq is the event, its digest covers it. */
	ASSERT_EQ(-1, pread(self->fd, &ev, sizeof(ev), 0));
	ASSERT_EQ(ESPIPE, errno);
	ASSERT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	ASSERT_EQ(ESPIPE, errno);
	for (;;) {
		ASSERT_EQ(sizeof(ev), read(self->fd, &ev, sizeof(ev)));
		if (le64toh(ev.seq) == x.seq)
			break;
	}
	ASSERT_EQ(x.time_ns, le64toh(ev.time_ns));
	ASSERT_EQ(OGX_EVENT_JOB, le32toh(ev.type));
	ASSERT_EQ(OGX_EVENT_F_FAILED, le32toh(ev.flags));
	ASSERT_EQ(0, memcmp(ev.model, x.model, 32));
	ASSERT_EQ(0, memcmp(ev.input, x.input, 32));
	ASSERT_EQ(0, memcmp(ev.exe, exe, 32));
	ogx_sha256(buf, &ev, offsetof(struct ogx_event, digest));
	ASSERT_EQ(0, memcmp(buf, x.digest, 32));
	ASSERT_EQ(0, memcmp(ev.head, x.head, 32));

	to_verify(&v, &x);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	/* Verifying is not consuming: the same evidence verifies again. */
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
}

TEST_F(ogx, read_sizes)
{
	struct ogx_event ev[2];
	void *volatile null = NULL;

	ASSERT_EQ(-1, read(self->fd, ev, sizeof(ev[0]) - 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, read(self->fd, ev, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, read(self->fd, null, sizeof(ev)));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, read(self->fd, BAD_KERNEL_PTR, sizeof(ev)));
	ASSERT_EQ(EFAULT, errno);
	/* A buffer of 1.5 events gets one whole event. */
	ASSERT_EQ(sizeof(ev[0]), read(self->fd, ev, sizeof(ev[0]) * 3 / 2));
}

TEST_F(ogx, size_short)
{
	uint8_t buf[512] = { 0 };

	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_CMD(0, 0), buf));
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_CMD(0, sizeof(struct ogx_info) - 8), buf));
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_CMD(1, sizeof(struct ogx_extend) - 8), buf));
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_CMD(2, 8), buf));
}

TEST_F(ogx, size_odd)
{
	uint8_t buf[512] = { 0 };

	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_CMD(0, sizeof(struct ogx_info) + 4), buf));
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_CMD(1, sizeof(struct ogx_extend) + 1), buf));
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_CMD(2, sizeof(struct ogx_verify) - 3), buf));
}

/* A newer userspace's longer struct works while its tail is zero. */
TEST_F(ogx, size_long)
{
	struct {
		struct ogx_extend x;
		uint64_t tail[4];
	} big;
	struct {
		struct ogx_info info;
		uint64_t tail[2];
	} bigi;

	memset(&big, 0, sizeof(big));
	fill_extend(&big.x, 2);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_CMD(1, sizeof(big)), &big));
	ASSERT_EQ(0, big.tail[0] | big.tail[3]);
	big.tail[3] = 1;
	ASSERT_EQ(-E2BIG, ogx_ioctl(self->fd, OGX_CMD(1, sizeof(big)), &big));
	memset(&bigi, 0, sizeof(bigi));
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_CMD(0, sizeof(bigi)), &bigi));
	ASSERT_EQ(OGX_ABI_VERSION, bigi.info.abi_version);
	ASSERT_EQ(0, bigi.tail[0] | bigi.tail[1]);
	bigi.tail[0] = 7;
	ASSERT_EQ(-E2BIG, ogx_ioctl(self->fd, OGX_CMD(0, sizeof(bigi)), &bigi));
}

TEST_F(ogx, unknown_flags_and_types)
{
	struct ogx_extend x;
	struct ogx_info before, after;

	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &before));
	fill_extend(&x, 3);
	x.flags = 1U << 1;
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &x));
	x.flags = 1U << 31;
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &x));
	x.flags = 0;
	x.type = 0;
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &x));
	x.type = OGX_EVENT_KEY + 1;
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &x));
	x.type = 0xffffffff;
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &x));
	/* Rejected commands leave no event behind. */
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &after));
	ASSERT_EQ(before.events, after.events);
	x.type = OGX_EVENT_MODEL_LOAD;
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &x));
	x.type = OGX_EVENT_KEY;
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &x));
}

TEST_F(ogx, verify_nonzero_pad_and_flags)
{
	struct ogx_extend x;
	struct ogx_verify v;

	fill_extend(&x, 4);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &x));
	to_verify(&v, &x);
	v.pad = 1;
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	v.pad = 0;
	v.flags = 1;
	ASSERT_EQ(-EINVAL, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	v.flags = 0;
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
}

TEST_F(ogx, unknown_commands)
{
	uint8_t buf[512] = { 0 };

	ASSERT_EQ(-ENOTTY, ogx_ioctl(self->fd, OGX_CMD(4, 64), buf));
	ASSERT_EQ(-ENOTTY, ogx_ioctl(self->fd, OGX_CMD(0xff, 64), buf));
	ASSERT_EQ(-ENOTTY, ogx_ioctl(self->fd, _IOC(_IOC_READ | _IOC_WRITE, 'T', 0,
						     sizeof(struct ogx_info)), buf));
	ASSERT_EQ(-ENOTTY, ogx_ioctl(self->fd, _IOR(OGX_IOCTL_BASE, 0, struct ogx_info), buf));
	ASSERT_EQ(-ENOTTY, ogx_ioctl(self->fd, _IOW(OGX_IOCTL_BASE, 1, struct ogx_extend), buf));
	ASSERT_EQ(-ENOTTY, ogx_ioctl(self->fd, _IO(OGX_IOCTL_BASE, 0), buf));
}

TEST_F(ogx, bad_pointers)
{
	static const unsigned long cmds[] = {
		OGX_IOCTL_INFO, OGX_IOCTL_EXTEND, OGX_IOCTL_VERIFY,
	};
	void *ro;
	unsigned int i;
	struct ogx_extend *x;

	ro = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, mprotect((char *)ro + 4096, 4096, PROT_NONE));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(-EFAULT, ogx_ioctl(self->fd, cmds[i], NULL));
		ASSERT_EQ(-EFAULT, ogx_ioctl(self->fd, cmds[i], (void *)1));
		ASSERT_EQ(-EFAULT, ogx_ioctl(self->fd, cmds[i], BAD_KERNEL_PTR));
	}
	/* Readable but not writable: the result cannot be returned. */
	ASSERT_EQ(-EFAULT, ogx_ioctl(self->fd, OGX_IOCTL_INFO, ro));
	/* VERIFY has no Out field: nothing is written back, read-only will do. */
	ASSERT_EQ(-EBADMSG, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, ro));
	/* A struct that runs off the end of the mapping. */
	x = (struct ogx_extend *)((char *)ro + 4096 - sizeof(*x) / 2);
	ASSERT_EQ(-EFAULT, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, x));
	munmap(ro, 2 * 4096);
}

TEST_F(ogx, wrong_mac)
{
	struct ogx_extend x;
	struct ogx_verify v;

	fill_extend(&x, 5);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &x));
	to_verify(&v, &x);
	v.mac[0] ^= 1;
	ASSERT_EQ(-EBADMSG, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	to_verify(&v, &x);
	v.mac[31] ^= 0x80;
	ASSERT_EQ(-EBADMSG, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	to_verify(&v, &x);
	v.digest[7] ^= 4;
	ASSERT_EQ(-EBADMSG, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	to_verify(&v, &x);
	v.head[12] ^= 2;
	ASSERT_EQ(-EBADMSG, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	memset(&v, 0, sizeof(v));
	ASSERT_EQ(-EBADMSG, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
}

/* A MAC is bound to its seq: it does not verify under any other one. */
TEST_F(ogx, replayed_seq)
{
	struct ogx_extend a, b;
	struct ogx_verify v;
	struct ogx_info info;

	fill_extend(&a, 6);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &a));
	fill_extend(&b, 6);	/* the same event content again */
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &b));
	ASSERT_EQ(a.seq + 1, b.seq);
	to_verify(&v, &a);
	v.seq = b.seq;
	ASSERT_EQ(-EBADMSG, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	to_verify(&v, &b);
	v.seq = a.seq;
	ASSERT_EQ(-EBADMSG, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	/* A seq not issued yet, and the largest one. */
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &info));
	to_verify(&v, &b);
	v.seq = info.events;
	ASSERT_EQ(-EBADMSG, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	v.seq = UINT64_MAX;
	ASSERT_EQ(-EBADMSG, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	to_verify(&v, &b);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
}

TEST_F(ogx, uring_cmd)
{
	struct ogx_extend x;
	struct ogx_verify v;
	struct ogx_info info;

	ASSERT_EQ(0, uring_cmd_once(self->fd, 0, OGX_IOCTL_INFO, &info, 0));
	ASSERT_EQ(OGX_ABI_VERSION, info.abi_version);
	fill_extend(&x, 7);
	ASSERT_EQ(0, uring_cmd_once(self->fd, 0, OGX_IOCTL_EXTEND, &x, 0));
	ASSERT_EQ(info.events, x.seq);
	to_verify(&v, &x);
	ASSERT_EQ(0, uring_cmd_once(self->fd, 0, OGX_IOCTL_VERIFY, &v, 0));
	/* And through ioctl: the same MAC key, the same chain. */
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	v.mac[3] ^= 1;
	ASSERT_EQ(-EBADMSG, uring_cmd_once(self->fd, 0, OGX_IOCTL_VERIFY, &v, 0));
}

TEST_F(ogx, uring_cmd_validation)
{
	struct ogx_extend x;
	uint8_t buf[512] = { 0 };

	fill_extend(&x, 8);
	/* The command area's pad must be zero. */
	ASSERT_EQ(-EINVAL, uring_cmd_once(self->fd, 0, OGX_IOCTL_EXTEND, &x, 1));
	/* 128-byte SQEs are not this ABI. */
	ASSERT_EQ(-EINVAL, uring_cmd_once(self->fd, IORING_SETUP_SQE128,
					   OGX_IOCTL_EXTEND, &x, 0));
	ASSERT_EQ(-EFAULT, uring_cmd_once(self->fd, 0, OGX_IOCTL_EXTEND, NULL, 0));
	ASSERT_EQ(-EFAULT, uring_cmd_once(self->fd, 0, OGX_IOCTL_EXTEND, BAD_KERNEL_PTR, 0));
	ASSERT_EQ(-ENOTTY, uring_cmd_once(self->fd, 0, OGX_CMD(9, 64), buf, 0));
	ASSERT_EQ(-ENOTTY, uring_cmd_once(self->fd, 0, 0, buf, 0));
	ASSERT_EQ(-EINVAL, uring_cmd_once(self->fd, 0, OGX_CMD(1, 16), buf, 0));
	ASSERT_EQ(-EINVAL, uring_cmd_once(self->fd, 0, OGX_CMD(1, sizeof(x) + 4), buf, 0));
	x.flags = 1U << 5;
	ASSERT_EQ(-EINVAL, uring_cmd_once(self->fd, 0, OGX_IOCTL_EXTEND, &x, 0));
}

/* A registered buffer is not how arguments are passed: -EINVAL. */
TEST_F(ogx, uring_cmd_fixed_buffer)
{
	struct ogx_extend x;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct iovec iov = { .iov_base = &x, .iov_len = sizeof(x) };

	fill_extend(&x, 10);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	ASSERT_EQ(0, io_uring_register_buffers(&ring, &iov, 1));
	sqe = io_uring_get_sqe(&ring);
	ogx_kmod_prep_cmd(sqe, self->fd, OGX_IOCTL_EXTEND, &x);
	sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
	sqe->buf_index = 0;
	ASSERT_EQ(1, io_uring_submit_and_wait(&ring, 1));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	ASSERT_EQ(-EINVAL, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
}

TEST_F(ogx, uring_batch)
{
	struct ogx_kmod k = { .fd = self->fd };
	struct ogx_extend xs[96];
	struct ogx_verify v;
	int res[96];
	unsigned int i;

	ASSERT_EQ(0, ogx_kmod_ring_init(&k, 32));
	for (i = 0; i < 96; i++)
		fill_extend(&xs[i], 100 + i);
	ASSERT_EQ(0, ogx_kmod_extend_batch(&k, xs, res, 96));
	for (i = 0; i < 96; i++) {
		ASSERT_EQ(0, res[i]);
		if (i) {
			ASSERT_LT(xs[i - 1].seq, xs[i].seq);
		}
		to_verify(&v, &xs[i]);
		ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
	}
	/* In one ring, in submission order: consecutive seq numbers. */
	ASSERT_EQ(xs[0].seq + 95, xs[95].seq);
	io_uring_queue_exit(&k.ring);
}

/* The executable's digest follows the file when it changes. */
static int child_exe_digest(const char *path, uint8_t out[32])
{
	char hex[65] = { 0 };
	int pipefd[2], status;
	pid_t pid;

	if (pipe(pipefd))
		return -errno;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		setenv("OGX_TEST_CHILD", "extend", 1);
		execl(path, path, NULL);
		_exit(127);
	}
	close(pipefd[1]);
	if (read(pipefd[0], hex, 64) != 64)
		hex[0] = 0;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -ECHILD;
	return ogx_unhex(out, 32, hex);
}

/*
 * In the child of exe_digest_follows_file, before the harness starts: one
 * EXTEND, the exe digest the kernel measured printed in hex.
 */
static void __attribute__((constructor)) extend_child(void)
{
	struct ogx_extend x;
	char hex[65];
	int fd;

	if (!getenv("OGX_TEST_CHILD"))
		return;
	fd = open("/dev/ogx", O_RDWR);
	fill_extend(&x, 9);
	if (fd < 0 || ogx_ioctl(fd, OGX_IOCTL_EXTEND, &x))
		_exit(1);
	ogx_hex(hex, x.exe, 32);
	_exit(write(1, hex, 64) == 64 ? 0 : 1);
}

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out, err = 0;
	uint8_t buf[65536];
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			err = -EIO;
	if (n < 0)
		err = -errno;
	close(in);
	close(out);
	return err;
}

TEST_F(ogx, exe_digest_follows_file)
{
	const char *copy = "/tmp/ogx_test_exe";
	uint8_t got[32], want[32];
	int fd;

	ASSERT_EQ(0, ogx_sha256_self(want));
	ASSERT_EQ(0, copy_file("/proc/self/exe", copy));
	ASSERT_EQ(0, child_exe_digest(copy, got));
	ASSERT_EQ(0, memcmp(want, got, 32));
	/* Cached now; change the file (size, mtime, ctime all move). */
	fd = open(copy, O_WRONLY | O_APPEND);
	ASSERT_LE(0, fd);
	ASSERT_EQ(4, write(fd, "ogx\n", 4));
	close(fd);
	ASSERT_EQ(0, ogx_sha256_file(want, copy));
	ASSERT_EQ(0, child_exe_digest(copy, got));
	ASSERT_EQ(0, memcmp(want, got, 32));
	/* Same size, same content length: only the bytes change. */
	fd = open(copy, O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(4, pwrite(fd, "OGX\n", 4, lseek(fd, 0, SEEK_END) - 4));
	close(fd);
	ASSERT_EQ(0, ogx_sha256_file(want, copy));
	ASSERT_EQ(0, child_exe_digest(copy, got));
	ASSERT_EQ(0, memcmp(want, got, 32));
	unlink(copy);
}

/* A record's kernel evidence: made, checked, verified, encoded, decoded. */
TEST_F(ogx, record_evidence)
{
	struct ogx_kmod k = { .fd = self->fd };
	struct ogx_kmod_evidence a, b;
	struct ogx_record r = { 0 }, r2 = { 0 }, back = { 0 };
	uint8_t *enc;
	size_t len;

	r.level = OGX_LEVEL_TEE;
	memset(r.model, 1, 32);
	memset(r.input, 2, 32);
	memset(r.output, 3, 32);
	/* a v2 record names its job: params is the SHA-256 of the job text */
	strcpy(r.job, OGX_JOB_CLASSIFY_TEXT);
	ogx_sha256(r.params, r.job, strlen(r.job));
	ASSERT_EQ(0, ogx_sha256_self(r.runtime));
	r2 = r;
	ASSERT_EQ(0, ogx_kmod_evidence_add(&k, &r, NULL));
	ASSERT_EQ(-EEXIST, ogx_kmod_evidence_add(&k, &r, NULL));
	ASSERT_EQ(0, ogx_kmod_evidence_add(&k, &r2, NULL));
	ASSERT_EQ(0, ogx_kmod_evidence_check(&r, &a)) TH_LOG("%s", ogx_errmsg(-EBADMSG));
	ASSERT_EQ(0, ogx_kmod_evidence_check(&r2, &b)) TH_LOG("%s", ogx_errmsg(-EBADMSG));
	ASSERT_FALSE(a.tpm);
	ASSERT_EQ(0, ogx_kmod_evidence_follows(&a, &b));
	ASSERT_EQ(0, ogx_kmod_evidence_verify(&k, &a));
	ASSERT_EQ(0, ogx_kmod_evidence_verify(&k, &b));
	b.mac[0] ^= 1;
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_verify(&k, &b));

	/* Through the record's CBOR and back, the evidence still holds. */
	ASSERT_EQ(0, ogx_record_encode(&r, false, &enc, &len));
	r.version = OGX_RECORD_VERSION;
	free(enc);
	ASSERT_EQ(0, ogx_record_encode(&r, true, &enc, &len));
	ASSERT_EQ(0, ogx_record_decode(enc, len, &back)) TH_LOG("%s", ogx_errmsg(-EBADMSG));
	free(enc);
	ASSERT_EQ(0, ogx_kmod_evidence_check(&back, &b));
	ASSERT_EQ(0, memcmp(a.digest, b.digest, 32));
	ASSERT_EQ(0, ogx_kmod_evidence_verify(&k, &b));
	ogx_record_free(&r);
	ogx_record_free(&r2);
	ogx_record_free(&back);
}

TEST_HARNESS_MAIN
