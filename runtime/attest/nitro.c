// SPDX-License-Identifier: GPL-2.0
/* AWS Nitro Enclaves attestation documents; see nitro.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/err.h>

#include "attest/nitro.h"
#include "util/cbor_enc.h"
#include "util/err.h"
#include "util/hex.h"

/*
 * The AWS Nitro Enclaves root G1 (CN=aws.nitro-enclaves, valid 2019-10-28
 * to 2049-10-28), by the SHA-256 of its DER encoding, as AWS publishes it in
 * "Verifying the root of trust"
 * (https://docs.aws.amazon.com/enclaves/latest/user/verify-root.html): the
 * certificate is in https://aws-nitro-enclaves.amazonaws.com/
 * AWS_NitroEnclaves_Root-G1.zip (the zip's SHA-256
 * 8cf60e2b2efca96c6a9e71e851d00c1b6991cc09eadbe64a6a1d1b1eb9faff7c), and the
 * cabundle of every document starts with it.
 */
static const struct ogx_attest_root aws_roots[] = {
	{ "AWS Nitro Enclaves root G1",
	  { 0x64, 0x1a, 0x03, 0x21, 0xa3, 0xe2, 0x44, 0xef, 0xe4, 0x56, 0x46, 0x31, 0x95, 0xd6,
	    0x06, 0x31, 0x7e, 0xd7, 0xcd, 0xcc, 0x3c, 0x17, 0x56, 0xe0, 0x98, 0x93, 0xf3, 0xc6,
	    0x8f, 0x79, 0xbb, 0x5b } },
};

const struct ogx_attest_roots ogx_nitro_aws_roots = { aws_roots, 1 };

#define COSE_TAG_SIGN1 18
#define COSE_HDR_ALG 1
#define COSE_ALG_ES384 (-35)
#define ES384_SIG_LEN 96

static int bad(const char *fmt, const char *what)
{
	return ogx_fail(-EBADMSG, fmt, what);
}

static int get_bytes(struct ogx_nitro_bytes *out, cbor_item_t *it, bool nullable,
		     const char *what)
{
	out->data = NULL;
	out->len = 0;
	if (nullable && cbor_is_null(it))
		return 0;
	if (!cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it))
		return bad(nullable ? "nitro document: %s is not a byte string or null" :
				      "nitro document: %s is not a byte string", what);
	out->data = cbor_bytestring_handle(it);
	out->len = cbor_bytestring_length(it);
	return 0;
}

static int get_text(char *out, size_t cap, cbor_item_t *it, const char *what)
{
	size_t n;

	if (!cbor_isa_string(it) || !cbor_string_is_definite(it))
		return bad("nitro document: %s is not a text string", what);
	n = cbor_string_length(it);
	if (n >= cap)
		return ogx_fail(-EBADMSG, "nitro document: %s has %zu bytes (at most %zu)", what,
				n, cap - 1);
	memcpy(out, cbor_string_handle(it), n);
	out[n] = '\0';
	if (strlen(out) != n)
		return bad("nitro document: %s holds a NUL", what);
	return 0;
}

/*
 * libcbor 0.8's cbor_load() allocates (and zeroes) a definite array or map
 * by the count in its head, before reading one item of it: 9 bytes could
 * cost it 32 GiB. Each item takes a byte at least, so every count must fit
 * in the bytes left; its streaming decoder, which allocates nothing, checks
 * that first.
 */
struct bound {
	size_t left;
	bool too_many;
};

static void bound_array(void *ctx, size_t n)
{
	struct bound *b = ctx;

	b->too_many |= n > b->left;
}

static void bound_map(void *ctx, size_t n)
{
	struct bound *b = ctx;

	b->too_many |= n > b->left / 2;
}

static int bounded(const uint8_t *buf, size_t len, const char *what)
{
	struct cbor_callbacks cb = cbor_empty_callbacks;
	size_t pos = 0;

	cb.array_start = bound_array;
	cb.map_start = bound_map;
	while (pos < len) {
		struct bound b = { .left = len - pos };
		struct cbor_decoder_result r = cbor_stream_decode(buf + pos, len - pos, &cb, &b);

		if (b.too_many)
			return ogx_fail(-EBADMSG, "nitro document: %s: an array or map with more "
					"items than bytes left (at byte %zu)", what, pos);
		if (r.status != CBOR_DECODER_FINISHED)
			break; /* cbor_load() says what is wrong */
		pos += r.read;
	}
	return 0;
}

