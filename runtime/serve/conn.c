// SPDX-License-Identifier: GPL-2.0
/*
 * Connections and their output (conn.h). Answers are queued in pending
 * while a send reads from sending, so the buffer a send reads from is never
 * reallocated under it; each send carries a linked timeout, so a peer that
 * stops reading is dropped after the idle timeout. Closing shuts the socket
 * down, which completes the ring's operations on it; the memory goes only
 * when none is left and no job will post to it (ogx_conn_maybe_free, called by
 * the loop after each completion), never under a caller.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve/conn.h"
#include "serve/server.h"

struct conn *ogx_conn_new(struct srv *s, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c)
		return NULL;
	s->st.conns++;
	c->s = s;
	c->next = s->loop.conn_list;
	if (c->next)
		c->next->prev = c;
	s->loop.conn_list = c;
	c->fd = fd;
	c->recv_op = (struct op){ .type = OP_RECV, .c = c };
	c->send_op = (struct op){ .type = OP_SEND, .c = c };
	c->tmo_op = (struct op){ .type = OP_TIMEOUT, .c = c };
	c->send_tmo_op = (struct op){ .type = OP_TIMEOUT, .c = c };
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ogx_http_parser_init(&c->hp, s->cfg->max_body);
	return c;
}

void ogx_conn_free(struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		c->s->loop.conn_list = c->next;
	if (c->next)
		c->next->prev = c->prev;
	close(c->fd);
	ogx_http_parser_free(&c->hp);
	ogx_buf_free(&c->sending);
	ogx_buf_free(&c->pending);
	free(c->rbuf);
	c->s->st.conns--;
	free(c);
}

void ogx_conn_maybe_free(struct conn *c)
{
	if (c->closing && !c->inflight && !c->refs)
		ogx_conn_free(c);
}

void ogx_conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->job) {
		atomic_store(&c->job->cancelled, true);
		atomic_fetch_add(&c->s->st.cancelled, 1);
	}
	/* Completes our pending recv (with 0) and send; close(2) follows when
	 * the ring holds no more operations on the socket and no job will post
	 * to it. The memory is freed only at the top of the loop
	 * (ogx_conn_maybe_free after each completion), never under a caller. */
	shutdown(c->fd, SHUT_RDWR);
}

static void arm_send(struct conn *c)
{
	struct io_uring *ring = &c->s->loop.ring;
	struct io_uring_sqe *sqe;

	if (c->send_armed || c->closing)
		return;
	if (c->sent == c->sending.len) {
		struct ogx_buf t = c->sending;

		if (!c->pending.len)
			return;
		/* the buffer a send reads from is never reallocated under it */
		c->sending = c->pending;
		t.len = 0;
		c->pending = t;
		c->sent = 0;
	}
	ring_reserve(ring, 2);
	sqe = ring_sqe(ring);
	io_uring_prep_send(sqe, c->fd, c->sending.p + c->sent, c->sending.len - c->sent,
			   MSG_NOSIGNAL);
	io_uring_sqe_set_data(sqe, &c->send_op);
	c->send_armed = true;
	c->inflight++;
	/* a peer that stops reading is dropped after the idle timeout */
	sqe->flags |= IOSQE_IO_LINK;
	c->send_ts.tv_sec = c->s->cfg->idle_timeout_ms / 1000;
	c->send_ts.tv_nsec = (long long)(c->s->cfg->idle_timeout_ms % 1000) * 1000000;
	sqe = ring_sqe(ring);
	io_uring_prep_link_timeout(sqe, &c->send_ts, 0);
	io_uring_sqe_set_data(sqe, &c->send_tmo_op);
	c->inflight++;
}

void ogx_conn_send(struct conn *c, const void *data, size_t len)
{
	if (c->closing)
		return;
	ogx_buf_add(&c->pending, data, len);
	if (c->pending.oom) {
		ogx_conn_close(c);
		return;
	}
	arm_send(c);
}

/* The current request is answered (its bytes queued): on to the next one. */
static void request_done(struct conn *c, bool keep_alive)
{
	c->busy = false;
	c->sent_continue = false;
	c->req_start = 0;
	if (!keep_alive || c->s->loop.stopping) {
		c->close_after = true;
		if (!c->send_armed)
			ogx_conn_close(c);
		return;
	}
	ogx_http_next(&c->hp);
}

void ogx_conn_respond(struct conn *c, int status, const char *ctype, const void *body, size_t len,
		      const char *extra)
{
	bool unread = status == 408 || status == 413 || status == 431 ||
		      (status == 400 && c->hp.status);
	bool keep_alive = c->hp.req.keep_alive && status < 500 && !unread;
	struct ogx_buf b = { 0 };

	c->linger = unread;

	if (status < HTTP_STATUS_MAX)
		c->s->st.statuses[status]++;
	ogx_http_head(&b, status, ctype, len, keep_alive, extra);
	ogx_buf_add(&b, body, len);
	if (b.oom) {
		ogx_buf_free(&b);
		ogx_conn_close(c);
		return;
	}
	ogx_conn_send(c, b.p, b.len);
	ogx_buf_free(&b);
	request_done(c, keep_alive);
}

void ogx_conn_error(struct conn *c, int status, const char *type, const char *code,
		    const char *fmt, ...)
{
	struct ogx_buf b = { 0 };
	char msg[512];
	va_list ap;
	const char *extra = status == 429 ? "Retry-After: 1\r\n" : NULL;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ogx_http_error_json(&b, type, code, msg);
	ogx_buf_str(&b, "\n");
	if (b.oom) {
		ogx_conn_close(c);
	} else {
		ogx_conn_respond(c, status, "application/json", b.p, b.len, extra);
	}
	ogx_buf_free(&b);
}

bool ogx_conn_sent(struct conn *c, int res)
{
	c->send_armed = false;
	if (c->closing)
		return false;
	if (res < 0) {
		ogx_conn_close(c);
		return false;
	}
	c->sent += (size_t)res;
	if (c->sent == c->sending.len) {
		c->sending.len = 0;
		c->sent = 0;
	}
	arm_send(c);
	if (!c->send_armed && c->close_after && !c->busy) {
		if (c->linger && !c->lingering) {
			/* FIN after the answer; what the client still sends is drained */
			shutdown(c->fd, SHUT_WR);
			c->lingering = true;
			c->linger_start = ogx_mono_ns();
		} else {
			ogx_conn_close(c);
		}
		return false;
	}
	return !c->busy;
}

bool ogx_conn_drained(struct conn *c, int res)
{
	if (c->closing)
		return false;
	if (res > 0)
		c->lingered += (size_t)res;
	if (res <= 0 || c->lingered > CONN_LINGER_MAX ||
	    ogx_mono_ns() - c->linger_start >= CONN_LINGER_MS * 1000000ull) {
		ogx_conn_close(c);
		return false;
	}
	return true;
}

bool ogx_conn_deliver(struct srv *s, struct msg *m)
{
	struct conn *c = m->conn;
	bool next = false;

	if (m->status && m->status < HTTP_STATUS_MAX && !c->closing)
		s->st.statuses[m->status]++;
	if (m->data.len)
		ogx_conn_send(c, m->data.p, m->data.len);
	if (m->job) {
		c->job = NULL;	/* freed with m */
		c->refs--;
		if (!c->closing) {
			request_done(c, !m->close);
			next = true;
		}
	}
	ogx_msg_free(m);
	return next;
}
