/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UTF-8 validity (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF). By hand: none of the project's libraries exports a validator
 * (libcbor does not check text strings; jansson checks only inside its own
 * parser). CBOR text strings must be valid UTF-8 (RFC 8949 §3.1), so records
 * check every text field with it, and the server cleans generated text with it.
 */
#ifndef OGX_UTIL_UTF8_H
#define OGX_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the sequence starting at in (1-4), 0 if invalid, -1 if cut short at avail. */
int ogx_utf8_seq(const unsigned char *in, size_t avail);

/* Whether len bytes at s are valid UTF-8 throughout. */
bool ogx_utf8_valid(const void *s, size_t len);

#endif
