// SPDX-License-Identifier: GPL-2.0
/*
 * Group commit of proof records on the loop's ring. Workers sign records
 * (prove_commit, under the prover's lock, so the messages carrying them reach
 * the loop in the order of their seq) and hand them to the loop with their
 * answers. The loop appends them to the spool as write SQEs linked
 * (IOSQE_IO_LINK) to one fdatasync, and holds every job's final answer until
 * the records handed over before it are durable: a response that carries a
 * result leaves only after its record's fdatasync completed.
 *
 * One group is in flight at a time. Records that arrive while its sync runs
 * wait and go together as the next group, so under load a group holds
 * everything that finished during one sync (tens to hundreds of records) and
 * a lone request pays one write and one fdatasync. The workers never wait
 * for the disk: they compute and sign the next batch meanwhile.
 *
 * A failed or short write, or a failed fdatasync, fails the spool for good
 * (as ogx_spool_append() does): the answers held for it and every later one
 * that would claim a record become 500s, and workers refuse new jobs with the
 * same message. Restarting the server reopens the spool, which cuts what the
 * failed group left half-written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proof/spool.h"
#include "serve/internal.h"
#include "util/err.h"

static int push(struct iovec **v, size_t *n, size_t *cap, struct iovec rec)
{
	if (*n == *cap) {
		size_t nc = *cap ? 2 * *cap : 256;
		struct iovec *t = realloc(*v, nc * sizeof(*t));

		if (!t)
			return -ENOMEM;
		*v = t;
		*cap = nc;
	}
	(*v)[(*n)++] = rec;
	return 0;
}

static void free_recs(struct iovec *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].iov_base);
}

/* The answer claimed a record that is not durable: an error instead. */
static void fail_answer(struct srv *s, struct msg *m)
{
	struct ogx_buf body = { 0 }, resp = { 0 };
	const char *msg = s->spool_errmsg;

	if (m->status == 200) {
		ogx_buf_str(&body, "{\"error\":{\"message\":");
		ogx_buf_json_str(&body, msg, strlen(msg));
		ogx_buf_str(&body, ",\"type\":\"server_error\",\"code\":\"internal_error\"}}\n");
		ogx_http_head(&resp, 500, "application/json", body.len, false, NULL);
		ogx_buf_add(&resp, body.p, body.len);
		m->status = 500;
	} else if (m->status == 0 && m->data.len) {
		/* a stream's final event: its 200 is out, the error is an event */
		ogx_buf_str(&body, "{\"error\":{\"message\":");
		ogx_buf_json_str(&body, msg, strlen(msg));
		ogx_buf_str(&body, ",\"type\":\"server_error\",\"code\":\"internal_error\"}}");
		ogx_buf_printf(&resp, "%zx\r\ndata: ", body.len + 8);
		ogx_buf_add(&resp, body.p, body.len);
		ogx_buf_str(&resp, "\n\n\r\ne\r\ndata: [DONE]\n\n\r\n0\r\n\r\n");
	} else {
		return; /* an error or a cancel: it claims no record */
	}
	ogx_buf_free(&body);
	ogx_buf_free(&m->data);
	m->data = resp;
	if (resp.oom) {
		ogx_buf_free(&m->data);
		m->status = 0;
	}
	m->close = true;
}

static void release_parked(struct srv *s)
{
	struct commit *cm = &s->cm;

	while (cm->parked && (cm->parked->gate <= cm->durable || cm->err)) {
		struct msg *m = cm->parked;

		cm->parked = m->next;
		if (!cm->parked)
			cm->parked_tail = &cm->parked;
		if (m->gate > cm->durable)
			fail_answer(s, m);
		msg_deliver(s, m);
	}
}

static void fail(struct srv *s, int err)
{
	struct commit *cm = &s->cm;

	snprintf(s->spool_errmsg, sizeof(s->spool_errmsg), "proof spool: %s", ogx_errmsg(err));
	cm->err = err;
	atomic_store(&s->spool_failed, true);
	free_recs(cm->pend, cm->pend_n);
	cm->pend_n = 0;
	release_parked(s);
}

void commit_record(struct srv *s, struct msg *m)
{
	struct commit *cm = &s->cm;

	cm->queued++;
	if (cm->err || push(&cm->pend, &cm->pend_n, &cm->pend_cap,
			    (struct iovec){ m->rec, m->rec_len })) {
		free(m->rec);
		if (!cm->err)
			fail(s, ogx_fail(-ENOMEM, "out of memory for a record"));
	}
	m->rec = NULL;
}

