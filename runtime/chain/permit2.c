// SPDX-License-Identifier: GPL-2.0
/*
 * Permit2 `upto` digests and calls (see permit2.h). The struct hashes follow
 * EIP-712: a struct's type string lists the types it references after its
 * own, sorted by name, so PermitWitnessTransferFrom's is
 * "PermitWitnessTransferFrom(...Witness witness)TokenPermissions(...)
 * Witness(...)" — the same string Permit2 builds from its stub and the
 * proxy's WITNESS_TYPE_STRING.
 */
#include <errno.h>
#include <string.h>

#include "chain/abi.h"
#include "chain/eth_key.h"
#include "chain/keccak.h"
#include "chain/permit2.h"
#include "util/err.h"

static const char domain_type[] = "EIP712Domain(string name,uint256 chainId,address "
				  "verifyingContract)";
static const char permit_type[] = "PermitWitnessTransferFrom(TokenPermissions permitted,"
				  "address spender,uint256 nonce,uint256 deadline,Witness witness)"
				  "TokenPermissions(address token,uint256 amount)"
				  "Witness(address to,address facilitator,uint256 validAfter)";
static const char tokperm_type[] = "TokenPermissions(address token,uint256 amount)";
static const char witness_type[] = "Witness(address to,address facilitator,uint256 validAfter)";

static void witness_hash(const struct ogx_permit2_upto *a, uint8_t out[32])
{
	uint8_t enc[4 * 32];

	ogx_keccak256(enc, witness_type, sizeof(witness_type) - 1);
	ogx_abi_put_addr(enc + 32, a->to);
	ogx_abi_put_addr(enc + 64, a->facilitator);
	ogx_abi_put_uint(enc + 96, a->valid_after);
	ogx_keccak256(out, enc, sizeof(enc));
}

int ogx_permit2_upto_digest(const struct ogx_permit2_upto *a, uint8_t out[32])
{
	uint8_t enc[6 * 32], tp[3 * 32], final[2 + 64];

	ogx_keccak256(enc, domain_type, sizeof(domain_type) - 1);
	ogx_keccak256(enc + 32, "Permit2", 7);
	ogx_abi_put_uint(enc + 64, a->chain_id);
	ogx_abi_put_addr(enc + 96, a->permit2);
	final[0] = 0x19;
	final[1] = 0x01;
	ogx_keccak256(final + 2, enc, 4 * 32);

	ogx_keccak256(tp, tokperm_type, sizeof(tokperm_type) - 1);
	ogx_abi_put_addr(tp + 32, a->token);
	if (ogx_abi_put_udec(tp + 64, a->amount))
		return -ERANGE;
	ogx_keccak256(enc, permit_type, sizeof(permit_type) - 1);
	ogx_keccak256(enc + 32, tp, sizeof(tp));
	ogx_abi_put_addr(enc + 64, a->spender);
	memcpy(enc + 96, a->nonce, 32);
	ogx_abi_put_uint(enc + 128, a->deadline);
	witness_hash(a, enc + 160);
	ogx_keccak256(final + 34, enc, 6 * 32);
	ogx_keccak256(out, final, sizeof(final));
	return 0;
}

int ogx_permit2_upto_settle_call(const struct ogx_permit2_upto *a, const char *amount,
				 uint8_t out[OGX_PERMIT2_UPTO_SETTLE_LEN])
{
	uint8_t *w = out + 4;

	memset(out, 0, OGX_PERMIT2_UPTO_SETTLE_LEN);
	ogx_abi_selector(OGX_PERMIT2_UPTO_SETTLE_SIG, out);
	/* permit: ((token, amount), nonce, deadline), static: inline */
	ogx_abi_put_addr(w, a->token);
	if (ogx_abi_put_udec(w + 32, a->amount))
		return -ERANGE;
	memcpy(w + 64, a->nonce, 32);
	ogx_abi_put_uint(w + 96, a->deadline);
	if (ogx_abi_put_udec(w + 128, amount))
		return -ERANGE;
	ogx_abi_put_addr(w + 160, a->from);
	ogx_abi_put_addr(w + 192, a->to);
	ogx_abi_put_addr(w + 224, a->facilitator);
	ogx_abi_put_uint(w + 256, a->valid_after);
	ogx_abi_put_uint(w + 288, 10 * 32); /* offset of the signature bytes */
	ogx_abi_put_uint(w + 320, 65);
	memcpy(w + 352, a->sig, 65);
	return 0;
}

void ogx_permit2_bitmap_call(const uint8_t owner[20], const uint8_t nonce[32],
			     uint8_t out[OGX_PERMIT2_BITMAP_LEN])
{
	ogx_abi_selector(OGX_PERMIT2_BITMAP_SIG, out);
	ogx_abi_put_addr(out + 4, owner);
	/* word position: nonce >> 8 */
	out[36] = 0;
	memcpy(out + 37, nonce, 31);
}

