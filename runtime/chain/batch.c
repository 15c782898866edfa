// SPDX-License-Identifier: GPL-2.0
/*
 * See batch.h. The encoder writes CBOR heads with libcbor (always the
 * shortest form); the decoder is a small strict reader for the few item
 * types a batch has, which refuses any head not in shortest form, so one
 * batch has exactly one encoding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cbor.h>
#include <sodium.h>

#include "chain/batch.h"
#include "proof/merkle.h"
#include "util/cbor_enc.h"
#include "util/err.h"

enum {
	K_VERSION = 0,
	K_NODE = 1,
	K_FIRST = 2,
	K_LAST = 3,
	K_COUNT = 4,
	K_ROOT = 5,
	K_DA = 6,
	K_RECORDS = 7,
	K_OPERATOR = 8,
	K_SIG = 20,
};

int ogx_batch_encode(const struct ogx_batch *b, bool with_sig, uint8_t **out, size_t *len)
{
	struct ogx_cbor_enc e = { 0 };
	size_t i, n = 8 + (b->da == OGX_DA_CALLDATA) + with_sig;

	if (b->da == OGX_DA_CALLDATA && b->n_records != b->count)
		return ogx_fail(-EINVAL, "batch: %zu records for a count of %llu", b->n_records,
				(unsigned long long)b->count);
	ogx_cbor_head(&e, cbor_encode_map_start, n);
	ogx_cbor_uint(&e, K_VERSION);
	ogx_cbor_uint(&e, b->version);
	ogx_cbor_uint(&e, K_NODE);
	ogx_cbor_bstr(&e, b->node, OGX_PK_LEN);
	ogx_cbor_uint(&e, K_FIRST);
	ogx_cbor_uint(&e, b->first_seq);
	ogx_cbor_uint(&e, K_LAST);
	ogx_cbor_uint(&e, b->last_seq);
	ogx_cbor_uint(&e, K_COUNT);
	ogx_cbor_uint(&e, b->count);
	ogx_cbor_uint(&e, K_ROOT);
	ogx_cbor_bstr(&e, b->root, OGX_DIGEST_LEN);
	ogx_cbor_uint(&e, K_DA);
	ogx_cbor_uint(&e, b->da);
	if (b->da == OGX_DA_CALLDATA) {
		ogx_cbor_uint(&e, K_RECORDS);
		ogx_cbor_head(&e, cbor_encode_array_start, b->n_records);
		for (i = 0; i < b->n_records; i++)
			ogx_cbor_bstr(&e, b->records[i], b->record_lens[i]);
	}
	ogx_cbor_uint(&e, K_OPERATOR);
	ogx_cbor_bstr(&e, b->operator_pk, OGX_PK_LEN);
	if (with_sig) {
		ogx_cbor_uint(&e, K_SIG);
		ogx_cbor_bstr(&e, b->sig, OGX_SIG_LEN);
	}
	if (e.err) {
		free(e.buf);
		return e.err;
	}
	*out = e.buf;
	*len = e.len;
	return 0;
}

/* The signed message: context ‖ body, in one buffer. */
static int signed_message(const struct ogx_batch *b, uint8_t **msg, size_t *len)
{
	const size_t cl = sizeof(OGX_BATCH_SIG_CONTEXT) - 1;
	uint8_t *body, *m;
	size_t blen;
	int err = ogx_batch_encode(b, false, &body, &blen);

	if (err)
		return err;
	m = malloc(cl + blen);
	if (!m) {
		free(body);
		return -ENOMEM;
	}
	memcpy(m, OGX_BATCH_SIG_CONTEXT, cl);
	memcpy(m + cl, body, blen);
	free(body);
	*msg = m;
	*len = cl + blen;
	return 0;
}

int ogx_batch_sign(struct ogx_batch *b, const struct ogx_key *operator_key, uint8_t **out,
		   size_t *len)
{
	uint8_t *msg;
	size_t mlen;
	int err;

	memcpy(b->operator_pk, operator_key->pk, OGX_PK_LEN);
	err = signed_message(b, &msg, &mlen);
	if (err)
		return err;
	ogx_key_sign(operator_key, b->sig, msg, mlen);
	free(msg);
	return ogx_batch_encode(b, true, out, len);
}

int ogx_batch_verify_sig(const struct ogx_batch *b)
{
	uint8_t *msg;
	size_t mlen;
	int err = signed_message(b, &msg, &mlen);

	if (err)
		return err;
	err = ogx_sig_verify(b->operator_pk, b->sig, msg, mlen);
	free(msg);
	if (err)
		return ogx_fail(-EBADMSG, "batch: operator signature does not verify");
	return 0;
}

int ogx_batch_check_root(const struct ogx_batch *b, const uint8_t (*digests)[OGX_DIGEST_LEN],
			 size_t n)
{
	uint8_t root[OGX_DIGEST_LEN];

	if (n != b->count)
		return ogx_fail(-EBADMSG, "batch: %zu records for a count of %llu", n,
				(unsigned long long)b->count);
	ogx_merkle_root(digests, n, root);
	if (memcmp(root, b->root, OGX_DIGEST_LEN))
		return ogx_fail(-EBADMSG, "batch: Merkle root does not match its records");
	return 0;
}

void ogx_batch_free(struct ogx_batch *b)
{
	free(b->records);
	free(b->record_lens);
	b->records = NULL;
	b->record_lens = NULL;
	b->n_records = 0;
}

/* ---- strict decoding ---------------------------------------------------- */

struct dec {
	const uint8_t *p;
	size_t left;
};

static int bad(const char *what)
{
	return ogx_fail(-EBADMSG, "batch: %s", what);
}

