/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages from the workers to the loop (mailbox.c): response bytes for a
 * connection, signed records for the spool, chains of ogx.ko commands,
 * payments checked on chain by the x402 RPC threads (x402_chain.c). A
 * worker posts; the loop takes every message at once when the eventfd wakes
 * it, and handles them in the order posted. Workers never touch a socket,
 * the spool or /dev/ogx themselves.
 *
 *	worker:	ogx_mailbox_answer(mb, j, &bytes, 200, true);	// j's last answer
 *		err = ogx_mailbox_call(mb, m, &kc->done);	// and wait for the loop
 *	loop:	for (m = ogx_mailbox_take(mb); m; m = next) ...
 *		ogx_mailbox_complete(mb, &kc->done);
 */
#ifndef OGX_SERVE_MAILBOX_H
#define OGX_SERVE_MAILBOX_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "serve/buf.h"
#include "util/err.h"

struct conn;
struct job;
struct kcall;
struct x402_check;

/* One message: an answer (conn set), a record (rec set) or a kcall (kc set). */
struct msg {
	struct msg *next;
	struct conn *conn;	/* an answer's connection */
	struct job *job;	/* set on the job's last answer: then freed by the loop */
	struct ogx_buf data;
	int status;		/* an HTTP status to count, or 0 */
	bool close;		/* close after sending (no keep-alive) */
	uint8_t *rec;		/* a signed record, malloc'd, for the spool */
	size_t rec_len;
	uint64_t gate;		/* commit.c: records that must be durable first */
	struct kcall *kc;	/* a worker's ogx.ko commands for the ring (kcall.c) */
	struct x402_check *xc;	/* a payment's check on chain, done (x402_chain.c) */
};

struct mailbox {
	pthread_mutex_t lock;	/* the list, loop_gone and the calls' done flags */
	struct msg *head, **tail;
	int efd;		/* the loop's wake-up: an eventfd */
	pthread_cond_t done;	/* a call is done, or the loop is gone */
	bool loop_gone;
};

OGX_MUST_CHECK
int ogx_mailbox_init(struct mailbox *mb);
/* Close the eventfd and free the messages the loop never took. */
void ogx_mailbox_destroy(struct mailbox *mb);

/* Post m (the loop frees it); one wake-up per take, not per message. */
void ogx_mailbox_post(struct mailbox *mb, struct msg *m);
/*
 * Post m and wait until the loop sets *done (ogx_mailbox_complete): 0, or
 * -ESHUTDOWN when the loop has stopped (then m was never taken, or its work
 * never completed).
 */
OGX_MUST_CHECK
int ogx_mailbox_call(struct mailbox *mb, struct msg *m, bool *done);

/* Loop: every message posted so far, oldest first. */
struct msg *ogx_mailbox_take(struct mailbox *mb);
/* Loop: a call's work is done; its worker goes on. */
void ogx_mailbox_complete(struct mailbox *mb, bool *done);
/* Loop: stopped; calls waiting or to come get -ESHUTDOWN. */
void ogx_mailbox_close(struct mailbox *mb);

/*
 * Hand response bytes for j's connection to the loop (takes *data, which
 * may be NULL); last: j is done, the loop frees it after sending.
 */
void ogx_mailbox_answer(struct mailbox *mb, struct job *j, struct ogx_buf *data, int status,
			bool last);
/* An error as j's last answer; the connection closes after it. */
void ogx_mailbox_error(struct mailbox *mb, struct job *j, int status, const char *code,
		       const char *msg);
void ogx_msg_free(struct msg *m);

#endif
