// SPDX-License-Identifier: GPL-2.0
/* See utf8.h. */
#include "util/utf8.h"

int ogx_utf8_seq(const unsigned char *in, size_t avail)
{
	unsigned char c = in[0];
	unsigned int lo = 0x80, hi = 0xbf;
	int n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (int k = 1; k < n; k++) {
		if ((size_t)k >= avail)
			return -1;
		if (in[k] < lo || in[k] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

bool ogx_utf8_valid(const void *s, size_t len)
{
	const unsigned char *u = s;
	size_t i = 0;

	while (i < len) {
		int n = ogx_utf8_seq(u + i, len - i);

		if (n <= 0)
			return false;
		i += (size_t)n;
	}
	return true;
}
