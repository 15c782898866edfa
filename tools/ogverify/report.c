// SPDX-License-Identifier: GPL-2.0
/*
 * ogverify report FILE [--vcek F --chain F] [--node-key HEX --nonce HEX]
 *                      [--at TIME|report]
 *
 * Checks one hardware TEE report (runtime/attest/): an AMD SEV-SNP
 * attestation report (1184 bytes; its VCEK and the ASK + ARK chain given
 * beside it) or an AWS Nitro Enclaves attestation document (COSE_Sign1,
 * its chain inside). Format, chain to a pinned vendor root at a time,
 * signature, SNP's TCB; then the binding of its report data to a node key
 * and nonce (attest/bind.h). Lines as every verifier prints them; exit 0
 * when all held, 1 on a failed check, 3 when the report verified but its
 * binding could not be checked (no --node-key and --nonce), 2 on usage.
 */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attest/bind.h"
#include "attest/nitro.h"
#include "attest/snp.h"
#include "ogverify.h"
#include "proof/kmod_evidence.h"
#include "proof/verify.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

static int usage(FILE *f)
{
	fprintf(f, "Usage: %s report FILE [--vcek F --chain F] [--node-key HEX --nonce HEX]\n"
		   "                        [--at TIME|report]\n"
		   "Checks a hardware TEE report: an AMD SEV-SNP attestation report (with its\n"
		   "VCEK, DER or PEM, and the ASK + ARK chain, PEM, as AMD's KDS serves them)\n"
		   "or an AWS Nitro Enclaves attestation document (CBOR, or its base64). The chain\n"
		   "must "
		   "end in a pinned vendor root and be valid at --at (Unix seconds,\n"
		   "YYYY-MM-DDTHH:MM:SSZ, or \"report\": a Nitro document's own timestamp;\n"
		   "default now); with --node-key (Ed25519, 64 hex digits) and --nonce (32\n"
		   "bytes, 64 hex digits: the nonce or log head the node bound) that the\n"
		   "report data binds them. Exit 0 when every check passed, 1 when one failed\n"
		   "(named), 3 when the report verified but no binding was checked, 2 usage.\n",
		prog);
	return f == stdout ? 0 : 2;
}

/* "PROG: FILE: FAILED tee [step]: detail", the verifier's line without a seq. */
static void verdict_line(const char *path, enum ogx_outcome outcome, enum ogx_attest_step step,
			 const char *detail)
{
	fprintf(stderr, "%s: %s: %s %s [%s]: %s\n", prog, path,
		outcome == OGX_FAILED ? "FAILED" : "UNCHECKED", ogx_rule_name(OGX_RULE_TEE),
		ogx_attest_step_name(step), detail);
}

static int parse_at(const char *s, time_t *at, bool *at_report)
{
	struct tm tm = { 0 };
	char *end;
	unsigned long long v;

	*at_report = false;
	if (!strcmp(s, "report")) {
		*at_report = true;
		return 0;
	}
	if (*s >= '0' && *s <= '9' && !strchr(s, '-')) {
		v = strtoull(s, &end, 10);
		if (*end || v > (unsigned long long)INT64_MAX)
			return -EINVAL;
		*at = (time_t)v;
		return 0;
	}
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -EINVAL;
	*at = timegm(&tm);
	return 0;
}

static int read_opt_file(const char *path, uint8_t **buf, size_t *len)
{
	int err;

	*buf = NULL;
	*len = 0;
	if (!path)
		return 0;
	err = ogx_read_file(path, 1 << 20, buf, len);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(err));
	return err;
}

static void print_hex_line(const char *name, const uint8_t *p, size_t n)
{
	char h[2 * 64 + 1];

	ogx_hex(h, p, n);
	printf("  %-12s %s\n", name, h);
}

struct binding {
	bool have;
	uint8_t node[OGX_BIND_NODE_LEN], nonce[OGX_BIND_CONTEXT_LEN];
};

/* The last step: the report data's binding; the exit status. */
static int finish(const char *path, const char *label, const struct binding *b,
		  const uint8_t *data, size_t len, const char *field)
{
	int err;

	if (!b->have) {
		char d[200];

		snprintf(d, sizeof(d), "%s (%s): no --node-key and --nonce given, so its %s binds "
			 "no node checked here", label, "report verified", field);
		verdict_line(path, OGX_UNCHECKED, OGX_ATTEST_BINDING, d);
		printf("%s: the report verified, but its binding to a node is not checked "
		       "(level %s)\n", path, label);
		return OGX_EXIT_UNCHECKED;
	}
	if (!data) {
		verdict_line(path, OGX_FAILED, OGX_ATTEST_BINDING, "the document has no user_data "
			     "(the ogx binding is there)");
		return OGX_EXIT_FAILED;
	}
	err = ogx_attest_binding_check(data, len, field, b->node, b->nonce);
	if (err) {
		verdict_line(path, OGX_FAILED, OGX_ATTEST_BINDING, ogx_errmsg(err));
		return OGX_EXIT_FAILED;
	}
	printf("ok  binding: %s is SHA-512(\"%s\" || 0 || node || nonce)\n", field,
	       OGX_BIND_TAG);
	printf("%s: all checks passed (level %s)\n", path, label);
	return OGX_EXIT_OK;
}

