// SPDX-License-Identifier: GPL-2.0
/* See quote.h. */
#include <cbor.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ecdsa.h>
#include <tss2/tss2_mu.h>

#include "attest/cbormap.h"
#include "attest/quote.h"
#include "proof/kmod.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/hex.h"

void ogx_quote_qualifying(uint8_t out[32], const uint8_t node[OGX_PK_LEN],
			  const uint8_t nonce[OGX_QUOTE_NONCE_LEN])
{
	struct ogx_sha256_ctx c;

	ogx_sha256_init(&c);
	ogx_sha256_update(&c, OGX_QUOTE_DOMAIN, sizeof(OGX_QUOTE_DOMAIN));
	ogx_sha256_update(&c, node, OGX_PK_LEN);
	ogx_sha256_update(&c, nonce, OGX_QUOTE_NONCE_LEN);
	ogx_sha256_final(&c, out);
}

static void encode(struct ogx_cbor_enc *e, const struct ogx_quote *q)
{
	ogx_cbor_head(e, cbor_encode_map_start, 8);
	ogx_cbor_uint(e, 0);
	ogx_cbor_uint(e, OGX_QUOTE_VERSION);
	ogx_cbor_uint(e, 1);
	ogx_cbor_bstr(e, q->node, OGX_PK_LEN);
	ogx_cbor_uint(e, 2);
	ogx_cbor_uint(e, q->pcr);
	ogx_cbor_uint(e, 3);
	ogx_cbor_bstr(e, q->attest, q->attest_len);
	ogx_cbor_uint(e, 4);
	ogx_cbor_bstr(e, q->sig, q->sig_len);
	ogx_cbor_uint(e, 5);
	ogx_cbor_bstr(e, q->boot, sizeof(q->boot));
	ogx_cbor_uint(e, 6);
	ogx_cbor_bstr(e, q->from, sizeof(q->from));
	ogx_cbor_uint(e, 7);
	ogx_cbor_bstr(e, q->log, q->n * sizeof(*q->log));
}

int ogx_quote_encode(const struct ogx_quote *q, uint8_t **out, size_t *len)
{
	struct ogx_cbor_enc e = { 0 };

	if (q->n > OGX_QUOTE_LOG_MAX)
		return ogx_fail(-EMSGSIZE, "quote: %zu events, at most %u in one bundle", q->n,
				OGX_QUOTE_LOG_MAX);
	encode(&e, q);
	if (e.err) {
		free(e.buf);
		return e.err;
	}
	*out = e.buf;
	*len = e.len;
	return 0;
}

void ogx_quote_free(struct ogx_quote *q)
{
	free(q->attest);
	free(q->sig);
	free(q->log);
	q->attest = q->sig = NULL;
	q->log = NULL;
}

int ogx_quote_decode(const uint8_t *buf, size_t len, struct ogx_quote *q)
{
	struct ogx_cbormap_field f[] = {
		OGX_CBORMAP_FIELD("version", OGX_CBORMAP_UINT, 0, 0),
		OGX_CBORMAP_FIELD("node", OGX_CBORMAP_BYTES, OGX_PK_LEN, OGX_PK_LEN),
		OGX_CBORMAP_FIELD("pcr", OGX_CBORMAP_UINT, 0, 0),
		OGX_CBORMAP_FIELD("attest", OGX_CBORMAP_BYTES, 1, sizeof(TPMS_ATTEST)),
		OGX_CBORMAP_FIELD("sig", OGX_CBORMAP_BYTES, 1, sizeof(TPMT_SIGNATURE)),
		OGX_CBORMAP_FIELD("boot", OGX_CBORMAP_BYTES, 256, 256),
		OGX_CBORMAP_FIELD("from", OGX_CBORMAP_BYTES, 32, 32),
		OGX_CBORMAP_FIELD("log", OGX_CBORMAP_BYTES, 0,
				  OGX_QUOTE_LOG_MAX * sizeof(struct ogx_event)),
	};
	const size_t n = sizeof(f) / sizeof(f[0]);
	struct ogx_cbor_enc e = { 0 };
	int err;

	memset(q, 0, sizeof(*q));
	if (len > OGX_QUOTE_MAX)
		return ogx_fail(-EBADMSG, "quote: %zu bytes, at most %zu", len, OGX_QUOTE_MAX);
	if ((err = ogx_cbormap_decode(buf, len, f, n, "quote")))
		return err;
	if (f[0].u != OGX_QUOTE_VERSION)
		err = ogx_fail(-EBADMSG, "quote: version %" PRIu64 ", want %d", f[0].u,
			       OGX_QUOTE_VERSION);
	else if (f[2].u < 8 || f[2].u > 23)
		err = ogx_fail(-EBADMSG, "quote: pcr %" PRIu64 ": the module's PCR is one of "
			       "8..23", f[2].u);
	else if (f[7].len % sizeof(struct ogx_event))
		err = ogx_fail(-EBADMSG, "quote: log: %zu bytes is not a whole number of "
			       "%zu-byte events", f[7].len, sizeof(struct ogx_event));
	if (err) {
		ogx_cbormap_free(f, n);
		return err;
	}
	memcpy(q->node, f[1].data, OGX_PK_LEN);
	q->pcr = f[2].u;
	q->attest = f[3].data;
	q->attest_len = f[3].len;
	q->sig = f[4].data;
	q->sig_len = f[4].len;
	memcpy(q->boot, f[5].data, sizeof(q->boot));
	memcpy(q->from, f[6].data, sizeof(q->from));
	q->log = (struct ogx_event *)f[7].data;
	q->n = f[7].len / sizeof(struct ogx_event);
	free(f[1].data);
	free(f[5].data);
	free(f[6].data);
	encode(&e, q);
	err = ogx_cbormap_canonical(&e, buf, len, "quote");
	free(e.buf);
	if (err)
		ogx_quote_free(q);
	return err;
}