/* One item of len bytes and nothing after it. */
static int load(cbor_item_t **out, const uint8_t *buf, size_t len, const char *what)
{
	struct cbor_load_result res;
	int err;

	*out = NULL;
	if (!len) /* cbor_load() would leave res.error.position unset */
		return ogx_fail(-EBADMSG, "nitro document: %s is empty", what);
	if ((err = bounded(buf, len, what)))
		return err;
	*out = cbor_load(buf, len, &res);
	if (!*out || res.error.code != CBOR_ERR_NONE)
		return ogx_fail(-EBADMSG, "nitro document: %s is not well-formed CBOR (at byte "
				"%zu)", what, res.error.position);
	if (res.read != len) {
		cbor_decref(out);
		return ogx_fail(-EBADMSG, "nitro document: %zu bytes after the %s", len - res.read,
				what);
	}
	return 0;
}

static int parse_protected(const struct ogx_nitro_bytes *p)
{
	cbor_item_t *m;
	struct cbor_pair *kv;
	int err;

	if ((err = load(&m, p->data, p->len, "protected header")))
		return err;
	err = -EBADMSG;
	if (!cbor_isa_map(m) || !cbor_map_is_definite(m) || cbor_map_size(m) != 1)
		goto out;
	kv = cbor_map_handle(m);
	if (!cbor_isa_uint(kv[0].key) || cbor_get_int(kv[0].key) != COSE_HDR_ALG ||
	    !cbor_isa_negint(kv[0].value) || cbor_get_int(kv[0].value) != -1 - COSE_ALG_ES384)
		goto out;
	err = 0;
out:
	cbor_decref(&m);
	return err ? ogx_fail(err, "nitro document: the protected header is not {1: -35} "
			      "(alg ES384)") : 0;
}

static int parse_pcrs(struct ogx_nitro_doc *d, cbor_item_t *m)
{
	struct cbor_pair *kv;
	int err;

	if (!cbor_isa_map(m) || !cbor_map_is_definite(m) || !cbor_map_size(m))
		return bad("nitro document: %s is not a non-empty map", "pcrs");
	kv = cbor_map_handle(m);
	for (size_t i = 0; i < cbor_map_size(m); i++) {
		uint64_t idx = cbor_isa_uint(kv[i].key) ? cbor_get_int(kv[i].key) : UINT64_MAX;

		if (idx >= OGX_NITRO_PCRS)
			return bad("nitro document: %s has a key that is not an index 0..31", "pcrs");
		if (d->pcr_mask & (1u << idx))
			return ogx_fail(-EBADMSG, "nitro document: pcrs has index %u twice",
					(unsigned int)idx);
		d->pcr_mask |= 1u << idx;
		if ((err = get_bytes(&d->pcr[idx], kv[i].value, false, "a PCR")))
			return err;
		if (d->pcr[idx].len != 48)
			return ogx_fail(-EBADMSG, "nitro document: PCR %u has %zu bytes (SHA-384: 48)",
					(unsigned int)idx, d->pcr[idx].len);
	}
	return 0;
}

static int parse_cabundle(struct ogx_nitro_doc *d, cbor_item_t *a)
{
	int err;

	if (!cbor_isa_array(a) || !cbor_array_is_definite(a) || !cbor_array_size(a))
		return bad("nitro document: %s is not a non-empty array", "cabundle");
	if (cbor_array_size(a) > OGX_NITRO_CABUNDLE_MAX)
		return ogx_fail(-EBADMSG, "nitro document: cabundle has %zu certificates (at most "
				"%d)", cbor_array_size(a), OGX_NITRO_CABUNDLE_MAX);
	d->n_cabundle = cbor_array_size(a);
	for (size_t i = 0; i < d->n_cabundle; i++)
		if ((err = get_bytes(&d->cabundle[i], cbor_array_handle(a)[i], false,
				     "a cabundle entry")))
			return err;
	return 0;
}

enum { K_MODULE_ID, K_DIGEST, K_TIMESTAMP, K_PCRS, K_CERTIFICATE, K_CABUNDLE, K_PUBLIC_KEY,
       K_USER_DATA, K_NONCE, K_COUNT };
static const char *const keys[K_COUNT] = {
	"module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle", "public_key",
	"user_data", "nonce",
};
#define REQUIRED ((1u << K_PUBLIC_KEY) - 1)

static int parse_field(struct ogx_nitro_doc *d, int k, cbor_item_t *v)
{
	switch (k) {
	case K_MODULE_ID:
		return get_text(d->module_id, sizeof(d->module_id), v, "module_id");
	case K_DIGEST:
		return get_text(d->digest, sizeof(d->digest), v, "digest");
	case K_TIMESTAMP:
		if (!cbor_isa_uint(v))
			return bad("nitro document: %s is not an unsigned integer", "timestamp");
		d->timestamp_ms = cbor_get_int(v);
		return 0;
	case K_PCRS:
		return parse_pcrs(d, v);
	case K_CERTIFICATE:
		return get_bytes(&d->certificate, v, false, "certificate");
	case K_CABUNDLE:
		return parse_cabundle(d, v);
	case K_PUBLIC_KEY:
		return get_bytes(&d->public_key, v, true, "public_key");
	case K_USER_DATA:
		return get_bytes(&d->user_data, v, true, "user_data");
	default:
		return get_bytes(&d->nonce, v, true, "nonce");
	}
}

