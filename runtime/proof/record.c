// SPDX-License-Identifier: GPL-2.0
/*
 * Proof record v2 encode/decode/sign/verify; see record.h and
 * Documentation/proof-record.md.
 *
 * Encoding writes CBOR heads with libcbor's encoders (util/cbor_enc.h), which
 * always pick the shortest form, in ascending key order: that is RFC 8949
 * §4.2.1's deterministic encoding for maps with small unsigned keys. Decoding walks the
 * input one data item at a time with libcbor's streaming decoder (no item
 * tree, so a hostile length claim never turns into an allocation), then
 * re-encodes what it read and requires the same bytes: anything not in
 * deterministic form is refused rather than "normalised".
 */
#include <errno.h>
#include <inttypes.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <cbor.h>

#include "proof/record.h"
#include "util/cbor_enc.h"
#include "util/cbor_tok.h"
#include "util/err.h"
#include "util/utf8.h"

/* ---- encoding ---------------------------------------------------------- */

static void put_device(struct ogx_cbor_enc *e, const struct ogx_device *d)
{
	size_t n = 2 + (d->has_ids ? 2 : 0) + (d->driver[0] != 0) + (d->drm[0] != 0);

	ogx_cbor_head(e, cbor_encode_map_start, n);
	ogx_cbor_uint(e, OGX_D_KIND);
	ogx_cbor_tstr(e, d->kind);
	ogx_cbor_uint(e, OGX_D_NAME);
	ogx_cbor_tstr(e, d->name);
	if (d->has_ids) {
		ogx_cbor_uint(e, OGX_D_VENDOR);
		ogx_cbor_uint(e, d->vendor_id);
		ogx_cbor_uint(e, OGX_D_DEVICE);
		ogx_cbor_uint(e, d->device_id);
	}
	if (d->driver[0]) {
		ogx_cbor_uint(e, OGX_D_DRIVER);
		ogx_cbor_tstr(e, d->driver);
	}
	if (d->drm[0]) {
		ogx_cbor_uint(e, OGX_D_DRM);
		ogx_cbor_tstr(e, d->drm);
	}
}

static void put_ext(struct ogx_cbor_enc *e, const struct ogx_ext *x)
{
	ogx_cbor_head(e, cbor_encode_map_start, x->n);
	for (size_t i = 0; i < x->n; i++) {
		ogx_cbor_uint(e, x->e[i].key);
		switch (x->e[i].type) {
		case OGX_EXT_UINT:
			ogx_cbor_uint(e, x->e[i].u);
			break;
		case OGX_EXT_BYTES:
			ogx_cbor_bstr(e, x->e[i].data, x->e[i].len);
			break;
		case OGX_EXT_TEXT:
			ogx_cbor_text(e, x->e[i].data, x->e[i].len);
			break;
		}
	}
}

/* Text strings must be valid UTF-8 (RFC 8949 §3.1): a record is never written otherwise. */
static int check_text(const char *what, const void *s, size_t len)
{
	if (!ogx_utf8_valid(s, len))
		return ogx_fail(-EINVAL, "%s: not valid UTF-8", what);
	return 0;
}

static int check_ext_text(const char *what, const struct ogx_ext *x)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->e[i].type == OGX_EXT_TEXT && !ogx_utf8_valid(x->e[i].data, x->e[i].len))
			return ogx_fail(-EINVAL, "%s: key %u: not valid UTF-8", what, x->e[i].key);
	return 0;
}

static int check_texts(const struct ogx_record *r)
{
	const struct ogx_device *d = &r->device;
	int err;

	if ((err = check_text("device kind", d->kind, strlen(d->kind))) ||
	    (err = check_text("device name", d->name, strlen(d->name))) ||
	    (err = check_text("device driver", d->driver, strlen(d->driver))) ||
	    (err = check_text("device drm", d->drm, strlen(d->drm))) ||
	    (err = check_text("job", r->job, strlen(r->job))) ||
	    (err = check_ext_text("kernel", &r->kernel)) ||
	    (err = check_ext_text("payment", &r->payment)) ||
	    (err = check_ext_text("zk", &r->zk)))
		return err;
	if (!r->job[0])
		return ogx_fail(-EINVAL, "job: empty (every record names its job: proof/job.h)");
	return 0;
}

