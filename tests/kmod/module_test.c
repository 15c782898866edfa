// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading ogx.ko, in the qemu guest of tests/kmod/run.t, which
 * runs this binary last: unloading is refused while a file is open, a reload
 * starts a new chain under a new MAC key, bad module parameters fail the
 * load, and with pcr=N (swtpm in the guest) the PCR read back from sysfs
 * equals the replay of the read() log. Each test leaves the module loaded
 * as the guest loaded it (ring_events=16384, no PCR).
 */
#include "fixture.h"

TEST_F(ogx, unload_refused_while_open)
{
	struct ogx_extend x;
	int ring_fd;
	struct io_uring ring;

	ASSERT_EQ(-EWOULDBLOCK, unload());
	/* A ring that holds a registered /dev/ogx file keeps it too. */
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	ring_fd = self->fd;
	ASSERT_EQ(0, io_uring_register_files(&ring, &ring_fd, 1));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(-EWOULDBLOCK, unload());
	io_uring_queue_exit(&ring);
	/* Now nothing holds it: unload, and the device is gone. */
	ASSERT_EQ(0, unload_settled());
	ASSERT_EQ(-1, open("/dev/ogx", O_RDWR));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(0, load(BASE_PARAMS));
	self->fd = open("/dev/ogx", O_RDWR);
	ASSERT_LE(0, self->fd);
	fill_extend(&x, 1);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &x));
	ASSERT_EQ(0, x.seq);
}

/* A reload is a new epoch: new boot id, new key, the chain from zero. */
TEST_F(ogx, reload_new_epoch)
{
	struct ogx_info a, b;
	struct ogx_extend x, y;
	struct ogx_verify v;

	fill_extend(&x, 2);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &x));
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &a));
	ASSERT_EQ(0, reload(&self->fd, BASE_PARAMS));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &b));
	ASSERT_EQ(0, b.events);
	ASSERT_NE(0, memcmp(a.boot_id, b.boot_id, sizeof(a.boot_id)));
	/* Evidence of the old epoch does not verify in the new one. */
	while (b.events <= x.seq) {
		fill_extend(&y, 3);
		ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &y));
		b.events++;
	}
	to_verify(&v, &x);
	ASSERT_EQ(-EBADMSG, ogx_ioctl(self->fd, OGX_IOCTL_VERIFY, &v));
}

TEST_F(ogx, bad_params)
{
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(-EEXIST, load(BASE_PARAMS));
	ASSERT_EQ(0, unload());
	ASSERT_EQ(-EINVAL, load("pcr=24"));
	ASSERT_EQ(-EINVAL, load("pcr=1000"));
	ASSERT_EQ(-EINVAL, load("ring_events=0"));
	ASSERT_EQ(-EINVAL, load("ring_events=2000000"));
	ASSERT_EQ(-EINVAL, load("pcr=notanumber"));
	ASSERT_EQ(-ENOENT, open("/dev/ogx", O_RDWR) < 0 ? -errno : 0);
	ASSERT_EQ(0, load(BASE_PARAMS));
	self->fd = open("/dev/ogx", O_RDWR);
	ASSERT_LE(0, self->fd);
}

/* A small ring drops the oldest events; INFO counts them, the head covers them. */
TEST_F(ogx, ring_drops_oldest)
{
	struct ogx_kmod k;
	struct ogx_event ev[16];
	struct ogx_extend x;
	struct ogx_info info;
	uint8_t head[32];
	int i;

	ASSERT_EQ(0, reload(&self->fd, "ring_events=8"));
	ASSERT_LE(0, self->fd);
	for (i = 0; i < 20; i++) {
		fill_extend(&x, i);
		ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &x));
		if (i == 11)
			memcpy(head, x.head, 32);	/* the head before seq 12 */
	}
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &info));
	ASSERT_EQ(20, info.events);
	ASSERT_EQ(12, info.dropped);
	ASSERT_EQ(8, info.ring_events);
	/* A reader from seq 0 resumes at the oldest event still held. */
	ASSERT_EQ(8 * sizeof(ev[0]), read(self->fd, ev, sizeof(ev)));
	ASSERT_EQ(12, le64toh(ev[0].seq));
	ASSERT_EQ(0, read(self->fd, ev, sizeof(ev)));
	ASSERT_EQ(0, ogx_kmod_replay(ev, 8, 12, head));
	ASSERT_EQ(0, memcmp(head, info.head, 32));
	k = (struct ogx_kmod){ .fd = self->fd };
	ASSERT_EQ(-ENODATA, ogx_kmod_check_log(&k));
	ASSERT_EQ(0, reload(&self->fd, BASE_PARAMS));
	ASSERT_LE(0, self->fd);
}

/* PCR N read back == the replay of the log, through ioctl and uring_cmd. */
TEST_F_TIMEOUT(ogx, tpm_anchor, 300)
{
	struct ogx_kmod k;
	struct ogx_extend xs[24];
	struct ogx_event ev[24];
	struct ogx_info info;
	uint8_t pcr_before[32], pcr_after[32], fold[32], head[32] = { 0 };
	int pcr, res[24], i;

	ASSERT_EQ(0, reload_anchored(&self->fd, &pcr, pcr_before));
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &info));
	ASSERT_EQ(OGX_INFO_F_TPM, info.flags);
	ASSERT_EQ(pcr, info.pcr);

	for (i = 0; i < 8; i++) {
		fill_extend(&xs[i], 40 + i);
		ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_EXTEND, &xs[i]));
	}
	k = (struct ogx_kmod){ .fd = self->fd };
	ASSERT_EQ(0, ogx_kmod_ring_init(&k, 8));
	for (i = 8; i < 24; i++)
		fill_extend(&xs[i], 40 + i);
	ASSERT_EQ(0, ogx_kmod_extend_batch(&k, xs + 8, res, 16));
	io_uring_queue_exit(&k.ring);

	ASSERT_EQ(0, read_pcr(pcr, pcr_after));
	ASSERT_EQ(sizeof(ev), read(self->fd, ev, sizeof(ev)));
	ASSERT_EQ(0, ogx_kmod_replay(ev, 24, 0, head));
	ASSERT_EQ(0, ogx_ioctl(self->fd, OGX_IOCTL_INFO, &info));
	ASSERT_EQ(0, memcmp(head, info.head, 32));
	/* The PCR is the same chain, started from its value before. */
	memcpy(fold, pcr_before, 32);
	pcr_fold(fold, ev, 24);
	ASSERT_EQ(0, memcmp(fold, pcr_after, 32));
	ASSERT_NE(0, memcmp(pcr_before, pcr_after, 32));

	/* Back to the parameters the guest loaded it with. */
	ASSERT_EQ(0, reload(&self->fd, BASE_PARAMS));
	ASSERT_LE(0, self->fd);
}

TEST_HARNESS_MAIN
