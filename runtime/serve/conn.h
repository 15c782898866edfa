/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A client connection and what is sent on it (conn.c). The loop reads
 * requests (loop.c); everything else answers them through here: at once
 * from the loop (ogx_conn_respond, ogx_conn_error), or later with a worker's
 * message (ogx_conn_deliver). A connection answers its requests in order, one
 * at a time; an answer ends the current request.
 */
#ifndef OGX_SERVE_CONN_H
#define OGX_SERVE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "serve/buf.h"
#include "serve/http.h"
#include "serve/ring.h"

#define CONN_RBUF 16384		/* unparsed input; also the pipelining limit */
#define CONN_OUT_MAX 65536	/* unsent answers before pipelined requests wait */
/*
 * Lingering close: after an error answer to a request whose rest was never
 * read (400, 408, 413, 431), the connection stops sending (FIN after the
 * answer) and reads and drops what the client still sends, for at most this
 * long and this much, before it closes. Closing with unread bytes would make
 * the kernel reset the connection, and a client still sending (a 1 MB
 * header) would lose the answer to the reset.
 */
#define CONN_LINGER_MS 2000
#define CONN_LINGER_MAX (16u << 20)

struct srv;
struct job;
struct msg;

struct conn {
	struct srv *s;
	struct conn *prev, *next;	/* the loop's list of open connections */
	int fd;
	unsigned int inflight;	/* ring operations not yet completed */
	unsigned int refs;	/* a job that will still post messages */
	bool closing, recv_armed, send_armed, busy, close_after, sent_continue;
	bool linger;		/* the answer is an error sent with input unread */
	bool lingering;		/* answered, shut for writing, draining (CONN_LINGER_MS) */
	uint64_t linger_start;	/* mono ns */
	size_t lingered;	/* bytes drained */
	struct op recv_op, send_op, tmo_op, send_tmo_op;
	struct __kernel_timespec ts, send_ts;
	uint64_t req_start;	/* mono ns the current request's first bytes were seen; 0 */
	struct ogx_http_parser hp;
	struct job *job;
	/* unparsed input (a partial request, a pipelined tail): malloc'd
	 * (CONN_RBUF) when some is left after parsing, freed when empty */
	char *rbuf;
	size_t rlen;
	bool starved;		/* a recv got -ENOBUFS: re-armed on the next turn */
	struct conn *starved_next;
	struct ogx_buf sending, pending;
	size_t sent;
	uint64_t t_request;	/* mono ns the current request completed parsing */
};

/* A connection for an accepted socket, on the loop's list; NULL: out of memory. */
struct conn *ogx_conn_new(struct srv *s, int fd);
/* Close now: nothing more is read or sent; a job of its is cancelled. */
void ogx_conn_close(struct conn *c);
/* Free c if it is closing and nothing refers to it any more. */
void ogx_conn_maybe_free(struct conn *c);
/* Free c now (the loop is gone: nothing completes on it any more). */
void ogx_conn_free(struct conn *c);

/* Queue bytes for sending, after whatever is already queued. */
void ogx_conn_send(struct conn *c, const void *data, size_t len);
/* Answer the current request. */
void ogx_conn_respond(struct conn *c, int status, const char *ctype, const void *body, size_t len,
		      const char *extra);
/* Answer the current request with an error object (429: with Retry-After). */
void ogx_conn_error(struct conn *c, int status, const char *type, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * A send completed (res: its result). True when the connection may go on
 * to its next request: the caller parses what it has. When it returns false
 * with c->lingering set, the caller drains (ogx_conn_drained).
 */
bool ogx_conn_sent(struct conn *c, int res);
/*
 * A worker's message for m->conn: send its bytes; its job's last one ends
 * the request and frees the job (and m). True when the connection may go
 * on to its next request.
 */
bool ogx_conn_deliver(struct srv *s, struct msg *m);
/*
 * A lingering connection read res bytes (0 or an error: the peer is done):
 * true while it is to read more, false once it is closed.
 */
bool ogx_conn_drained(struct conn *c, int res);

#endif
