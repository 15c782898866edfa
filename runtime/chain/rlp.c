// SPDX-License-Identifier: GPL-2.0
/* See rlp.h; the format is in the Ethereum yellow paper, appendix B. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain/rlp.h"
#include "util/err.h"

void ogx_rlp_init(struct ogx_rlp *b)
{
	memset(b, 0, sizeof(*b));
}

void ogx_rlp_free(struct ogx_rlp *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int reserve(struct ogx_rlp *b, size_t more)
{
	size_t want, cap;
	uint8_t *p;

	if (b->err)
		return b->err;
	if (__builtin_add_overflow(b->len, more, &want))
		return b->err = -ENOMEM;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		if (__builtin_mul_overflow(cap, 2, &cap))
			return b->err = -ENOMEM;
	p = realloc(b->data, cap);
	if (!p)
		return b->err = -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

void ogx_rlp_raw(struct ogx_rlp *b, const void *data, size_t len)
{
	if (!len || reserve(b, len))
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

/* Number of bytes of v in big-endian without leading zeros (0 for 0). */
static unsigned int be_len(uint64_t v)
{
	unsigned int n = 0;

	while (v) {
		n++;
		v >>= 8;
	}
	return n;
}

static void put_be(uint8_t *out, uint64_t v, unsigned int n)
{
	while (n--) {
		out[n] = v & 0xff;
		v >>= 8;
	}
}

/* Header for a payload of len bytes: base is 0x80 (string) or 0xc0 (list). */
static unsigned int header(uint8_t out[9], uint8_t base, size_t len)
{
	unsigned int n;

	if (len < 56) {
		out[0] = base + len;
		return 1;
	}
	n = be_len(len);
	out[0] = base + 55 + n;
	put_be(out + 1, len, n);
	return 1 + n;
}

void ogx_rlp_bytes(struct ogx_rlp *b, const void *data, size_t len)
{
	uint8_t h[9];

	/* A single byte below 0x80 is its own encoding. */
	if (len == 1 && *(const uint8_t *)data < 0x80) {
		ogx_rlp_raw(b, data, 1);
		return;
	}
	ogx_rlp_raw(b, h, header(h, 0x80, len));
	ogx_rlp_raw(b, data, len);
}

void ogx_rlp_uint(struct ogx_rlp *b, uint64_t v)
{
	uint8_t be[8];
	unsigned int n = be_len(v);

	put_be(be, v, n);
	ogx_rlp_bytes(b, be, n);
}

void ogx_rlp_uint_be(struct ogx_rlp *b, const uint8_t *be, size_t len)
{
	while (len && !*be) {
		be++;
		len--;
	}
	ogx_rlp_bytes(b, be, len);
}

size_t ogx_rlp_list_begin(struct ogx_rlp *b)
{
	return b->len;
}

void ogx_rlp_list_end(struct ogx_rlp *b, size_t mark)
{
	uint8_t h[9];
	unsigned int n;
	size_t payload;

	if (b->err)
		return;
	payload = b->len - mark;
	n = header(h, 0xc0, payload);
	if (reserve(b, n))
		return;
	memmove(b->data + mark + n, b->data + mark, payload);
	memcpy(b->data + mark, h, n);
	b->len += n;
}

int ogx_rlp_finish(struct ogx_rlp *b)
{
	return b->err;
}

static int bad(const char *why)
{
	return ogx_fail(-EBADMSG, "RLP: %s", why);
}

int ogx_rlp_decode(const uint8_t *in, size_t len, struct ogx_rlp_item *item, size_t *used)
{
	uint8_t p;
	size_t n, hdr, i, plen = 0;

	if (!len)
		return bad("empty input");
	p = in[0];
	item->is_list = p >= 0xc0;
	if (p < 0x80) {
		item->payload = in;
		item->len = 1;
		*used = 1;
		return 0;
	}
	if (p < 0xb8 || (p >= 0xc0 && p < 0xf8)) {
		hdr = 1;
		plen = p - (p < 0xc0 ? 0x80 : 0xc0);
	} else {
		n = p - (p < 0xc0 ? 0xb7 : 0xf7);
		if (len < 1 + n)
			return bad("length of length runs past the input");
		if (in[1] == 0)
			return bad("length with a leading zero");
		if (n > sizeof(size_t))
			return bad("length does not fit in memory");
		for (i = 0; i < n; i++)
			plen = plen << 8 | in[1 + i];
		if (plen < 56)
			return bad("long form for a short payload");
		hdr = 1 + n;
	}
	if (plen > len - hdr)
		return bad("payload runs past the input");
	if (!item->is_list && plen == 1 && in[hdr] < 0x80)
		return bad("single byte below 0x80 with a header");
	item->payload = in + hdr;
	item->len = plen;
	*used = hdr + plen;
	return 0;
}

int ogx_rlp_next(const struct ogx_rlp_item *list, size_t *off, struct ogx_rlp_item *item)
{
	size_t used = 0;
	int err;

	if (!list->is_list)
		return bad("not a list");
	if (*off >= list->len)
		return 0;
	err = ogx_rlp_decode(list->payload + *off, list->len - *off, item, &used);
	if (err)
		return err;
	*off += used;
	return 1;
}

int ogx_rlp_get_uint(const struct ogx_rlp_item *item, uint64_t *v)
{
	size_t i;

	if (item->is_list)
		return bad("list where an integer was expected");
	if (item->len > 8)
		return bad("integer wider than 64 bits");
	if (item->len && item->payload[0] == 0)
		return bad("integer with a leading zero");
	*v = 0;
	for (i = 0; i < item->len; i++)
		*v = *v << 8 | item->payload[i];
	return 0;
}