int ogx_record_encode(const struct ogx_record *r, bool with_sig, uint8_t **out, size_t *len)
{
	struct ogx_cbor_enc e = { 0 };
	size_t n = 16 + r->kernel.present + r->payment.present + r->zk.present + with_sig;
	int err = check_texts(r);

	if (err)
		return err;

	ogx_cbor_head(&e, cbor_encode_map_start, n);
	ogx_cbor_uint(&e, OGX_R_VERSION);
	ogx_cbor_uint(&e, r->version);
	ogx_cbor_uint(&e, OGX_R_LEVEL);
	ogx_cbor_uint(&e, r->level);
	ogx_cbor_uint(&e, OGX_R_NODE);
	ogx_cbor_bstr(&e, r->node, OGX_PK_LEN);
	ogx_cbor_uint(&e, OGX_R_SEQ);
	ogx_cbor_uint(&e, r->seq);
	ogx_cbor_uint(&e, OGX_R_PREV);
	ogx_cbor_bstr(&e, r->prev, OGX_DIGEST_LEN);
	ogx_cbor_uint(&e, OGX_R_MODEL);
	ogx_cbor_bstr(&e, r->model, OGX_DIGEST_LEN);
	ogx_cbor_uint(&e, OGX_R_INPUT);
	ogx_cbor_bstr(&e, r->input, OGX_DIGEST_LEN);
	ogx_cbor_uint(&e, OGX_R_OUTPUT);
	ogx_cbor_bstr(&e, r->output, OGX_DIGEST_LEN);
	ogx_cbor_uint(&e, OGX_R_PARAMS);
	ogx_cbor_bstr(&e, r->params, OGX_DIGEST_LEN);
	ogx_cbor_uint(&e, OGX_R_TIME);
	ogx_cbor_uint(&e, r->time_ns);
	ogx_cbor_uint(&e, OGX_R_INFER_NS);
	ogx_cbor_uint(&e, r->infer_ns);
	ogx_cbor_uint(&e, OGX_R_JOB_NS);
	ogx_cbor_uint(&e, r->job_ns);
	ogx_cbor_uint(&e, OGX_R_DEVICE);
	put_device(&e, &r->device);
	ogx_cbor_uint(&e, OGX_R_RUNTIME);
	ogx_cbor_bstr(&e, r->runtime, OGX_DIGEST_LEN);
	if (r->kernel.present) {
		ogx_cbor_uint(&e, OGX_R_KERNEL);
		put_ext(&e, &r->kernel);
	}
	if (r->payment.present) {
		ogx_cbor_uint(&e, OGX_R_PAYMENT);
		put_ext(&e, &r->payment);
	}
	if (r->zk.present) {
		ogx_cbor_uint(&e, OGX_R_ZK);
		put_ext(&e, &r->zk);
	}
	ogx_cbor_uint(&e, OGX_R_EPOCH);
	ogx_cbor_uint(&e, r->epoch);
	ogx_cbor_uint(&e, OGX_R_JOB);
	ogx_cbor_tstr(&e, r->job);
	if (with_sig) {
		ogx_cbor_uint(&e, OGX_R_SIG);
		ogx_cbor_bstr(&e, r->sig, OGX_SIG_LEN);
	}
	if (e.err) {
		free(e.buf);
		return e.err;
	}
	if (e.len > OGX_RECORD_MAX) {
		free(e.buf);
		return ogx_fail(-EMSGSIZE, "record of %zu bytes exceeds %d", e.len, OGX_RECORD_MAX);
	}
	*out = e.buf;
	*len = e.len;
	return 0;
}

static int signed_message(const struct ogx_record *r, uint8_t **msg, size_t *len)
{
	const size_t ctx = sizeof(OGX_RECORD_SIG_CONTEXT); /* with its NUL */
	uint8_t *body, *m;
	size_t blen;
	int err = ogx_record_encode(r, false, &body, &blen);

	if (err)
		return err;
	m = malloc(ctx + blen);
	if (!m) {
		free(body);
		return -ENOMEM;
	}
	memcpy(m, OGX_RECORD_SIG_CONTEXT, ctx);
	memcpy(m + ctx, body, blen);
	free(body);
	*msg = m;
	*len = ctx + blen;
	return 0;
}

