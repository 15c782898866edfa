// SPDX-License-Identifier: GPL-2.0
/*
 * ogverify chain: read every batch posted to an inbox address back from the
 * chain and check it: the operator's signature, the Merkle root against the
 * records, every record (schema, node signature), then across all batches
 * the node's sequence numbers (gaps, duplicates) and its hash chain (each
 * record's prev is the digest of the one before).
 *
 * ogverify batch FILE: the same checks for one batch, offline.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/abi.h"
#include "chain/batch.h"
#include "chain/eth_key.h"
#include "chain/rpc.h"
#include "ogverify.h"
#include "proof/merkle.h"
#include "proof/record.h"
#include "proof/verify.h"
#include "util/cli.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

struct seen {
	uint64_t seq, epoch, order;
	uint8_t digest[OGX_DIGEST_LEN];
	uint8_t prev[OGX_DIGEST_LEN];
	uint8_t node[OGX_PK_LEN];
	bool have_record; /* false: root-only batch, the record itself is not on chain */
	const char *where; /* the batch it came in (owned by the tally) */
};

struct tally {
	struct seen *v;
	size_t n, cap;
	char **wheres;
	size_t n_wheres;
	uint64_t batches, root_only, batch_failures, chain_failures;
	struct ogx_verify_tally records;
	struct ogx_verify_opts vo;
	bool have_node, have_operator;
	uint8_t node[OGX_PK_LEN], operator_pk[OGX_PK_LEN];
};

static int add(struct tally *t, const struct seen *s)
{
	struct seen *nv;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 1024;
		nv = realloc(t->v, t->cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		t->v = nv;
	}
	t->v[t->n] = *s;
	t->v[t->n].order = t->n;
	t->n++;
	return 0;
}

/* A copy of where for the records of this batch, freed with the tally. */
static const char *keep_where(struct tally *t, const char *where)
{
	char **nw = realloc(t->wheres, (t->n_wheres + 1) * sizeof(*nw));

	if (!nw)
		return where;
	t->wheres = nw;
	nw[t->n_wheres] = strdup(where);
	return nw[t->n_wheres] ? nw[t->n_wheres++] : where;
}

/* A failure of the batch itself (not of one record): rule batch. */
static void batch_failure(struct tally *t, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void batch_failure(struct tally *t, const char *where, const char *fmt, ...)
{
	struct ogx_verdict v = { 0 };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v.detail, sizeof(v.detail), fmt, ap);
	va_end(ap);
	v.outcome = OGX_FAILED;
	v.rule = OGX_RULE_BATCH;
	v.field = "batch";
	fprintf(stderr, "%s: %s: FAILED %s [%s]: %s\n", prog, where, ogx_rule_name(v.rule),
		v.field, v.detail);
	t->batch_failures++;
}

/* Check one batch's bytes; where names it in messages. */
static int check_batch(struct tally *t, const uint8_t *buf, size_t len, const char *where);

/* Contract mode: submit(seq, root, count, batch) whose arguments must match the batch. */
static int check_submit(struct tally *t, const uint8_t *in, size_t len, const char *where)
{
	struct ogx_batch b;
	const uint8_t *data;
	uint8_t root[32];
	uint64_t seq;
	uint32_t count;
	size_t dlen;
	int err;

	err = ogx_abi_submit_decode(in, len, &seq, root, &count, &data, &dlen);
	if (err) {
		batch_failure(t, where, "%s", ogx_errmsg(err));
		return 0;
	}
	if (!ogx_batch_decode(data, dlen, &b)) {
		if (b.first_seq != seq || b.count != count || memcmp(b.root, root, 32))
			batch_failure(t, where, "submit() arguments disagree with the batch they "
				      "carry");
		ogx_batch_free(&b);
	}
	return check_batch(t, data, dlen, where);
}

/*
 * Only the root is on chain: count the sequence numbers it claims. The
 * records themselves are not here, so none of them is verified at its level:
 * not checkable here (exit 3), never passed.
 */
