// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper: the forged corpus. A dishonest node signs, with its real key,
 * records that claim what is not true or break the chain; every verifier
 * command must reject each one under the same rule (tests/e2e/forged.t).
 *
 *   forge OUTDIR NODE_KEY OTHER_KEY OPERATOR_KEY
 *
 * For each case, OUTDIR/CASE/ holds:
 *   rec-K.cbor   the records, in spool order (K = 0, 1, ...)
 *   spool/       the same records in a spool (the spool's own format)
 *   batch-B      the records in batches (DA calldata) signed by OPERATOR_KEY, a
 *                new batch wherever the seq does not go up by one (a batch's
 *                own form says seq first..last: a fork or a gap is seen only
 *                across batches)
 *   expect       "RULE SEQ BAD PREV STATUS": the rule every verifier names,
 *                the seq of the record it names (or - when the record cannot
 *                be decoded), rec-BAD.cbor is the one to reject, checked
 *                after rec-PREV.cbor (- for none), STATUS the exit status
 *                every command gives (1, or 3 for evidence not checkable)
 * The records are also written to OUTDIR/seeds/ for the record fuzzer.
 */
#include <errno.h>
#include <endian.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sodium.h>

#include "chain/batch.h"
#include "proof/job.h"
#include "proof/key.h"
#include "proof/kmod_evidence.h"
#include "proof/merkle.h"
#include "proof/record.h"
#include "proof/spool.h"
#include "util/cbor_enc.h"
#include "util/err.h"
#include "util/file.h"

#define MAX_RECS 8

static struct ogx_key node, other, operator_key;
static const char *out_dir;
static unsigned int n_seeds;

struct forged {
	uint8_t *buf[MAX_RECS];
	size_t len[MAX_RECS];
	uint64_t seq[MAX_RECS];
	size_t n;
	uint8_t last[OGX_DIGEST_LEN]; /* digest of the last record added */
};

static void die(const char *what, int err)
{
	fprintf(stderr, "forge: %s: %s\n", what, ogx_errmsg(err));
	exit(1);
}

/* A vanilla classification, as `ogrun run` writes one. */
static void job(struct ogx_record *r, uint64_t seq, const uint8_t *prev)
{
	uint8_t image[784];
	int32_t logits[10];

	memset(r, 0, sizeof(*r));
	r->version = OGX_RECORD_VERSION;
	r->seq = seq;
	if (prev)
		memcpy(r->prev, prev, OGX_DIGEST_LEN);
	for (int i = 0; i < 784; i++)
		image[i] = (uint8_t)(seq * 7 + i);
	for (int i = 0; i < 10; i++)
		logits[i] = (int32_t)(seq * 100 - i);
	ogx_job_record_classify(r, image, sizeof(image), logits, 10);
	memset(r->model, 0x5a, OGX_DIGEST_LEN);
	r->time_ns = 1800000000000000000ull + seq;
	r->infer_ns = 1000;
	r->job_ns = 2000;
	strcpy(r->device.kind, "cpu");
	strcpy(r->device.name, "forged cpu");
	memset(r->runtime, 0x6b, OGX_DIGEST_LEN);
}

static void add_bytes(struct forged *f, uint8_t *buf, size_t len, uint64_t seq)
{
	char path[512];
	int err;

	if (f->n == MAX_RECS)
		die("case", -E2BIG);
	f->seq[f->n] = seq;
	f->buf[f->n] = buf;
	f->len[f->n] = len;
	f->n++;
	ogx_record_digest(buf, len, f->last);
	snprintf(path, sizeof(path), "%s/seeds/forged-%02u", out_dir, n_seeds++);
	err = ogx_write_file_atomic(path, buf, len, 0644, 0);
	if (err)
		die(path, err);
}

static void add(struct forged *f, struct ogx_record *r, const struct ogx_key *k)
{
	uint8_t *buf;
	size_t len;
	int err = ogx_record_sign(r, k, &buf, &len);

	if (err)
		die("sign", err);
	ogx_record_free(r);
	add_bytes(f, buf, len, r->seq);
}

/*
 * Sign a body the encoder would not write (an unknown key, a level it does
 * not know, bytes that are not UTF-8): edit(body) changes the encoded body
 * in place or appends to it, then the node signs it as ogx_record_sign()
 * does. The signature is genuine: only the decoder's schema rule can refuse.
 */
static void add_raw(struct forged *f, struct ogx_record *r,
		    size_t (*edit)(uint8_t *body, size_t len, size_t cap))
{
	static const uint8_t sig_head[3] = { 0x14, 0x58, OGX_SIG_LEN };
	const size_t ctx = sizeof(OGX_RECORD_SIG_CONTEXT);
	uint8_t *body, *msg, sig[OGX_SIG_LEN];
	size_t len;
	int err;

	memcpy(r->node, node.pk, OGX_PK_LEN);
	if ((err = ogx_record_encode(r, false, &body, &len)))
		die("encode", err);
	msg = malloc(ctx + len + 64 + sizeof(sig_head) + OGX_SIG_LEN);
	if (!msg)
		die("malloc", -ENOMEM);
	memcpy(msg, OGX_RECORD_SIG_CONTEXT, ctx);
	memcpy(msg + ctx, body, len);
	free(body);
	len = edit(msg + ctx, len, len + 64);
	ogx_key_sign(&node, sig, msg, ctx + len);
	memmove(msg, msg + ctx, len);
	msg[0]++; /* the signature's entry */
	memcpy(msg + len, sig_head, sizeof(sig_head));
	memcpy(msg + len + sizeof(sig_head), sig, OGX_SIG_LEN);
	ogx_record_free(r);
	add_bytes(f, msg, len + sizeof(sig_head) + OGX_SIG_LEN, r->seq);
}

static size_t edit_unknown_key(uint8_t *b, size_t len, size_t cap)
{
	(void)cap;
	b[0]++;		/* one more entry: key 19 = 7, after key 18 and before 20 */
	b[len] = 0x13;
	b[len + 1] = 0x07;
	return len + 2;
}

static size_t edit_level_3(uint8_t *b, size_t len, size_t cap)
{
	(void)cap;
	b[4] = 0x03;	/* map head, key 0, version, key 1, level */
	return len;
}

static size_t edit_not_utf8(uint8_t *b, size_t len, size_t cap)
{
	uint8_t *at = memmem(b, len, "forged", 6);

	(void)cap;
	if (at)
		at[0] = 0xc0; /* an overlong form's first byte, followed by 'o' */
	return len;
}

/* Kernel evidence in the form ogx.ko writes it, under a made-up boot id and MAC. */
static void tee_evidence(struct ogx_record *r, bool tpm, bool event_is_the_records)
{
	struct ogx_extend x = { .type = OGX_EVENT_JOB, .seq = 7, .time_ns = 123456789 };
	struct ogx_info info = { 0 };
	int err;

	memset(info.boot_id, 0xb0, sizeof(info.boot_id));
	if (tpm) {
		info.flags = OGX_INFO_F_TPM;
		info.pcr = 16;
	}
	memcpy(x.exe, r->runtime, 32);
	memset(x.head, 0x4d, 32);
	memset(x.mac, 0x3a, 32);
	ogx_kmod_event_digest(r, x.seq, x.time_ns, x.type, x.flags, x.exe, x.pipeline, x.digest);
	if (!event_is_the_records)
		x.digest[0] ^= 1;
	r->level = OGX_LEVEL_TEE;
	if ((err = ogx_kmod_evidence_fill(r, &info, &x)))
		die("evidence", err);
}

static void write_case(const char *name, struct forged *f, const char *rule, const char *seq,
		       int bad, int prev, int status)
{
	char dir[512], path[600], line[128];
	struct ogx_spool *sp;
	struct ogx_batch b;
	uint8_t (*digests)[OGX_DIGEST_LEN] = calloc(f->n, OGX_DIGEST_LEN);
	struct iovec iov[MAX_RECS];
	uint64_t first;
	uint8_t *bb;
	size_t blen;
	int err, n;

	snprintf(dir, sizeof(dir), "%s/%s", out_dir, name);
	if (mkdir(dir, 0755) && errno != EEXIST)
		die(dir, -errno);
	for (size_t i = 0; i < f->n; i++) {
		snprintf(path, sizeof(path), "%s/rec-%zu.cbor", dir, i);
		if ((err = ogx_write_file_atomic(path, f->buf[i], f->len[i], 0644, 0)))
			die(path, err);
		iov[i] = (struct iovec){ f->buf[i], f->len[i] };
		ogx_record_digest(f->buf[i], f->len[i], digests[i]);
	}
	snprintf(path, sizeof(path), "%s/spool", dir);
	if ((err = ogx_spool_open(&sp, path, NULL)) ||
	    (err = ogx_spool_append_sync(sp, iov, f->n, &first)))
		die(path, err);
	ogx_spool_close(sp);
	/* The batches: runs of seq + 1, each as ogsubmit would make it. */
	for (size_t i = 0, k = 0; i < f->n; k++) {
		size_t j = i + 1;

		while (j < f->n && f->seq[j] == f->seq[j - 1] + 1)
			j++;
		memset(&b, 0, sizeof(b));
		b.version = OGX_BATCH_VERSION;
		memcpy(b.node, node.pk, OGX_PK_LEN);
		b.first_seq = f->seq[i];
		b.last_seq = f->seq[j - 1];
		b.count = j - i;
		b.da = OGX_DA_CALLDATA;
		b.n_records = j - i;
		b.records = (const uint8_t **)f->buf + i;
		b.record_lens = f->len + i;
		ogx_merkle_root((const uint8_t (*)[OGX_DIGEST_LEN])digests + i, j - i, b.root);
		snprintf(path, sizeof(path), "%s/batch-%zu", dir, k);
		if ((err = ogx_batch_sign(&b, &operator_key, &bb, &blen)) ||
		    (err = ogx_write_file_atomic(path, bb, blen, 0644, 0)))
			die(path, err);
		free(bb);
		i = j;
	}
	n = snprintf(line, sizeof(line), "%s %s %d ", rule, seq, bad);
	n += prev < 0 ? snprintf(line + n, sizeof(line) - n, "-") :
			snprintf(line + n, sizeof(line) - n, "%d", prev);
	n += snprintf(line + n, sizeof(line) - n, " %d\n", status);
	snprintf(path, sizeof(path), "%s/expect", dir);
	if ((err = ogx_write_file_atomic(path, line, (size_t)n, 0644, 0)))
		die(path, err);
	for (size_t i = 0; i < f->n; i++)
		free(f->buf[i]);
	free(digests);
	memset(f, 0, sizeof(*f));
}

/* Records 0..n-1 of a good chain; returns with f->last the digest of the last. */
static void good(struct forged *f, uint64_t n)
{
	struct ogx_record r;

	for (uint64_t s = 0; s < n; s++) {
		job(&r, s, s ? f->last : NULL);
		add(f, &r, &node);
	}
}

int main(int argc, char **argv)
{
	struct ogx_record r;
	struct forged f = { 0 };
	uint8_t d1[OGX_DIGEST_LEN];
	char path[512];
	int err;

	if (argc != 5) {
		fprintf(stderr, "usage: forge OUTDIR NODE_KEY OTHER_KEY OPERATOR_KEY\n");
		return 2;
	}
	out_dir = argv[1];
	if (sodium_init() < 0)
		die("libsodium", -EIO);
	snprintf(path, sizeof(path), "%s/seeds", out_dir);
	if ((err = ogx_mkdirs(path, 0755)))
		die(path, err);
	if ((err = ogx_key_load(argv[2], &node)) || (err = ogx_key_load(argv[3], &other)) ||
	    (err = ogx_key_load(argv[4], &operator_key)))
		die("key", err);

	/* Level 1 with no proof at all, and with the text "no-proof" for one. */
	good(&f, 1);
	job(&r, 1, f.last);
	r.level = OGX_LEVEL_ZKML;
	add(&f, &r, &node);
	write_case("zkml-no-proof", &f, "zkml", "1", 1, 0, 1);
	good(&f, 1);
	job(&r, 1, f.last);
	r.level = OGX_LEVEL_ZKML;
	ogx_cannot_fail(ogx_ext_add_bytes(&r.zk, 0, OGX_EXT_TEXT, "no-proof", 8));
	add(&f, &r, &node);
	write_case("zkml-text-proof", &f, "zkml", "1", 1, 0, 1);

	/* Level 2 with no kernel map; with a made-up kmod-tpm map (its event is not the record's). */
	good(&f, 1);
	job(&r, 1, f.last);
	r.level = OGX_LEVEL_TEE;
	add(&f, &r, &node);
	write_case("tee-no-kernel", &f, "tee", "1", 1, 0, 1);
	good(&f, 1);
	job(&r, 1, f.last);
	tee_evidence(&r, true, false);
	add(&f, &r, &node);
	write_case("tee-made-up-tpm", &f, "tee", "1", 1, 0, 1);
	/* A well-formed kmod-tpm map no kernel made: its MAC is not checkable here. */
	good(&f, 1);
	job(&r, 1, f.last);
	tee_evidence(&r, true, true);
	add(&f, &r, &node);
	write_case("tee-not-checkable", &f, "tee", "1", 1, 0, 3);

	/* Chain rules. */
	job(&r, 0, NULL);
	memset(r.prev, 0x77, OGX_DIGEST_LEN);
	add(&f, &r, &node);
	write_case("seq0-nonzero-prev", &f, "chain-start", "0", 0, -1, 1);
	good(&f, 2);
	job(&r, 3, f.last);
	add(&f, &r, &node);
	write_case("gap", &f, "chain-gap", "3", 2, 1, 1);
	good(&f, 2);
	{
		uint8_t *copy = malloc(f.len[1]);

		if (!copy)
			die("malloc", -ENOMEM);
		memcpy(copy, f.buf[1], f.len[1]);
		add_bytes(&f, copy, f.len[1], 1);
	}
	write_case("duplicate", &f, "chain-duplicate", "1", 2, 1, 1);
	good(&f, 2);
	memcpy(d1, f.last, OGX_DIGEST_LEN);
	job(&r, 2, f.last);
	add(&f, &r, &node);
	job(&r, 2, d1); /* the same seq and prev, another output */
	r.output[0] ^= 1;
	add(&f, &r, &node);
	write_case("fork", &f, "chain-fork", "2", 3, 2, 1);
	good(&f, 2);
	job(&r, 2, f.last);
	add(&f, &r, &other); /* another node's record in this node's spool */
	write_case("other-node", &f, "node", "2", 2, 1, 1);
	good(&f, 2);
	job(&r, 2, f.last);
	r.prev[0] ^= 1;
	add(&f, &r, &node);
	write_case("prev-broken", &f, "chain-prev", "2", 2, 1, 1);

	/* The digest recipe. */
	good(&f, 1);
	job(&r, 1, f.last);
	{
		struct ogx_job_generate g = { .temperature = 0, .top_p = 1, .max_tokens = 8 };
		uint32_t ids[2] = { 1, 2 };
		char *seed;

		if (ogx_job_record_generate(&r, ids, 1, ids + 1, 1, &g))
			die("generate", -EINVAL);
		seed = strstr(r.job, "seed=0");
		seed[5] = '7'; /* a greedy job stating a seed: two texts for one job */
		ogx_sha256(r.params, r.job, strlen(r.job));
	}
	add(&f, &r, &node);
	write_case("recipe-not-canonical", &f, "recipe", "1", 1, 0, 1);
	good(&f, 1);
	job(&r, 1, f.last);
	r.params[0] ^= 1;
	add(&f, &r, &node);
	write_case("recipe-params", &f, "recipe", "1", 1, 0, 1);

	/* Evidence on the wrong level. */
	good(&f, 1);
	job(&r, 1, f.last);
	tee_evidence(&r, false, true);
	r.level = OGX_LEVEL_VANILLA;
	add(&f, &r, &node);
	write_case("kernel-on-vanilla", &f, "evidence", "1", 1, 0, 1);
	good(&f, 1);
	job(&r, 1, f.last);
	tee_evidence(&r, false, true);
	ogx_cannot_fail(ogx_ext_add_uint(&r.zk, 0, 1));
	add(&f, &r, &node);
	write_case("zk-on-tee", &f, "evidence", "1", 1, 0, 1);

	/* What the schema refuses, signed all the same. */
	good(&f, 1);
	job(&r, 1, f.last);
	add_raw(&f, &r, edit_unknown_key);
	write_case("unknown-key", &f, "schema", "-", 1, 0, 1);
	good(&f, 1);
	job(&r, 1, f.last);
	add_raw(&f, &r, edit_level_3);
	write_case("unknown-level", &f, "schema", "-", 1, 0, 1);
	good(&f, 1);
	job(&r, 1, f.last);
	add_raw(&f, &r, edit_not_utf8);
	write_case("not-utf8", &f, "schema", "-", 1, 0, 1);

	ogx_key_free(&node);
	ogx_key_free(&other);
	ogx_key_free(&operator_key);
	return 0;
}