int ogx_record_sign(struct ogx_record *r, const struct ogx_key *key, uint8_t **out,
		    size_t *len)
{
	const size_t ctx = sizeof(OGX_RECORD_SIG_CONTEXT); /* with its NUL */
	static const uint8_t sig_head[3] = { 0x14, 0x58, OGX_SIG_LEN }; /* key 20, bstr(64) */
	uint8_t *body, *buf;
	size_t blen;
	int err;

	memcpy(r->node, key->pk, OGX_PK_LEN);
	err = ogx_record_encode(r, false, &body, &blen);
	if (err)
		return err;
	/*
	 * One encoding serves both: the signature is the last key (20, the
	 * largest), so the full record is the body with its map head counting
	 * one more entry and the signature appended. The head is one byte
	 * (0xa0 | n) while the map has fewer than 23 entries, as it always has.
	 */
	if (blen < 1 || (body[0] & 0xe0) != 0xa0 || (body[0] & 0x1f) >= 23) {
		free(body);
		return ogx_fail(-EINVAL, "record map head 0x%02x: not a short map",
				blen ? body[0] : 0);
	}
	buf = malloc(ctx + blen + sizeof(sig_head) + OGX_SIG_LEN);
	if (!buf) {
		free(body);
		return -ENOMEM;
	}
	memcpy(buf, OGX_RECORD_SIG_CONTEXT, ctx);
	memcpy(buf + ctx, body, blen);
	free(body);
	ogx_key_sign(key, r->sig, buf, ctx + blen);
	memmove(buf, buf + ctx, blen);
	buf[0]++;
	memcpy(buf + blen, sig_head, sizeof(sig_head));
	memcpy(buf + blen + sizeof(sig_head), r->sig, OGX_SIG_LEN);
	if (blen + sizeof(sig_head) + OGX_SIG_LEN > OGX_RECORD_MAX) {
		free(buf);
		return ogx_fail(-EMSGSIZE, "record of %zu bytes exceeds %d",
				blen + sizeof(sig_head) + OGX_SIG_LEN, OGX_RECORD_MAX);
	}
	*out = buf;
	*len = blen + sizeof(sig_head) + OGX_SIG_LEN;
	return 0;
}

int ogx_record_verify(const struct ogx_record *r)
{
	uint8_t *msg;
	size_t mlen;
	int err = signed_message(r, &msg, &mlen);

	if (err)
		return err;
	err = ogx_sig_verify(r->node, r->sig, msg, mlen);
	free(msg);
	if (err)
		return ogx_fail(-EBADMSG, "signature does not verify");
	return 0;
}

void ogx_record_digest(const uint8_t *buf, size_t len, uint8_t out[OGX_DIGEST_LEN])
{
	ogx_sha256(out, buf, len);
}

/* ---- decoding ---------------------------------------------------------- */

struct dec {
	const uint8_t *p;
	size_t left;
};

static int next(struct dec *d, struct ogx_cbor_tok *t, const char *what)
{
	int err = ogx_cbor_tok_next(&d->p, &d->left, t);

	if (err == -ENODATA)
		return ogx_fail(-EBADMSG, "truncated in %s", what);
	if (err)
		return ogx_fail(-EBADMSG, "malformed CBOR in %s", what);
	if (t->type == OGX_CBOR_OTHER)
		return ogx_fail(-EBADMSG, "%s: unexpected CBOR item (indefinite length, tag, "
				"float or simple value)", what);
	return 0;
}

static int want_uint(struct dec *d, uint64_t *v, const char *what)
{
	struct ogx_cbor_tok t;
	int err = next(d, &t, what);

	if (err)
		return err;
	if (t.type != OGX_CBOR_UINT)
		return ogx_fail(-EBADMSG, "%s: want an unsigned integer", what);
	*v = t.u;
	return 0;
}

static int want_fixed_bstr(struct dec *d, uint8_t *out, size_t len, const char *what)
{
	struct ogx_cbor_tok t;
	int err = next(d, &t, what);

	if (err)
		return err;
	if (t.type != OGX_CBOR_BSTR || t.len != len)
		return ogx_fail(-EBADMSG, "%s: want a %zu-byte string", what, len);
	memcpy(out, t.data, len);
	return 0;
}

static int want_text(struct dec *d, char *out, size_t size, const char *what)
{
	struct ogx_cbor_tok t;
	int err = next(d, &t, what);

	if (err)
		return err;
	if (t.type != OGX_CBOR_TSTR)
		return ogx_fail(-EBADMSG, "%s: want a text string", what);
	if (t.len >= size)
		return ogx_fail(-EBADMSG, "%s: text longer than %zu bytes", what, size - 1);
	if (memchr(t.data, 0, t.len))
		return ogx_fail(-EBADMSG, "%s: text contains a NUL", what);
	if (!ogx_utf8_valid(t.data, t.len))
		return ogx_fail(-EBADMSG, "%s: not valid UTF-8", what);
	memcpy(out, t.data, t.len);
	out[t.len] = '\0';
	return 0;
}

