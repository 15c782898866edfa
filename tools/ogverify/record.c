// SPDX-License-Identifier: GPL-2.0
/*
 * ogverify record FILE|- [--input F] [--output F] [--model F] [--params F]
 *                        [--prev FILE] [--node HEX] [--batch B [--index I --path P]]
 *
 * Checks one record by the verifier's rules (proof/verify.h: schema,
 * signature, node, recipe, level and evidence, the start of a chain) and,
 * when given them, that it follows a previous record, that its digests are
 * those of the files, and that it is in a batch (an inclusion proof: chain.c).
 * The first failed check is named on stderr in the one format every verifier
 * uses; exit status per Documentation/proof-record.md.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ogverify.h"
#include "proof/kmod_evidence.h"
#include "proof/verify.h"
#include "util/err.h"
#include "util/cli.h"
#include "util/file.h"
#include "util/hex.h"

void print_record(const struct ogx_record *r, const uint8_t id[OGX_DIGEST_LEN])
{
	char h[2 * OGX_DIGEST_LEN + 1];

	ogx_hex(h, id, OGX_DIGEST_LEN);
	printf("record  %s\n", h);
	printf("  seq      %" PRIu64 " (epoch %" PRIu64 ")\n  level    %u (%s)\n", r->seq,
	       r->epoch, r->level, ogx_evidence_label(r));
	ogx_hex(h, r->node, OGX_PK_LEN);
	printf("  node     %s\n", h);
	ogx_hex(h, r->prev, OGX_DIGEST_LEN);
	printf("  prev     %s\n", h);
	ogx_hex(h, r->model, OGX_DIGEST_LEN);
	printf("  model    %s\n", h);
	ogx_hex(h, r->input, OGX_DIGEST_LEN);
	printf("  input    %s\n", h);
	ogx_hex(h, r->output, OGX_DIGEST_LEN);
	printf("  output   %s\n", h);
	ogx_hex(h, r->params, OGX_DIGEST_LEN);
	printf("  params   %s\n  job      ", h);
	for (const char *j = r->job; *j; j++)
		if (*j == '\n')
			printf("\\n");
		else
			putchar(*j);
	printf("\n");
	printf("  time     %" PRIu64 ".%09" PRIu64 " (infer %.3f ms, job %.3f ms)\n",
	       r->time_ns / 1000000000u, r->time_ns % 1000000000u, r->infer_ns / 1e6,
	       r->job_ns / 1e6);
	printf("  device   %s: %s", r->device.kind, r->device.name);
	if (r->device.has_ids)
		printf(" [%04x:%04x]", r->device.vendor_id, r->device.device_id);
	if (r->device.driver[0])
		printf(" driver %s", r->device.driver);
	printf("\n");
	ogx_hex(h, r->runtime, OGX_DIGEST_LEN);
	printf("  runtime  %s\n", h);
	if (r->kernel.present)
		printf("  kernel   evidence with %zu entries\n", r->kernel.n);
	if (r->payment.present)
		printf("  payment  evidence with %zu entries\n", r->payment.n);
	if (r->zk.present)
		printf("  zk       proof reference with %zu entries\n", r->zk.n);
}

static int load_record(const char *path, uint8_t **buf, size_t *len)
{
	int err = ogx_read_file(path, OGX_RECORD_MAX + 1, buf, len);

	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(err));
	return err;
}

/* Compare a digest in the record with the SHA-256 of a file (rule digest). */
static int check_file_digest(const char *path, const struct ogx_record *r, const char *what,
			     const char *file, const uint8_t want[OGX_DIGEST_LEN])
{
	uint8_t got[OGX_DIGEST_LEN];
	char gh[2 * OGX_DIGEST_LEN + 1], wh[2 * OGX_DIGEST_LEN + 1];
	struct ogx_verdict v = { 0 };
	int err = ogx_sha256_file(got, file);

	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, file, ogx_errmsg(err));
		return 1;
	}
	if (memcmp(got, want, OGX_DIGEST_LEN)) {
		ogx_hex(gh, got, OGX_DIGEST_LEN);
		ogx_hex(wh, want, OGX_DIGEST_LEN);
		ogx_verdict_fail(&v, OGX_RULE_DIGEST, what, "%s has %.16s..., the record says "
				 "%.16s...", file, gh, wh);
		ogx_verdict_print(stderr, prog, path, r, NULL, 0, &v);
		return 1;
	}
	printf("ok  %s digest matches %s\n", what, file);
	return 0;
}

