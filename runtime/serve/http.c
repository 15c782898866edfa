// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/1.1 request parsing on top of the nodejs http-parser.
 *
 * Why this parser: Debian 12 packages no llhttp or picohttpparser, and a
 * request parser is the first thing an attacker's bytes reach. http-parser
 * (libhttp-parser-dev 2.9.4) is the parser Node.js shipped for a decade: a
 * callback state machine that never allocates, never buffers, accepts input
 * split at any byte, and has been fuzzed (OSS-Fuzz) and attacked for years
 * (request smuggling fixes: duplicate Content-Length, Transfer-Encoding +
 * Content-Length, obs-fold are all rejected in 2.9.x). Writing our own would
 * redo that work; picohttpparser would have to be vendored. What it does not
 * do we add here: the size limits (431/413), keeping only the headers the
 * server acts on, and stopping after each request (http_parser_pause) so that
 * pipelined requests are answered one at a time, in order.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve/http.h"

static struct ogx_http_parser *P(http_parser *hp)
{
	return hp->data;
}

static int fail(struct ogx_http_parser *p, int status)
{
	if (!p->status)
		p->status = status;
	return 1; /* stops http_parser_execute */
}

static int count_header(struct ogx_http_parser *p, size_t len)
{
	p->header_bytes += len;
	return p->header_bytes > OGX_HTTP_MAX_HEADER ? fail(p, 431) : 0;
}

static int on_message_begin(http_parser *hp)
{
	P(hp)->started = true;
	return 0;
}

static int on_url(http_parser *hp, const char *at, size_t len)
{
	struct ogx_http_parser *p = P(hp);
	struct ogx_http_req *r = &p->req;

	if (count_header(p, len))
		return 1;
	if (r->target_len + len > OGX_HTTP_MAX_TARGET)
		return fail(p, 431);
	memcpy(r->target + r->target_len, at, len);
	r->target_len += len;
	r->target[r->target_len] = 0;
	return 0;
}

/* Where the value of the header just named goes (NULL: not kept). */
static void pick_header(struct ogx_http_parser *p)
{
	struct ogx_http_req *r = &p->req;
	static const struct {
		const char *name;
		size_t off, size;
		int payment;
	} keep[] = {
		{ "content-type", offsetof(struct ogx_http_req, content_type), 128, 0 },
		{ "accept", offsetof(struct ogx_http_req, accept), 256, 0 },
		{ "x-og-level", offsetof(struct ogx_http_req, level), 32, 0 },
		{ "expect", offsetof(struct ogx_http_req, expect), 32, 0 },
		{ "x-payment", offsetof(struct ogx_http_req, payment), OGX_HTTP_MAX_PAYMENT + 1, 1 },
		{ "payment-signature", offsetof(struct ogx_http_req, payment),
		  OGX_HTTP_MAX_PAYMENT + 1, 2 },
	};

	p->value_dst = NULL;
	p->value_len = 0;
	if (p->name_long)
		return;
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		if (strlen(keep[i].name) != p->name_len || memcmp(keep[i].name, p->name, p->name_len))
			continue;
		if (keep[i].payment) {
			/* both headers, or one twice: ambiguous, so refused */
			if (r->payment_version)
				r->payment_version = -1;
			else
				r->payment_version = keep[i].payment;
		}
		p->value_dst = (char *)r + keep[i].off;
		p->value_cap = keep[i].size;
		p->value_dst[0] = 0;
		return;
	}
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
	struct ogx_http_parser *p = P(hp);

	if (count_header(p, len))
		return 1;
	if (p->in_value) {
		p->in_value = false;
		p->name_len = 0;
		p->name_long = false;
	}
	for (size_t i = 0; i < len; i++) {
		char c = at[i];

		if (p->name_len + 1 >= sizeof(p->name)) {
			p->name_long = true;
			break;
		}
		p->name[p->name_len++] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
	}
	return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
	struct ogx_http_parser *p = P(hp);

	if (count_header(p, len))
		return 1;
	if (!p->in_value) {
		p->in_value = true;
		pick_header(p);
	}
	if (!p->value_dst)
		return 0;
	if (p->value_len + len + 1 > p->value_cap)
		return fail(p, 431);
	memcpy(p->value_dst + p->value_len, at, len);
	p->value_len += len;
	p->value_dst[p->value_len] = 0;
	return 0;
}