/* A map head; keys then must come strictly ascending (checked by the caller). */
static int want_map(struct dec *d, uint64_t *n, uint64_t max, const char *what)
{
	struct ogx_cbor_tok t;
	int err = next(d, &t, what);

	if (err)
		return err;
	if (t.type != OGX_CBOR_MAP)
		return ogx_fail(-EBADMSG, "%s: want a map", what);
	if (t.u > max)
		return ogx_fail(-EBADMSG, "%s: %" PRIu64 " entries, at most %" PRIu64, what, t.u,
				max);
	*n = t.u;
	return 0;
}

static int want_key(struct dec *d, uint64_t *key, int64_t *last, const char *what)
{
	int err = want_uint(d, key, what);

	if (err)
		return err;
	if ((int64_t)*key <= *last || *key > UINT32_MAX)
		return ogx_fail(-EBADMSG, "%s: key %" PRIu64 " out of order or repeated", what,
				*key);
	*last = (int64_t)*key;
	return 0;
}

static int decode_device(struct dec *d, struct ogx_device *dev)
{
	uint64_t n = 0, key = 0, v = 0;
	int64_t last = -1;
	unsigned int seen = 0;
	int err = want_map(d, &n, 6, "device");

	for (uint64_t i = 0; !err && i < n; i++) {
		err = want_key(d, &key, &last, "device");
		if (err)
			break;
		if (key > OGX_D_DRM)
			return ogx_fail(-EBADMSG, "device: unknown key %" PRIu64, key);
		seen |= 1u << key;
		switch (key) {
		case OGX_D_KIND:
			err = want_text(d, dev->kind, sizeof(dev->kind), "device kind");
			break;
		case OGX_D_NAME:
			err = want_text(d, dev->name, sizeof(dev->name), "device name");
			break;
		case OGX_D_VENDOR:
		case OGX_D_DEVICE:
			err = want_uint(d, &v, "device id");
			if (!err && v > UINT32_MAX)
				err = ogx_fail(-EBADMSG, "device id: out of range");
			if (!err && key == OGX_D_VENDOR)
				dev->vendor_id = (uint32_t)v;
			else if (!err)
				dev->device_id = (uint32_t)v;
			break;
		case OGX_D_DRIVER:
			err = want_text(d, dev->driver, sizeof(dev->driver), "device driver");
			break;
		case OGX_D_DRM:
			err = want_text(d, dev->drm, sizeof(dev->drm), "device drm");
			break;
		default:
			err = ogx_fail(-EBADMSG, "device: unknown key %" PRIu64, key);
		}
	}
	if (err)
		return err;
	if ((seen & 3) != 3)
		return ogx_fail(-EBADMSG, "device: missing kind or name");
	if (((seen >> OGX_D_VENDOR) & 3) == 1 || ((seen >> OGX_D_VENDOR) & 3) == 2)
		return ogx_fail(-EBADMSG, "device: vendor and device ids come together");
	dev->has_ids = seen & (1u << OGX_D_VENDOR);
	return 0;
}

static int decode_ext(struct dec *d, struct ogx_ext *x, const char *what)
{
	uint64_t n = 0, key = 0;
	int64_t last = -1;
	struct ogx_cbor_tok t;
	int err = want_map(d, &n, OGX_EXT_MAX, what);

	x->present = true;
	for (uint64_t i = 0; !err && i < n; i++) {
		err = want_key(d, &key, &last, what);
		if (!err)
			err = next(d, &t, what);
		if (err)
			break;
		switch (t.type) {
		case OGX_CBOR_UINT:
			err = ogx_ext_add_uint(x, (uint32_t)key, t.u);
			break;
		case OGX_CBOR_BSTR:
		case OGX_CBOR_TSTR:
			if (t.len > OGX_EXT_VALUE_MAX)
				return ogx_fail(-EBADMSG, "%s: value of key %" PRIu64 " longer than %d",
						what, key, OGX_EXT_VALUE_MAX);
			if (t.type == OGX_CBOR_TSTR && !ogx_utf8_valid(t.data, t.len))
				return ogx_fail(-EBADMSG, "%s: key %" PRIu64 ": not valid UTF-8", what,
						key);
			err = ogx_ext_add_bytes(x, (uint32_t)key,
						t.type == OGX_CBOR_BSTR ? OGX_EXT_BYTES : OGX_EXT_TEXT,
						t.data, t.len);
			break;
		default:
			err = ogx_fail(-EBADMSG, "%s: key %" PRIu64 ": want an integer, bytes or text",
				       what, key);
		}
	}
	return err;
}

