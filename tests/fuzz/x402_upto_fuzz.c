// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the x402 v2 upto (Permit2) payment header decoder
 * (base64, JSON, the permit's fields). Whatever it accepts is checked
 * against a configuration (EIP-712 digest, ecrecover), charged and turned
 * into record evidence, which must encode; whatever it refuses has a code.
 */
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"
#include "serve/x402_upto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const struct ogx_x402_config cfg = {
		.enabled = true, .chain_id = 8453, .max_timeout_s = 3600,
	};
	struct ogx_x402_upto_config u;
	struct x402_upto p;
	struct x402_reject rej = { 0 };
	struct ogx_ext ext = { 0 };
	char *hdr = malloc(len + 1);

	if (!hdr)
		return 0;
	memcpy(hdr, data, len);
	hdr[len] = 0;
	ogx_x402_upto_config_init(&u);
	if (!ogx_x402_upto_decode(hdr, &p, &rej)) {
		if (ogx_x402_upto_check(&cfg, &u, &p, 1000, 1765000000, &rej) && !rej.code)
			abort();
		if (!ogx_x402_upto_charge(&p, 999, &rej)) {
			if (ogx_x402_upto_evidence(&cfg, &p, &ext))
				abort();
			for (size_t i = 0; i < ext.n; i++)
				free(ext.e[i].data);
		}
	} else if (!rej.code || !rej.code[0]) {
		abort();
	}
	free(hdr);
	return 0;
}
