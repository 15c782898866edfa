// SPDX-License-Identifier: GPL-2.0
/* See bind.h. */
#include <errno.h>
#include <sodium.h>
#include <stddef.h>

#include "attest/bind.h"
#include "util/err.h"
#include "util/hex.h"

void ogx_attest_binding(uint8_t out[OGX_BIND_LEN], const uint8_t node[OGX_BIND_NODE_LEN],
			const uint8_t context[OGX_BIND_CONTEXT_LEN])
{
	static const uint8_t tag[] = OGX_BIND_TAG; /* with its NUL: the 0x00 separator */
	crypto_hash_sha512_state st;

	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, tag, sizeof(tag));
	crypto_hash_sha512_update(&st, node, OGX_BIND_NODE_LEN);
	crypto_hash_sha512_update(&st, context, OGX_BIND_CONTEXT_LEN);
	crypto_hash_sha512_final(&st, out);
}

int ogx_attest_binding_check(const uint8_t *data, size_t len, const char *what,
			     const uint8_t node[OGX_BIND_NODE_LEN],
			     const uint8_t context[OGX_BIND_CONTEXT_LEN])
{
	uint8_t want[OGX_BIND_LEN];
	char got_h[2 * 16 + 1], want_h[2 * 16 + 1], node_h[2 * 8 + 1];

	if (len != OGX_BIND_LEN)
		return ogx_fail(-EACCES, "%s has %zu bytes, not the %d of an ogx binding", what,
				len, OGX_BIND_LEN);
	ogx_attest_binding(want, node, context);
	if (!sodium_memcmp(data, want, OGX_BIND_LEN))
		return 0;
	ogx_hex(got_h, data, 16);
	ogx_hex(want_h, want, 16);
	ogx_hex(node_h, node, 8);
	return ogx_fail(-EACCES, "%s %s... is not the binding of node %s... and the given "
			"nonce (want %s...)", what, got_h, node_h, want_h);
}
