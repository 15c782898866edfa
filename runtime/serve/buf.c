// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/buf.h"
#include "util/utf8.h"

static bool buf_reserve(struct ogx_buf *b, size_t more)
{
	size_t want, cap;
	char *p;

	if (b->oom)
		return false;
	if (__builtin_add_overflow(b->len, more, &want))
		goto oom;
	if (want <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < want)
		if (__builtin_mul_overflow(cap, 2, &cap))
			goto oom;
	p = realloc(b->p, cap);
	if (!p)
		goto oom;
	b->p = p;
	b->cap = cap;
	return true;
oom:
	b->oom = true;
	return false;
}

void ogx_buf_add(struct ogx_buf *b, const void *data, size_t len)
{
	if (!len || !buf_reserve(b, len))
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

void ogx_buf_str(struct ogx_buf *b, const char *s)
{
	ogx_buf_add(b, s, strlen(s));
}

void ogx_buf_printf(struct ogx_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void ogx_buf_hex(struct ogx_buf *b, const void *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *d = data;

	if (!buf_reserve(b, 2 * len))
		return;
	for (size_t i = 0; i < len; i++) {
		b->p[b->len++] = digits[d[i] >> 4];
		b->p[b->len++] = digits[d[i] & 15];
	}
}

void ogx_buf_json_str(struct ogx_buf *b, const char *s, size_t len)
{
	ogx_buf_add(b, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];
		size_t run = i;

		while (run < len && (unsigned char)s[run] >= 0x20 && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (run > i) {
			ogx_buf_add(b, s + i, run - i);
			i = run - 1;
			continue;
		}
		switch (c) {
		case '"': ogx_buf_str(b, "\\\""); break;
		case '\\': ogx_buf_str(b, "\\\\"); break;
		case '\n': ogx_buf_str(b, "\\n"); break;
		case '\r': ogx_buf_str(b, "\\r"); break;
		case '\t': ogx_buf_str(b, "\\t"); break;
		default: ogx_buf_printf(b, "\\u%04x", c); break;
		}
	}
	ogx_buf_add(b, "\"", 1);
}

void ogx_buf_reset(struct ogx_buf *b)
{
	b->len = 0;
	b->oom = false;
}

void ogx_buf_free(struct ogx_buf *b)
{
	free(b->p);
	*b = (struct ogx_buf){ 0 };
}

size_t ogx_utf8_clean(const char *in, size_t len, char *out, int partial_ok, size_t *carry)
{
	const unsigned char *u = (const unsigned char *)in;
	size_t i = 0, o = 0;

	if (carry)
		*carry = 0;
	while (i < len) {
		int n = ogx_utf8_seq(u + i, len - i);

		if (n < 0 && partial_ok) {
			if (carry)
				*carry = len - i;
			break;
		}
		if (n <= 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, u + i, (size_t)n);
		o += (size_t)n;
		i += (size_t)n;
	}
	return o;
}
