/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loop's ring, as every file that queues work on it sees it: what an
 * SQE's user data names (struct op: the loop dispatches each CQE on its
 * type, loop.c), and how to get SQEs. Only the loop thread submits.
 */
#ifndef OGX_SERVE_RING_H
#define OGX_SERVE_RING_H

#include <liburing.h>

struct conn;
struct kcall;

enum op_type {
	OP_ACCEPT, OP_RECV, OP_SEND, OP_TIMEOUT, OP_EVENT, OP_SIGNAL,
	OP_SPOOL_WRITE, OP_SPOOL_SYNC, OP_KMOD, OP_ATTEST,
};

struct op {
	enum op_type type;
	struct conn *c;		/* a connection's operations, OP_ATTEST */
	struct kcall *kc;	/* OP_KMOD: its chain (kcall.c) */
	unsigned int idx;	/* spool ops: which group (commit.c) */
};

/* An SQE, the queue flushed first if it is full: never NULL. */
static inline struct io_uring_sqe *ring_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
	}
	return sqe; /* with the queue just flushed, never NULL */
}

/* Room for n SQEs in one submission (linked SQEs must not span two). */
static inline void ring_reserve(struct io_uring *ring, unsigned int n)
{
	if (io_uring_sq_space_left(ring) < n)
		io_uring_submit(ring);
}

#endif
