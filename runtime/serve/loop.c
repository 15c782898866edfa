// SPDX-License-Identifier: GPL-2.0
/*
 * The server's one event loop: a single io_uring owns the listening socket
 * (multishot accept), every connection's recv (single-shot, into a buffer the
 * kernel picks from the provided-buffer ring of recvbuf.c when bytes arrive,
 * with a linked timeout: 408 for a request that stalls, a quiet close for an
 * idle keep-alive connection) and send, the eventfd through which workers
 * hand back response bytes, and the signalfd that stops it. No call on this
 * thread blocks on a peer: sockets are only touched through the ring
 * (shutdown(2) and setsockopt(2) return at once).
 *
 * A connection answers its requests in order, one at a time: the next
 * pipelined request is parsed only when the previous answer is queued, and
 * reading pauses while CONN_RBUF bytes wait unparsed. Bytes are parsed where
 * the kernel put them; only what is left unparsed is copied into the
 * connection's own buffer, which exists only while it holds something.
 * What is sent, and the connections themselves, are conn.c's; requests are
 * answered by route.c; each completion goes to the file that queued it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "serve/commit.h"
#include "serve/conn.h"
#include "serve/kcall.h"
#include "serve/loop.h"
#include "serve/route.h"
#include "serve/server.h"
#include "util/err.h"

#define RING_ENTRIES 4096

static void arm_recv(struct conn *c);

static void parse_error(struct conn *c, int status)
{
	switch (status) {
	case 413:
		ogx_conn_error(c, 413, "invalid_request_error", "body_too_large",
			       "request body larger than %zu bytes", c->s->cfg->max_body);
		break;
	case 431:
		ogx_conn_error(c, 431, "invalid_request_error", "headers_too_large",
			       "request line and headers larger than %d bytes (or one header "
			       "the server keeps over its limit)", OGX_HTTP_MAX_HEADER);
		break;
	case 503:
		ogx_conn_error(c, 503, "server_error", "out_of_memory", "out of memory");
		break;
	default:
		ogx_conn_error(c, 400, "invalid_request_error", "bad_request",
			       "malformed HTTP request: %s",
			       http_errno_description(HTTP_PARSER_ERRNO(&c->hp.hp)));
		break;
	}
}

/*
 * Keep the unparsed rest of p[0..len) (from off on) in the connection's own
 * buffer, allocated only now that something is left, freed when nothing is.
 */
static void keep_rest(struct conn *c, const char *p, size_t len, size_t off)
{
	size_t rest = len - off;

	if (c->closing || c->close_after)
		rest = 0; /* no request after this one will be read */
	if (rest && p == c->rbuf) {
		memmove(c->rbuf, c->rbuf + off, rest);
	} else if (rest) {
		if (!c->rbuf && !(c->rbuf = malloc(CONN_RBUF))) {
			c->rlen = 0;
			ogx_conn_close(c);
			return;
		}
		memcpy(c->rbuf, p + off, rest);
	}
	c->rlen = rest;
	if (!rest) {
		free(c->rbuf);
		c->rbuf = NULL;
	}
}

/*
 * Parse the unparsed input: what the connection kept, followed by fresh
 * bytes (fresh_len of them, in a provided buffer the caller gives back after
 * this returns), and answer or hand over the requests it completes.
 */
static void process_input(struct conn *c, const char *fresh, size_t fresh_len)
{
	const char *p;
	size_t len, off = 0;

	if (fresh_len && c->rlen) {
		/* fits: the recv asked for at most CONN_RBUF - rlen bytes */
		memcpy(c->rbuf + c->rlen, fresh, fresh_len);
		c->rlen += fresh_len;
		fresh_len = 0;
	}
	if (fresh_len) {
		p = fresh;
		len = fresh_len;
	} else {
		p = c->rbuf;
		len = c->rlen;
	}
	while (!c->busy && !c->closing && !c->close_after) {
		int status;

		/* a client that pipelines but does not read waits for its answers */
		if (c->pending.len + c->sending.len - c->sent > CONN_OUT_MAX)
			break;
		off += ogx_http_feed(&c->hp, len ? p + off : "", len - off, &status);
		if (status == 1) {
			c->busy = true;
			c->t_request = ogx_mono_ns();
			ogx_route_request(c->s, c, &c->hp.req);
			continue;
		}
		if (status) {
			parse_error(c, status);
			break;
		}
		if (c->hp.req.expect_continue && !c->sent_continue) {
			static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

			c->sent_continue = true;
			ogx_conn_send(c, cont, sizeof(cont) - 1);
		}
		break;
	}
	keep_rest(c, p, len, off);
	arm_recv(c);
}