static int add_root_only(struct tally *t, const struct ogx_batch *b, const char *where)
{
	struct seen s;
	int err;

	t->root_only++;
	t->records.unchecked += b->count;
	fprintf(stderr, "%s: %s: UNCHECKED batch [records]: a root-only batch: its %" PRIu64
		" records (seq %" PRIu64 "..%" PRIu64 ") are not on chain, only their root "
		"(ogverify record R --batch B --index I --path P checks one)\n", prog, where,
		b->count, b->first_seq, b->last_seq);
	for (uint64_t i = 0; i < b->count; i++) {
		memset(&s, 0, sizeof(s));
		s.seq = b->first_seq + i;
		memcpy(s.node, b->node, OGX_PK_LEN);
		s.where = where;
		err = add(t, &s);
		if (err)
			return err;
	}
	return 0;
}

/* Record i of the batch by the verifier's rules; a record that is the node's joins the tally. */
static int add_record(struct tally *t, const struct ogx_batch *b, size_t i,
		      const uint8_t digest[OGX_DIGEST_LEN], const char *where)
{
	struct ogx_verify_opts vo = t->vo;
	struct ogx_verdict v;
	struct ogx_record r;
	struct seen s = { 0 };

	vo.node = b->node; /* every record is the batch's node's */
	if (ogx_verify_record(b->records[i], b->record_lens[i], &vo, &r, &v)) {
		ogx_verdict_report(&t->records, stderr, prog, where, NULL, "record", i, &v);
		return 0;
	}
	ogx_verdict_report(&t->records, stderr, prog, where, &r, "record", i, &v);
	if ((i == 0 && r.seq != b->first_seq) || (i + 1 == b->n_records && r.seq != b->last_seq))
		batch_failure(t, where, "record seq %" PRIu64 " outside the batch's first/last",
			      r.seq);
	s.seq = r.seq;
	s.epoch = r.epoch;
	memcpy(s.digest, digest, OGX_DIGEST_LEN);
	memcpy(s.prev, r.prev, OGX_DIGEST_LEN);
	memcpy(s.node, r.node, OGX_PK_LEN);
	s.have_record = v.rule != OGX_RULE_SIGNATURE && v.rule != OGX_RULE_NODE;
	s.where = where;
	ogx_record_free(&r);
	return s.have_record ? add(t, &s) : 0;
}

/* A batch with its records: each of them, then the root over their digests. */
static int add_records(struct tally *t, const struct ogx_batch *b, const char *where)
{
	uint8_t (*digests)[OGX_DIGEST_LEN];
	int err;

	digests = malloc(b->n_records * sizeof(*digests));
	if (!digests)
		return -ENOMEM;
	for (size_t i = 0; i < b->n_records; i++) {
		ogx_record_digest(b->records[i], b->record_lens[i], digests[i]);
		err = add_record(t, b, i, digests[i], where);
		if (err)
			goto err_digests;
	}
	/* A root that does not match is the batch's failure, not an error of the check. */
	err = ogx_batch_check_root(b, digests, b->n_records);
	if (err)
		batch_failure(t, where, "%s", ogx_errmsg(err));
	free(digests);
	return 0;

err_digests:
	free(digests);
	return err;
}

static int check_batch(struct tally *t, const uint8_t *buf, size_t len, const char *where)
{
	struct ogx_batch b;
	int err;

	err = ogx_batch_decode(buf, len, &b);
	if (err) {
		batch_failure(t, where, "%s", ogx_errmsg(err));
		return 0;
	}
	t->batches++;
	where = keep_where(t, where);
	err = ogx_batch_verify_sig(&b);
	if (err)
		batch_failure(t, where, "%s", ogx_errmsg(err));
	if (t->have_operator && memcmp(b.operator_pk, t->operator_pk, OGX_PK_LEN))
		batch_failure(t, where, "batch signed by another operator key");
	if (t->have_node && memcmp(b.node, t->node, OGX_PK_LEN))
		batch_failure(t, where, "batch of another node");
	if (b.da == OGX_DA_ROOT)
		err = add_root_only(t, &b, where);
	else
		err = add_records(t, &b, where);
	ogx_batch_free(&b);
	return err;
}

