/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Group commit of proof records on the loop's ring (commit.c): the records
 * the workers hand over are appended to the spool as writes linked to one
 * fdatasync per group, and each job's last answer is held until the records
 * handed over before it are durable. Loop thread only, but for failed and
 * errmsg, which workers read.
 *
 *	ogx_commit_record(s, m);	// a record message: its bytes for the spool
 *	ogx_commit_answer(s, m);	// a job's last answer: held until durable
 *	ogx_commit_flush(s);		// end of a loop turn: the next group's SQEs
 *	ogx_commit_cqe(s, op, res);	// a write or sync completed
 *	while ((m = ogx_commit_released(&s->cm)))	// after each of these:
 *		deliver(m);				// the loop sends it
 */
#ifndef OGX_SERVE_COMMIT_H
#define OGX_SERVE_COMMIT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "proof/spool.h"
#include "serve/ring.h"

struct srv;
struct msg;

#define COMMIT_GROUPS 4		/* groups written and synced at once */
#define COMMIT_WRITES 2		/* writes per group, OGX_SPOOL_WRITE_MAX records each */

struct commit_group {
	struct iovec *recs;		/* its records (owned), in seq order */
	size_t n, cap;
	uint64_t end;			/* durable = end once it and all before it are */
	uint64_t next_index;		/* the spool index after its last record */
	unsigned int ios;		/* CQEs still to come; 0: done */
	unsigned int writes_left;	/* its write SQEs not yet completed */
	int err;			/* its first failure */
	const char *what;
	struct op write_op[COMMIT_WRITES], sync_op;
	struct ogx_spool_write w[COMMIT_WRITES];
};

struct commit {
	struct iovec *pend;		/* records handed over, not yet written */
	size_t pend_n, pend_cap;
	struct commit_group g[COMMIT_GROUPS];	/* a ring: head is the oldest in flight */
	unsigned int head, inflight;
	uint64_t queued, durable;	/* records handed over / made durable, ever */
	struct msg *parked, **parked_tail;	/* answers waiting for durability */
	struct msg *released, **released_tail;	/* answers to deliver now, in order */
	int err;			/* the spool failed: sticky */
	atomic_bool failed;		/* err is set: errmsg is then fixed (workers read it) */
	char errmsg[256];
};

void ogx_commit_init(struct commit *cm);
/* After the loop: frees what is pending and the answers still held. */
void ogx_commit_free(struct commit *cm);

/* A record message: queue its bytes for the spool (takes m->rec; m stays the caller's). */
void ogx_commit_record(struct srv *s, struct msg *m);
/*
 * A job's last answer (takes m): released once the records handed over
 * before it are durable; if the spool fails first, as a 500 instead when
 * it claimed a record.
 */
void ogx_commit_answer(struct srv *s, struct msg *m);
/* End of a loop turn: write the pending records, linked to one fdatasync. */
void ogx_commit_flush(struct srv *s);
void ogx_commit_cqe(struct srv *s, struct op *op, int res);
/* The next answer that may leave now, in the order handed over, or NULL. */
struct msg *ogx_commit_released(struct commit *cm);

#endif
