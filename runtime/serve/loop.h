/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The server's one event loop (loop.c): the ring, the listening socket, the
 * connections' receiving side, and the dispatch of every completion. Loop
 * thread only.
 */
#ifndef OGX_SERVE_LOOP_H
#define OGX_SERVE_LOOP_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/signalfd.h>

#include "serve/recvbuf.h"
#include "serve/ring.h"
#include "util/err.h"

struct srv;
struct conn;

struct loop {
	struct io_uring ring;
	struct recv_ring rr;		/* every recv's buffers (recvbuf.c) */
	int lfd, sigfd;
	struct op accept_op, event_op, signal_op;
	uint64_t event_val;		/* the mailbox's eventfd, read */
	struct signalfd_siginfo sig;
	bool stopping;			/* SIGTERM or SIGINT came */
	struct conn *conn_list;		/* every connection not yet freed */
	struct conn *starved;		/* connections to re-arm on the next turn */
};

/*
 * Listen, print "listening on HOST:PORT", tell systemd READY=1, and run the
 * loop until a stop signal; then close every connection still open. The
 * workers must be running. Errors with detail.
 */
OGX_MUST_CHECK
int ogx_loop_run(struct srv *s);

#endif
