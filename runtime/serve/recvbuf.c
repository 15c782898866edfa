// SPDX-License-Identifier: GPL-2.0
/*
 * The loop's receive buffers: one ring-mapped provided-buffer group
 * (kernel 5.19+, liburing 2.3) from which every connection's recv takes a
 * buffer when its bytes arrive, not when the recv is armed. The loop parses
 * the bytes straight from it, copies only an unparsed remainder into the
 * connection's own buffer, and gives the buffer back at once (loop.c), so a
 * buffer is held only from the kernel filling it to the loop reaping the
 * completion, and an idle connection holds no receive memory at all.
 *
 * Sizes: RECV_BUFS bounds the connections whose bytes arrive within one
 * loop turn (each connection has one recv in flight at most), not the open
 * connections; 512 covers a turn of 256 busy connections twice over, and a
 * turn with more gets -ENOBUFS for the rest, which loop.c re-arms on the
 * next turn (when every buffer is back). RECV_BUF_SIZE 8 KiB holds a whole
 * typical request (headers and a classifier body of ~3 KB) in one recv;
 * larger ones take several, their remainders copied. 4 MiB in all, touched
 * only as the kernel writes into it.
 *
 * OGX_SERVE_RECV_BUFS (a power of two, 1..32768) and OGX_SERVE_RECV_BUF_SIZE
 * (16..65536) override both, for tests that exhaust the ring on purpose.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "serve/recvbuf.h"
#include "util/err.h"

static unsigned int env_uint(const char *name, unsigned int def, unsigned int lo,
			     unsigned int hi)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return def;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return 0;
	return (unsigned int)n;
}

int ogx_recvbuf_init(struct recv_ring *r, struct io_uring *ring)
{
	struct io_uring_buf_reg reg = { 0 };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int err;

	r->n = env_uint("OGX_SERVE_RECV_BUFS", RECV_BUFS, 1, 32768);
	r->size = env_uint("OGX_SERVE_RECV_BUF_SIZE", RECV_BUF_SIZE, 16, 65536);
	if (!r->n || (r->n & (r->n - 1)) || !r->size)
		return ogx_fail(-EINVAL, "OGX_SERVE_RECV_BUFS must be a power of two in 1..32768 "
				"and OGX_SERVE_RECV_BUF_SIZE in 16..65536");
	/* the ring of buffer descriptors must be page-aligned: it leads the map */
	r->ring_len = ((size_t)r->n * sizeof(struct io_uring_buf) + page - 1) & ~(page - 1);
	r->map_len = r->ring_len + (size_t)r->n * r->size;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return ogx_fail(-ENOMEM, "receive buffers: %zu bytes: %s", r->map_len,
				strerror(errno));
	}
	r->br = r->map;
	r->mem = (char *)r->map + r->ring_len;
	reg.ring_addr = (unsigned long)r->br;
	reg.ring_entries = r->n;
	reg.bgid = RECV_BGID;
	err = io_uring_register_buf_ring(ring, &reg, 0);
	if (err) {
		munmap(r->map, r->map_len);
		r->map = NULL;
		return ogx_fail(err, "io_uring provided buffer ring: %s (kernel 5.19 or later "
				"needed)", strerror(-err));
	}
	io_uring_buf_ring_init(r->br);
	r->mask = io_uring_buf_ring_mask(r->n);
	for (unsigned int i = 0; i < r->n; i++)
		io_uring_buf_ring_add(r->br, r->mem + (size_t)i * r->size, r->size, i, r->mask, i);
	io_uring_buf_ring_advance(r->br, r->n);
	return 0;
}

const char *ogx_recvbuf_data(struct recv_ring *r, unsigned int bid)
{
	return r->mem + (size_t)bid * r->size;
}

void ogx_recvbuf_put(struct recv_ring *r, unsigned int bid)
{
	io_uring_buf_ring_add(r->br, r->mem + (size_t)bid * r->size, r->size, bid, r->mask, 0);
	io_uring_buf_ring_advance(r->br, 1);
}

void ogx_recvbuf_free(struct recv_ring *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
}
