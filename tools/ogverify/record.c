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

int record_main(int argc, char **argv)
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
	const char *input = NULL, *output = NULL, *model = NULL, *params = NULL;
	const char *prev = NULL, *node = NULL, *path;
	const char *batch = NULL, *index = NULL, *mpath = NULL;
	uint8_t *buf, id[OGX_DIGEST_LEN], pk[OGX_PK_LEN];
	struct ogx_kmod_checker kc = { 0 };
	struct ogx_verify_opts vo = { .kmod = &kc };
	struct ogx_verdict v;
	struct ogx_record r;
	size_t len;
	int c, err, bad = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': input = optarg; break;
		case 'o': output = optarg; break;
		case 'm': model = optarg; break;
		case 'p': params = optarg; break;
		case 'P': prev = optarg; break;
		case 'n': node = optarg; break;
		case 'R':
			if ((err = ogx_require_parse(optarg, &vo.require))) {
				fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
				return 2;
			}
			break;
		case 'b': batch = optarg; break;
		case 'I': index = optarg; break;
		case 'X': mpath = optarg; break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (optind != argc - 1)
		return usage(stderr);
	path = argv[optind];
	if (node) {
		if (strlen(node) != 2 * OGX_PK_LEN || ogx_unhex(pk, OGX_PK_LEN, node)) {
			fprintf(stderr, "%s: --node: want %d hex digits\n", prog, 2 * OGX_PK_LEN);
			return 2;
		}
		vo.node = pk;
	}
	if (load_record(path, &buf, &len))
		return 1;
	ogx_record_digest(buf, len, id);
	err = ogx_verify_record(buf, len, &vo, &r, &v);
	free(buf);
	if (err) {
		ogx_verdict_print(stderr, prog, path, NULL, "record", 0, &v);
		return 1;
	}
	print_record(&r, id);
	print_passed(&r, &v, node);
	if (v.outcome == OGX_FAILED) {
		ogx_verdict_print(stderr, prog, path, &r, NULL, 0, &v);
		bad = 1;
	}
	if (!bad && prev)
		bad = check_prev(path, prev, &r, id, &vo);
	if (!bad && input)
		bad = check_file_digest(path, &r, "input", input, r.input);
	if (!bad && output)
		bad = check_file_digest(path, &r, "output", output, r.output);
	if (!bad && model)
		bad = check_file_digest(path, &r, "model", model, r.model);
	if (!bad && params)
		bad = check_file_digest(path, &r, "params", params, r.params);
	if (!bad && batch)
		bad = record_in_batch(id, batch, index, mpath);
	ogx_kmod_checker_close(&kc);
	if (!bad && v.outcome == OGX_UNCHECKED) {
		ogx_verdict_print(stderr, prog, path, &r, NULL, 0, &v);
		printf("%s: every check made passed, but its level's evidence (%s) is not "
		       "checkable here\n", path, v.evidence);
		ogx_record_free(&r);
		return OGX_EXIT_UNCHECKED;
	}
	if (!bad)
		printf("%s: all checks passed (level %s)\n", path, v.evidence);
	ogx_record_free(&r);
	return bad;
}
