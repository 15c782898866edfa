// SPDX-License-Identifier: GPL-2.0
/* See abi.h; the encoding is the Solidity ABI specification's. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "chain/abi.h"
#include "chain/keccak.h"
#include "util/err.h"

#define WORD 32
#define HEAD (4 + 4 * WORD)

void ogx_abi_selector(const char *signature, uint8_t sel[4])
{
	uint8_t h[OGX_KECCAK256_LEN];

	ogx_keccak256(h, signature, strlen(signature));
	memcpy(sel, h, 4);
}

void ogx_abi_put_uint(uint8_t w[WORD], uint64_t v)
{
	memset(w, 0, WORD);
	for (int i = 0; i < 8; i++)
		w[WORD - 1 - i] = v >> (8 * i);
}

void ogx_abi_put_addr(uint8_t w[WORD], const uint8_t addr[20])
{
	memset(w, 0, WORD - 20);
	memcpy(w + WORD - 20, addr, 20);
}

int ogx_abi_put_udec(uint8_t w[WORD], const char *dec)
{
	size_t n = strlen(dec);

	memset(w, 0, WORD);
	if (!n || n > 78 || strspn(dec, "0123456789") != n)
		return -EINVAL;
	for (; *dec; dec++) {
		unsigned int carry = (unsigned int)(*dec - '0');

		for (int i = WORD - 1; i >= 0; i--) {
			unsigned int v = w[i] * 10u + carry;

			w[i] = (uint8_t)v;
			carry = v >> 8;
		}
		if (carry)
			return -ERANGE; /* 2^256 or more */
	}
	return 0;
}

int ogx_abi_put_uquantity(uint8_t w[WORD], const char *s)
{
	size_t n;

	memset(w, 0, WORD);
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
		s += 2;
		n = strlen(s);
		if (!n || strspn(s, "0123456789abcdefABCDEF") != n)
			return -EINVAL;
		while (n > 1 && *s == '0')
			s++, n--;
		if (n > 2 * WORD)
			return -ERANGE;
		for (size_t i = 0; i < n; i++) {
			char c = s[n - 1 - i];
			unsigned int d = c <= '9' ? (unsigned int)(c - '0') :
						    (unsigned int)((c | 0x20) - 'a' + 10);

			w[WORD - 1 - i / 2] |= (uint8_t)(d << (4 * (i % 2)));
		}
		return 0;
	}
	n = strlen(s);
	if (!n || strspn(s, "0123456789") != n)
		return -EINVAL;
	while (n > 1 && *s == '0')
		s++, n--;
	return n > 78 ? -ERANGE : ogx_abi_put_udec(w, s);
}

void ogx_abi_udec_str(char out[OGX_ABI_UDEC_MAX], const uint8_t w[WORD])
{
	uint8_t t[WORD];
	char rev[OGX_ABI_UDEC_MAX];
	size_t n = 0;
	bool zero;

	memcpy(t, w, WORD);
	do {
		unsigned int rem = 0;

		zero = true;
		for (int i = 0; i < WORD; i++) {
			unsigned int v = rem * 256u + t[i];

			t[i] = (uint8_t)(v / 10);
			rem = v % 10;
			zero &= !t[i];
		}
		rev[n++] = (char)('0' + rem);
	} while (!zero);
	for (size_t i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	out[n] = '\0';
}

/* A word holding an unsigned integer of at most bytes bytes. */
static int get_uint(const uint8_t w[WORD], unsigned int bytes, uint64_t *v)
{
	unsigned int i;

	for (i = 0; i < WORD - bytes; i++)
		if (w[i])
			return -EBADMSG;
	*v = 0;
	for (i = WORD - bytes; i < WORD; i++)
		*v = *v << 8 | w[i];
	return 0;
}

static size_t padded(size_t n)
{
	return (n + WORD - 1) / WORD * WORD;
}

int ogx_abi_submit_encode(uint64_t seq, const uint8_t root[32], uint32_t count,
			  const uint8_t *data, size_t len, uint8_t **out, size_t *out_len)
{
	size_t n = HEAD + WORD + padded(len);
	uint8_t *p = calloc(1, n);

	if (!p)
		return -ENOMEM;
	ogx_abi_selector(OGX_ABI_SUBMIT_SIG, p);
	ogx_abi_put_uint(p + 4, seq);
	memcpy(p + 4 + WORD, root, WORD);
	ogx_abi_put_uint(p + 4 + 2 * WORD, count);
	ogx_abi_put_uint(p + 4 + 3 * WORD, 4 * WORD);
	ogx_abi_put_uint(p + HEAD, len);
	if (len)
		memcpy(p + HEAD + WORD, data, len);
	*out = p;
	*out_len = n;
	return 0;
}

int ogx_abi_submit_decode(const uint8_t *in, size_t len, uint64_t *seq, uint8_t root[32],
			  uint32_t *count, const uint8_t **data, size_t *data_len)
{
	uint8_t sel[4];
	uint64_t c, off, n;
	size_t i;

	ogx_abi_selector(OGX_ABI_SUBMIT_SIG, sel);
	if (len < HEAD + WORD || memcmp(in, sel, 4))
		return ogx_fail(-EBADMSG, "calldata is not a call of %s", OGX_ABI_SUBMIT_SIG);
	if (get_uint(in + 4, 8, seq) || get_uint(in + 4 + 2 * WORD, 4, &c) ||
	    get_uint(in + 4 + 3 * WORD, 8, &off) || off != 4 * WORD ||
	    get_uint(in + HEAD, 8, &n) || n > len - HEAD - WORD ||
	    len != HEAD + WORD + padded(n))
		return ogx_fail(-EBADMSG, "%s: arguments not in the canonical layout",
				OGX_ABI_SUBMIT_SIG);
	for (i = HEAD + WORD + n; i < len; i++)
		if (in[i])
			return ogx_fail(-EBADMSG, "%s: padding is not zero", OGX_ABI_SUBMIT_SIG);
	memcpy(root, in + 4 + WORD, WORD);
	*count = c;
	*data = in + HEAD + WORD;
	*data_len = n;
	return 0;
}