/* One head: major type and argument, in shortest form only. */
static int get_head(struct dec *d, unsigned int *major, uint64_t *arg)
{
	uint8_t ib, ai;
	size_t n = 0, i;

	if (!d->left)
		return bad("truncated");
	ib = *d->p++;
	d->left--;
	*major = ib >> 5;
	ai = ib & 0x1f;
	if (ai < 24) {
		*arg = ai;
		return 0;
	}
	if (ai > 27)
		return bad("indefinite length or reserved head");
	n = 1u << (ai - 24);
	if (d->left < n)
		return bad("truncated");
	*arg = 0;
	for (i = 0; i < n; i++)
		*arg = *arg << 8 | d->p[i];
	d->p += n;
	d->left -= n;
	/* Shortest form: the value would not have fit in the next smaller head. */
	if ((n == 1 && *arg < 24) || (n == 2 && *arg <= 0xff) || (n == 4 && *arg <= 0xffff) ||
	    (n == 8 && *arg <= 0xffffffff))
		return bad("integer not in shortest form");
	return 0;
}

static int get_uint(struct dec *d, uint64_t *v)
{
	unsigned int major = 0;
	int err = get_head(d, &major, v);

	if (!err && major != 0)
		return bad("unsigned integer expected");
	return err;
}

static int get_key(struct dec *d, uint64_t want)
{
	uint64_t k = 0;
	int err = get_uint(d, &k);

	if (!err && k != want)
		return ogx_fail(-EBADMSG, "batch: key %llu where key %llu belongs",
				(unsigned long long)k, (unsigned long long)want);
	return err;
}

static int get_bstr(struct dec *d, const uint8_t **data, size_t *len)
{
	unsigned int major = 0;
	uint64_t n = 0;
	int err = get_head(d, &major, &n);

	if (err)
		return err;
	if (major != 2)
		return bad("byte string expected");
	if (n > d->left)
		return bad("byte string runs past the end");
	*data = d->p;
	*len = n;
	d->p += n;
	d->left -= n;
	return 0;
}

static int get_fixed(struct dec *d, uint8_t *out, size_t want, const char *what)
{
	const uint8_t *p = NULL;
	size_t n = 0;
	int err = get_bstr(d, &p, &n);

	if (err)
		return err;
	if (n != want)
		return ogx_fail(-EBADMSG, "batch: %s is %zu bytes, want %zu", what, n, want);
	memcpy(out, p, n);
	return 0;
}

int ogx_batch_decode(const uint8_t *buf, size_t len, struct ogx_batch *b)
{
	struct dec d = { buf, len };
	unsigned int major = 0;
	uint64_t n, v, i;
	int err;

	memset(b, 0, sizeof(*b));
	if ((err = get_head(&d, &major, &n)))
		return err;
	if (major != 5)
		return bad("not a map");
	if ((err = get_key(&d, K_VERSION)) || (err = get_uint(&d, &v)))
		goto fail;
	if (v != OGX_BATCH_VERSION) {
		err = ogx_fail(-ENOTSUP, "batch: version %llu, this reads version %d",
			       (unsigned long long)v, OGX_BATCH_VERSION);
		goto fail;
	}
	b->version = v;
	if ((err = get_key(&d, K_NODE)) || (err = get_fixed(&d, b->node, OGX_PK_LEN, "node")) ||
	    (err = get_key(&d, K_FIRST)) || (err = get_uint(&d, &b->first_seq)) ||
	    (err = get_key(&d, K_LAST)) || (err = get_uint(&d, &b->last_seq)) ||
	    (err = get_key(&d, K_COUNT)) || (err = get_uint(&d, &b->count)) ||
	    (err = get_key(&d, K_ROOT)) ||
	    (err = get_fixed(&d, b->root, OGX_DIGEST_LEN, "root")) ||
	    (err = get_key(&d, K_DA)) || (err = get_uint(&d, &v)))
		goto fail;
	if (v > OGX_DA_ROOT) {
		err = bad("unknown data-availability mode");
		goto fail;
	}
	b->da = v;
	if (n != 8u + (b->da == OGX_DA_CALLDATA) + 1) {
		err = bad("wrong number of map entries");
		goto fail;
	}
	if (!b->count || b->count > OGX_BATCH_MAX_RECORDS ||
	    b->last_seq < b->first_seq || b->last_seq - b->first_seq + 1 < b->count) {
		err = bad("first, last and count disagree");
		goto fail;
	}
	if (b->da == OGX_DA_CALLDATA) {
		if ((err = get_key(&d, K_RECORDS)) || (err = get_head(&d, &major, &n)))
			goto fail;
		if (major != 4 || n != b->count) {
			err = bad("records: not an array of count byte strings");
			goto fail;
		}
		b->records = calloc(n, sizeof(*b->records));
		b->record_lens = calloc(n, sizeof(*b->record_lens));
		if (!b->records || !b->record_lens) {
			err = -ENOMEM;
			goto fail;
		}
		b->n_records = n;
		for (i = 0; i < n; i++)
			if ((err = get_bstr(&d, &b->records[i], &b->record_lens[i])))
				goto fail;
	}
	if ((err = get_key(&d, K_OPERATOR)) ||
	    (err = get_fixed(&d, b->operator_pk, OGX_PK_LEN, "operator")) ||
	    (err = get_key(&d, K_SIG)) || (err = get_fixed(&d, b->sig, OGX_SIG_LEN, "signature")))
		goto fail;
	if (d.left) {
		err = bad("bytes after the batch");
		goto fail;
	}
	return 0;
fail:
	ogx_batch_free(b);
	return err;
}