static int cmp_seq(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * The chain rules (proof/verify.h) across everything seen, in seq order:
 * records on chain are linked by ogx_verify_link(); root-only batches give
 * their seqs only, so around them only gaps and repeats are checked.
 */
static void check_chain(struct tally *t)
{
	struct ogx_chain_state st = { 0 };
	struct ogx_record r = { 0 };
	struct ogx_verdict v;
	uint64_t last = 0;
	bool have_last = false;

	qsort(t->v, t->n, sizeof(*t->v), cmp_seq);
	for (size_t i = 0; i < t->n; i++) {
		const struct seen *c = &t->v[i];

		memset(&v, 0, sizeof(v));
		if (!c->have_record || !st.have) {
			if (have_last && c->seq == last)
				ogx_verdict_fail(&v, OGX_RULE_CHAIN_DUPLICATE, "seq", "seq %" PRIu64
						 " is on chain more than once", c->seq);
			else if (have_last && c->seq != last + 1)
				ogx_verdict_fail(&v, OGX_RULE_CHAIN_GAP, "seq", "records seq %" PRIu64
						 "..%" PRIu64 " are missing", last + 1, c->seq - 1);
		}
		if (c->have_record && v.outcome == OGX_VERIFIED) {
			r.seq = c->seq;
			r.epoch = c->epoch;
			memcpy(r.prev, c->prev, OGX_DIGEST_LEN);
			memcpy(r.node, c->node, OGX_PK_LEN);
			ogx_verify_link(&st, &r, c->digest, &v);
		} else if (!c->have_record) {
			st.have = false; /* the next record on chain starts a window */
		}
		if (v.outcome == OGX_FAILED) {
			fprintf(stderr, "%s: %s: seq %" PRIu64 ": FAILED %s [%s]: %s\n", prog, c->where,
				c->seq, ogx_rule_name(v.rule), v.field, v.detail);
			t->chain_failures++;
		}
		if (!have_last || c->seq > last)
			last = c->seq;
		have_last = true;
	}
}

/* Prints the summary; returns the exit status. */
static int summarise(struct tally *t, const char *what, int64_t expect)
{
	int rc;

	check_chain(t);
	printf("%s: %" PRIu64 " batches (%" PRIu64 " root-only), %zu records", what, t->batches,
	       t->root_only, t->n);
	if (t->n)
		printf(" (seq %" PRIu64 "..%" PRIu64 ")", t->v[0].seq, t->v[t->n - 1].seq);
	printf(": %" PRIu64 " verified at their level, %" PRIu64 " not checkable here, %" PRIu64
	       " failed; %" PRIu64 " chain failures, %" PRIu64 " batch failures\n",
	       t->records.verified, t->records.unchecked, t->records.failed, t->chain_failures,
	       t->batch_failures);
	rc = ogx_tally_exit(&t->records);
	if (t->chain_failures || t->batch_failures)
		rc = OGX_EXIT_FAILED;
	if (expect >= 0 && (uint64_t)expect != t->n) {
		fprintf(stderr, "%s: %zu records, expected %" PRId64 "\n", prog, t->n, expect);
		rc = OGX_EXIT_FAILED;
	}
	return rc;
}

static void tally_free(struct tally *t)
{
	for (size_t i = 0; i < t->n_wheres; i++)
		free(t->wheres[i]);
	free(t->wheres);
	free(t->v);
	if (t->vo.kmod)
		ogx_kmod_checker_close(t->vo.kmod);
}

static int parse_pk(const char *opt, const char *s, uint8_t pk[OGX_PK_LEN])
{
	if (strlen(s) != 2 * OGX_PK_LEN || ogx_unhex(pk, OGX_PK_LEN, s)) {
		fprintf(stderr, "%s: --%s: not %d hex digits\n", prog, opt, 2 * OGX_PK_LEN);
		return -EINVAL;
	}
	return 0;
}

static int chain_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s chain --rpc URL --inbox ADDRESS [--from-block N] [--to-block N]\n"
		"       [--node PUBKEY] [--operator PUBKEY] [--expect N] [--contract]\n"
		"       [--require LEVEL]\n"
		"Checks every batch sent to ADDRESS in the blocks given (default: all) and\n"
		"the records in them by the verifier's rules, then the node's chain across\n"
		"them. Exit 0 when every record is verified at its level, 1 on any failure,\n"
		"gap, duplicate or fork, 3 when some level's evidence is not checkable here\n"
		"(a failure with --require LEVEL), or some records are in root-only batches\n"
		"(not on chain). With --contract, ADDRESS is the settlement\n"
		"contract: transactions are submit() calls, and reverted ones are not batches.\n",
		prog);
	return f == stdout ? 0 : 2;
}

