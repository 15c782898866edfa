// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun attest enroll [--tcti T] [--key F] [--ak F] -o RECORD
 * ogrun attest enroll [--tcti T] [--ak F] --activate CHALLENGE -o ANSWER
 *
 * The node's half of the enrolment (runtime/attest/enrol.h): the first form
 * creates the AK under the EK when $OGX_HOME/tpm-ak does not exist, reads
 * the EK certificate from NV 0x01c00002 and writes the enrolment record
 * signed by the node key; the second recovers a verifier's credential with
 * TPM2_ActivateCredential and writes it (hex) for the verifier.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/enrol.h"
#include "attest/tpm.h"
#include "ogrun.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/home.h"

static int usage(FILE *f)
{
	fprintf(f, "Usage: %s attest enroll [--tcti T] [--key F] [--ak F] -o RECORD\n"
		   "       %s attest enroll [--tcti T] [--ak F] --activate CHALLENGE -o ANSWER\n",
		prog, prog);
	return f == stdout ? 0 : 2;
}

static int write_record(struct ogx_tpm *t, const char *key_path, const char *out)
{
	struct ogx_enrolment e = { 0 };
	struct ogx_key key;
	uint8_t *buf;
	size_t len;
	int err;

	if ((err = ogx_key_load(key_path, &key)))
		return ogx_fail(err, "%s: %s", key_path, ogx_errmsg(err));
	err = ogx_tpm_ek_cert(t, &e.ek_cert, &e.ek_cert_len);
	if (!err) {
		e.ek = t->ek_pub;
		e.ak = t->ak_pub;
		err = ogx_enrolment_sign(&e, &key, &buf, &len);
	}
	ogx_key_free(&key);
	ogx_enrolment_free(&e);
	if (err)
		return err;
	err = ogx_write_file_atomic(out, buf, len, 0644, 0);
	free(buf);
	if (err)
		return ogx_fail(err, "%s: %s", out, ogx_errmsg(err));
	return 0;
}

static int activate(struct ogx_tpm *t, const char *chal, const char *out)
{
	TPM2B_ENCRYPTED_SECRET secret;
	TPM2B_ID_OBJECT blob;
	uint8_t *buf, cred[64];
	char hex[2 * sizeof(cred) + 2];
	size_t len;
	int err = ogx_read_file(chal, OGX_CHALLENGE_MAX, &buf, &len);

	if (err)
		return ogx_fail(err, "%s: %s", chal, ogx_errmsg(err));
	err = ogx_challenge_decode(buf, len, &blob, &secret);
	free(buf);
	if (err)
		return ogx_fail(err, "%s: %s", chal, ogx_errmsg(err));
	if ((err = ogx_tpm_activate(t, &blob, &secret, cred, &len)))
		return err;
	ogx_hex(hex, cred, len);
	strcat(hex, "\n");
	err = ogx_write_file_atomic(out, hex, strlen(hex), 0600, 0);
	if (err)
		return ogx_fail(err, "%s: %s", out, ogx_errmsg(err));
	return 0;
}

int attest_enroll_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tcti", required_argument, NULL, 't' },
		{ "key", required_argument, NULL, 'k' },
		{ "ak", required_argument, NULL, 'a' },
		{ "activate", required_argument, NULL, 'A' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *tcti = NULL, *chal = NULL, *out = NULL;
	char key[PATH_MAX], ak[PATH_MAX], name[2 * OGX_TPM_NAME_LEN + 1];
	struct ogx_tpm t;
	int c, err;

	if (ogx_default_path(key, sizeof(key), "node.key") ||
	    ogx_default_path(ak, sizeof(ak), OGX_TPM_AK_FILE))
		return 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': tcti = optarg; break;
		case 'k': snprintf(key, sizeof(key), "%s", optarg); break;
		case 'a': snprintf(ak, sizeof(ak), "%s", optarg); break;
		case 'A': chal = optarg; break;
		case 'o': out = optarg; break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (optind != argc || !out)
		return usage(stderr);
	if ((err = ogx_tpm_open(&t, tcti))) {
		fprintf(stderr, "%s: attest enroll: %s\n", prog, ogx_errmsg(err));
		return 1;
	}
	err = ogx_tpm_load_ak(&t, ak, !chal);
	if (!err)
		err = chal ? activate(&t, chal, out) : write_record(&t, key, out);
	if (!err && !chal) {
		uint8_t n[OGX_TPM_NAME_LEN];

		err = ogx_tpmpub_name(&t.ak_pub, n);
		ogx_hex(name, n, sizeof(n));
		if (!err)
			printf("%s: enrolment record for AK %s (give it to a verifier: ogverify "
			       "enroll)\n", out, name);
	} else if (!err) {
		printf("%s: credential recovered by the TPM (give it to the verifier)\n", out);
	}
	ogx_tpm_close(&t);
	if (err) {
		fprintf(stderr, "%s: attest enroll: %s\n", prog, ogx_errmsg(err));
		return 1;
	}
	return 0;
}
