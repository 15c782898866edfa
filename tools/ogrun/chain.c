// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun chain show [--key FILE] | ogrun chain new --spool DIR [--key FILE] [--start SEQ]
 *
 * The node key's chain (runtime/proof/binding.h): which spool holds it, in
 * which epoch; and the explicit start of a new epoch in another spool, for
 * when the old one cannot go on (Documentation/proof-record.md, "Chains and
 * epochs").
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ogrun.h"
#include "proof/binding.h"
#include "util/cli.h"
#include "util/home.h"
#include "util/err.h"
#include "util/hex.h"

static int chain_usage(FILE *f)
{
	fprintf(f, "Usage: %s chain show [--key FILE]\n"
		   "       %s chain new --spool DIR [--key FILE] [--start SEQ]\n"
		   "show: the spool and epoch the node key signs its chain in (KEY.chain).\n"
		   "new:  start a new epoch of the chain in DIR (an empty spool, created if need\n"
		   "      be), for when the old spool cannot go on (damaged past an acknowledged\n"
		   "      record, or lost). Its first record takes the seq after every seq the\n"
		   "      old spool says the key may have signed; --start gives it when the old\n"
		   "      spool cannot be read (it must be after every seq ever signed).\n"
		   "--key defaults to $OGX_HOME/node.key.\n", prog, prog);
	return f == stdout ? 0 : 2;
}

static int show(const char *key)
{
	char node[2 * OGX_PK_LEN + 1], id[2 * OGX_SPOOL_ID_LEN + 1];
	struct ogx_binding b;
	int err = ogx_binding_load(key, &b);

	if (err == -ENOENT) {
		printf("%s: no chain yet (the first job binds it to its spool)\n", key);
		return 0;
	}
	if (err) {
		fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
		return 1;
	}
	ogx_hex(node, b.node, OGX_PK_LEN);
	ogx_hex(id, b.spool, OGX_SPOOL_ID_LEN);
	printf("node   %s\nepoch  %" PRIu64 " (its first seq %" PRIu64 ")\nspool  %s (id %s)\n",
	       node, b.epoch, b.start, b.path, id);
	return 0;
}

/* What the command line asks for. */
struct chain_args {
	const char *cmd, *key, *spool;
	uint64_t start;
	bool has_start;
	char kbuf[PATH_MAX];
};

static int parse_chain_args(int argc, char **argv, struct chain_args *a)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "spool", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *end;
	int c, err;

	if (argc < 2)
		return chain_usage(stderr);
	a->cmd = argv[1];
	if (!strcmp(a->cmd, "--help") || !strcmp(a->cmd, "-h"))
		return chain_usage(stdout);
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': a->key = optarg; break;
		case 's': a->spool = optarg; break;
		case 'S':
			errno = 0;
			a->start = strtoull(optarg, &end, 10);
			if (errno || !*optarg || *end || *optarg == '-') {
				fprintf(stderr, "%s: --start: '%s' is not a seq\n", prog, optarg);
				return 2;
			}
			a->has_start = true;
			break;
		case 'h': return chain_usage(stdout);
		default: return chain_usage(stderr);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: chain: unexpected argument '%s'\n", prog, argv[optind]);
		return 2;
	}
	if (!a->key) {
		err = ogx_default_path(a->kbuf, sizeof(a->kbuf), "node.key");
		if (err) {
			fprintf(stderr, "%s: chain: %s\n", prog, ogx_errmsg(err));
			return 1;
		}
		a->key = a->kbuf;
	}
	return OGX_ARGS_OK;
}

static void print_new_epoch(const struct ogx_new_epoch *ne, const char *spool)
{
	printf("epoch %" PRIu64 " starts at seq %" PRIu64 " in %s\n", ne->epoch, ne->start, spool);
	if (ne->old_read && ne->have_old_last)
		printf("epoch %" PRIu64 " ends at seq %" PRIu64 " in %s\n", ne->epoch - 1,
		       ne->old_last_seq, ne->old_path);
	if (ne->damage[0])
		printf("the old spool is damaged: %s\n", ne->damage);
	if (ne->lost)
		printf("%" PRIu64 " acknowledged record%s past it cannot be read%s\n", ne->lost,
		       ne->lost == 1 ? "" : "s", ne->have_old_last ? "" : " (nor any before)");
	if (ne->old_read && ne->start > (ne->have_old_last ? ne->old_last_seq + 1 : 0))
		printf("verifiers will report seq %" PRIu64 "..%" PRIu64 " missing (a gap before "
		       "epoch %" PRIu64 ") unless those records are restored\n",
		       ne->have_old_last ? ne->old_last_seq + 1 : 0, ne->start - 1, ne->epoch);
}

static int new_epoch(const struct chain_args *a)
{
	struct ogx_new_epoch ne;
	int err;

	if (!a->spool) {
		fprintf(stderr, "%s: chain new: --spool DIR is required (the new epoch's spool)\n",
			prog);
		return 2;
	}
	err = ogx_signer_new_epoch(a->key, a->spool, a->has_start ? &a->start : NULL, &ne);
	if (err) {
		fprintf(stderr, "%s: chain new: %s\n", prog, ogx_errmsg(err));
		return 1;
	}
	print_new_epoch(&ne, a->spool);
	return 0;
}

int chain_main(int argc, char **argv)
{
	struct chain_args a = { 0 };
	int rc = parse_chain_args(argc, argv, &a);

	if (rc != OGX_ARGS_OK)
		return rc;
	if (!strcmp(a.cmd, "show"))
		return show(a.key);
	if (strcmp(a.cmd, "new")) {
		fprintf(stderr, "%s: chain: '%s' is not a chain command\n", prog, a.cmd);
		return chain_usage(stderr);
	}
	return new_epoch(&a);
}
