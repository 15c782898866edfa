// SPDX-License-Identifier: GPL-2.0
/* See eip3009.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chain/abi.h"
#include "chain/eip3009.h"
#include "chain/eth_key.h"
#include "util/err.h"

/* Payment evidence keys (Documentation/proof-record.md, key 15). */
enum {
	PAY_VERSION, PAY_SCHEME, PAY_NETWORK, PAY_CHAIN_ID, PAY_ASSET, PAY_PAY_TO, PAY_FROM,
	PAY_VALUE, PAY_VALID_AFTER, PAY_VALID_BEFORE, PAY_NONCE, PAY_SIG, PAY_DIGEST,
};

static const char *const pay_names[] = {
	"version", "scheme", "network", "chain id", "asset", "payTo", "from", "value",
	"validAfter", "validBefore", "nonce", "signature", "digest",
};

/* The entry of key in x, of that type (and, for bytes, that length), or NULL. */
static const void *entry(const struct ogx_ext *x, uint32_t key, enum ogx_ext_type type,
			 size_t len, uint64_t *u)
{
	for (size_t i = 0; i < x->n; i++) {
		if (x->e[i].key != key)
			continue;
		if (x->e[i].type != type || (type == OGX_EXT_BYTES && x->e[i].len != len) ||
		    (type == OGX_EXT_TEXT && x->e[i].len >= len))
			return NULL;
		if (u)
			*u = x->e[i].u;
		return type == OGX_EXT_UINT ? (const void *)x : x->e[i].data;
	}
	return NULL;
}

static int missing(uint32_t key)
{
	return ogx_fail(-EBADMSG, "payment evidence: %s missing or malformed", pay_names[key]);
}

int ogx_eip3009_from_record(const struct ogx_record *r, struct ogx_eip3009_auth *a)
{
	const struct ogx_ext *x = &r->payment;
	struct ogx_eth_sig sig;
	const uint8_t *p;
	uint8_t word[32];
	size_t len = 0;

	memset(a, 0, sizeof(*a));
	if (!x->present)
		return -ENOENT;
	for (size_t i = 0; i < x->n; i++)
		if (x->e[i].key == PAY_SCHEME)
			len = x->e[i].len;
	p = entry(x, PAY_SCHEME, OGX_EXT_TEXT, 16, NULL);
	if (!p)
		return missing(PAY_SCHEME);
	if (len != 5 || memcmp(p, "exact", 5))
		return ogx_fail(-EBADMSG, "payment evidence: scheme '%.*s' is not 'exact'",
				(int)len, (const char *)p);
	if (!entry(x, PAY_CHAIN_ID, OGX_EXT_UINT, 0, &a->chain_id))
		return missing(PAY_CHAIN_ID);
	if (!entry(x, PAY_VALID_AFTER, OGX_EXT_UINT, 0, &a->valid_after))
		return missing(PAY_VALID_AFTER);
	if (!entry(x, PAY_VALID_BEFORE, OGX_EXT_UINT, 0, &a->valid_before))
		return missing(PAY_VALID_BEFORE);
#define BYTES(key, field)                                                       \
	do {                                                                    \
		p = entry(x, key, OGX_EXT_BYTES, sizeof(a->field), NULL);       \
		if (!p)                                                         \
			return missing(key);                                    \
		memcpy(a->field, p, sizeof(a->field));                          \
	} while (0)
	BYTES(PAY_ASSET, asset);
	BYTES(PAY_PAY_TO, to);
	BYTES(PAY_FROM, from);
	BYTES(PAY_NONCE, nonce);
	BYTES(PAY_SIG, sig);
#undef BYTES
	p = entry(x, PAY_VALUE, OGX_EXT_TEXT, sizeof(a->value), NULL);
	if (!p)
		return missing(PAY_VALUE);
	for (size_t i = 0; i < x->n; i++)
		if (x->e[i].key == PAY_VALUE)
			memcpy(a->value, p, x->e[i].len);
	if (ogx_abi_put_udec(word, a->value) || (a->value[0] == '0' && a->value[1]))
		return missing(PAY_VALUE);
	/* the rule ogrun serve accepted it by (a record of an older server may say v 0/1) */
	if (ogx_eth_sig65_normalize(a->sig, &sig))
		return ogx_fail(-EBADMSG, "payment evidence: %s", ogx_errmsg(-EBADMSG));
	return 0;
}

int ogx_eip3009_transfer_call(const struct ogx_eip3009_auth *a,
			      uint8_t out[OGX_EIP3009_TRANSFER_LEN])
{
	uint8_t *w = out + 4;
	int err;

	ogx_abi_selector(OGX_EIP3009_TRANSFER_SIG, out);
	ogx_abi_put_addr(w, a->from);
	ogx_abi_put_addr(w + 32, a->to);
	if ((err = ogx_abi_put_udec(w + 64, a->value)))
		return err;
	ogx_abi_put_uint(w + 96, a->valid_after);
	ogx_abi_put_uint(w + 128, a->valid_before);
	memcpy(w + 160, a->nonce, 32);
	ogx_abi_put_uint(w + 192, a->sig[64]);
	memcpy(w + 224, a->sig, 32);
	memcpy(w + 256, a->sig + 32, 32);
	return 0;
}

void ogx_eip3009_state_call(const uint8_t from[20], const uint8_t nonce[32],
			    uint8_t out[OGX_EIP3009_STATE_LEN])
{
	ogx_abi_selector(OGX_EIP3009_STATE_SIG, out);
	ogx_abi_put_addr(out + 4, from);
	memcpy(out + 36, nonce, 32);
}