/* What ogverify chain's command line asks for (the node and operator go in the tally). */
struct chain_opts {
	const char *url;
	uint8_t inbox[OGX_ETH_ADDR_LEN];
	uint64_t from, to;
	int64_t expect;
	bool contract;
};

static int parse_chain_args(int argc, char **argv, struct chain_opts *o, struct tally *t)
{
	static const struct option opts[] = {
		{ "rpc", required_argument, NULL, 'r' }, { "inbox", required_argument, NULL, 'i' },
		{ "from-block", required_argument, NULL, 'f' },
		{ "to-block", required_argument, NULL, 't' },
		{ "node", required_argument, NULL, 'n' },
		{ "operator", required_argument, NULL, 'o' },
		{ "expect", required_argument, NULL, 'e' },
		{ "contract", no_argument, NULL, 'c' }, { "require", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' }, {},
	};
	const char *inbox = NULL;
	int c, err;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': o->url = optarg; break;
		case 'i': inbox = optarg; break;
		case 'f': o->from = strtoull(optarg, NULL, 10); break;
		case 't': o->to = strtoull(optarg, NULL, 10); break;
		case 'e': o->expect = strtoll(optarg, NULL, 10); break;
		case 'c': o->contract = true; break;
		case 'R':
			err = ogx_require_parse(optarg, &t->vo.require);
			if (err) {
				fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
				return 2;
			}
			break;
		case 'n':
			if (parse_pk("node", optarg, t->node))
				return 2;
			t->have_node = true;
			break;
		case 'o':
			if (parse_pk("operator", optarg, t->operator_pk))
				return 2;
			t->have_operator = true;
			break;
		case 'h': return chain_usage(stdout);
		default: return chain_usage(stderr);
		}
	}
	if (!o->url || !inbox || optind != argc)
		return chain_usage(stderr);
	err = ogx_eth_addr_parse(o->inbox, inbox);
	if (err) {
		fprintf(stderr, "%s: --inbox: %s\n", prog, ogx_errmsg(err));
		return 2;
	}
	return OGX_ARGS_OK;
}

/*
 * One transaction of block blk: a batch when it was sent to the inbox (with
 * --contract, a submit() call that did not revert).
 */
static int check_tx(const struct chain_opts *o, struct ogx_rpc *rpc, struct tally *t,
		    uint64_t blk, const uint8_t hash[32])
{
	struct ogx_receipt receipt;
	struct ogx_rpc_tx tx;
	char where[160], h[65];
	int err;

	err = ogx_rpc_tx_by_hash(rpc, hash, &tx);
	if (err)
		return err;
	if (!tx.found || !tx.has_to || memcmp(tx.to, o->inbox, OGX_ETH_ADDR_LEN))
		goto out;
	ogx_hex(h, hash, 32);
	snprintf(where, sizeof(where), "block %" PRIu64 " tx 0x%s", blk, h);
	if (!o->contract) {
		err = check_batch(t, tx.input, tx.input_len, where);
		goto out;
	}
	err = ogx_rpc_receipt(rpc, hash, &receipt);
	if (err)
		goto out;
	if (receipt.success)
		err = check_submit(t, tx.input, tx.input_len, where);
out:
	ogx_rpc_tx_free(&tx);
	return err;
}

static int scan_blocks(const struct chain_opts *o, struct ogx_rpc *rpc, struct tally *t,
		       uint64_t to)
{
	struct ogx_block b;
	int err;

	for (uint64_t blk = o->from; blk <= to; blk++) {
		err = ogx_rpc_block(rpc, blk, &b);
		if (err)
			return err;
		for (size_t i = 0; i < b.n_tx; i++) {
			err = check_tx(o, rpc, t, blk, b.tx_hashes[i]);
			if (err)
				break;
		}
		ogx_block_free(&b);
		if (err)
			return err;
	}
	return 0;
}

static int run_chain(const struct chain_opts *o, struct tally *t)
{
	struct ogx_kmod_checker kc = { 0 };
	struct ogx_rpc *rpc = NULL;
	uint64_t head, to = o->to;
	char what[96];
	int err, rc = OGX_EXIT_FAILED;

	t->vo.kmod = &kc;
	err = ogx_rpc_open(&rpc, o->url, 30000);
	if (err)
		goto err_rpc;
	err = ogx_rpc_block_number(rpc, &head);
	if (err)
		goto err_rpc;
	if (to > head)
		to = head;
	err = scan_blocks(o, rpc, t, to);
	if (err)
		goto err_rpc;
	snprintf(what, sizeof(what), "blocks %" PRIu64 "..%" PRIu64, o->from, to);
	rc = summarise(t, what, o->expect);
err_rpc:
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, o->url, ogx_errmsg(err));
	ogx_rpc_close(rpc);
	tally_free(t);
	return rc;
}

