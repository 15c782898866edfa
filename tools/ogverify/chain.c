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
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

struct seen {
	uint64_t seq;
	uint8_t digest[OGX_DIGEST_LEN];
	uint8_t prev[OGX_DIGEST_LEN];
	bool have_record; /* false: root-only batch, the record itself is not on chain */
};

struct tally {
	struct seen *v;
	size_t n, cap;
	uint64_t batches, root_only, failures;
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
	t->v[t->n++] = *s;
	return 0;
}

static void failure(struct tally *t, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void failure(struct tally *t, const char *where, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", prog, where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	t->failures++;
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

	if ((err = ogx_abi_submit_decode(in, len, &seq, root, &count, &data, &dlen))) {
		failure(t, where, "%s", ogx_errmsg(err));
		return 0;
	}
	if (!ogx_batch_decode(data, dlen, &b)) {
		if (b.first_seq != seq || b.count != count || memcmp(b.root, root, 32))
			failure(t, where, "submit() arguments disagree with the batch they carry");
		ogx_batch_free(&b);
	}
	return check_batch(t, data, dlen, where);
}

static int check_batch(struct tally *t, const uint8_t *buf, size_t len, const char *where)
{
	struct ogx_batch b;
	struct ogx_record r;
	struct seen s;
	uint8_t (*digests)[OGX_DIGEST_LEN] = NULL;
	size_t i;
	int err;

	if ((err = ogx_batch_decode(buf, len, &b))) {
		failure(t, where, "%s", ogx_errmsg(err));
		return 0;
	}
	t->batches++;
	if ((err = ogx_batch_verify_sig(&b)))
		failure(t, where, "%s", ogx_errmsg(err));
	if (t->have_operator && memcmp(b.operator_pk, t->operator_pk, OGX_PK_LEN))
		failure(t, where, "batch signed by another operator key");
	if (t->have_node && memcmp(b.node, t->node, OGX_PK_LEN))
		failure(t, where, "batch of another node");
	if (b.da == OGX_DA_ROOT) {
		/* Only the root is on chain: count the sequence numbers it claims. */
		t->root_only++;
		for (i = 0; i < b.count; i++) {
			memset(&s, 0, sizeof(s));
			s.seq = b.first_seq + i;
			if ((err = add(t, &s)))
				goto out;
		}
		goto out;
	}
	digests = malloc(b.n_records * sizeof(*digests));
	if (!digests) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < b.n_records; i++) {
		ogx_record_digest(b.records[i], b.record_lens[i], digests[i]);
		if ((err = ogx_record_decode(b.records[i], b.record_lens[i], &r))) {
			failure(t, where, "record %zu: %s", i, ogx_errmsg(err));
			continue;
		}
		if (ogx_record_verify(&r))
			failure(t, where, "record seq %" PRIu64 ": node signature does not verify",
				r.seq);
		if (memcmp(r.node, b.node, OGX_PK_LEN))
			failure(t, where, "record seq %" PRIu64 ": of another node than the batch",
				r.seq);
		if ((i == 0 && r.seq != b.first_seq) || (i + 1 == b.n_records && r.seq != b.last_seq))
			failure(t, where, "record seq %" PRIu64 " outside the batch's first/last",
				r.seq);
		s.seq = r.seq;
		memcpy(s.digest, digests[i], OGX_DIGEST_LEN);
		memcpy(s.prev, r.prev, OGX_DIGEST_LEN);
		s.have_record = true;
		ogx_record_free(&r);
		if ((err = add(t, &s)))
			goto out;
	}
	if ((err = ogx_batch_check_root(&b, digests, b.n_records)))
		failure(t, where, "%s", ogx_errmsg(err));
	err = 0;
out:
	free(digests);
	ogx_batch_free(&b);
	return err;
}