static void arm_recv(struct conn *c)
{
	struct srv *s = c->s;
	struct io_uring_sqe *sqe;
	unsigned int ms, want;

	if (c->recv_armed || c->starved || c->closing || (c->close_after && !c->lingering) ||
	    c->rlen == CONN_RBUF)
		return;
	ring_reserve(&s->loop.ring, 2);
	sqe = ring_sqe(&s->loop.ring);
	/*
	 * The kernel picks the buffer when bytes arrive; the length caps the
	 * read so that what is kept unparsed never passes CONN_RBUF. Single
	 * shot: a multishot recv would outlive its linked timeout's meaning.
	 */
	want = CONN_RBUF - (unsigned int)c->rlen;
	io_uring_prep_recv(sqe, c->fd, NULL, want < s->loop.rr.size ? want : s->loop.rr.size, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = RECV_BGID;
	io_uring_sqe_set_data(sqe, &c->recv_op);
	c->recv_armed = true;
	c->inflight++;
	if (c->busy)
		return; /* a job runs: no deadline for the client, only for us */
	if (c->lingering) {
		uint64_t used = (ogx_mono_ns() - c->linger_start) / 1000000;

		ms = used < CONN_LINGER_MS ? CONN_LINGER_MS - (unsigned int)used : 1;
	} else if (ogx_http_partial(&c->hp) || c->rlen) {
		/* the deadline is for the whole request, not for each read:
		 * a byte every few seconds does not keep a request alive */
		uint64_t now = ogx_mono_ns(), used;

		if (!c->req_start)
			c->req_start = now;
		used = (now - c->req_start) / 1000000;
		ms = used < s->cfg->request_timeout_ms ? s->cfg->request_timeout_ms - (unsigned int)used : 1;
	} else {
		ms = s->cfg->idle_timeout_ms;
	}
	c->ts.tv_sec = ms / 1000;
	c->ts.tv_nsec = (long long)(ms % 1000) * 1000000;
	sqe->flags |= IOSQE_IO_LINK;
	sqe = ring_sqe(&s->loop.ring);
	io_uring_prep_link_timeout(sqe, &c->ts, 0);
	io_uring_sqe_set_data(sqe, &c->tmo_op);
	c->inflight++;
}

/*
 * The ring was empty when c's bytes arrived (more connections got bytes in
 * one turn than there are buffers). Every buffer taken in this turn is given
 * back before the next one starts (on_recv), so the recv is armed again then:
 * no spin on an empty ring, and the connection is neither dropped nor
 * forgotten. Its deadline keeps counting from the request's start.
 */
static void recv_starved(struct conn *c)
{
	struct srv *s = c->s;

	s->st.recv_nobufs++;
	c->starved = true;
	c->inflight++; /* not freed while on the list */
	c->starved_next = s->loop.starved;
	s->loop.starved = c;
}

static void rearm_starved(struct srv *s)
{
	struct conn *c = s->loop.starved;

	s->loop.starved = NULL;
	while (c) {
		struct conn *next = c->starved_next;

		c->starved = false;
		c->inflight--;
		arm_recv(c);
		ogx_conn_maybe_free(c);
		c = next;
	}
}

static void on_recv(struct conn *c, struct io_uring_cqe *cqe)
{
	int res = cqe->res;
	const char *data = NULL;
	unsigned int bid = 0;
	bool have_buf = cqe->flags & IORING_CQE_F_BUFFER;

	c->recv_armed = false;
	if (have_buf) {
		bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		data = ogx_recvbuf_data(&c->s->loop.rr, bid);
	}
	if (c->closing)
		goto out;
	if (res == -ENOBUFS) {
		recv_starved(c);
		goto out;
	}
	if (c->lingering) { /* answered: drain until the peer is done or time is up */
		if (ogx_conn_drained(c, res == -ECANCELED ? 0 : res))
			arm_recv(c);
		goto out;
	}
	if (res == -ECANCELED) { /* the linked timeout fired */
		if (ogx_http_partial(&c->hp) || c->rlen) {
			c->busy = true;
			ogx_conn_error(c, 408, "invalid_request_error", "request_timeout",
				       "request not complete within %u ms",
				       c->s->cfg->request_timeout_ms);
		} else {
			ogx_conn_close(c);
		}
		goto out;
	}
	if (res <= 0 || !data) { /* peer gone: its job, if any, is cancelled */
		ogx_conn_close(c);
		goto out;
	}
	process_input(c, data, (size_t)res);
out:
	/* the rest is copied: the buffer goes back at once (a 0-byte recv took one too) */
	if (have_buf)
		ogx_recvbuf_put(&c->s->loop.rr, bid);
}

static void on_send(struct conn *c, int res)
{
	if (ogx_conn_sent(c, res))
		process_input(c, NULL, 0);
	else if (c->lingering)
		arm_recv(c);
}

static void arm_accept(struct srv *s)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->loop.ring);

	io_uring_prep_multishot_accept(sqe, s->loop.lfd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data(sqe, &s->loop.accept_op);
}