static int parse_payload(struct ogx_nitro_doc *d)
{
	cbor_item_t *m;
	struct cbor_pair *kv;
	unsigned int seen = 0;
	int err;

	if ((err = load(&m, d->payload.data, d->payload.len, "payload")))
		return err;
	d->doc = m;
	/* The NSM writes the payload map with indefinite length (0xbf .. 0xff). */
	if (!cbor_isa_map(m))
		return bad("nitro document: the %s is not a map", "payload");
	kv = cbor_map_handle(m);
	for (size_t i = 0; i < cbor_map_size(m); i++) {
		char key[16];
		int k;

		if ((err = get_text(key, sizeof(key), kv[i].key, "a payload key")))
			return ogx_fail(-EBADMSG, "nitro document: a payload key is not a known "
					"field name");
		for (k = 0; k < K_COUNT && strcmp(key, keys[k]); k++)
			;
		if (k == K_COUNT)
			return ogx_fail(-EBADMSG, "nitro document: unknown payload field '%s'", key);
		if (seen & (1u << k))
			return ogx_fail(-EBADMSG, "nitro document: payload field '%s' twice", key);
		seen |= 1u << k;
		if ((err = parse_field(d, k, kv[i].value)))
			return err;
	}
	for (int k = 0; k < K_PUBLIC_KEY; k++)
		if (!(seen & (1u << k)))
			return ogx_fail(-EBADMSG, "nitro document: no '%s' in the payload", keys[k]);
	if (strcmp(d->digest, "SHA384"))
		return ogx_fail(-EBADMSG, "nitro document: digest '%s' (want SHA384)", d->digest);
	return 0;
}

int ogx_nitro_parse(struct ogx_nitro_doc *d, const uint8_t *buf, size_t len)
{
	cbor_item_t *top, *arr, **a;
	int err;

	memset(d, 0, sizeof(*d));
	if (len > OGX_NITRO_DOC_MAX)
		return ogx_fail(-EBADMSG, "nitro document: %zu bytes (at most %d)", len,
				OGX_NITRO_DOC_MAX);
	/*
	 * Debian 12's libcbor (0.8) rejects the one-byte tags 6..20 (0xc6..0xd4),
	 * COSE's among them (PJK/libcbor#307): take the tag 18 byte off here.
	 */
	if (len && buf[0] >= 0xc6 && buf[0] <= 0xd4) {
		if (buf[0] != 0xc0 + COSE_TAG_SIGN1)
			return ogx_fail(-EBADMSG, "nitro document: CBOR tag %d, not 18 (COSE_Sign1)",
					buf[0] - 0xc0);
		buf++;
		len--;
	}
	if ((err = load(&top, buf, len, "COSE_Sign1")))
		return err;
	d->cose = top;
	arr = top;
	if (cbor_isa_tag(top)) {
		cbor_item_t *inner;

		if (cbor_tag_value(top) != COSE_TAG_SIGN1) {
			err = ogx_fail(-EBADMSG, "nitro document: CBOR tag %llu, not 18 (COSE_Sign1)",
				       (unsigned long long)cbor_tag_value(top));
			goto fail;
		}
		inner = cbor_tag_item(top);
		arr = inner;
		cbor_decref(&inner); /* the tag keeps its own reference */
	}
	if (!cbor_isa_array(arr) || !cbor_array_is_definite(arr) || cbor_array_size(arr) != 4) {
		err = bad("nitro document: not a %s (an array of 4)", "COSE_Sign1");
		goto fail;
	}
	a = cbor_array_handle(arr);
	if ((err = get_bytes(&d->protected_hdr, a[0], false, "the protected header")) ||
	    (err = parse_protected(&d->protected_hdr)))
		goto fail;
	if (!cbor_isa_map(a[1]) || cbor_map_size(a[1])) {
		err = bad("nitro document: the %s is not an empty map", "unprotected header");
		goto fail;
	}
	if ((err = get_bytes(&d->payload, a[2], false, "the payload")) ||
	    (err = get_bytes(&d->signature, a[3], false, "the signature")))
		goto fail;
	if (d->signature.len != ES384_SIG_LEN) {
		err = ogx_fail(-EBADMSG, "nitro document: a signature of %zu bytes (ES384: %d)",
			       d->signature.len, ES384_SIG_LEN);
		goto fail;
	}
	if ((err = parse_payload(d)))
		goto fail;
	return 0;
fail:
	ogx_nitro_free(d);
	return err;
}

