// SPDX-License-Identifier: GPL-2.0
/* Hex through libsodium's constant-time codec (keys pass through here). */
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "hex.h"

void ogx_hex(char *out, const uint8_t *in, size_t len)
{
	sodium_bin2hex(out, 2 * len + 1, in, len);
}

int ogx_unhex(uint8_t *out, size_t len, const char *in)
{
	size_t got;
	const char *end;

	if (strlen(in) != 2 * len)
		return -EINVAL;
	if (sodium_hex2bin(out, len, in, 2 * len, NULL, &got, &end) || got != len)
		return -EINVAL;
	return 0;
}