static int fail(struct ogx_quote_result *res, const char *field, int err)
{
	res->field = field;
	return err;
}

/* ECDSA-SHA256 of the attest bytes under the AK, by OpenSSL. */
static int check_sig(const struct ogx_quote *q, const struct ogx_enrolment *e)
{
	TPMT_SIGNATURE s = { 0 };
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *ak = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *bs = NULL;
	unsigned char *der = NULL;
	size_t off = 0;
	int dlen, ok, err;

	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(q->sig, q->sig_len, &off, &s) || off != q->sig_len)
		return ogx_fail(-EBADMSG, "not a TPMT_SIGNATURE");
	if (s.sigAlg != TPM2_ALG_ECDSA || s.signature.ecdsa.hash != TPM2_ALG_SHA256)
		return ogx_fail(-EBADMSG, "signature scheme 0x%04x/0x%04x, not ECDSA-SHA256",
				s.sigAlg, s.signature.ecdsa.hash);
	if ((err = ogx_tpmpub_pkey(&e->ak, &ak)))
		return err;
	err = -ENOMEM;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(s.signature.ecdsa.signatureR.buffer, s.signature.ecdsa.signatureR.size, NULL);
	bs = BN_bin2bn(s.signature.ecdsa.signatureS.buffer, s.signature.ecdsa.signatureS.size,
		       NULL);
	if (!es || !r || !bs || ECDSA_SIG_set0(es, r, bs) != 1)
		goto out;
	r = bs = NULL;
	dlen = i2d_ECDSA_SIG(es, &der);
	md = EVP_MD_CTX_new();
	if (dlen <= 0 || !md || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, ak) != 1)
		goto out;
	ok = EVP_DigestVerify(md, der, dlen, q->attest, q->attest_len);
	err = ok == 1 ? 0 : ogx_fail(-EBADMSG, "the signature does not verify under the "
				     "enrolled AK");
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	ECDSA_SIG_free(es);
	BN_free(r);
	BN_free(bs);
	EVP_PKEY_free(ak);
	return err;
}

/* The quote selects exactly the SHA-256 bank's PCRs 0-7 and pcr. */
static int check_selection(const TPML_PCR_SELECTION *sel, uint32_t pcr)
{
	const TPMS_PCR_SELECTION *s = &sel->pcrSelections[0];
	uint32_t want = 0xffu | 1u << pcr, got = 0;

	if (sel->count != 1 || s->hash != TPM2_ALG_SHA256)
		return ogx_fail(-EBADMSG, "the quote selects %u banks; want the SHA-256 bank only",
				sel->count);
	for (unsigned int i = 0; i < s->sizeofSelect && i < sizeof(s->pcrSelect); i++)
		got |= (uint32_t)s->pcrSelect[i] << (8 * i);
	if (got != want)
		return ogx_fail(-EBADMSG, "the quote selects PCRs 0x%06x; want 0-7 and %u (0x%06x)",
				got, pcr, want);
	return 0;
}

/* The log itself: consecutive seqs, digests, heads (a window anchors on its first). */
static int check_log(const struct ogx_quote *q)
{
	uint8_t head[OGX_DIGEST_LEN] = { 0 }, d[OGX_DIGEST_LEN];
	uint64_t first;

	if (!q->n)
		return 0;
	first = le64toh(q->log[0].seq);
	if (!first)
		return ogx_kmod_replay(q->log, q->n, 0, head);
	ogx_sha256(d, &q->log[0], offsetof(struct ogx_event, digest));
	if (memcmp(d, q->log[0].digest, OGX_DIGEST_LEN))
		return ogx_fail(-EBADMSG, "event log: seq %" PRIu64 ": digest mismatch", first);
	memcpy(head, q->log[0].head, OGX_DIGEST_LEN);
	return ogx_kmod_replay(q->log + 1, q->n - 1, first + 1, head);
}

/* The PCR digest of the boot PCRs and value: what the quote signs for a prefix. */
static void pcr_digest(const struct ogx_quote *q, const uint8_t value[32], uint8_t out[32])
{
	struct ogx_sha256_ctx c;

	ogx_sha256_init(&c);
	ogx_sha256_update(&c, q->boot, sizeof(q->boot));
	ogx_sha256_update(&c, value, 32);
	ogx_sha256_final(&c, out);
}