void ogx_nitro_free(struct ogx_nitro_doc *d)
{
	cbor_item_t *c = d->cose, *p = d->doc;

	if (c)
		cbor_decref(&c);
	if (p)
		cbor_decref(&p);
	memset(d, 0, sizeof(*d));
}

/* Sig_structure = ["Signature1", body_protected, external_aad = h'', payload]. */
static int sig_structure(const struct ogx_nitro_doc *d, struct ogx_cbor_enc *e)
{
	memset(e, 0, sizeof(*e));
	ogx_cbor_head(e, cbor_encode_array_start, 4);
	ogx_cbor_tstr(e, "Signature1");
	ogx_cbor_bstr(e, d->protected_hdr.data, d->protected_hdr.len);
	ogx_cbor_bstr(e, NULL, 0);
	ogx_cbor_bstr(e, d->payload.data, d->payload.len);
	if (e->err) {
		free(e->buf);
		return e->err;
	}
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return !acc;
}

static int fail_at(struct ogx_nitro_verify *v, enum ogx_attest_step step, int err)
{
	v->failed = step;
	return err;
}

int ogx_nitro_verify(struct ogx_nitro_verify *v, const uint8_t *buf, size_t len)
{
	const struct ogx_attest_roots *roots = v->roots ? v->roots : &ogx_nitro_aws_roots;
	struct ogx_nitro_doc *d = &v->doc;
	X509 *chain[OGX_NITRO_CABUNDLE_MAX + 1] = { NULL };
	char names[OGX_NITRO_CABUNDLE_MAX + 1][32];
	const char *namep[OGX_NITRO_CABUNDLE_MAX + 1];
	const struct ogx_attest_root *root;
	struct ogx_cbor_enc e;
	size_t n = 0;
	int err;

	v->failed = OGX_ATTEST_OK;
	v->root = NULL;
	if ((err = ogx_nitro_parse(d, buf, len)))
		return fail_at(v, OGX_ATTEST_FORMAT, err);
	v->checked_at = v->at_document ? (time_t)(d->timestamp_ms / 1000) : v->at;

	v->failed = OGX_ATTEST_CHAIN;
	for (size_t i = 0; i <= d->n_cabundle; i++) {
		const struct ogx_nitro_bytes *b = i < d->n_cabundle ? &d->cabundle[i] :
								      &d->certificate;

		if (i < d->n_cabundle)
			snprintf(names[i], sizeof(names[i]), "cabundle[%zu]", i);
		else
			snprintf(names[i], sizeof(names[i]), "certificate");
		namep[i] = names[i];
		if ((err = ogx_x509_from_der(&chain[i], b->data, b->len, names[i]))) {
			err = ogx_fail(-EKEYREJECTED, "nitro: %s", ogx_errmsg(err));
			goto out;
		}
		n++;
	}
	root = ogx_attest_root_find(roots, chain[0]);
	if (!root) {
		uint8_t h[32];
		char hh[2 * 8 + 1], name[128];

		ogx_x509_name(name, sizeof(name), chain[0]);
		if (ogx_x509_sha256(chain[0], h))
			memset(h, 0, sizeof(h));
		ogx_hex(hh, h, 8);
		err = ogx_fail(-EKEYREJECTED, "nitro: cabundle[0] (%s, SHA-256 %s...) is not the "
			       "AWS Nitro Enclaves root%s", name, hh,
			       v->roots ? " nor a configured root" : "");
		goto out;
	}
	v->root = root->name;
	if ((err = ogx_x509_chain_check(chain, namep, n, v->checked_at))) {
		err = ogx_fail(-EKEYREJECTED, "nitro: %s", ogx_errmsg(err));
		goto out;
	}

	v->failed = OGX_ATTEST_SIGNATURE;
	if ((err = sig_structure(d, &e)))
		goto out;
	err = ogx_p384_verify(X509_get0_pubkey(chain[n - 1]), "certificate", e.buf, e.len,
			      d->signature.data, d->signature.data + 48);
	free(e.buf);
	if (err) {
		err = ogx_fail(-EKEYREJECTED, "nitro: COSE_Sign1: %s", ogx_errmsg(err));
		goto out;
	}
	/* A debug-mode enclave (its console readable by the parent) reports PCRs of zeros. */
	v->failed = OGX_ATTEST_POLICY;
	if (!(d->pcr_mask & 1) || all_zero(d->pcr[0].data, d->pcr[0].len)) {
		err = ogx_fail(-EPROTO, "nitro: PCR0 is %s: a debug-mode enclave (its image is "
			       "not measured)", d->pcr_mask & 1 ? "all zero" : "absent");
		goto out;
	}
	v->failed = OGX_ATTEST_OK;
out:
	ERR_clear_error();
	for (size_t i = 0; i < n; i++)
		X509_free(chain[i]);
	return err;
}