static int on_headers_complete(http_parser *hp)
{
	struct ogx_http_parser *p = P(hp);
	struct ogx_http_req *r = &p->req;
	char *q;

	r->expect_continue = !strcasecmp(r->expect, "100-continue");
	if ((hp->flags & F_CONTENTLENGTH) && hp->content_length > p->max_body)
		return fail(p, 413);
	if (!r->target_len)
		return fail(p, 400);
	memcpy(r->path, r->target, r->target_len + 1);
	q = strchr(r->path, '?');
	if (q) {
		*q = 0;
		r->query = q + 1;
	} else {
		r->query = "";
	}
	r->method = hp->method;
	r->http11 = hp->http_major == 1 && hp->http_minor >= 1;
	return 0;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
	struct ogx_http_parser *p = P(hp);
	struct ogx_http_req *r = &p->req;
	char *nb;

	if (r->body_len + len > p->max_body)
		return fail(p, 413);
	nb = realloc(r->body, r->body_len + len + 1);
	if (!nb)
		return fail(p, 503);
	r->body = nb;
	memcpy(r->body + r->body_len, at, len);
	r->body_len += len;
	r->body[r->body_len] = 0;
	return 0;
}

static int on_message_complete(http_parser *hp)
{
	struct ogx_http_parser *p = P(hp);

	p->complete = true;
	p->req.keep_alive = http_should_keep_alive(hp);
	http_parser_pause(hp, 1);
	return 0;
}

static const http_parser_settings settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

static void req_reset(struct ogx_http_parser *p)
{
	free(p->req.body);
	memset(&p->req, 0, sizeof(p->req));
	p->req.query = "";
	p->header_bytes = 0;
	p->started = p->complete = false;
	p->name_len = 0;
	p->name_long = p->in_value = false;
}

void ogx_http_parser_init(struct ogx_http_parser *p, size_t max_body)
{
	memset(p, 0, sizeof(*p));
	http_parser_init(&p->hp, HTTP_REQUEST);
	p->hp.data = p;
	p->max_body = max_body;
	req_reset(p);
}

void ogx_http_parser_free(struct ogx_http_parser *p)
{
	free(p->req.body);
	p->req.body = NULL;
}

size_t ogx_http_feed(struct ogx_http_parser *p, const char *data, size_t len, int *status)
{
	size_t n;
	enum http_errno e;

	*status = 0;
	if (p->status) {
		*status = p->status;
		return 0;
	}
	if (p->complete) {
		*status = 1;
		return 0;
	}
	if (!len)
		return 0;
	n = http_parser_execute(&p->hp, &settings, data, len);
	e = HTTP_PARSER_ERRNO(&p->hp);
	if (p->status) {
		*status = p->status;
	} else if (p->complete) {
		*status = 1;
	} else if (e == HPE_HEADER_OVERFLOW) {
		*status = p->status = 431;
	} else if (e != HPE_OK) {
		*status = p->status = 400;
	}
	return n;
}

void ogx_http_next(struct ogx_http_parser *p)
{
	req_reset(p);
	http_parser_pause(&p->hp, 0);
}

const char *ogx_http_query(const struct ogx_http_req *r, const char *name, char *out,
			   size_t size)
{
	size_t nlen = strlen(name);
	const char *q = r->query;

	while (*q) {
		const char *end = strchr(q, '&');
		size_t len = end ? (size_t)(end - q) : strlen(q);

		if (len >= nlen && !memcmp(q, name, nlen) && (len == nlen || q[nlen] == '=')) {
			const char *v = len == nlen ? q + len : q + nlen + 1;
			size_t vlen = (size_t)(q + len - v), o = 0;

			if (!size)
				return NULL;
			for (size_t i = 0; i < vlen && o + 1 < size; i++) {
				/* percent-decoding is left out: values here are hex */
				out[o++] = v[i];
			}
			out[o] = 0;
			return vlen < size ? out : NULL;
		}
		if (!end)
			break;
		q = end + 1;
	}
	return NULL;
}

const char *ogx_http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 402: return "Payment Required";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void ogx_http_head(struct ogx_buf *b, int status, const char *ctype, size_t len,
		   bool keep_alive, const char *extra)
{
	ogx_buf_printf(b, "HTTP/1.1 %d %s\r\nServer: ogx\r\nContent-Type: %s\r\n", status,
		       ogx_http_reason(status), ctype);
	if (len == (size_t)-1)
		ogx_buf_str(b, "Transfer-Encoding: chunked\r\nCache-Control: no-cache\r\n");
	else
		ogx_buf_printf(b, "Content-Length: %zu\r\n", len);
	ogx_buf_str(b, keep_alive ? "" : "Connection: close\r\n");
	if (extra)
		ogx_buf_str(b, extra);
	ogx_buf_str(b, "\r\n");
}

void ogx_http_error_json(struct ogx_buf *b, const char *type, const char *code, const char *msg)
{
	ogx_buf_str(b, "{\"error\":{\"message\":");
	ogx_buf_json_str(b, msg, strlen(msg));
	ogx_buf_printf(b, ",\"type\":\"%s\",\"code\":\"%s\"}}", type, code);
}

void ogx_http_sse_event(struct ogx_buf *b, const void *data, size_t len, bool last)
{
	ogx_buf_printf(b, "%zx\r\ndata: ", len + 8);
	ogx_buf_add(b, data, len);
	ogx_buf_str(b, "\n\n\r\n");
	if (last)
		ogx_buf_str(b, "e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n");
}
