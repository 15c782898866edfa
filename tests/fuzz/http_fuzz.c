// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the server's HTTP/1.1 request parsing (runtime/serve/
 * http.c over http-parser). The input is fed in pieces whose sizes come from
 * its first byte, as a socket would deliver it; every complete request is
 * "answered" (ogx_http_next) and parsing goes on, as with pipelining. Checks:
 * the parser consumes no more than it is given, kept strings stay
 * NUL-terminated within their buffers, the body respects the limit, and the
 * same bytes fed whole give the same requests, ending in an error or not.
 * (Which error may differ: a limit can trip on a piece before http-parser
 * sees a bad byte further on, 431 in pieces where whole bytes give 400.)
 */
#include <stdlib.h>
#include <string.h>

#include "serve/http.h"

#define MAX_BODY 4096
#define MAX_EVENTS 64

struct trace {
	int n;
	int status[MAX_EVENTS];
	size_t body_len[MAX_EVENTS];
	int method[MAX_EVENTS];
};

static void check_req(const struct ogx_http_req *r)
{
	if (r->target_len > OGX_HTTP_MAX_TARGET || strlen(r->target) != r->target_len ||
	    strnlen(r->payment, sizeof(r->payment)) == sizeof(r->payment) ||
	    strnlen(r->content_type, sizeof(r->content_type)) == sizeof(r->content_type) ||
	    r->body_len > MAX_BODY || (r->body && r->body[r->body_len]))
		abort();
}

static void run(const uint8_t *data, size_t len, size_t piece, struct trace *t)
{
	struct ogx_http_parser p;
	char out[64];
	size_t off = 0, pending = 0;

	ogx_http_parser_init(&p, MAX_BODY);
	t->n = 0;
	while (t->n < MAX_EVENTS) {
		size_t avail = off + pending < len ? (piece ? piece : len) : 0;
		size_t give, n;
		int status;

		if (avail > len - off - pending)
			avail = len - off - pending;
		pending += avail;
		give = pending;
		n = ogx_http_feed(&p, (const char *)data + off, give, &status);
		if (n > give)
			abort();
		off += n;
		pending -= n;
		if (status == 1) {
			check_req(&p.req);
			ogx_http_query(&p.req, "nonce", out, sizeof(out));
			t->status[t->n] = 1;
			t->body_len[t->n] = p.req.body_len;
			t->method[t->n++] = p.req.method;
			ogx_http_next(&p);
			continue;
		}
		if (status) {
			t->status[t->n] = status;
			t->body_len[t->n] = 0;
			t->method[t->n++] = 0;
			break;
		}
		if (off + pending >= len)
			break;
	}
	ogx_http_parser_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct trace a, b;

	if (len < 1)
		return 0;
	run(data + 1, len - 1, (size_t)(data[0] % 17) + 1, &a);
	run(data + 1, len - 1, 0, &b);
	/* the requests seen must not depend on how the bytes were split */
	if (a.n != b.n || memcmp(a.body_len, b.body_len, sizeof(size_t) * (size_t)a.n) ||
	    memcmp(a.method, b.method, sizeof(int) * (size_t)a.n))
		abort();
	for (int i = 0; i < a.n; i++)
		if ((a.status[i] == 1) != (b.status[i] == 1))
			abort();
	return 0;
}
