// SPDX-License-Identifier: GPL-2.0
/*
 * ogverify quote --enrolment RECORD [--ca PEM]... [--checkpoint HEX] [-v]
 *                QUOTE NONCE [QUOTE NONCE]...
 *
 * Checks TPM quotes of ogx.ko's PCR (runtime/attest/quote.h), oldest first,
 * each against the nonce (or batch root) it was asked for: the quote is the
 * enrolled node's, signed by its enrolled AK (ECDSA P-256, OpenSSL), magic
 * TPM_GENERATED_VALUE and type TPM_ST_ATTEST_QUOTE, extraData the
 * qualifyingData recipe, the SHA-256 bank's PCRs 0-7 and the module's PCR,
 * the exported log replays, and the module's PCR replayed from the
 * checkpoint over some prefix of the log gives the quoted digest; between
 * quotes, resetCount, restartCount and the clock never go back. The
 * enrolment record is one this verifier kept (ogverify enroll): its
 * signature and AK are checked again, and with --ca its EK certificate
 * chain too. --checkpoint pins the PCR value the first quote's log must
 * start from (a value an earlier verified quote reported).
 *
 * Each quote gets one line: "QUOTE: verified: ..." on stdout, or
 * "ogverify: QUOTE: FAILED quote [field]: detail" on stderr. Exit 0 when
 * every quote verified, 1 when one failed, 2 on usage.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/quote.h"
#include "ogverify.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

#define MAX_CA 16

static int usage(FILE *f)
{
	fprintf(f, "Usage: %s quote --enrolment RECORD [--ca PEM]... [--checkpoint HEX] [-v]\n"
		   "                QUOTE NONCE [QUOTE NONCE]...\n"
		   "Checks TPM quotes of ogx.ko's PCR, oldest first, each with the nonce (or\n"
		   "batch root) it answers, against an enrolled AK, and replays the module's PCR\n"
		   "from the exported log. Exit 0 when every quote verified, 1 when one failed\n"
		   "(named), 2 on usage.\n", prog);
	return f == stdout ? 0 : 2;
}

static void failed(const char *where, const char *rule, const char *field, int err)
{
	fprintf(stderr, "%s: %s: FAILED %s [%s]: %s\n", prog, where, rule, field,
		ogx_errmsg(err));
}

static int load_enrolment(const char *path, const char *const *ca, size_t n_ca,
			  struct ogx_enrolment *e)
{
	struct ogx_enrol_check chk;
	X509_STORE *cas = NULL;
	uint8_t *buf;
	size_t len;
	int err = ogx_read_file(path, OGX_ENROL_MAX, &buf, &len);

	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(err));
		return err;
	}
	err = ogx_enrolment_decode(buf, len, e);
	free(buf);
	if (err) {
		failed(path, "enrolment", "record", err);
		return err;
	}
	if (n_ca && (err = ogx_ca_store_load(ca, n_ca, &cas))) {
		fprintf(stderr, "%s: quote: %s\n", prog, ogx_errmsg(err));
		ogx_enrolment_free(e);
		return err;
	}
	err = ogx_enrolment_check(e, cas, &chk);
	X509_STORE_free(cas);
	if (err) {
		failed(path, "enrolment", chk.field, err);
		ogx_enrolment_free(e);
		return err;
	}
	return 0;
}

static void report(const char *path, const struct ogx_quote *q,
		   const struct ogx_quote_result *r, int verbose)
{
	char h[65];
	uint8_t d[32];

	ogx_hex(h, r->pcr_value, 32);
	if (!q->n)
		printf("%s: verified: PCR %u = the checkpoint (no events exported)", path, q->pcr);
	else if (!r->covered)
		printf("%s: verified: PCR %u = the checkpoint; the log's %zu events (seq %" PRIu64
		       "..) came after the quote", path, q->pcr, q->n, r->first_seq);
	else
		printf("%s: verified: PCR %u covers events seq %" PRIu64 "..%" PRIu64
		       " (%zu of the %zu exported%s)", path, q->pcr, r->first_seq,
		       r->first_seq + r->covered - 1, r->covered, q->n,
		       r->from_boot ? ", from boot" : "");
	printf("; clock %" PRIu64 " ms, resetCount %" PRIu64 ", restartCount %" PRIu64 "%s\n",
	       r->clock, r->reset_count, r->restart_count, r->safe ? "" : " (clock not safe)");
	printf("  checkpoint: PCR %u = %s\n", q->pcr, h);
	ogx_sha256(d, q->boot, sizeof(q->boot));
	ogx_hex(h, d, 32);
	printf("  boot PCRs 0-7: SHA-256 of their values %s (not checked against a policy)\n", h);
	if (verbose)
		for (int i = 0; i < 8; i++) {
			ogx_hex(h, q->boot[i], 32);
			printf("    PCR %d = %s\n", i, h);
		}
}

int quote_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "enrolment", required_argument, NULL, 'e' },
		{ "ca", required_argument, NULL, 'c' },
		{ "checkpoint", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *ca[MAX_CA], *enrol = NULL, *cp_hex = NULL;
	struct ogx_quote_result prev = { 0 }, res;
	uint8_t checkpoint[32], nonce[OGX_QUOTE_NONCE_LEN];
	struct ogx_enrolment e;
	size_t n_ca = 0;
	int c, verbose = 0, bad = 0, have_prev = 0;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'e': enrol = optarg; break;
		case 'c':
			if (n_ca == MAX_CA) {
				fprintf(stderr, "%s: quote: at most %d --ca\n", prog, MAX_CA);
				return 2;
			}
			ca[n_ca++] = optarg;
			break;
		case 'p': cp_hex = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (!enrol || optind >= argc || (argc - optind) % 2)
		return usage(stderr);
	if (cp_hex && ogx_unhex(checkpoint, sizeof(checkpoint), cp_hex)) {
		fprintf(stderr, "%s: quote: --checkpoint wants 64 hex digits\n", prog);
		return 2;
	}
	for (int i = optind + 1; i < argc; i += 2)
		if (ogx_unhex(nonce, sizeof(nonce), argv[i])) {
			fprintf(stderr, "%s: quote: %s: a nonce (or batch root) is %zu hex digits\n",
				prog, argv[i], 2 * sizeof(nonce));
			return 2;
		}
	if (load_enrolment(enrol, ca, n_ca, &e))
		return 1;
	for (int i = optind; i < argc; i += 2) {
		const char *path = argv[i];
		struct ogx_quote q;
		uint8_t *buf;
		size_t len;
		int err = ogx_read_file(path, OGX_QUOTE_MAX, &buf, &len);

		if (err) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(err));
			bad++;
			continue;
		}
		ogx_cannot_fail(ogx_unhex(nonce, sizeof(nonce), argv[i + 1])); /* checked above */
		err = ogx_quote_decode(buf, len, &q);
		free(buf);
		if (err) {
			failed(path, "quote", "bundle", err);
			bad++;
			continue;
		}
		err = ogx_quote_verify(&q, &e, nonce, &res);
		if (err) {
			failed(path, "quote", res.field, err);
		} else if (i == optind && cp_hex && memcmp(q.from, checkpoint, 32)) {
			err = ogx_fail(-EBADMSG, "the log starts from another PCR value than "
				       "--checkpoint");
			failed(path, "quote", "from", err);
		} else if (have_prev && (err = ogx_quote_follows(&prev, &res))) {
			failed(path, "quote", "clockInfo", err);
		} else {
			report(path, &q, &res, verbose);
			prev = res;
			have_prev = 1;
		}
		bad += !!err;
		ogx_quote_free(&q);
	}
	ogx_enrolment_free(&e);
	return bad ? 1 : 0;
}