static void on_accept(struct srv *s, struct io_uring_cqe *cqe)
{
	struct conn *c;

	if (!(cqe->flags & IORING_CQE_F_MORE) && !s->loop.stopping)
		arm_accept(s);
	if (cqe->res < 0)
		return;
	if (s->loop.stopping || s->st.conns >= s->cfg->max_conns ||
	    !(c = ogx_conn_new(s, cqe->res))) {
		s->st.refused_conns++;
		close(cqe->res);
		return;
	}
	s->st.accepted++;
	arm_recv(c);
}

static void arm_read(struct srv *s, int fd, void *buf, size_t len, struct op *op)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->loop.ring);

	io_uring_prep_read(sqe, fd, buf, len, 0);
	io_uring_sqe_set_data(sqe, op);
}

/* A request answered off the loop's turn: on to the next one. */
static void resume(struct conn *c)
{
	if (!c->closing)
		process_input(c, NULL, 0);
	ogx_conn_maybe_free(c);
}

static void deliver(struct srv *s, struct msg *m)
{
	struct conn *c = m->conn;

	if (ogx_conn_deliver(s, m))
		process_input(c, NULL, 0);
	ogx_conn_maybe_free(c);
}

/* Answers the spool's group commit let go, in order. */
static void deliver_released(struct srv *s)
{
	struct msg *m;

	while ((m = ogx_commit_released(&s->cm)))
		deliver(s, m);
}

/*
 * Worker messages, in the order posted: records for the spool, response
 * bytes for connections, and finished jobs, whose last answer waits for the
 * records handed over before it (commit.c).
 */
static void on_event(struct srv *s)
{
	struct msg *m = ogx_mailbox_take(&s->mb);

	while (m) {
		struct msg *next = m->next;

		if (m->xc) {
			struct conn *c = m->xc->conn;

			ogx_route_payment_checked(s, m->xc);
			free(m);
			resume(c);
		} else if (m->kc) {
			ogx_kcall_submit(s, m->kc);
			free(m);
		} else if (!m->conn) {
			ogx_commit_record(s, m);
			free(m);
			deliver_released(s);
		} else if (m->job && s->pv.record) {
			ogx_commit_answer(s, m);
			deliver_released(s);
		} else {
			deliver(s, m);
		}
		m = next;
	}
	arm_read(s, s->mb.efd, &s->loop.event_val, sizeof(s->loop.event_val), &s->loop.event_op);
}

static int listen_on(struct srv *s)
{
	const struct ogx_serve_config *cfg = s->cfg;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(cfg->port) };
	socklen_t alen = sizeof(a);
	int one = 1;

	if (inet_pton(AF_INET, cfg->host, &a.sin_addr) != 1)
		return ogx_fail(-EINVAL, "--listen: '%s' is not an IPv4 address", cfg->host);
	s->loop.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->loop.lfd < 0)
		return ogx_fail(-errno, "socket: %s", strerror(errno));
	setsockopt(s->loop.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->loop.lfd, (struct sockaddr *)&a, sizeof(a)) || listen(s->loop.lfd, 4096) ||
	    getsockname(s->loop.lfd, (struct sockaddr *)&a, &alen))
		return ogx_fail(-errno, "listen on %s:%u: %s", cfg->host, cfg->port,
				strerror(errno));
	printf("listening on %s:%u\n", cfg->host, ntohs(a.sin_port));
	fflush(stdout);
	return 0;
}