static int check_snp(const char *path, const uint8_t *buf, size_t len, const char *vcek_path,
		     const char *chain_path, time_t at, bool at_report, const struct binding *b)
{
	struct ogx_snp_verify v = { .at = at };
	const struct ogx_snp_report *r = &v.report;
	uint8_t *vcek, *chain;
	char t[32];
	int err, rc;

	if (at_report) {
		fprintf(stderr, "%s: %s: --at report: an SEV-SNP report carries no time; give "
			"--at TIME\n", prog, path);
		return OGX_EXIT_USAGE;
	}
	if (read_opt_file(vcek_path, &vcek, &v.vcek_len))
		return OGX_EXIT_FAILED;
	if (read_opt_file(chain_path, &chain, &v.chain_len)) {
		free(vcek);
		return OGX_EXIT_FAILED;
	}
	v.vcek = vcek;
	v.chain = chain;
	err = ogx_snp_verify(&v, buf, len);
	free(vcek);
	free(chain);
	if (v.failed != OGX_ATTEST_FORMAT) {
		printf("report  %s: AMD SEV-SNP attestation report v%u\n", path, r->version);
		printf("  policy       0x%016" PRIx64 "  vmpl %u  guest_svn %u\n", r->policy,
		       r->vmpl, r->guest_svn);
		printf("  reported_tcb 0x%016" PRIx64 "\n", r->reported_tcb);
		print_hex_line("measurement", r->measurement, 48);
		print_hex_line("report_data", r->report_data, 64);
		print_hex_line("chip_id", r->chip_id, 64);
		printf("ok  format (1184 bytes, version %u, ECDSA P-384)\n", r->version);
	}
	if (v.failed > OGX_ATTEST_CHAIN || !v.failed) {
		ogx_attest_time(t, sizeof(t), at);
		printf("ok  chain: %s (pinned) -> ASK -> VCEK%s%s%s, valid at %s\n", v.root,
		       v.product[0] ? " (" : "", v.product, v.product[0] ? ")" : "", t);
	}
	if (v.failed > OGX_ATTEST_SIGNATURE || !v.failed)
		printf("ok  signature (ECDSA P-384 by the VCEK over bytes 0x000..0x29f)\n");
	if (v.failed > OGX_ATTEST_TCB || !v.failed)
		printf("ok  tcb: %d of the VCEK's TCB extensions match reported_tcb; chip_id %s\n",
		       v.tcb_checked, v.chip_id_checked ? "matches its hwID" :
		       "masked (not compared)");
	if (err) {
		verdict_line(path, OGX_FAILED, v.failed, ogx_errmsg(err));
		return OGX_EXIT_FAILED;
	}
	printf("ok  policy: debugging not allowed\n");
	rc = finish(path, OGX_EVIDENCE_TEE_SNP, b, r->report_data, 64, "report_data");
	return rc;
}

static int check_nitro(const char *path, const uint8_t *buf, size_t len, time_t at,
		       bool at_report, const struct binding *b)
{
	struct ogx_nitro_verify v = { .at = at, .at_document = at_report };
	const struct ogx_nitro_doc *d = &v.doc;
	char t[32];
	int err, rc;

	err = ogx_nitro_verify(&v, buf, len);
	if (v.failed != OGX_ATTEST_FORMAT) {
		ogx_attest_time(t, sizeof(t), (time_t)(d->timestamp_ms / 1000));
		printf("report  %s: AWS Nitro Enclaves attestation document\n", path);
		printf("  module_id    %s\n  timestamp    %s (%" PRIu64 " ms)\n", d->module_id, t,
		       d->timestamp_ms);
		for (int i = 0; i < OGX_NITRO_PCRS; i++) {
			char name[16];

			if (!(d->pcr_mask & (1u << i)) || i > 8)
				continue;
			snprintf(name, sizeof(name), "pcr%d", i);
			print_hex_line(name, d->pcr[i].data, d->pcr[i].len);
		}
		if (d->user_data.data)
			print_hex_line("user_data", d->user_data.data,
				       d->user_data.len > 64 ? 64 : d->user_data.len);
		printf("ok  format (COSE_Sign1, ES384, %zu certificates in the cabundle)\n",
		       d->n_cabundle);
	}
	if (v.failed > OGX_ATTEST_CHAIN || !v.failed) {
		ogx_attest_time(t, sizeof(t), v.checked_at);
		printf("ok  chain: %s (pinned) -> %zu certificates -> certificate, valid at %s%s\n",
		       v.root, d->n_cabundle - 1, t, at_report ? " (the document's time)" : "");
	}
	if (v.failed > OGX_ATTEST_SIGNATURE || !v.failed)
		printf("ok  signature (COSE_Sign1 ES384 by the certificate)\n");
	if (err) {
		verdict_line(path, OGX_FAILED, v.failed, ogx_errmsg(err));
		ogx_nitro_free(&v.doc);
		return OGX_EXIT_FAILED;
	}
	printf("ok  policy: PCR0 measured (not a debug-mode enclave)\n");
	rc = finish(path, OGX_EVIDENCE_TEE_NITRO, b, d->user_data.data, d->user_data.len,
		    "user_data");
	ogx_nitro_free(&v.doc);
	return rc;
}

