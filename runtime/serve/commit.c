// SPDX-License-Identifier: GPL-2.0
/*
 * Group commit of proof records on the loop's ring. Workers sign records
 * (ogx_prove_commit, under the signer's lock, so the messages carrying them reach
 * the loop in the order of their seq) and hand them to the loop with their
 * answers. The loop appends them to the spool as write SQEs linked
 * (IOSQE_IO_LINK) to one fdatasync, and holds every job's final answer until
 * the records handed over before it are durable: a response that carries a
 * result leaves only after its record's fdatasync completed.
 *
 * At the end of each loop turn the records handed over since the last group
 * become a group: its writes, then one fdatasync, linked. Up to
 * COMMIT_GROUPS groups are in flight at once (the disk overlaps their
 * flushes), but a group's writes are submitted only after every earlier
 * group's writes completed: a failed write is then always the spool's last,
 * and a restart cuts it as a torn tail instead of finding a hole before good
 * records. Past that, records wait and the next group takes all of them,
 * so under load one sync covers tens to hundreds of records while a lone
 * request pays one write and one sync. Answers are released in order, as
 * the oldest groups complete, and only after the spool's ack mark was raised
 * past the group's records (ogx_spool_mark_acked(): one pwrite, no sync):
 * a restart then refuses damage to an answered record instead of cutting it
 * as a torn tail. The workers never wait for the disk: they compute and sign
 * the next batch meanwhile. A segment roll happens only with nothing in
 * flight (ogx_spool_plan()'s rule).
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
#include "serve/commit.h"
#include "serve/http.h"
#include "serve/server.h"
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
static void fail_answer(struct commit *cm, struct msg *m)
{
	struct ogx_buf body = { 0 }, resp = { 0 };

	if (m->status == 200) {
		ogx_http_error_json(&body, "server_error", "internal_error", cm->errmsg);
		ogx_buf_str(&body, "\n");
		ogx_http_head(&resp, 500, "application/json", body.len, false, NULL);
		ogx_buf_add(&resp, body.p, body.len);
		m->status = 500;
	} else if (m->status == 0 && m->data.len) {
		/* a stream's final event: its 200 is out, the error is an event */
		ogx_http_error_json(&body, "server_error", "internal_error", cm->errmsg);
		ogx_http_sse_event(&resp, body.p, body.len, true);
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

static void release(struct commit *cm, struct msg *m)
{
	if (m->gate > cm->durable)
		fail_answer(cm, m);
	m->next = NULL;
	*cm->released_tail = m;
	cm->released_tail = &m->next;
}

static void release_parked(struct commit *cm)
{
	while (cm->parked && (cm->parked->gate <= cm->durable || cm->err)) {
		struct msg *m = cm->parked;

		cm->parked = m->next;
		if (!cm->parked)
			cm->parked_tail = &cm->parked;
		release(cm, m);
	}
}

struct msg *ogx_commit_released(struct commit *cm)
{
	struct msg *m = cm->released;

	if (m) {
		cm->released = m->next;
		if (!cm->released)
			cm->released_tail = &cm->released;
	}
	return m;
}

static void fail(struct commit *cm, int err)
{
	if (cm->err)
		return;
	snprintf(cm->errmsg, sizeof(cm->errmsg), "proof spool: %s", ogx_errmsg(err));
	cm->err = err;
	atomic_store(&cm->failed, true);
	free_recs(cm->pend, cm->pend_n);
	cm->pend_n = 0;
	release_parked(cm);
}

void ogx_commit_record(struct srv *s, struct msg *m)
{
	struct commit *cm = &s->cm;

	cm->queued++;
	if (cm->err || push(&cm->pend, &cm->pend_n, &cm->pend_cap,
			    (struct iovec){ m->rec, m->rec_len })) {
		free(m->rec);
		if (!cm->err)
			fail(cm, ogx_fail(-ENOMEM, "out of memory for a record"));
	}
	m->rec = NULL;
}

void ogx_commit_answer(struct srv *s, struct msg *m)
{
	struct commit *cm = &s->cm;

	m->gate = cm->queued;
	if (m->gate <= cm->durable || cm->err) { /* after a failure nothing is parked */
		release(cm, m);
		return;
	}
	m->next = NULL;
	*cm->parked_tail = m;
	cm->parked_tail = &m->next;
}

