// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun tee-report -o FILE [--nonce HEX] [--key FILE] [--tsm DIR]
 *
 * In an SEV-SNP or TDX guest: a hardware report whose report data binds
 * this node (attest/bind.h: its key, and the verifier's nonce or else the
 * head of ogx.ko's log), fetched through configfs-tsm (attest/tsm.h) and
 * written to FILE, for `ogverify report`. Untested on hardware: no such
 * guest is available to the project (Documentation/attestation.md).
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "attest/bind.h"
#include "attest/tsm.h"
#include "ogrun.h"
#include "proof/key.h"
#include "proof/kmod.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/home.h"

static int usage(FILE *f)
{
	fprintf(f, "Usage: %s tee-report -o FILE [--nonce HEX] [--key FILE] [--tsm DIR]\n"
		   "Fetches an SEV-SNP or TDX report through configfs-tsm (%s) whose\n"
		   "report data binds the node key (default $OGX_HOME/node.key) and the nonce\n"
		   "(64 hex digits), or without --nonce the head of ogx.ko's event log, and\n"
		   "writes it to FILE; check it with ogverify report.\n", prog, OGX_TSM_REPORT_DIR);
	return f == stdout ? 0 : 2;
}

/* The context without --nonce: ogx.ko's chain head. */
static int log_head(uint8_t head[OGX_BIND_CONTEXT_LEN])
{
	struct ogx_kmod k;
	struct ogx_info info;
	int err = ogx_kmod_open(&k, NULL);

	if (err)
		return err;
	err = ogx_kmod_info(&k, &info);
	ogx_kmod_close(&k);
	if (err)
		return ogx_fail(err, "%s: INFO: %s", OGX_KMOD_DEV, strerror(-err));
	memcpy(head, info.head, OGX_BIND_CONTEXT_LEN);
	return 0;
}

int tee_report_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nonce", required_argument, NULL, 'n' },
		{ "key", required_argument, NULL, 'k' },
		{ "tsm", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *out = NULL, *nonce = NULL, *key_path = NULL, *tsm = NULL;
	uint8_t context[OGX_BIND_CONTEXT_LEN], data[OGX_BIND_LEN];
	char path[PATH_MAX], h[2 * OGX_BIND_LEN + 1];
	struct ogx_tsm_report rep;
	struct ogx_key key;
	int c, err;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'n': nonce = optarg; break;
		case 'k': key_path = optarg; break;
		case 't': tsm = optarg; break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (optind != argc || !out)
		return usage(stderr);
	if (nonce && (strlen(nonce) != 2 * OGX_BIND_CONTEXT_LEN ||
		      ogx_unhex(context, OGX_BIND_CONTEXT_LEN, nonce))) {
		fprintf(stderr, "%s: --nonce: want %d hex digits\n", prog, 2 * OGX_BIND_CONTEXT_LEN);
		return 2;
	}
	if (key_path)
		snprintf(path, sizeof(path), "%s", key_path);
	else if (ogx_default_path(path, sizeof(path), "node.key"))
		return 1;
	if ((err = ogx_key_load(path, &key))) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(err));
		return 1;
	}
	if (!nonce && (err = log_head(context))) {
		fprintf(stderr, "%s: no --nonce, and the log head is not readable: %s\n", prog,
			ogx_errmsg(err));
		ogx_key_free(&key);
		return 1;
	}
	ogx_attest_binding(data, key.pk, context);
	ogx_key_free(&key);
	err = ogx_tsm_report_get(tsm, data, &rep);
	if (err) {
		fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
		return 1;
	}
	err = ogx_write_file_atomic(out, rep.outblob, rep.outblob_len, 0644, 0);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, out, ogx_errmsg(err));
		ogx_tsm_report_free(&rep);
		return 1;
	}
	ogx_hex(h, data, OGX_BIND_LEN);
	printf("%s: %zu bytes from %s (generation %llu)\n  report_data %s\n", out,
	       rep.outblob_len, rep.provider, (unsigned long long)rep.generation, h);
	ogx_hex(h, context, OGX_BIND_CONTEXT_LEN);
	printf("  %s %s\n", nonce ? "nonce      " : "log head   ", h);
	ogx_tsm_report_free(&rep);
	return 0;
}