void commit_answer(struct srv *s, struct msg *m)
{
	struct commit *cm = &s->cm;

	m->gate = cm->queued;
	if (m->gate <= cm->durable || cm->err) { /* after a failure nothing is parked */
		if (m->gate > cm->durable)
			fail_answer(s, m);
		msg_deliver(s, m);
		return;
	}
	m->next = NULL;
	*cm->parked_tail = m;
	cm->parked_tail = &m->next;
}

void commit_flush(struct srv *s)
{
	struct commit *cm = &s->cm;
	struct ogx_spool *sp = s->prover.spool;
	size_t done = 0, k = 0;
	struct io_uring_sqe *sqe;
	int err = 0;

	if (cm->inflight || !cm->pend_n || cm->err)
		return;
	/* the pending records become the group; pend starts over empty */
	{
		struct iovec *t = cm->fly;
		size_t tc = cm->fly_cap;

		cm->fly = cm->pend;
		cm->fly_cap = cm->pend_cap;
		cm->fly_n = cm->pend_n;
		cm->pend = t;
		cm->pend_cap = tc;
		cm->pend_n = 0;
	}
	/* a segment roll only before the group's first write (nothing in flight) */
	while (done < cm->fly_n && k < COMMIT_WRITES) {
		err = ogx_spool_plan(sp, cm->fly + done, cm->fly_n - done, k == 0, &cm->w[k]);
		if (err || !cm->w[k].n)
			break;
		done += cm->w[k].n;
		k++;
	}
	if (err) {
		free_recs(cm->fly, cm->fly_n);
		cm->fly_n = 0;
		fail(s, err);
		return;
	}
	/* what did not fit waits for the next group, ahead of later records */
	for (size_t i = done; i < cm->fly_n; i++)
		push(&cm->pend, &cm->pend_n, &cm->pend_cap, cm->fly[i]);
	cm->fly_n = done;
	if (io_uring_sq_space_left(&s->ring) < k + 1)
		io_uring_submit(&s->ring);
	for (size_t i = 0; i < k; i++) {
		sqe = io_uring_get_sqe(&s->ring);
		io_uring_prep_writev(sqe, cm->w[i].fd, cm->w[i].iov, (unsigned int)cm->w[i].iovcnt,
				     cm->w[i].off);
		sqe->flags |= IOSQE_IO_LINK;
		io_uring_sqe_set_data(sqe, &cm->write_op[i]);
	}
	sqe = io_uring_get_sqe(&s->ring);
	io_uring_prep_fsync(sqe, cm->w[0].fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data(sqe, &cm->sync_op);
	cm->ios = (unsigned int)k + 1;
	cm->io_err = 0;
	cm->io_what = NULL;
	cm->inflight = true;
}

void commit_cqe(struct srv *s, struct op *op, int res)
{
	struct commit *cm = &s->cm;

	/* the first failure names the group's fate; a broken link cancels the rest */
	if (op->type == OP_SPOOL_WRITE) {
		if (!cm->io_err && res != (int)cm->w[op - cm->write_op].bytes) {
			cm->io_err = res < 0 ? res : -EIO;
			cm->io_what = res < 0 ? "writing records" : "writing records (short write)";
		}
	} else if (!cm->io_err && res < 0) {
		cm->io_err = res;
		cm->io_what = "fdatasync";
	}
	if (--cm->ios)
		return;
	cm->inflight = false;
	free_recs(cm->fly, cm->fly_n);
	if (cm->io_err) {
		cm->fly_n = 0;
		fail(s, ogx_spool_io_failed(s->prover.spool, cm->io_err, cm->io_what));
		return;
	}
	cm->durable += cm->fly_n;
	atomic_fetch_add(&s->records, cm->fly_n);
	atomic_fetch_add(&s->commits, 1);
	cm->fly_n = 0;
	release_parked(s);
}

void commit_init(struct srv *s)
{
	struct commit *cm = &s->cm;

	cm->parked_tail = &cm->parked;
	for (size_t i = 0; i < COMMIT_WRITES; i++)
		cm->write_op[i].type = OP_SPOOL_WRITE;
	cm->sync_op.type = OP_SPOOL_SYNC;
}

void commit_free(struct srv *s)
{
	struct commit *cm = &s->cm;

	free_recs(cm->pend, cm->pend_n);
	free_recs(cm->fly, cm->fly_n);
	free(cm->pend);
	free(cm->fly);
	while (cm->parked) {
		struct msg *m = cm->parked;

		cm->parked = m->next;
		ogx_buf_free(&m->data);
		job_free(m->job);
		free(m);
	}
	cm->parked_tail = &cm->parked;
}
