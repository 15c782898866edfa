/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loop's receive buffers (recvbuf.c): one ring-mapped provided-buffer
 * group every recv takes its buffer from when bytes arrive.
 *
 *	ogx_recvbuf_init(&rr, &ring);
 *	sqe->flags |= IOSQE_BUFFER_SELECT; sqe->buf_group = RECV_BGID;
 *	data = ogx_recvbuf_data(&rr, bid); ... ogx_recvbuf_put(&rr, bid);
 *	io_uring_queue_exit(&ring); ogx_recvbuf_free(&rr);
 */
#ifndef OGX_SERVE_RECVBUF_H
#define OGX_SERVE_RECVBUF_H

#include <liburing.h>
#include <stddef.h>

#include "util/err.h"

#define RECV_BGID 0
#define RECV_BUFS 512		/* sizes: recvbuf.c says why */
#define RECV_BUF_SIZE 8192

struct recv_ring {
	struct io_uring_buf_ring *br;	/* leads map, page-aligned */
	char *mem;			/* n buffers of size bytes */
	void *map;
	size_t map_len, ring_len;
	unsigned int n, size, mask;
};

/* Map and register the group on ring. Errors with detail. */
OGX_MUST_CHECK
int ogx_recvbuf_init(struct recv_ring *r, struct io_uring *ring);
const char *ogx_recvbuf_data(struct recv_ring *r, unsigned int bid);
/* Give buffer bid back to the ring. */
void ogx_recvbuf_put(struct recv_ring *r, unsigned int bid);
/* After io_uring_queue_exit (which unregisters the group). */
void ogx_recvbuf_free(struct recv_ring *r);

#endif