static const char *const key_names[] = {
	[OGX_R_VERSION] = "version", [OGX_R_LEVEL] = "level", [OGX_R_NODE] = "node",
	[OGX_R_SEQ] = "seq", [OGX_R_PREV] = "prev", [OGX_R_MODEL] = "model",
	[OGX_R_INPUT] = "input", [OGX_R_OUTPUT] = "output", [OGX_R_PARAMS] = "params",
	[OGX_R_TIME] = "time", [OGX_R_INFER_NS] = "infer_ns", [OGX_R_JOB_NS] = "job_ns",
	[OGX_R_DEVICE] = "device", [OGX_R_RUNTIME] = "runtime", [OGX_R_KERNEL] = "kernel",
	[OGX_R_PAYMENT] = "payment", [OGX_R_ZK] = "zk", [OGX_R_EPOCH] = "epoch",
	[OGX_R_JOB] = "job", [OGX_R_SIG] = "signature",
};

/* Keys every record has (0..13, epoch, job and the signature). */
#define REQUIRED_KEYS (((1u << 14) - 1) | (1u << OGX_R_EPOCH) | (1u << OGX_R_JOB) | \
		       (1u << OGX_R_SIG))

static int decode_body(struct dec *d, struct ogx_record *r)
{
	uint64_t n = 0, key = 0, v = 0;
	int64_t last = -1;
	uint32_t seen = 0;
	int err = want_map(d, &n, 20, "record");

	for (uint64_t i = 0; !err && i < n; i++) {
		err = want_key(d, &key, &last, "record");
		if (err)
			break;
		if (key >= sizeof(key_names) / sizeof(key_names[0]) || !key_names[key])
			return ogx_fail(-EBADMSG, "record: unknown key %" PRIu64, key);
		seen |= 1u << key;
		switch (key) {
		case OGX_R_VERSION:
			err = want_uint(d, &v, "version");
			if (!err && v != OGX_RECORD_VERSION)
				err = ogx_fail(-EBADMSG, "version %" PRIu64 " not supported (want %d)",
					       v, OGX_RECORD_VERSION);
			r->version = (uint32_t)v;
			break;
		case OGX_R_LEVEL:
			err = want_uint(d, &v, "level");
			if (!err && v > OGX_LEVEL_TEE)
				err = ogx_fail(-EBADMSG, "level %" PRIu64 " unknown", v);
			r->level = (uint32_t)v;
			break;
		case OGX_R_NODE:
			err = want_fixed_bstr(d, r->node, OGX_PK_LEN, "node");
			break;
		case OGX_R_SEQ:
			err = want_uint(d, &r->seq, "seq");
			break;
		case OGX_R_PREV:
			err = want_fixed_bstr(d, r->prev, OGX_DIGEST_LEN, "prev");
			break;
		case OGX_R_MODEL:
			err = want_fixed_bstr(d, r->model, OGX_DIGEST_LEN, "model");
			break;
		case OGX_R_INPUT:
			err = want_fixed_bstr(d, r->input, OGX_DIGEST_LEN, "input");
			break;
		case OGX_R_OUTPUT:
			err = want_fixed_bstr(d, r->output, OGX_DIGEST_LEN, "output");
			break;
		case OGX_R_PARAMS:
			err = want_fixed_bstr(d, r->params, OGX_DIGEST_LEN, "params");
			break;
		case OGX_R_TIME:
			err = want_uint(d, &r->time_ns, "time");
			break;
		case OGX_R_INFER_NS:
			err = want_uint(d, &r->infer_ns, "infer_ns");
			break;
		case OGX_R_JOB_NS:
			err = want_uint(d, &r->job_ns, "job_ns");
			break;
		case OGX_R_DEVICE:
			err = decode_device(d, &r->device);
			break;
		case OGX_R_RUNTIME:
			err = want_fixed_bstr(d, r->runtime, OGX_DIGEST_LEN, "runtime");
			break;
		case OGX_R_KERNEL:
			err = decode_ext(d, &r->kernel, "kernel");
			break;
		case OGX_R_PAYMENT:
			err = decode_ext(d, &r->payment, "payment");
			break;
		case OGX_R_ZK:
			err = decode_ext(d, &r->zk, "zk");
			break;
		case OGX_R_EPOCH:
			err = want_uint(d, &r->epoch, "epoch");
			break;
		case OGX_R_JOB:
			err = want_text(d, r->job, sizeof(r->job), "job");
			if (!err && !r->job[0])
				err = ogx_fail(-EBADMSG, "job: empty");
			break;
		case OGX_R_SIG:
			err = want_fixed_bstr(d, r->sig, OGX_SIG_LEN, "signature");
			break;
		}
	}
	if (err)
		return err;
	if ((seen & REQUIRED_KEYS) != REQUIRED_KEYS) {
		for (unsigned int k = 0; k <= OGX_R_SIG; k++)
			if ((REQUIRED_KEYS & (1u << k)) && !(seen & (1u << k)))
				return ogx_fail(-EBADMSG, "record: missing key %u (%s)", k,
						key_names[k]);
	}
	if (d->left)
		return ogx_fail(-EBADMSG, "record: %zu bytes after the end", d->left);
	return 0;
}

