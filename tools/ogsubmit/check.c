// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit check: the daemon's record checks (check_record() of
 * spool_read.c, the very same code, which applies the verifier's rules of
 * proof/verify.h) over a spool, without a chain, a key or a state directory:
 * for an operator who wants to know whether the daemon would accept the
 * spool, and what /dev/ogx says of its TEE records.
 *
 * Unlike the daemon, which stops before the first bad record, this goes on:
 * one line per bad record, then a summary. Past a bad record the chain
 * state moves exactly as in `ogverify spool` (ogx_verify_next()), so the two
 * report the same records under the same rules.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "ogsubmit.h"
#include "util/err.h"

static void check_usage(FILE *f)
{
	fprintf(f, "Usage: %s check [--config FILE [--KEY VALUE ...] | --spool DIR] [--from N]\n"
		   "                [--require LEVEL]\n"
		   "Runs the daemon's checks (the verifier's rules, as ogverify spool) on every\n"
		   "spool record from index N (default 0); for TEE records the kernel MAC\n"
		   "through %s VERIFY when the module is loaded and the evidence is of this\n"
		   "boot. One line per record that did not verify at its level, then a summary;\n"
		   "exit 0 when every record verified at its level, 1 when any failed, 3 when\n"
		   "some level's evidence was not checkable here. Without --spool the spool\n"
		   "(and 'node', 'require') come from the daemon's configuration (default %s).\n",
		prog, OGX_KMOD_DEV, OGS_CONFIG_DEFAULT);
}

/* Options: --from and --require are ours; --spool alone, or everything else to the config. */
static int parse_options(struct ogs *s, int argc, char **argv, uint64_t *from)
{
	char **cargv, *end;
	const char *spool = NULL;
	uint32_t require = 0;
	int a, cargc = 1, err = 0;
	bool config = false;

	cargv = calloc(argc + 1, sizeof(*cargv));
	if (!cargv)
		return -ENOMEM;
	cargv[0] = argv[0];
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--require")) {
			if (a + 1 >= argc) {
				err = ogx_fail(-EINVAL, "--require needs a value");
				goto out;
			}
			err = ogx_require_parse(argv[++a], &require);
			if (err)
				goto out;
		} else if (!strcmp(argv[a], "--from") || !strcmp(argv[a], "--spool")) {
			if (a + 1 >= argc) {
				err = ogx_fail(-EINVAL, "%s needs a value", argv[a]);
				goto out;
			}
			if (argv[a][2] == 's') {
				spool = argv[++a];
				continue;
			}
			errno = 0;
			*from = strtoull(argv[++a], &end, 10);
			if (errno || !*argv[a] || *end || *argv[a] == '-') {
				err = ogx_fail(-EINVAL, "--from: '%s' is not a spool index", argv[a]);
				goto out;
			}
		} else {
			config |= !strncmp(argv[a], "--config", 8);
			cargv[cargc++] = argv[a];
		}
	}
	if (spool && !config && cargc > 1) {
		err = ogx_fail(-EINVAL, "%s: with --spool, only with --config too", cargv[1]);
		goto out;
	}
	if (spool && cargc == 1) {
		memset(&s->c, 0, sizeof(s->c));
		if (strlen(spool) >= sizeof(s->c.spool))
			err = ogx_fail(-ENAMETOOLONG, "--spool: path too long");
		else
			strcpy(s->c.spool, spool);
		s->c.require = require;
		goto out;
	}
	if (spool) {
		/* With a configuration, --spool overrides its key like any other. */
		cargv[cargc++] = "--spool";
		cargv[cargc++] = (char *)spool;
	}
	err = ogs_config_load(&s->c, cargc, cargv);
	s->c.require |= require;
out:
	free(cargv);
	return err;
}

static int check_spool(struct ogs *s, uint64_t from)
{
	struct ogx_spool_iter *it;
	struct ogx_verdict v;
	const uint8_t *data;
	struct prec p;
	uint64_t index;
	size_t len;
	int rc;

	rc = ogx_spool_iter_open(&it, s->c.spool, from, 0);
	if (rc)
		return ogx_fail(rc, "%s: %s", s->c.spool, ogx_errmsg(rc));
	while ((rc = ogx_spool_iter_next(it, &index, &data, &len)) > 0) {
		struct ogx_record r;
		bool decoded;

		memset(&p, 0, sizeof(p));
		rc = check_record(s, index, data, len, &p, &v);
		/* The line names the seq: decode again only to print it. */
		decoded = !ogx_record_decode(data, len, &r);
		ogx_verdict_report(&s->tally, stderr, prog, s->c.spool, decoded ? &r : NULL,
				   "index", index, &v);
		if (decoded)
			ogx_record_free(&r);
		/* Past a bad record the chain goes on as ogx_verify_next() left it. */
		continue_chain(s, &p);
	}
	ogx_spool_iter_close(it);
	if (rc < 0)
		return ogx_fail(rc, "%s: spool: %s", s->c.spool, ogx_errmsg(rc));
	return 0;
}

static int parse_check_args(int argc, char **argv, struct ogs *s, uint64_t *from)
{
	int err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		check_usage(stdout);
		return 0;
	}
	err = parse_options(s, argc, argv, from);
	if (err) {
		fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
		return 2;
	}
	return OGX_ARGS_OK;
}

/* Every record from index from, then the summary; the exit status. */
static int run_check(struct ogs *s, uint64_t from)
{
	const struct ogx_verify_tally *t = &s->tally;
	int err, rc;

	err = check_spool(s, from);
	if (err)
		/* No spool, or a damaged one: nothing after this point can be read. */
		fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
	rc = err ? OGX_EXIT_FAILED : ogx_tally_exit(t);
	if (!err || t->verified + t->unchecked + t->failed)
		printf("%s: %" PRIu64 " records: %" PRIu64 " verified at their level, %" PRIu64
		       " not checkable here, %" PRIu64 " failed; kernel MACs: %" PRIu64
		       " verified through %s, %" PRIu64 " of another boot, %" PRIu64
		       " without %s\n", s->c.spool, t->verified + t->unchecked + t->failed,
		       t->verified, t->unchecked, t->failed, s->kc.checked, OGX_KMOD_DEV,
		       s->kc.other_boot, s->kc.unavailable, OGX_KMOD_DEV);
	ogx_kmod_checker_close(&s->kc);
	return rc;
}

int check_main(int argc, char **argv)
{
	struct ogs *s = calloc(1, sizeof(*s));
	uint64_t from = 0;
	int rc;

	if (!s)
		return 1;
	rc = parse_check_args(argc, argv, s, &from);
	if (rc == OGX_ARGS_OK)
		rc = run_check(s, from);
	free(s);
	return rc;
}