int chain_main(int argc, char **argv)
{
	struct chain_opts o = { .to = UINT64_MAX, .expect = -1 };
	struct tally t = { 0 };
	int rc = parse_chain_args(argc, argv, &o, &t);

	return rc == OGX_ARGS_OK ? run_chain(&o, &t) : rc;
}

/* The batch file, decoded, its signature checked; prints the error line. b: the caller frees. */
static int load_batch(const char *batch_path, uint8_t **data, struct ogx_batch *b)
{
	size_t len;
	int err;

	err = ogx_read_file(batch_path, 64u << 20, data, &len);
	if (err)
		goto fail;
	err = ogx_batch_decode(*data, len, b);
	if (err)
		goto fail;
	err = ogx_batch_verify_sig(b);
	if (err)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "%s: %s: FAILED batch: %s\n", prog, batch_path, ogx_errmsg(err));
	return err;
}

/* A batch with its records: the record's leaf and inclusion proof, made here. 0, or 1. */
static int prove_from_records(const struct ogx_batch *b, const char *batch_path,
			      const uint8_t id[OGX_DIGEST_LEN], size_t *index,
			      uint8_t path[][OGX_DIGEST_LEN], size_t *n_path)
{
	uint8_t (*digests)[OGX_DIGEST_LEN];
	int rc = 1;

	digests = malloc(b->n_records * sizeof(*digests));
	if (!digests)
		return 1;
	*index = SIZE_MAX;
	for (size_t i = 0; i < b->n_records; i++) {
		ogx_record_digest(b->records[i], b->record_lens[i], digests[i]);
		if (!memcmp(digests[i], id, OGX_DIGEST_LEN))
			*index = i;
	}
	if (*index == SIZE_MAX) {
		fprintf(stderr, "%s: %s: FAILED batch: the record is not in it\n", prog,
			batch_path);
		goto out;
	}
	if (ogx_batch_check_root(b, digests, b->n_records) ||
	    ogx_merkle_path(digests, b->n_records, *index, path, n_path)) {
		fprintf(stderr, "%s: %s: FAILED batch: %s\n", prog, batch_path,
			ogx_errmsg(-EBADMSG));
		goto out;
	}
	rc = 0;
out:
	free(digests);
	return rc;
}

/* --index I --path H1,H2,...: the proof a root-only batch needs. 0, or 2 (usage). */
static int parse_proof(const char *batch_path, const char *index_s, const char *path_s,
		       size_t *index, uint8_t path[][OGX_DIGEST_LEN], size_t *n_path)
{
	char h[2 * OGX_DIGEST_LEN + 1], *end;
	const char *p;

	if (!index_s || !path_s) {
		fprintf(stderr, "%s: %s: a root-only batch: give the inclusion proof "
			"(--index and --path)\n", prog, batch_path);
		return 2;
	}
	*index = strtoull(index_s, &end, 10);
	for (p = path_s; *p && *n_path < OGX_MERKLE_MAX_PATH; (*n_path)++) {
		snprintf(h, sizeof(h), "%s", p);
		if (strlen(h) != 2 * OGX_DIGEST_LEN || ogx_unhex(path[*n_path], OGX_DIGEST_LEN, h) ||
		    (p[2 * OGX_DIGEST_LEN] && p[2 * OGX_DIGEST_LEN] != ',')) {
			fprintf(stderr, "%s: --path: want digests of 64 hex digits, "
				"separated by commas\n", prog);
			return 2;
		}
		p += 2 * OGX_DIGEST_LEN + (p[2 * OGX_DIGEST_LEN] == ',');
	}
	if (*end) {
		fprintf(stderr, "%s: --index: '%s' is not a number\n", prog, index_s);
		return 2;
	}
	return 0;
}

