// SPDX-License-Identifier: GPL-2.0
/*
 * ogverify enroll RECORD --ca PEM [--ca PEM]... --challenge CHAL
 * ogverify enroll RECORD --ca PEM [--ca PEM]... --challenge CHAL --answer ANSWER
 *                        [--keep FILE]
 *
 * The verifier's half of the enrolment (runtime/attest/enrol.h). Both forms
 * check the record: the node's signature, the AK's attributes (restricted,
 * sign, fixedTPM, fixedParent, sensitiveDataOrigin, not decrypt; ECDSA
 * P-256), the EK's template, the EK certificate's key = the EK, and its
 * chain to the CA store. The first then makes a random credential for the
 * AK's name to the EK (in software: attest/credential.h) and writes the
 * challenge to CHAL and the credential to CHAL.secret (0600, this
 * verifier's). The second compares the node's answer (ogrun attest enroll
 * --activate) with CHAL.secret: equal only if the AK lives in the TPM of
 * the EK; then the record is enrolled (and copied to --keep).
 *
 * Failures: "ogverify: RECORD: FAILED enrolment [field]: detail", exit 1;
 * usage exit 2.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "attest/credential.h"
#include "attest/enrol.h"
#include "ogverify.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

#define MAX_CA 16

static int usage(FILE *f)
{
	fprintf(f, "Usage: %s enroll RECORD --ca PEM [--ca PEM]... --challenge CHAL\n"
		   "       %s enroll RECORD --ca PEM [--ca PEM]... --challenge CHAL --answer ANSWER"
		   " [--keep FILE]\n"
		   "Checks a node's enrolment record (signature, AK attributes, EK certificate\n"
		   "chain); writes a credential challenge for its AK, or checks the answer the\n"
		   "node's TPM gave and keeps the record. Exit 0 when every check passed, 1 when\n"
		   "one failed (named), 2 on usage.\n", prog, prog);
	return f == stdout ? 0 : 2;
}

static int failed(const char *where, const char *field, int err)
{
	fprintf(stderr, "%s: %s: FAILED enrolment [%s]: %s\n", prog, where, field,
		ogx_errmsg(err));
	return 1;
}

static int challenge(const struct ogx_enrolment *e, const char *chal)
{
	TPM2B_ENCRYPTED_SECRET secret;
	TPM2B_ID_OBJECT blob;
	uint8_t cred[OGX_CREDENTIAL_LEN], *buf;
	char path[PATH_MAX], hex[2 * OGX_CREDENTIAL_LEN + 2];
	size_t len;
	int err;

	if (RAND_bytes(cred, sizeof(cred)) != 1)
		return ogx_fail(-EIO, "no random credential");
	err = ogx_make_credential(&e->ek, e->ak_name, cred, sizeof(cred), &blob, &secret);
	ogx_hex(hex, cred, sizeof(cred));
	OPENSSL_cleanse(cred, sizeof(cred));
	strcat(hex, "\n");
	if (!err)
		err = ogx_challenge_encode(&blob, &secret, &buf, &len);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s.secret", chal);
	err = ogx_write_file_atomic(path, hex, strlen(hex), 0600, 0);
	OPENSSL_cleanse(hex, sizeof(hex));
	if (err)
		err = ogx_fail(err, "%s: %s", path, ogx_errmsg(err));
	if (!err && (err = ogx_write_file_atomic(chal, buf, len, 0644, 0)))
		err = ogx_fail(err, "%s: %s", chal, ogx_errmsg(err));
	free(buf);
	return err;
}

static int answer(const char *chal, const char *ans)
{
	uint8_t want[OGX_CREDENTIAL_LEN], got[OGX_CREDENTIAL_LEN], *buf = NULL;
	char path[PATH_MAX];
	size_t len;
	int err, same;

	snprintf(path, sizeof(path), "%s.secret", chal);
	if ((err = ogx_read_secret_hex(path, want, sizeof(want), false)))
		return ogx_fail(err, "%s: %s", path, err == -EBADMSG ? "not a credential"
								      : ogx_errmsg(err));
	err = ogx_read_file(ans, 2 * sizeof(got) + 2, &buf, &len);
	if (err)
		return ogx_fail(err, "%s: %s", ans, ogx_errmsg(err));
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	err = len != 2 * sizeof(got) || ogx_unhex(got, sizeof(got), (char *)buf);
	free(buf);
	if (err)
		return ogx_fail(-EBADMSG, "%s: not a %zu-byte credential in hex", ans, sizeof(got));
	same = !CRYPTO_memcmp(want, got, sizeof(want));
	OPENSSL_cleanse(want, sizeof(want));
	if (!same)
		return ogx_fail(-EBADMSG, "the answer is not the challenge's credential: the AK "
				"is not in the TPM of the certified EK");
	return 0;
}

int enroll_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ca", required_argument, NULL, 'c' },
		{ "challenge", required_argument, NULL, 'C' },
		{ "answer", required_argument, NULL, 'a' },
		{ "keep", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *ca[MAX_CA], *chal = NULL, *ans = NULL, *keep = NULL, *path;
	char name[2 * OGX_TPM_NAME_LEN + 1], node[2 * OGX_PK_LEN + 1];
	struct ogx_enrolment e;
	struct ogx_enrol_check chk;
	X509_STORE *cas = NULL;
	uint8_t *buf = NULL;
	size_t n_ca = 0, len;
	int c, err, rc = 1;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (n_ca == MAX_CA) {
				fprintf(stderr, "%s: enroll: at most %d --ca\n", prog, MAX_CA);
				return 2;
			}
			ca[n_ca++] = optarg;
			break;
		case 'C': chal = optarg; break;
		case 'a': ans = optarg; break;
		case 'k': keep = optarg; break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (optind != argc - 1 || !n_ca || !chal || (keep && !ans))
		return usage(stderr);
	path = argv[optind];
	if ((err = ogx_ca_store_load(ca, n_ca, &cas))) {
		fprintf(stderr, "%s: enroll: %s\n", prog, ogx_errmsg(err));
		return 1;
	}
	err = ogx_read_file(path, OGX_ENROL_MAX, &buf, &len);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(err));
		goto out;
	}
	if ((err = ogx_enrolment_decode(buf, len, &e))) {
		rc = failed(path, "record", err);
		goto out;
	}
	if ((err = ogx_enrolment_check(&e, cas, &chk)))
		rc = failed(path, chk.field, err);
	else if (!ans && (err = challenge(&e, chal)))
		rc = failed(path, "challenge", err);
	else if (ans && (err = answer(chal, ans)))
		rc = failed(path, "activation", err);
	else if (keep && (err = ogx_write_file_atomic(keep, buf, len, 0644, 0)))
		fprintf(stderr, "%s: %s: %s\n", prog, keep, ogx_errmsg(err));
	else
		rc = 0;
	if (!rc) {
		ogx_hex(name, e.ak_name, sizeof(e.ak_name));
		ogx_hex(node, e.node, sizeof(e.node));
		if (ans)
			printf("%s: enrolled: node %s, AK %s, EK certified by %s\n", path, node,
			       name, chk.issuer);
		else
			printf("%s: checked (EK certified by %s); challenge for AK %s written to %s\n",
			       path, chk.issuer, name, chal);
	}
	ogx_enrolment_free(&e);
out:
	free(buf);
	X509_STORE_free(cas);
	return rc;
}
