// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the proof record decoder and the verifier's rules.
 * Whatever the decoder accepts must re-encode to the same bytes and survive
 * the rules (signature, recipe parser, level and kernel evidence checks,
 * chain start) without crashing; its x402 payment evidence (key 15) then
 * goes through the reader ogsubmit settles from, and an accepted
 * authorization through the calldata encoder. Seeds: tests/fuzz/corpus/
 * record_fuzz, with the forged corpus of tests/e2e/forge.c (forged-*).
 */
#include <stdlib.h>
#include <string.h>

#include "chain/eip3009.h"
#include "proof/record.h"
#include "proof/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ogx_chain_state st = { 0 };
	struct ogx_verdict v;
	struct ogx_record r;
	struct ogx_eip3009_auth a;
	uint8_t call[OGX_EIP3009_TRANSFER_LEN];
	uint8_t *again;
	size_t alen;

	if (ogx_record_decode(data, len, &r))
		return 0;
	if (ogx_record_encode(&r, true, &again, &alen) || alen != len ||
	    memcmp(again, data, len))
		abort();
	free(again);
	if (!ogx_eip3009_from_record(&r, &a))
		(void)ogx_eip3009_transfer_call(&a, call);
	ogx_record_free(&r);
	/* The rules on the same bytes, linked twice (a duplicate to the chain rules). */
	for (int i = 0; i < 2; i++) {
		uint8_t digest[OGX_DIGEST_LEN];

		if (!ogx_verify_next(&st, data, len, NULL, &r, digest, &v))
			ogx_record_free(&r);
	}
	return 0;
}