static int usage(FILE *f)
{
	fprintf(f, "Usage: %s record FILE|- [--input F] [--output F] [--model F] [--params F]\n"
		   "                        [--prev FILE] [--node HEX] [--require LEVEL]\n"
		   "                        [--batch B [--index I --path P]]\n"
		   "Checks one record: schema, signature, node, recipe, level and evidence, the\n"
		   "start of a chain; with --prev that it follows that record; with files that\n"
		   "its digests are theirs; with --batch that it is in the batch. Exit 0 when\n"
		   "every check passed and the record is verified at the level it claims, 1\n"
		   "when a check failed (the rule is named), 3 when its level's evidence is\n"
		   "not checkable here (with --require LEVEL that is a failure), 2 on usage.\n",
		prog);
	return f == stdout ? 0 : 2;
}

/* The "ok" lines of the single-record rules a verdict passed. */
static void print_passed(const struct ogx_record *r, const struct ogx_verdict *v, bool node)
{
	enum ogx_rule upto = v->outcome == OGX_FAILED ? v->rule : OGX_RULE_BATCH + 1;

	if (upto > OGX_RULE_SCHEMA)
		printf("ok  schema (record v%u, deterministic CBOR)\n", r->version);
	if (upto > OGX_RULE_SIGNATURE)
		printf("ok  signature (Ed25519 by the node key)\n");
	if (node && upto > OGX_RULE_NODE)
		printf("ok  node is the expected one\n");
	if (upto > OGX_RULE_RECIPE)
		printf("ok  recipe: params is the SHA-256 of the job text, in canonical form\n");
	if (upto > OGX_RULE_CHAIN_START && v->outcome == OGX_VERIFIED)
		printf("ok  level %s\n", v->evidence);
}

/* --prev: r follows the record in prev_path. */
static int check_prev(const char *path, const char *prev_path, const struct ogx_record *r,
		      const uint8_t id[OGX_DIGEST_LEN], const struct ogx_verify_opts *o)
{
	struct ogx_chain_state st = { 0 };
	struct ogx_verify_opts po = *o;
	struct ogx_verdict v;
	struct ogx_record p;
	uint8_t *buf, pid[OGX_DIGEST_LEN];
	size_t len;
	int err;

	if (load_record(prev_path, &buf, &len))
		return 1;
	ogx_record_digest(buf, len, pid);
	po.require = 0; /* the previous record is checked for its place, not its level */
	err = ogx_verify_record(buf, len, &po, &p, &v);
	free(buf);
	if (v.outcome == OGX_FAILED) {
		ogx_verdict_print(stderr, prog, prev_path, err ? NULL : &p, "record", 0, &v);
		fprintf(stderr, "%s: %s: FAILED chain: the previous record does not verify\n",
			prog, path);
		if (!err)
			ogx_record_free(&p);
		return 1;
	}
	ogx_verify_link(&st, &p, pid, &v);
	ogx_verify_link(&st, r, id, &v);
	ogx_record_free(&p);
	if (v.outcome == OGX_FAILED) {
		ogx_verdict_print(stderr, prog, path, r, NULL, 0, &v);
		return 1;
	}
	printf("ok  chain: follows seq %" PRIu64 " (epoch %" PRIu64 ")\n", st.seq - 1, r->epoch);
	return 0;
}

/* What the command line asks for. */
struct record_opts {
	const char *path;				/* the record, or - */
	const char *input, *output, *model, *params;	/* files its digests must match */
	const char *prev, *node;			/* --prev FILE, --node HEX */
	const char *batch, *index, *mpath;		/* --batch B [--index I --path P] */
	uint8_t pk[OGX_PK_LEN];
	struct ogx_verify_opts vo;
};