static int replay_pcr(const struct ogx_quote *q, const TPM2B_DIGEST *want,
		      struct ogx_quote_result *res)
{
	uint8_t pcr[32], d[32], buf[64];

	if (want->size != 32)
		return ogx_fail(-EBADMSG, "a %u-byte PCR digest", want->size);
	memcpy(pcr, q->from, 32);
	for (size_t k = 0;; k++) {
		pcr_digest(q, pcr, d);
		if (!memcmp(d, want->buffer, 32)) {
			res->covered = k;
			memcpy(res->pcr_value, pcr, 32);
			return 0;
		}
		if (k == q->n)
			break;
		memcpy(buf, pcr, 32);
		memcpy(buf + 32, q->log[k].digest, 32);
		ogx_sha256(pcr, buf, sizeof(buf));
	}
	return ogx_fail(-EBADMSG, "the quoted PCR digest is that of no prefix of the log "
			"(0..%zu events from the checkpoint) with the boot PCRs given", q->n);
}

int ogx_quote_verify(const struct ogx_quote *q, const struct ogx_enrolment *e,
		     const uint8_t nonce[OGX_QUOTE_NONCE_LEN], struct ogx_quote_result *res)
{
	static const uint8_t zero[32];
	uint8_t qual[32];
	TPMS_ATTEST a;
	size_t off = 0;
	int err;

	memset(res, 0, sizeof(*res));
	if (memcmp(q->node, e->node, OGX_PK_LEN))
		return fail(res, "node", ogx_fail(-EBADMSG, "the quote is another node's than "
						  "the enrolment record's"));
	if ((err = check_sig(q, e)))
		return fail(res, "sig", err);
	memset(&a, 0, sizeof(a));
	if (Tss2_MU_TPMS_ATTEST_Unmarshal(q->attest, q->attest_len, &off, &a) ||
	    off != q->attest_len)
		return fail(res, "attest", ogx_fail(-EBADMSG, "not a TPMS_ATTEST"));
	if (a.magic != TPM2_GENERATED_VALUE)
		return fail(res, "magic", ogx_fail(-EBADMSG, "magic 0x%08x, not TPM_GENERATED_VALUE",
						   a.magic));
	if (a.type != TPM2_ST_ATTEST_QUOTE)
		return fail(res, "type", ogx_fail(-EBADMSG, "type 0x%04x, not TPM_ST_ATTEST_QUOTE",
						  a.type));
	ogx_quote_qualifying(qual, q->node, nonce);
	if (a.extraData.size != 32 || memcmp(a.extraData.buffer, qual, 32))
		return fail(res, "extraData", ogx_fail(-EBADMSG, "extraData is not the "
						       "qualifyingData of this node and nonce (a "
						       "quote for another nonce, or replayed)"));
	res->clock = a.clockInfo.clock;
	res->reset_count = a.clockInfo.resetCount;
	res->restart_count = a.clockInfo.restartCount;
	res->safe = a.clockInfo.safe;
	if ((err = check_selection(&a.attested.quote.pcrSelect, q->pcr)))
		return fail(res, "pcrSelect", err);
	if ((err = check_log(q)))
		return fail(res, "log", err);
	if ((err = replay_pcr(q, &a.attested.quote.pcrDigest, res)))
		return fail(res, "pcrDigest", err);
	res->first_seq = q->n ? le64toh(q->log[0].seq) : 0;
	res->from_boot = !memcmp(q->from, zero, 32) && q->n && !res->first_seq;
	return 0;
}

int ogx_quote_covers(const struct ogx_quote *q, const struct ogx_quote_result *res,
		     uint64_t seq, const uint8_t digest[32], const uint8_t head[32])
{
	uint64_t k;

	if (!res->covered || seq < res->first_seq || seq - res->first_seq >= res->covered ||
	    res->covered > q->n)
		return -ENOENT;
	k = seq - res->first_seq;
	if (le64toh(q->log[k].seq) != seq || memcmp(q->log[k].digest, digest, 32) ||
	    memcmp(q->log[k].head, head, 32))
		return -ENOENT;
	return 0;
}

int ogx_quote_follows(const struct ogx_quote_result *a, const struct ogx_quote_result *b)
{
	if (b->reset_count < a->reset_count)
		return ogx_fail(-EBADMSG, "resetCount %" PRIu64 " after %" PRIu64 ": it never goes "
				"back", b->reset_count, a->reset_count);
	if (b->reset_count > a->reset_count)
		return 0;	/* a TPM reset (a reboot) between them */
	if (b->restart_count < a->restart_count)
		return ogx_fail(-EBADMSG, "restartCount %" PRIu64 " after %" PRIu64 " within "
				"resetCount %" PRIu64, b->restart_count, a->restart_count,
				b->reset_count);
	if (b->clock <= a->clock)
		return ogx_fail(-EBADMSG, "clock %" PRIu64 " ms after %" PRIu64 " ms within "
				"resetCount %" PRIu64 ": it only goes forward", b->clock, a->clock,
				b->reset_count);
	return 0;
}
