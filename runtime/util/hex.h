/* SPDX-License-Identifier: GPL-2.0 */
/* Lower-case hex, for digests and keys shown to people. */
#ifndef OGX_UTIL_HEX_H
#define OGX_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Writes 2*len hex digits and a NUL into out (size >= 2*len + 1). */
void ogx_hex(char *out, const uint8_t *in, size_t len);

/* Parses exactly 2*len hex digits (either case); -EINVAL otherwise. */
OGX_MUST_CHECK
int ogx_unhex(uint8_t *out, size_t len, const char *in);

#endif
