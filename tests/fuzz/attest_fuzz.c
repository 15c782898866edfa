// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the attestation files' decoders (runtime/attest/): the
 * enrolment record, the credential challenge, the quote bundle. The first
 * byte picks the decoder, the rest is its input. Whatever a decoder accepts
 * must re-encode to the same bytes; an accepted record then goes through
 * the verifier's offline checks (signature, AK and EK publics, the EK
 * certificate's DER through OpenSSL), an accepted quote through
 * ogx_quote_verify() against an enrolment of its own node (signature
 * parse, ECDSA). Seeds: tests/fuzz/corpus/attest_fuzz (from swtpm runs).
 */
#include <stdlib.h>
#include <string.h>

#include "attest/enrol.h"
#include "attest/quote.h"

static void enrolment(const uint8_t *data, size_t len)
{
	struct ogx_enrolment e;
	struct ogx_enrol_check c;

	if (ogx_enrolment_decode(data, len, &e))
		return;
	(void)ogx_enrolment_check(&e, NULL, &c);
	ogx_enrolment_free(&e);
}

static void challenge(const uint8_t *data, size_t len)
{
	TPM2B_ENCRYPTED_SECRET secret;
	TPM2B_ID_OBJECT blob;
	uint8_t *again;
	size_t alen;

	if (ogx_challenge_decode(data, len, &blob, &secret))
		return;
	if (ogx_challenge_encode(&blob, &secret, &again, &alen) || alen != len ||
	    memcmp(again, data, len))
		abort();
	free(again);
}

static void quote(const uint8_t *data, size_t len)
{
	struct ogx_enrolment e = { 0 };
	struct ogx_quote_result res;
	static const uint8_t nonce[32];
	struct ogx_quote q;
	uint8_t *again;
	size_t alen;

	if (ogx_quote_decode(data, len, &q))
		return;
	if (ogx_quote_encode(&q, &again, &alen) || alen != len || memcmp(again, data, len))
		abort();
	free(again);
	memcpy(e.node, q.node, sizeof(e.node));
	ogx_tpmpub_ak_template(&e.ak);
	e.ak.publicArea.unique.ecc.x.size = 32;
	e.ak.publicArea.unique.ecc.y.size = 32;
	(void)ogx_quote_verify(&q, &e, nonce, &res);
	ogx_quote_free(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (!len)
		return 0;
	switch (data[0] % 3) {
	case 0: enrolment(data + 1, len - 1); break;
	case 1: challenge(data + 1, len - 1); break;
	case 2: quote(data + 1, len - 1); break;
	}
	return 0;
}
