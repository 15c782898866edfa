/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A growable byte buffer for responses being built. Append failures are
 * sticky (oom set, later appends do nothing) so that a caller building a
 * response checks once, at the end.
 */
#ifndef OGX_SERVE_BUF_H
#define OGX_SERVE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct ogx_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

void ogx_buf_add(struct ogx_buf *b, const void *data, size_t len);
void ogx_buf_str(struct ogx_buf *b, const char *s);
void ogx_buf_printf(struct ogx_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hex of len bytes. */
void ogx_buf_hex(struct ogx_buf *b, const void *data, size_t len);
/* A JSON string literal (quotes included) of valid UTF-8 text. */
void ogx_buf_json_str(struct ogx_buf *b, const char *s, size_t len);
void ogx_buf_reset(struct ogx_buf *b);
void ogx_buf_free(struct ogx_buf *b);

/*
 * Copy the longest prefix of in[0..len) that is whole UTF-8, replacing
 * invalid bytes with U+FFFD; with partial_ok, an incomplete sequence at the
 * end is left out and its length returned in *carry (for streams). out must
 * hold 3 * len bytes. Returns the bytes written.
 */
size_t ogx_utf8_clean(const char *in, size_t len, char *out, int partial_ok, size_t *carry);

#endif
