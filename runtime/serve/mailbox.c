// SPDX-License-Identifier: GPL-2.0
/*
 * Worker -> loop messages (mailbox.h). One list under one lock, and an
 * eventfd the loop reads on its ring: a post to an empty list writes it, so
 * a burst of messages costs the loop one wake-up. A call (a kcall's ogx.ko
 * commands, kcall.c) waits on a condition variable for the loop to run it;
 * the loop never waits for a worker.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "serve/http.h"
#include "serve/job.h"
#include "serve/mailbox.h"
#include "serve/x402_chain.h"
#include "util/err.h"

int ogx_mailbox_init(struct mailbox *mb)
{
	pthread_mutex_init(&mb->lock, NULL);
	pthread_cond_init(&mb->done, NULL);
	mb->head = NULL;
	mb->tail = &mb->head;
	mb->loop_gone = false;
	mb->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (mb->efd < 0)
		return ogx_fail(-errno, "eventfd: %s", strerror(errno));
	return 0;
}

void ogx_mailbox_destroy(struct mailbox *mb)
{
	struct msg *m = mb->head;

	while (m) {
		struct msg *next = m->next;

		ogx_msg_free(m);	/* a job finished after the loop stopped */
		m = next;
	}
	mb->head = NULL;
	mb->tail = &mb->head;
	if (mb->efd >= 0)
		close(mb->efd);
	mb->efd = -1;
}

void ogx_msg_free(struct msg *m)
{
	ogx_buf_free(&m->data);
	free(m->rec);
	ogx_job_free(m->job);
	if (m->xc) /* a check the loop never took back: its request's job goes too */
		ogx_job_free(m->xc->job);
	free(m->xc);
	free(m);
}

/* With the lock held: true when the loop is to be woken. */
static bool append(struct mailbox *mb, struct msg *m)
{
	bool wake = !mb->head;

	m->next = NULL;
	*mb->tail = m;
	mb->tail = &m->next;
	/* the loop takes the whole list at each wake-up: one write per take */
	return wake;
}

static void wake(struct mailbox *mb)
{
	uint64_t one = 1;

	if (write(mb->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		abort();
}

void ogx_mailbox_post(struct mailbox *mb, struct msg *m)
{
	bool w;

	pthread_mutex_lock(&mb->lock);
	w = append(mb, m);
	pthread_mutex_unlock(&mb->lock);
	if (w)
		wake(mb);
}

int ogx_mailbox_call(struct mailbox *mb, struct msg *m, bool *done)
{
	int err = 0;

	pthread_mutex_lock(&mb->lock);
	if (mb->loop_gone) {
		pthread_mutex_unlock(&mb->lock);
		free(m);
		return -ESHUTDOWN;
	}
	if (append(mb, m))
		wake(mb);
	while (!*done && !mb->loop_gone)
		pthread_cond_wait(&mb->done, &mb->lock);
	if (!*done)
		err = -ESHUTDOWN;
	pthread_mutex_unlock(&mb->lock);
	return err;
}

struct msg *ogx_mailbox_take(struct mailbox *mb)
{
	struct msg *m;

	pthread_mutex_lock(&mb->lock);
	m = mb->head;
	mb->head = NULL;
	mb->tail = &mb->head;
	pthread_mutex_unlock(&mb->lock);
	return m;
}

void ogx_mailbox_complete(struct mailbox *mb, bool *done)
{
	pthread_mutex_lock(&mb->lock);
	*done = true;
	pthread_cond_broadcast(&mb->done);
	pthread_mutex_unlock(&mb->lock);
}

void ogx_mailbox_close(struct mailbox *mb)
{
	pthread_mutex_lock(&mb->lock);
	mb->loop_gone = true;
	pthread_cond_broadcast(&mb->done);
	pthread_mutex_unlock(&mb->lock);
}

void ogx_mailbox_answer(struct mailbox *mb, struct job *j, struct ogx_buf *data, int status,
			bool last)
{
	struct msg *m = calloc(1, sizeof(*m));

	if (!m)
		abort(); /* a job's connection would wait forever: fail loudly */
	m->conn = j->conn;
	if (data) {
		m->data = *data;
		*data = (struct ogx_buf){ 0 };
	}
	m->status = status;
	if (last) {
		m->job = j;
		m->close = !j->keep_alive;
	}
	ogx_mailbox_post(mb, m);
}

void ogx_mailbox_error(struct mailbox *mb, struct job *j, int status, const char *code,
		       const char *msg)
{
	struct ogx_buf body = { 0 }, resp = { 0 };

	ogx_http_error_json(&body, "server_error", code, msg);
	ogx_buf_str(&body, "\n");
	ogx_http_head(&resp, status, "application/json", body.len, false, NULL);
	ogx_buf_add(&resp, body.p, body.len);
	ogx_buf_free(&body);
	j->keep_alive = false;
	ogx_mailbox_answer(mb, j, &resp, status, true);
}
