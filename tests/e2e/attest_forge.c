// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper for tests/e2e/attest-enroll.t: a cheating node's enrolment
 * records, re-signed with the node's real key, so that only the check
 * under test can reject them:
 *
 *	attest_forge attrs REC KEY OUT CLEAR SET     AK attributes &= ~CLEAR, |= SET (hex)
 *	attest_forge take REC KEY OUT OTHER ak|ek|cert   that part from record OTHER
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/enrol.h"
#include "util/err.h"
#include "util/file.h"

static int load(const char *path, struct ogx_enrolment *e)
{
	uint8_t *buf;
	size_t len;
	int err = ogx_read_file(path, OGX_ENROL_MAX, &buf, &len);

	if (!err)
		err = ogx_enrolment_decode(buf, len, e);
	free(buf);
	if (err)
		fprintf(stderr, "attest_forge: %s: %s\n", path, ogx_errmsg(err));
	return err;
}

int main(int argc, char **argv)
{
	struct ogx_enrolment e, o;
	struct ogx_key key;
	uint8_t *buf;
	size_t len;
	int err;

	if (sodium_init() < 0 || argc < 7 || ogx_key_load(argv[3], &key) || load(argv[2], &e))
		return 2;
	if (!strcmp(argv[1], "attrs")) {
		e.ak.publicArea.objectAttributes &= ~strtoul(argv[5], NULL, 16);
		e.ak.publicArea.objectAttributes |= strtoul(argv[6], NULL, 16);
	} else if (!strcmp(argv[1], "take")) {
		if (load(argv[5], &o))
			return 2;
		if (!strcmp(argv[6], "ak")) {
			e.ak = o.ak;
		} else if (!strcmp(argv[6], "ek")) {
			e.ek = o.ek;
		} else if (!strcmp(argv[6], "cert")) {
			free(e.ek_cert);
			e.ek_cert = o.ek_cert;
			e.ek_cert_len = o.ek_cert_len;
			o.ek_cert = NULL;
		} else {
			return 2;
		}
		ogx_enrolment_free(&o);
	} else {
		return 2;
	}
	err = ogx_enrolment_sign(&e, &key, &buf, &len);
	if (!err)
		err = ogx_write_file_atomic(argv[4], buf, len, 0644, 0);
	if (err)
		fprintf(stderr, "attest_forge: %s\n", ogx_errmsg(err));
	return err ? 1 : 0;
}