static void print_proof(const char *batch_path, const struct ogx_batch *b, size_t index,
			uint8_t path[][OGX_DIGEST_LEN], size_t n_path)
{
	char h[2 * OGX_DIGEST_LEN + 1];

	printf("ok  in batch %s: leaf %zu of %" PRIu64 " (seq %" PRIu64 "..%" PRIu64 ")\n",
	       batch_path, index, b->count, b->first_seq, b->last_seq);
	printf("proof   --index %zu --path ", index);
	for (size_t i = 0; i < n_path; i++) {
		ogx_hex(h, path[i], OGX_DIGEST_LEN);
		printf("%s%s", i ? "," : "", h);
	}
	printf("\n");
}

/*
 * ogverify record R --batch B [--index I --path H1,H2,...]: is the record with
 * digest id in batch B? A batch with its records gives the leaf and the
 * inclusion proof itself (printed, for use with the root-only batch); a
 * root-only batch needs the proof. 0, 1 with the reason on stderr, or 2 for a
 * malformed or missing proof.
 */
int record_in_batch(const uint8_t id[OGX_DIGEST_LEN], const char *batch_path,
		    const char *index_s, const char *path_s)
{
	uint8_t path[OGX_MERKLE_MAX_PATH][OGX_DIGEST_LEN], *data = NULL;
	size_t index = SIZE_MAX, n_path = 0;
	struct ogx_batch b = { 0 };
	int err, rc = 1;

	if (load_batch(batch_path, &data, &b))
		goto out;
	if (b.da == OGX_DA_CALLDATA)
		rc = prove_from_records(&b, batch_path, id, &index, path, &n_path);
	else
		rc = parse_proof(batch_path, index_s, path_s, &index, path, &n_path);
	if (rc)
		goto out;
	err = ogx_merkle_verify(id, index, b.count, (const uint8_t (*)[OGX_DIGEST_LEN])path,
				n_path, b.root);
	if (err) {
		fprintf(stderr, "%s: %s: FAILED inclusion: %s\n", prog, batch_path,
			ogx_errmsg(err));
		rc = 1;
		goto out;
	}
	print_proof(batch_path, &b, index, path, n_path);
out:
	ogx_batch_free(&b);
	free(data);
	return rc;
}

static int batch_usage(FILE *f)
{
	fprintf(f, "Usage: %s batch FILE... [--require LEVEL]\n", prog);
	return f == stdout ? 0 : 2;
}

/* Options anywhere among the files; the options' slots in argv become NULL. */
static int parse_batch_args(int argc, char **argv, struct tally *t)
{
	int a, n = 0, err;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h"))
			return batch_usage(stdout);
		if (!strcmp(argv[a], "--require")) {
			if (a + 1 >= argc) {
				fprintf(stderr, "%s: --require needs a level\n", prog);
				return 2;
			}
			err = ogx_require_parse(argv[++a], &t->vo.require);
			if (err) {
				fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
				return 2;
			}
			argv[a - 1] = argv[a] = NULL;
		} else if (argv[a][0] == '-') {
			return batch_usage(stderr);
		} else {
			n++;
		}
	}
	return n ? OGX_ARGS_OK : batch_usage(stderr);
}

static int run_batches(int argc, char **argv, struct tally *t)
{
	struct ogx_kmod_checker kc = { 0 };
	const char *what = NULL;
	uint8_t *data;
	size_t len;
	int a, err = 0, rc = OGX_EXIT_FAILED;

	t->vo.kmod = &kc;
	for (a = 1; a < argc; a++) {
		if (!argv[a])
			continue;
		what = what ? "batches" : argv[a];
		err = ogx_read_file(argv[a], 64u << 20, &data, &len);
		if (err) {
			fprintf(stderr, "%s: %s: %s\n", prog, argv[a], ogx_errmsg(err));
			break;
		}
		err = check_batch(t, data, len, argv[a]);
		free(data);
		if (err)
			break;
	}
	if (!err)
		rc = summarise(t, what, -1);
	tally_free(t);
	return rc;
}

/*
 * ogverify batch FILE...: each batch offline as chain does, then the chain
 * across all of them (a fork or a gap shows only across batches).
 */
int batch_main(int argc, char **argv)
{
	struct tally t = { 0 };
	int rc = parse_batch_args(argc, argv, &t);

	return rc == OGX_ARGS_OK ? run_batches(argc, argv, &t) : rc;
}