void ogx_commit_flush(struct srv *s)
{
	struct commit *cm = &s->cm;
	struct ogx_spool *sp = s->pv.signer.spool;
	unsigned int gi = (cm->head + cm->inflight) % COMMIT_GROUPS, k = 0;
	struct commit_group *g = &cm->g[gi];
	struct io_uring_sqe *sqe;
	size_t done = 0;
	int err = 0;

	if (cm->inflight == COMMIT_GROUPS || !cm->pend_n || cm->err)
		return;
	for (unsigned int i = 0; i < cm->inflight; i++)
		if (cm->g[(cm->head + i) % COMMIT_GROUPS].writes_left)
			return;
	/* room for the most one group takes, so that nothing fails once planned */
	if (g->cap < COMMIT_WRITES * OGX_SPOOL_WRITE_MAX) {
		size_t cap = COMMIT_WRITES * OGX_SPOOL_WRITE_MAX;
		struct iovec *t = realloc(g->recs, cap * sizeof(*t));

		if (!t) {
			fail(cm, ogx_fail(-ENOMEM, "out of memory for a record group"));
			return;
		}
		g->recs = t;
		g->cap = cap;
	}
	/* a segment roll only with nothing in flight, before the first write */
	while (done < cm->pend_n && k < COMMIT_WRITES) {
		err = ogx_spool_plan(sp, cm->pend + done, cm->pend_n - done,
				     k == 0 && !cm->inflight, &g->w[k]);
		if (err || !g->w[k].n)
			break;
		done += g->w[k].n;
		k++;
	}
	if (err) {
		fail(cm, err);
		return;
	}
	if (!k)
		return; /* a roll is due: after the groups in flight complete */
	/* the planned records become the group; the rest wait, in order */
	memcpy(g->recs, cm->pend, done * sizeof(*cm->pend));
	g->n = done;
	memmove(cm->pend, cm->pend + done, (cm->pend_n - done) * sizeof(*cm->pend));
	cm->pend_n -= done;
	g->end = cm->durable;
	for (unsigned int i = 0; i < cm->inflight; i++)
		g->end += cm->g[(cm->head + i) % COMMIT_GROUPS].n;
	g->end += g->n;
	g->next_index = g->w[k - 1].first + g->w[k - 1].n;
	ring_reserve(&s->loop.ring, k + 1);
	for (unsigned int i = 0; i < k; i++) {
		sqe = io_uring_get_sqe(&s->loop.ring);
		io_uring_prep_writev(sqe, g->w[i].fd, g->w[i].iov, (unsigned int)g->w[i].iovcnt,
				     g->w[i].off);
		sqe->flags |= IOSQE_IO_LINK;
		g->write_op[i] = (struct op){ .type = OP_SPOOL_WRITE, .idx = gi };
		io_uring_sqe_set_data(sqe, &g->write_op[i]);
	}
	sqe = io_uring_get_sqe(&s->loop.ring);
	io_uring_prep_fsync(sqe, g->w[0].fd, IORING_FSYNC_DATASYNC);
	g->sync_op = (struct op){ .type = OP_SPOOL_SYNC, .idx = gi };
	io_uring_sqe_set_data(sqe, &g->sync_op);
	g->writes_left = k;
	g->ios = k + 1;
	g->err = 0;
	g->what = NULL;
	cm->inflight++;
}

void ogx_commit_cqe(struct srv *s, struct op *op, int res)
{
	struct commit *cm = &s->cm;
	struct commit_group *g = &cm->g[op->idx];

	/* the first failure names the group's fate; a broken link cancels the rest */
	if (op->type == OP_SPOOL_WRITE) {
		g->writes_left--;
		if (!g->err && res != (int)g->w[op - g->write_op].bytes) {
			g->err = res < 0 ? res : -EIO;
			g->what = res < 0 ? "writing records" : "writing records (short write)";
		}
	} else if (!g->err && res < 0) {
		g->err = res;
		g->what = "fdatasync";
	}
	if (--g->ios)
		return;
	free_recs(g->recs, g->n);
	if (g->err)
		fail(cm, ogx_spool_io_failed(s->pv.signer.spool, g->err, g->what));
	/* answers go out in order: the oldest groups that are complete */
	while (cm->inflight && !cm->g[cm->head].ios) {
		struct commit_group *h = &cm->g[cm->head];

		/* the ack mark before any of the group's answers leaves */
		if (!cm->err) {
			int err = ogx_spool_mark_acked(s->pv.signer.spool, h->next_index);

			if (err)
				fail(cm, err);
		}
		if (!cm->err) {
			atomic_fetch_add(&s->st.records, h->end - cm->durable);
			atomic_fetch_add(&s->st.commits, 1);
			cm->durable = h->end;
		}
		h->n = 0;
		cm->head = (cm->head + 1) % COMMIT_GROUPS;
		cm->inflight--;
	}
	release_parked(cm);
}

void ogx_commit_init(struct commit *cm)
{
	cm->parked_tail = &cm->parked;
	cm->released_tail = &cm->released;
}

void ogx_commit_free(struct commit *cm)
{
	free_recs(cm->pend, cm->pend_n);
	free(cm->pend);
	for (unsigned int i = 0; i < COMMIT_GROUPS; i++) {
		if (cm->g[i].ios)
			free_recs(cm->g[i].recs, cm->g[i].n);
		free(cm->g[i].recs);
	}
	while (cm->parked) {
		struct msg *m = cm->parked;

		cm->parked = m->next;
		ogx_msg_free(m);
	}
	cm->parked_tail = &cm->parked;
	while (cm->released) {
		struct msg *m = cm->released;

		cm->released = m->next;
		ogx_msg_free(m);
	}
	cm->released_tail = &cm->released;
}