/*
 * Nitro documents travel as base64 too (NSM clients, OpenGradient's on-chain
 * registrations): a file that is base64 text of a COSE_Sign1 ("hEShATgi...",
 * "0oRE...") is decoded in place. 1 when it was, 0 when the file is not
 * base64 (an SNP report never starts so), -EBADMSG when it starts as one
 * but does not decode.
 */
static int base64_doc(uint8_t **buf, size_t *len)
{
	size_t n = 0;
	uint8_t *bin;

	if (*len < 4 || (memcmp(*buf, "hE", 2) && memcmp(*buf, "0oR", 3)))
		return 0;
	bin = malloc(*len);
	if (!bin)
		return -ENOMEM;
	if (sodium_base642bin(bin, *len, (const char *)*buf, *len, " \t\r\n", &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL)) {
		free(bin);
		return -EBADMSG;
	}
	free(*buf);
	*buf = bin;
	*len = n;
	return 1;
}

int report_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vcek", required_argument, NULL, 'v' },
		{ "chain", required_argument, NULL, 'c' },
		{ "node-key", required_argument, NULL, 'k' },
		{ "nonce", required_argument, NULL, 'n' },
		{ "at", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *vcek = NULL, *chain = NULL, *node = NULL, *nonce = NULL, *path;
	struct binding b = { 0 };
	time_t at = time(NULL);
	bool at_report = false;
	uint8_t *buf;
	size_t len;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'v': vcek = optarg; break;
		case 'c': chain = optarg; break;
		case 'k': node = optarg; break;
		case 'n': nonce = optarg; break;
		case 'a':
			if (parse_at(optarg, &at, &at_report)) {
				fprintf(stderr, "%s: --at: want Unix seconds, YYYY-MM-DDTHH:MM:SSZ "
					"or report\n", prog);
				return OGX_EXIT_USAGE;
			}
			break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (optind != argc - 1)
		return usage(stderr);
	path = argv[optind];
	if (!node != !nonce) {
		fprintf(stderr, "%s: --node-key and --nonce go together (the binding is of both)\n",
			prog);
		return OGX_EXIT_USAGE;
	}
	if (node) {
		if (strlen(node) != 2 * OGX_BIND_NODE_LEN ||
		    ogx_unhex(b.node, OGX_BIND_NODE_LEN, node)) {
			fprintf(stderr, "%s: --node-key: want %d hex digits\n", prog,
				2 * OGX_BIND_NODE_LEN);
			return OGX_EXIT_USAGE;
		}
		if (strlen(nonce) != 2 * OGX_BIND_CONTEXT_LEN ||
		    ogx_unhex(b.nonce, OGX_BIND_CONTEXT_LEN, nonce)) {
			fprintf(stderr, "%s: --nonce: want %d hex digits\n", prog,
				2 * OGX_BIND_CONTEXT_LEN);
			return OGX_EXIT_USAGE;
		}
		b.have = true;
	}
	rc = ogx_read_file(path, 2 * OGX_NITRO_DOC_MAX, &buf, &len);
	if (rc) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(rc));
		return OGX_EXIT_FAILED;
	}
	rc = base64_doc(&buf, &len);
	if (rc < 0) {
		verdict_line(path, OGX_FAILED, OGX_ATTEST_FORMAT, rc == -EBADMSG ?
			     "nitro document: base64 text (\"hE...\") that does not decode" :
			     strerror(-rc));
		free(buf);
		return OGX_EXIT_FAILED;
	}
	if (rc)
		printf("%s: base64, decoded to %zu bytes\n", path, len);
	/* A COSE_Sign1 starts with tag 18 (0xd2) or its array (0x84); an SNP report with its version. */
	if (len && (buf[0] == 0xd2 || buf[0] == 0x84)) {
		if (vcek || chain) {
			fprintf(stderr, "%s: %s: a Nitro document carries its chain; --vcek and "
				"--chain are for SEV-SNP reports\n", prog, path);
			free(buf);
			return OGX_EXIT_USAGE;
		}
		rc = check_nitro(path, buf, len, at, at_report, &b);
	} else {
		rc = check_snp(path, buf, len, vcek, chain, at, at_report, &b);
	}
	free(buf);
	return rc;
}