static int cmp_seq(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Gaps, duplicates and chain breaks across everything seen; prints the summary. */
static void summarise(struct tally *t, const char *what, int64_t expect)
{
	uint64_t gaps = 0, dups = 0, breaks = 0, missing;
	size_t i;

	qsort(t->v, t->n, sizeof(*t->v), cmp_seq);
	for (i = 1; i < t->n; i++) {
		const struct seen *p = &t->v[i - 1], *c = &t->v[i];

		if (c->seq == p->seq) {
			if (dups++ < 10)
				fprintf(stderr, "%s: record seq %" PRIu64 " is on chain more than once\n",
					prog, c->seq);
		} else if (c->seq != p->seq + 1) {
			missing = c->seq - p->seq - 1;
			gaps += missing;
			fprintf(stderr, "%s: records seq %" PRIu64 "..%" PRIu64 " are missing\n", prog,
				p->seq + 1, c->seq - 1);
		} else if (p->have_record && c->have_record &&
			   memcmp(c->prev, p->digest, OGX_DIGEST_LEN)) {
			if (breaks++ < 10)
				fprintf(stderr, "%s: record seq %" PRIu64
					": prev is not the digest of seq %" PRIu64 "\n", prog, c->seq,
					p->seq);
		}
	}
	printf("%s: %" PRIu64 " batches (%" PRIu64 " root-only), %zu records", what, t->batches,
	       t->root_only, t->n);
	if (t->n)
		printf(" (seq %" PRIu64 "..%" PRIu64 ")", t->v[0].seq, t->v[t->n - 1].seq);
	printf(", %" PRIu64 " missing, %" PRIu64 " duplicates, %" PRIu64 " chain breaks, %" PRIu64
	       " failures\n", gaps, dups, breaks, t->failures);
	t->failures += gaps + dups + breaks;
	if (expect >= 0 && (uint64_t)expect != t->n) {
		fprintf(stderr, "%s: %zu records, expected %" PRId64 "\n", prog, t->n, expect);
		t->failures++;
	}
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
		"Checks every batch sent to ADDRESS in the blocks given (default: all) and\n"
		"the records in them; exit status 1 on any failure, gap or duplicate. With\n"
		"--contract, ADDRESS is the settlement contract: transactions are submit()\n"
		"calls, and reverted ones are not batches.\n",
		prog);
	return f == stdout ? 0 : 2;
}

int chain_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rpc", required_argument, NULL, 'r' }, { "inbox", required_argument, NULL, 'i' },
		{ "from-block", required_argument, NULL, 'f' },
		{ "to-block", required_argument, NULL, 't' },
		{ "node", required_argument, NULL, 'n' },
		{ "operator", required_argument, NULL, 'o' },
		{ "expect", required_argument, NULL, 'e' },
		{ "contract", no_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' }, {},
	};
	const char *url = NULL, *inbox_s = NULL;
	uint64_t from = 0, to = UINT64_MAX, head, blk;
	uint8_t inbox[OGX_ETH_ADDR_LEN];
	int64_t expect = -1;
	struct tally t = { 0 };
	struct ogx_rpc *rpc = NULL;
	struct ogx_block b;
	struct ogx_rpc_tx tx;
	struct ogx_receipt rc;
	char where[160], h[65], what[96];
	bool contract = false;
	size_t i;
	int c, err;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': url = optarg; break;
		case 'i': inbox_s = optarg; break;
		case 'f': from = strtoull(optarg, NULL, 10); break;
		case 't': to = strtoull(optarg, NULL, 10); break;
		case 'e': expect = strtoll(optarg, NULL, 10); break;
		case 'c': contract = true; break;
		case 'n':
			if (parse_pk("node", optarg, t.node))
				return 2;
			t.have_node = true;
			break;
		case 'o':
			if (parse_pk("operator", optarg, t.operator_pk))
				return 2;
			t.have_operator = true;
			break;
		case 'h': return chain_usage(stdout);
		default: return chain_usage(stderr);
		}
	}
	if (!url || !inbox_s || optind != argc)
		return chain_usage(stderr);
	if ((err = ogx_eth_addr_parse(inbox, inbox_s))) {
		fprintf(stderr, "%s: --inbox: %s\n", prog, ogx_errmsg(err));
		return 2;
	}
	if ((err = ogx_rpc_open(&rpc, url, 30000)) || (err = ogx_rpc_block_number(rpc, &head)))
		goto out;
	if (to > head)
		to = head;
	for (blk = from; blk <= to && !err; blk++) {
		if ((err = ogx_rpc_block(rpc, blk, &b)))
			break;
		for (i = 0; i < b.n_tx && !err; i++) {
			if ((err = ogx_rpc_tx_by_hash(rpc, b.tx_hashes[i], &tx)))
				break;
			if (tx.found && tx.has_to && !memcmp(tx.to, inbox, OGX_ETH_ADDR_LEN)) {
				ogx_hex(h, b.tx_hashes[i], 32);
				snprintf(where, sizeof(where), "block %" PRIu64 " tx 0x%s", blk, h);
				if (!contract)
					err = check_batch(&t, tx.input, tx.input_len, where);
				else if (!(err = ogx_rpc_receipt(rpc, b.tx_hashes[i], &rc)) &&
					 rc.success)
					err = check_submit(&t, tx.input, tx.input_len, where);
			}
			ogx_rpc_tx_free(&tx);
		}
		ogx_block_free(&b);
	}
	if (!err) {
		snprintf(what, sizeof(what), "blocks %" PRIu64 "..%" PRIu64, from, to);
		summarise(&t, what, expect);
	}
out:
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, url, ogx_errmsg(err));
	ogx_rpc_close(rpc);
	free(t.v);
	return err ? 1 : t.failures ? 1 : 0;
}