static int parse_record_args(int argc, char **argv, struct record_opts *o)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "model", required_argument, NULL, 'm' },
		{ "params", required_argument, NULL, 'p' },
		{ "prev", required_argument, NULL, 'P' },
		{ "node", required_argument, NULL, 'n' },
		{ "require", required_argument, NULL, 'R' },
		{ "batch", required_argument, NULL, 'b' },
		{ "index", required_argument, NULL, 'I' },
		{ "path", required_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c, err;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': o->input = optarg; break;
		case 'o': o->output = optarg; break;
		case 'm': o->model = optarg; break;
		case 'p': o->params = optarg; break;
		case 'P': o->prev = optarg; break;
		case 'n': o->node = optarg; break;
		case 'R':
			err = ogx_require_parse(optarg, &o->vo.require);
			if (err) {
				fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
				return 2;
			}
			break;
		case 'b': o->batch = optarg; break;
		case 'I': o->index = optarg; break;
		case 'X': o->mpath = optarg; break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (optind != argc - 1)
		return usage(stderr);
	o->path = argv[optind];
	if (o->node) {
		if (strlen(o->node) != 2 * OGX_PK_LEN || ogx_unhex(o->pk, OGX_PK_LEN, o->node)) {
			fprintf(stderr, "%s: --node: want %d hex digits\n", prog, 2 * OGX_PK_LEN);
			return 2;
		}
		o->vo.node = o->pk;
	}
	return OGX_ARGS_OK;
}

/*
 * The checks the command line adds, in order, up to the first that fails: 0,
 * 1 (a check failed), or 2 (--index or --path malformed: record_in_batch()).
 */
static int check_given(const struct record_opts *o, const struct ogx_record *r,
		       const uint8_t id[OGX_DIGEST_LEN])
{
	const char *path = o->path;
	int bad = 0;

	if (!bad && o->prev)
		bad = check_prev(path, o->prev, r, id, &o->vo);
	if (!bad && o->input)
		bad = check_file_digest(path, r, "input", o->input, r->input);
	if (!bad && o->output)
		bad = check_file_digest(path, r, "output", o->output, r->output);
	if (!bad && o->model)
		bad = check_file_digest(path, r, "model", o->model, r->model);
	if (!bad && o->params)
		bad = check_file_digest(path, r, "params", o->params, r->params);
	if (!bad && o->batch)
		bad = record_in_batch(id, o->batch, o->index, o->mpath);
	return bad;
}

/* The last line, and the exit status: bad as check_given() says, or 0 or 3 (unchecked). */
static int record_outcome(const struct record_opts *o, const struct ogx_record *r,
			  const struct ogx_verdict *v, int bad)
{
	if (bad)
		return bad;
	if (v->outcome == OGX_UNCHECKED) {
		ogx_verdict_print(stderr, prog, o->path, r, NULL, 0, v);
		printf("%s: every check made passed, but its level's evidence (%s) is not "
		       "checkable here\n", o->path, v->evidence);
		return OGX_EXIT_UNCHECKED;
	}
	printf("%s: all checks passed (level %s)\n", o->path, v->evidence);
	return 0;
}

static int run_record(struct record_opts *o)
{
	struct ogx_kmod_checker kc = { 0 };
	uint8_t *buf, id[OGX_DIGEST_LEN];
	struct ogx_verdict v;
	struct ogx_record r;
	size_t len;
	int err, rc = 1;

	if (load_record(o->path, &buf, &len))
		return 1;
	ogx_record_digest(buf, len, id);
	o->vo.kmod = &kc;
	err = ogx_verify_record(buf, len, &o->vo, &r, &v);
	free(buf);
	if (err) {
		ogx_verdict_print(stderr, prog, o->path, NULL, "record", 0, &v);
		goto err_checker;
	}
	print_record(&r, id);
	print_passed(&r, &v, o->node);
	if (v.outcome == OGX_FAILED)
		ogx_verdict_print(stderr, prog, o->path, &r, NULL, 0, &v);
	else
		rc = record_outcome(o, &r, &v, check_given(o, &r, id));
	ogx_record_free(&r);
err_checker:
	ogx_kmod_checker_close(&kc);
	return rc;
}

int record_main(int argc, char **argv)
{
	struct record_opts o = { 0 };
	int rc = parse_record_args(argc, argv, &o);

	return rc == OGX_ARGS_OK ? run_record(&o) : rc;
}
