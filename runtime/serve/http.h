/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HTTP/1.1 requests, one connection's worth: bytes in, one complete request
 * out at a time (pipelined requests wait in the parser's input until the
 * previous one is answered), with the server's limits enforced as HTTP
 * statuses: 400 malformed, 413 body too large, 431 header section too large.
 *
 * The parser underneath is the nodejs http-parser (Debian libhttp-parser-dev);
 * http.c says why.
 *
 *	ogx_http_parser_init(&p, max_body);
 *	n = ogx_http_feed(&p, data, len, &status);   // consumes n bytes
 *	status 1: p.req is complete; answer it, then ogx_http_next(&p)
 *	status 0: need more bytes;   status >= 400: answer that and close
 */
#ifndef OGX_SERVE_HTTP_H
#define OGX_SERVE_HTTP_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>

#include "serve/buf.h"

#define OGX_HTTP_MAX_HEADER 8192	/* request line + header section */
#define OGX_HTTP_MAX_TARGET 2048
#define OGX_HTTP_MAX_PAYMENT 4096	/* X-PAYMENT / PAYMENT-SIGNATURE value */

struct ogx_http_req {
	enum http_method method;
	char target[OGX_HTTP_MAX_TARGET + 1];	/* as sent: path?query */
	size_t target_len;
	char path[OGX_HTTP_MAX_TARGET + 1];	/* target up to '?' */
	const char *query;			/* after '?', "" when none */
	char content_type[128];
	char accept[256];
	char level[32];				/* X-OG-Level */
	char payment[OGX_HTTP_MAX_PAYMENT + 1];	/* X-PAYMENT or PAYMENT-SIGNATURE */
	int payment_version;	/* 0 none, 1 X-PAYMENT, 2 PAYMENT-SIGNATURE, -1 several */
	char expect[32];
	bool expect_continue;	/* Expect: 100-continue */
	bool keep_alive;
	bool http11;
	char *body;				/* malloc'd, NUL-terminated */
	size_t body_len;
};

struct ogx_http_parser {
	http_parser hp;
	struct ogx_http_req req;
	size_t max_body;
	size_t header_bytes;
	int status;		/* the error being reported, or 0 */
	bool started;		/* bytes of a request have been seen */
	bool complete;
	/* header being read: its lowercased name, and where its value goes */
	char name[32];
	size_t name_len;
	bool name_long, in_value;
	char *value_dst;
	size_t value_cap, value_len;
};

void ogx_http_parser_init(struct ogx_http_parser *p, size_t max_body);
void ogx_http_parser_free(struct ogx_http_parser *p);

/*
 * Parse up to len bytes; returns how many were consumed. *status: 1 a request
 * is complete (the rest stays unconsumed), 0 more bytes needed, or an HTTP
 * error status (400, 413, 431) after which the connection is to be closed.
 */
size_t ogx_http_feed(struct ogx_http_parser *p, const char *data, size_t len, int *status);

/* Forget the answered request and accept the next one. */
void ogx_http_next(struct ogx_http_parser *p);

/* A request has begun but is not complete (a timeout is then 408). */
static inline bool ogx_http_partial(const struct ogx_http_parser *p)
{
	return p->started && !p->complete;
}

/* The value of query parameter name ("" when it is present with none), or NULL. */
const char *ogx_http_query(const struct ogx_http_req *r, const char *name, char *out,
			   size_t size);

/*
 * The head of a response: status line, Date-less fixed headers, Content-Length
 * (len, or chunked when len is (size_t)-1), keep-alive or close, and extra
 * (complete "Name: value\r\n" lines, or NULL).
 */
void ogx_http_head(struct ogx_buf *b, int status, const char *ctype, size_t len,
		   bool keep_alive, const char *extra);
const char *ogx_http_reason(int status);

/* An error answer's body, {"error":{"message":msg,"type":type,"code":code}}, no newline. */
void ogx_http_error_json(struct ogx_buf *b, const char *type, const char *code, const char *msg);
/*
 * One server-sent event (data: the JSON) as one HTTP chunk of a chunked
 * response; last: then the "data: [DONE]" event and the terminating chunk.
 */
void ogx_http_sse_event(struct ogx_buf *b, const void *data, size_t len, bool last);

#endif