int ogx_record_decode(const uint8_t *buf, size_t len, struct ogx_record *r)
{
	struct dec d = { buf, len };
	uint8_t *again;
	size_t alen;
	int err;

	memset(r, 0, sizeof(*r));
	if (len > OGX_RECORD_MAX)
		return ogx_fail(-EBADMSG, "record of %zu bytes exceeds %d", len, OGX_RECORD_MAX);
	err = decode_body(&d, r);
	if (!err) {
		/* Deterministic encoding: the canonical bytes of what we read. */
		err = ogx_record_encode(r, true, &again, &alen);
		if (!err) {
			if (alen != len || memcmp(again, buf, len))
				err = ogx_fail(-EBADMSG, "record: not in deterministic CBOR "
					       "encoding (RFC 8949 4.2.1)");
			free(again);
		}
	}
	if (err)
		ogx_record_free(r);
	return err;
}

/* ---- helpers ----------------------------------------------------------- */

int ogx_ext_add_uint(struct ogx_ext *x, uint32_t key, uint64_t v)
{
	if (x->n >= OGX_EXT_MAX)
		return ogx_fail(-E2BIG, "more than %d evidence entries", OGX_EXT_MAX);
	x->present = true;
	x->e[x->n].key = key;
	x->e[x->n].type = OGX_EXT_UINT;
	x->e[x->n].u = v;
	x->e[x->n].data = NULL;
	x->e[x->n].len = 0;
	x->n++;
	return 0;
}

int ogx_ext_add_bytes(struct ogx_ext *x, uint32_t key, enum ogx_ext_type type,
		      const void *data, size_t len)
{
	uint8_t *copy;

	if (x->n >= OGX_EXT_MAX)
		return ogx_fail(-E2BIG, "more than %d evidence entries", OGX_EXT_MAX);
	if (len > OGX_EXT_VALUE_MAX)
		return ogx_fail(-E2BIG, "evidence value longer than %d bytes", OGX_EXT_VALUE_MAX);
	copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	x->present = true;
	x->e[x->n].key = key;
	x->e[x->n].type = type;
	x->e[x->n].u = 0;
	x->e[x->n].data = copy;
	x->e[x->n].len = len;
	x->n++;
	return 0;
}

static void ext_free(struct ogx_ext *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->e[i].data);
	x->n = 0;
	x->present = false;
}

void ogx_record_free(struct ogx_record *r)
{
	ext_free(&r->kernel);
	ext_free(&r->payment);
	ext_free(&r->zk);
}

const char *ogx_level_name(uint32_t level)
{
	switch (level) {
	case OGX_LEVEL_VANILLA:
		return "vanilla";
	case OGX_LEVEL_ZKML:
		return "zkml";
	case OGX_LEVEL_TEE:
		return "tee";
	}
	return "unknown";
}

int ogx_level_parse(const char *s, uint32_t *level)
{
	for (uint32_t l = 0; l <= OGX_LEVEL_TEE; l++)
		if (!strcasecmp(s, ogx_level_name(l))) {
			*level = l;
			return 0;
		}
	return ogx_fail(-EINVAL, "unknown level '%s' (want vanilla, zkml or tee)", s);
}