/*
 * ogverify record R --batch B [--index I --path H1,H2,...]: is the record with
 * digest id in batch B? A batch with its records gives the leaf and the
 * inclusion proof itself (printed, for use with the root-only batch); a
 * root-only batch needs the proof. 0, or 1 with the reason on stderr.
 */
int record_in_batch(const uint8_t id[OGX_DIGEST_LEN], const char *batch_path,
		    const char *index_s, const char *path_s)
{
	uint8_t (*digests)[OGX_DIGEST_LEN] = NULL, *data = NULL;
	uint8_t path[OGX_MERKLE_MAX_PATH][OGX_DIGEST_LEN];
	char h[2 * OGX_DIGEST_LEN + 1], *end;
	size_t len, i, n_path = 0, index = SIZE_MAX;
	struct ogx_batch b = { 0 };
	const char *p;
	int err, rc = 1;

	if ((err = ogx_read_file(batch_path, 64u << 20, &data, &len)) ||
	    (err = ogx_batch_decode(data, len, &b)) || (err = ogx_batch_verify_sig(&b))) {
		fprintf(stderr, "%s: %s: FAILED batch: %s\n", prog, batch_path, ogx_errmsg(err));
		goto out;
	}
	if (b.da == OGX_DA_CALLDATA) {
		digests = malloc(b.n_records * sizeof(*digests));
		if (!digests)
			goto out;
		for (i = 0; i < b.n_records; i++) {
			ogx_record_digest(b.records[i], b.record_lens[i], digests[i]);
			if (!memcmp(digests[i], id, OGX_DIGEST_LEN))
				index = i;
		}
		if (index == SIZE_MAX) {
			fprintf(stderr, "%s: %s: FAILED batch: the record is not in it\n", prog,
				batch_path);
			goto out;
		}
		if (ogx_batch_check_root(&b, digests, b.n_records) ||
		    ogx_merkle_path(digests, b.n_records, index, path, &n_path)) {
			fprintf(stderr, "%s: %s: FAILED batch: %s\n", prog, batch_path,
				ogx_errmsg(-EBADMSG));
			goto out;
		}
	} else {
		if (!index_s || !path_s) {
			fprintf(stderr, "%s: %s: a root-only batch: give the inclusion proof "
				"(--index and --path)\n", prog, batch_path);
			rc = 2;
			goto out;
		}
		index = strtoull(index_s, &end, 10);
		for (p = path_s; *p && n_path < OGX_MERKLE_MAX_PATH; n_path++) {
			snprintf(h, sizeof(h), "%s", p);
			if (strlen(h) != 2 * OGX_DIGEST_LEN ||
			    ogx_unhex(path[n_path], OGX_DIGEST_LEN, h) ||
			    (p[2 * OGX_DIGEST_LEN] && p[2 * OGX_DIGEST_LEN] != ',')) {
				fprintf(stderr, "%s: --path: want digests of 64 hex digits, "
					"separated by commas\n", prog);
				rc = 2;
				goto out;
			}
			p += 2 * OGX_DIGEST_LEN + (p[2 * OGX_DIGEST_LEN] == ',');
		}
		if (*end) {
			fprintf(stderr, "%s: --index: '%s' is not a number\n", prog, index_s);
			rc = 2;
			goto out;
		}
	}
	if ((err = ogx_merkle_verify(id, index, b.count, (const uint8_t (*)[OGX_DIGEST_LEN])path,
				     n_path, b.root))) {
		fprintf(stderr, "%s: %s: FAILED inclusion: %s\n", prog, batch_path,
			ogx_errmsg(err));
		goto out;
	}
	printf("ok  in batch %s: leaf %zu of %" PRIu64 " (seq %" PRIu64 "..%" PRIu64 ")\n",
	       batch_path, index, b.count, b.first_seq, b.last_seq);
	printf("proof   --index %zu --path ", index);
	for (i = 0; i < n_path; i++) {
		ogx_hex(h, path[i], OGX_DIGEST_LEN);
		printf("%s%s", i ? "," : "", h);
	}
	printf("\n");
	rc = 0;
out:
	free(digests);
	ogx_batch_free(&b);
	free(data);
	return rc;
}

int batch_main(int argc, char **argv)
{
	struct tally t = { 0 };
	uint8_t *data;
	size_t len;
	int err;

	if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc == 2 ? stdout : stderr, "Usage: %s batch FILE\n", prog);
		return argc == 2 ? 0 : 2;
	}
	if ((err = ogx_read_file(argv[1], 64u << 20, &data, &len))) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[1], ogx_errmsg(err));
		return 1;
	}
	err = check_batch(&t, data, len, argv[1]);
	free(data);
	if (!err)
		summarise(&t, argv[1], -1);
	return err || t.failures ? 1 : 0;
}