int ogx_loop_run(struct srv *s)
{
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE, .cq_entries = 4 * RING_ENTRIES };
	struct loop *l = &s->loop;
	sigset_t mask;
	int err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	l->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (l->sigfd < 0)
		return ogx_fail(-errno, "signalfd: %s", strerror(errno));
	/*
	 * Only this thread submits: completions' task work then runs when the
	 * loop asks for events, not as an interrupt of whatever it is doing
	 * (kernel 6.1+; older kernels get the plain ring).
	 */
	p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	err = io_uring_queue_init_params(RING_ENTRIES, &l->ring, &p);
	if (err == -EINVAL) {
		p = (struct io_uring_params){ .flags = IORING_SETUP_CQSIZE,
					      .cq_entries = 4 * RING_ENTRIES };
		err = io_uring_queue_init_params(RING_ENTRIES, &l->ring, &p);
	}
	if (err)
		return ogx_fail(err, "io_uring: %s", strerror(-err));
	err = ogx_recvbuf_init(&l->rr, &l->ring);
	if (!err)
		err = listen_on(s);
	if (err)
		goto out;
	l->accept_op.type = OP_ACCEPT;
	l->event_op.type = OP_EVENT;
	l->signal_op.type = OP_SIGNAL;
	arm_accept(s);
	arm_read(s, s->mb.efd, &l->event_val, sizeof(l->event_val), &l->event_op);
	arm_read(s, l->sigfd, &l->sig, sizeof(l->sig), &l->signal_op);
	ogx_commit_init(&s->cm);
	sd_notify(0, "READY=1");
	/* on a stop, the group being synced finishes: its answers may go out;
	 * so does an attestation waiting for the module's INFO */
	while (!l->stopping || s->cm.inflight || s->tee.attests) {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;

		rearm_starved(s);
		ogx_commit_flush(s);
		deliver_released(s);
		err = io_uring_submit_and_wait(&l->ring, 1);
		if (err < 0 && err != -EINTR && err != -EAGAIN && err != -EBUSY) {
			err = ogx_fail(err, "io_uring_submit_and_wait: %s", strerror(-err));
			goto out;
		}
		io_uring_for_each_cqe(&l->ring, head, cqe) {
			struct op *op = io_uring_cqe_get_data(cqe);

			seen++;
			switch (op->type) {
			case OP_ACCEPT: on_accept(s, cqe); break;
			case OP_RECV: op->c->inflight--; on_recv(op->c, cqe);
				ogx_conn_maybe_free(op->c); break;
			case OP_SEND: op->c->inflight--; on_send(op->c, cqe->res);
				ogx_conn_maybe_free(op->c); break;
			case OP_TIMEOUT: op->c->inflight--; ogx_conn_maybe_free(op->c); break;
			case OP_EVENT: on_event(s); break;
			case OP_SIGNAL: l->stopping = true; break;
			case OP_SPOOL_WRITE:
			case OP_SPOOL_SYNC: ogx_commit_cqe(s, op, cqe->res);
				deliver_released(s); break;
			case OP_KMOD: ogx_kcall_cqe(s, op, cqe->res); break;
			case OP_ATTEST: {
				struct conn *c = op->c;

				c->inflight--;
				ogx_route_attest_cqe(op, cqe->res);
				resume(c);
				break;
			}
			}
		}
		io_uring_cq_advance(&l->ring, seen);
	}
	sd_notify(0, "STOPPING=1");
	err = 0;
out:
	/* Workers waiting on ogx.ko commands give up; then the ring goes, and
	 * the connections still open are closed unanswered (nothing completes
	 * on them any more; a job still queued or running is freed by
	 * ogx_queue_stop() or with its last message). Records already committed
	 * stay in the spool. */
	ogx_mailbox_close(&s->mb);
	io_uring_queue_exit(&l->ring);
	while (l->conn_list)
		ogx_conn_free(l->conn_list);
	ogx_recvbuf_free(&l->rr);
	ogx_commit_free(&s->cm);
	close(l->sigfd);
	if (l->lfd >= 0)
		close(l->lfd);
	return err;
}
