// SPDX-License-Identifier: GPL-2.0
/*
 * ogverify spool DIR [--node HEX] [--from INDEX] [-v]
 *
 * Reads every record of a spool (the node's own log of proof records) and
 * checks each one (schema, signature) and the chain between them (seq + 1,
 * prev = digest of the previous record, one node key). Reports every failure,
 * then a summary; exit 1 if anything failed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ogverify.h"
#include "proof/spool.h"
#include "proof/verify.h"
#include "util/err.h"
#include "util/hex.h"

static int usage(FILE *f)
{
	fprintf(f, "Usage: %s spool DIR [--node HEX] [--from INDEX] [-v]\n", prog);
	return f == stdout ? 0 : 2;
}

int spool_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "from", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct ogx_chain_state st = { 0 };
	struct ogx_spool_iter *it;
	uint8_t pk[OGX_PK_LEN], id[OGX_DIGEST_LEN];
	const char *node = NULL, *dir;
	uint64_t from = 0, index, ok = 0, bad = 0, first_seq = 0;
	const uint8_t *data;
	size_t len;
	int c, err, verbose = 0;
	char *end, h[2 * OGX_PK_LEN + 1];

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			node = optarg;
			break;
		case 'f':
			from = strtoull(optarg, &end, 10);
			if (!*optarg || *end) {
				fprintf(stderr, "%s: --from: '%s' is not a number\n", prog, optarg);
				return 2;
			}
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			return usage(stdout);
		default:
			return usage(stderr);
		}
	}
	if (optind != argc - 1)
		return usage(stderr);
	dir = argv[optind];
	if (node && ogx_unhex(pk, OGX_PK_LEN, node)) {
		fprintf(stderr, "%s: --node: want %d hex digits\n", prog, 2 * OGX_PK_LEN);
		return 2;
	}
	err = ogx_spool_iter_open(&it, dir, from, 0);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, ogx_errmsg(err));
		return 1;
	}
	while ((err = ogx_spool_iter_next(it, &index, &data, &len)) == 1) {
		struct ogx_record r;

		ogx_record_digest(data, len, id);
		err = ogx_verify_record(data, len, &r);
		if (err) {
			fprintf(stderr, "%s: %s: index %" PRIu64 ": FAILED: %s\n", prog, dir, index,
				ogx_errmsg(err));
			bad++;
			continue;
		}
		if (!st.have)
			first_seq = r.seq;
		if (node && memcmp(r.node, pk, OGX_PK_LEN)) {
			fprintf(stderr, "%s: %s: seq %" PRIu64 ": FAILED node: not signed by %s\n",
				prog, dir, r.seq, node);
			bad++;
		} else if ((err = ogx_verify_link(&st, &r, id))) {
			fprintf(stderr, "%s: %s: FAILED %s\n", prog, dir, ogx_errmsg(err));
			bad++;
			/* Resynchronise on this record so one break is reported once. */
			st.have = true;
			st.seq = r.seq;
			memcpy(st.digest, id, OGX_DIGEST_LEN);
			memcpy(st.node, r.node, OGX_PK_LEN);
		} else {
			ok++;
			if (verbose) {
				ogx_hex(h, id, OGX_DIGEST_LEN);
				printf("ok  seq %" PRIu64 " %s %s\n", r.seq, ogx_level_name(r.level), h);
			}
		}
		ogx_record_free(&r);
	}
	ogx_spool_iter_close(it);
	if (err < 0) {
		fprintf(stderr, "%s: %s: FAILED reading the spool: %s\n", prog, dir, ogx_errmsg(err));
		bad++;
	}
	if (st.have) {
		ogx_hex(h, st.node, OGX_PK_LEN);
		printf("%s: %" PRIu64 " records verified, %" PRIu64 " failed; seq %" PRIu64 "..%"
		       PRIu64 "%s; node %s\n", dir, ok, bad, first_seq, st.seq,
		       first_seq ? " (a window: the chain before it was not checked)" : "", h);
	} else {
		printf("%s: %" PRIu64 " records verified, %" PRIu64 " failed\n", dir, ok, bad);
	}
	return bad ? 1 : 0;
}
