// SPDX-License-Identifier: GPL-2.0
/*
 * ogverify record FILE|- [--input F] [--output F] [--model F] [--params F]
 *                        [--prev FILE] [--node HEX] [--batch B [--index I --path P]]
 *
 * Checks one record: strict schema, signature, and — when given the bytes —
 * that the input, output, model and parameter digests are those of the files,
 * that it links to the previous record, and that it is signed by an expected
 * node, and that it is in a batch (an inclusion proof: chain.c). The first
 * failed check is named on stderr; exit 1.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ogverify.h"
#include "proof/verify.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

void print_record(const struct ogx_record *r, const uint8_t id[OGX_DIGEST_LEN])
{
	char h[2 * OGX_DIGEST_LEN + 1];

	ogx_hex(h, id, OGX_DIGEST_LEN);
	printf("record  %s\n", h);
	printf("  seq      %" PRIu64 "\n  level    %s\n", r->seq, ogx_level_name(r->level));
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
	printf("  params   %s\n", h);
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

/* Compare a digest in the record with the SHA-256 of a file. */
static int check_file_digest(const char *what, const char *path,
			     const uint8_t want[OGX_DIGEST_LEN])
{
	uint8_t got[OGX_DIGEST_LEN];
	char gh[2 * OGX_DIGEST_LEN + 1], wh[2 * OGX_DIGEST_LEN + 1];
	int err = ogx_sha256_file(got, path);

	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(err));
		return 1;
	}
	if (memcmp(got, want, OGX_DIGEST_LEN)) {
		ogx_hex(gh, got, OGX_DIGEST_LEN);
		ogx_hex(wh, want, OGX_DIGEST_LEN);
		fprintf(stderr, "%s: FAILED %s digest: %s has %.16s..., record says %.16s...\n",
			prog, what, path, gh, wh);
		return 1;
	}
	printf("ok  %s digest matches %s\n", what, path);
	return 0;
}

static int usage(FILE *f)
{
	fprintf(f, "Usage: %s record FILE|- [--input F] [--output F] [--model F] [--params F]\n"
		   "                        [--prev FILE] [--node HEX] [--batch B [--index I --path P]]\n",
		prog);
	return f == stdout ? 0 : 2;
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
	if (node && ogx_unhex(pk, OGX_PK_LEN, node)) {
		fprintf(stderr, "%s: --node: want %d hex digits\n", prog, 2 * OGX_PK_LEN);
		return 2;
	}
	if (load_record(path, &buf, &len))
		return 1;
	ogx_record_digest(buf, len, id);
	err = ogx_record_decode(buf, len, &r);
	if (err) {
		fprintf(stderr, "%s: %s: FAILED schema: %s\n", prog, path, ogx_errmsg(err));
		free(buf);
		return 1;
	}
	free(buf);
	print_record(&r, id);
	printf("ok  schema (record v%u, deterministic CBOR)\n", r.version);
	err = ogx_record_verify(&r);
	if (err) {
		fprintf(stderr, "%s: %s: FAILED signature: %s\n", prog, path, ogx_errmsg(err));
		ogx_record_free(&r);
		return 1;
	}
	printf("ok  signature (Ed25519 by the node key)\n");
	if (node) {
		if (memcmp(pk, r.node, OGX_PK_LEN)) {
			fprintf(stderr, "%s: %s: FAILED node: signed by another key than %s\n", prog,
				path, node);
			bad = 1;
		} else {
			printf("ok  node is %s\n", node);
		}
	}
	if (!bad && prev) {
		struct ogx_chain_state st = { 0 };
		struct ogx_record p;
		uint8_t *pbuf, pid[OGX_DIGEST_LEN];
		size_t plen;

		if (load_record(prev, &pbuf, &plen)) {
			bad = 1;
		} else {
			ogx_record_digest(pbuf, plen, pid);
			err = ogx_verify_record(pbuf, plen, &p);
			free(pbuf);
			if (err) {
				fprintf(stderr, "%s: %s: FAILED previous record: %s\n", prog, prev,
					ogx_errmsg(err));
				bad = 1;
			} else {
				ogx_verify_link(&st, &p, pid);
				err = ogx_verify_link(&st, &r, id);
				ogx_record_free(&p);
				if (err) {
					fprintf(stderr, "%s: %s: FAILED chain: %s\n", prog, path,
						ogx_errmsg(err));
					bad = 1;
				} else {
					printf("ok  chain: follows seq %" PRIu64 "\n", r.seq - 1);
				}
			}
		}
	}
	if (!bad && input)
		bad = check_file_digest("input", input, r.input);
	if (!bad && output)
		bad = check_file_digest("output", output, r.output);
	if (!bad && model)
		bad = check_file_digest("model", model, r.model);
	if (!bad && params)
		bad = check_file_digest("params", params, r.params);
	if (!bad && batch)
		bad = record_in_batch(id, batch, index, mpath);
	ogx_record_free(&r);
	if (!bad)
		printf("%s: all checks passed\n", path);
	return bad;
}
