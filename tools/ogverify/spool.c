// SPDX-License-Identifier: GPL-2.0
/*
 * ogverify spool DIR [--node HEX] [--from INDEX] [--require LEVEL] [-v]
 *
 * Reads every record of a spool (the node's own log of proof records), from
 * its first segment (which may start past index 0) or from INDEX, and
 * applies the verifier's rules (proof/verify.h) to each one and to the chain
 * between them. One line per record that did not verify at its level, then a
 * summary; exit status per Documentation/proof-record.md. Damage to a record
 * the spool's ack mark says was acknowledged is a failure (rule spool); a
 * torn tail past the mark is reported, not a failure: nobody was told those
 * bytes were durable.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ogverify.h"
#include "proof/spool.h"
#include "proof/verify.h"
#include "util/cli.h"
#include "util/err.h"
#include "util/hex.h"

static int usage(FILE *f)
{
	fprintf(f, "Usage: %s spool DIR [--node HEX] [--from INDEX] [--require LEVEL] [-v]\n",
		prog);
	return f == stdout ? 0 : 2;
}

struct spool_check {
	const char *dir;
	struct ogx_verify_opts vo;
	struct ogx_chain_state st;
	struct ogx_verify_tally t;
	bool verbose;
};

static void check_one(struct spool_check *c, uint64_t index, const uint8_t *data, size_t len)
{
	uint8_t id[OGX_DIGEST_LEN];
	char h[2 * OGX_DIGEST_LEN + 1];
	struct ogx_verdict v;
	struct ogx_record r;

	if (ogx_verify_next(&c->st, data, len, &c->vo, &r, id, &v)) {
		ogx_verdict_report(&c->t, stderr, prog, c->dir, NULL, "index", index, &v);
		return;
	}
	ogx_verdict_report(&c->t, stderr, prog, c->dir, &r, NULL, 0, &v);
	if (c->verbose && v.outcome == OGX_VERIFIED) {
		ogx_hex(h, id, OGX_DIGEST_LEN);
		printf("ok  seq %" PRIu64 " %s %s\n", r.seq, v.evidence, h);
	}
	ogx_record_free(&r);
}

/* What the command line asks for beyond the check itself. */
struct spool_opts {
	uint64_t from;
	bool has_from;
	uint8_t pk[OGX_PK_LEN];
};

static int parse_spool_args(int argc, char **argv, struct spool_check *c, struct spool_opts *o)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "from", required_argument, NULL, 'f' },
		{ "require", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *node = NULL;
	char *end;
	int ch, err;

	while ((ch = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': node = optarg; break;
		case 'v': c->verbose = true; break;
		case 'f':
			o->from = strtoull(optarg, &end, 10);
			if (!*optarg || *end) {
				fprintf(stderr, "%s: --from: '%s' is not a number\n", prog, optarg);
				return 2;
			}
			o->has_from = true;
			break;
		case 'R':
			err = ogx_require_parse(optarg, &c->vo.require);
			if (err) {
				fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
				return 2;
			}
			break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (optind != argc - 1)
		return usage(stderr);
	c->dir = argv[optind];
	if (node) {
		if (strlen(node) != 2 * OGX_PK_LEN || ogx_unhex(o->pk, OGX_PK_LEN, node)) {
			fprintf(stderr, "%s: --node: want %d hex digits\n", prog, 2 * OGX_PK_LEN);
			return 2;
		}
		c->vo.node = o->pk;
	}
	return OGX_ARGS_OK;
}

/* Every record from the iterator on; < 0 when the spool could not be read to its end. */
static int check_records(struct spool_check *c, struct ogx_spool_iter *it)
{
	struct ogx_spool_tail tail;
	const uint8_t *data;
	uint64_t index;
	size_t len;
	int err;

	while ((err = ogx_spool_iter_next(it, &index, &data, &len)) == 1)
		check_one(c, index, data, len);
	if (err)
		return err;
	if (!ogx_spool_iter_tail(it, &tail) && tail.bytes)
		/* Past the ack mark: never acknowledged, so no record is lost (spool.md). */
		fprintf(stderr, "%s: %s: the spool ends in %" PRIu64 " bytes that are not a whole "
			"frame (%s, segment %s offset %" PRIu64 "): a torn write past the ack mark "
			"(index %" PRIu64 "), never acknowledged, or a writer's frame in progress\n",
			prog, c->dir, tail.bytes, tail.why, tail.segment, tail.offset, tail.acked);
	return 0;
}

static void print_summary(const struct spool_check *c)
{
	char h[2 * OGX_PK_LEN + 1];

	printf("%s: %" PRIu64 " records: %" PRIu64 " verified at their level, %" PRIu64
	       " not checkable here, %" PRIu64 " failed", c->dir,
	       c->t.verified + c->t.unchecked + c->t.failed, c->t.verified, c->t.unchecked,
	       c->t.failed);
	if (c->st.have) {
		ogx_hex(h, c->st.node, OGX_PK_LEN);
		printf("; seq %" PRIu64 "..%" PRIu64 " (epoch %" PRIu64 ")%s; node %s",
		       c->st.first_seq, c->st.seq, c->st.epoch,
		       c->st.first_seq ? ", a window: the chain before it was not checked" : "", h);
	}
	printf("\n");
}

static int run_spool(struct spool_check *c, const struct spool_opts *o)
{
	struct ogx_kmod_checker kc = { 0 };
	struct ogx_spool_iter *it;
	int err, rc;

	err = ogx_spool_iter_open(&it, c->dir, o->from,
				  o->has_from ? 0 : OGX_SPOOL_ITER_FROM_FIRST);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, c->dir, ogx_errmsg(err));
		return 1;
	}
	c->vo.kmod = &kc;
	err = check_records(c, it);
	ogx_spool_iter_close(it);
	ogx_kmod_checker_close(&kc);
	rc = ogx_tally_exit(&c->t);
	if (err < 0) {
		fprintf(stderr, "%s: %s: FAILED spool: %s\n", prog, c->dir, ogx_errmsg(err));
		rc = OGX_EXIT_FAILED;
	}
	print_summary(c);
	return rc;
}

int spool_main(int argc, char **argv)
{
	struct spool_check c = { 0 };
	struct spool_opts o = { 0 };
	int rc = parse_spool_args(argc, argv, &c, &o);

	return rc == OGX_ARGS_OK ? run_spool(&c, &o) : rc;
}
