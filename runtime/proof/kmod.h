/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client of /dev/ogx (ogx.ko): INFO, EXTEND and VERIFY through ioctl(), EXTEND
 * batched through io_uring IORING_OP_URING_CMD, and the replay of a read()
 * event log to its chain head. The UAPI is kmod/uapi/linux/ogx.h.
 */
#ifndef OGX_PROOF_KMOD_H
#define OGX_PROOF_KMOD_H

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/ogx.h>

#include "util/err.h"

#define OGX_KMOD_DEV "/dev/ogx"

struct ogx_kmod {
	int fd;
	bool ring_ready;
	struct io_uring ring;
};

/*
 * Opens the device (path NULL: /dev/ogx) and checks its ABI version. A
 * missing device is -ENOENT with a detail that says so: callers that need
 * kernel evidence must fail, never fall back.
 */
OGX_MUST_CHECK
int ogx_kmod_open(struct ogx_kmod *k, const char *path);
void ogx_kmod_close(struct ogx_kmod *k);

OGX_MUST_CHECK
int ogx_kmod_info(struct ogx_kmod *k, struct ogx_info *info);
OGX_MUST_CHECK
int ogx_kmod_extend(struct ogx_kmod *k, struct ogx_extend *x);
/*
 * EXTENDs xs[0..n) in order with EXTEND_VEC ioctls of up to
 * OGX_EXTEND_VEC_MAX events each; *done counts the events appended (their Out
 * fields are filled). Returns 0, or the error of the first call that
 * appended nothing (-ENOTTY: a module without EXTEND_VEC). Each call's
 * events are consecutive in the log.
 */
OGX_MUST_CHECK
int ogx_kmod_extend_vec(struct ogx_kmod *k, struct ogx_extend *xs, unsigned int n,
			unsigned int *done);
/* 0 when (seq, head, digest, mac) came from this kernel, -EBADMSG if not. */
OGX_MUST_CHECK
int ogx_kmod_verify(struct ogx_kmod *k, const struct ogx_verify *v);

/* Sets up the ring used by ogx_kmod_extend_batch() (entries: batch size). */
OGX_MUST_CHECK
int ogx_kmod_ring_init(struct ogx_kmod *k, unsigned int entries);
/*
 * EXTENDs xs[0..n) through uring_cmd, as many per io_uring_enter() as the
 * ring holds; res[i] gets each command's result (0 or -errno). Returns 0
 * when every command succeeded, else the first failure.
 */
OGX_MUST_CHECK
int ogx_kmod_extend_batch(struct ogx_kmod *k, struct ogx_extend *xs,
			  int *res, unsigned int n);

/* Fills the uring_cmd SQE for command cmd on argument arg. */
void ogx_kmod_prep_cmd(struct io_uring_sqe *sqe, int fd, unsigned int cmd,
		       void *arg);

/*
 * Checks n events of a read() log: consecutive seq numbers from first_seq,
 * each digest recomputed, each head = SHA-256(previous head || digest),
 * starting from *head; on success *head is the last head. -EBADMSG with a
 * detail naming the seq on the first mismatch.
 */
OGX_MUST_CHECK
int ogx_kmod_replay(const struct ogx_event *ev, size_t n, uint64_t first_seq,
		    uint8_t head[OGX_DIGEST_SIZE]);

/*
 * Reads the whole log from the device (from seq 0) and replays it to the
 * head INFO reports. -ENODATA if events were dropped from the ring.
 */
OGX_MUST_CHECK
int ogx_kmod_check_log(struct ogx_kmod *k);

#endif