bool ogx_permit2_nonce_used(const uint8_t nonce[32], const uint8_t word[32])
{
	unsigned int bit = nonce[31];

	return word[31 - bit / 8] >> (bit % 8) & 1;
}

/* Upto payment evidence keys (Documentation/proof-record.md, key 15). */
enum {
	UP_VERSION, UP_SCHEME, UP_NETWORK, UP_CHAIN_ID, UP_TOKEN, UP_TO, UP_FROM, UP_CHARGED,
	UP_VALID_AFTER, UP_DEADLINE, UP_NONCE, UP_SIG, UP_PERMIT2, UP_CAP, UP_SPENDER,
	UP_FACILITATOR,
};

static const char *const up_names[] = {
	"version", "scheme", "network", "chain id", "token", "payTo", "from", "charged amount",
	"validAfter", "deadline", "nonce", "signature", "Permit2", "cap", "spender",
	"facilitator",
};

static const struct ogx_ext *find(const struct ogx_ext *x, uint32_t key,
				  enum ogx_ext_type type, size_t *i)
{
	for (*i = 0; *i < x->n; (*i)++)
		if (x->e[*i].key == key)
			return x->e[*i].type == type ? x : NULL;
	return NULL;
}

bool ogx_permit2_is_upto(const struct ogx_record *r)
{
	size_t i;

	return r->payment.present && find(&r->payment, UP_SCHEME, OGX_EXT_TEXT, &i) &&
	       r->payment.e[i].len == 4 && !memcmp(r->payment.e[i].data, "upto", 4);
}

static int up_missing(uint32_t key)
{
	return ogx_fail(-EBADMSG, "upto payment evidence: %s missing or malformed", up_names[key]);
}

/* A decimal uint256 text entry into out (80 bytes). */
static int dec_entry(const struct ogx_ext *x, uint32_t key, char out[80])
{
	uint8_t w[32];
	size_t i;

	if (!find(x, key, OGX_EXT_TEXT, &i) || !x->e[i].len || x->e[i].len >= 80)
		return up_missing(key);
	memcpy(out, x->e[i].data, x->e[i].len);
	out[x->e[i].len] = 0;
	if (strspn(out, "0123456789") != x->e[i].len || (out[0] == '0' && out[1]) ||
	    ogx_abi_put_udec(w, out))
		return up_missing(key);
	return 0;
}

int ogx_permit2_upto_from_record(const struct ogx_record *r, struct ogx_permit2_upto *a,
				 char charged[80])
{
	const struct ogx_ext *x = &r->payment;
	struct ogx_eth_sig sig;
	uint8_t cap[32], amt[32];
	size_t i;
	int err;

	memset(a, 0, sizeof(*a));
	if (!x->present)
		return -ENOENT;
	if (!ogx_permit2_is_upto(r))
		return ogx_fail(-EBADMSG, "payment evidence: scheme is not 'upto'");
#define UINT(key, field)                                                        \
	do {                                                                    \
		if (!find(x, key, OGX_EXT_UINT, &i))                            \
			return up_missing(key);                                 \
		a->field = x->e[i].u;                                           \
	} while (0)
#define BYTES(key, field)                                                       \
	do {                                                                    \
		if (!find(x, key, OGX_EXT_BYTES, &i) ||                         \
		    x->e[i].len != sizeof(a->field))                            \
			return up_missing(key);                                 \
		memcpy(a->field, x->e[i].data, sizeof(a->field));               \
	} while (0)
	UINT(UP_CHAIN_ID, chain_id);
	UINT(UP_VALID_AFTER, valid_after);
	UINT(UP_DEADLINE, deadline);
	BYTES(UP_TOKEN, token);
	BYTES(UP_TO, to);
	BYTES(UP_FROM, from);
	BYTES(UP_NONCE, nonce);
	BYTES(UP_SIG, sig);
	BYTES(UP_PERMIT2, permit2);
	BYTES(UP_SPENDER, spender);
	BYTES(UP_FACILITATOR, facilitator);
#undef UINT
#undef BYTES
	if ((err = dec_entry(x, UP_CAP, a->amount)) || (err = dec_entry(x, UP_CHARGED, charged)))
		return err;
	/* Both were checked as decimal quantities by dec_entry(). */
	ogx_cannot_fail(ogx_abi_put_udec(cap, a->amount));
	ogx_cannot_fail(ogx_abi_put_udec(amt, charged));
	if (memcmp(amt, cap, 32) > 0)
		return ogx_fail(-EBADMSG, "upto payment evidence: charged %s is above the cap %s",
				charged, a->amount);
	/* the one signature rule, as at acceptance (v 0/1 settled as 27/28) */
	if (ogx_eth_sig65_normalize(a->sig, &sig))
		return ogx_fail(-EBADMSG, "upto payment evidence: %s", ogx_errmsg(-EBADMSG));
	return 0;
}
