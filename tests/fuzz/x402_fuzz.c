// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the x402 payment header decoder (base64, JSON, the
 * authorization's fields). Whatever it accepts is hashed (EIP-712) and turned
 * into record evidence, which must encode, and its value is canonical decimal
 * whatever spelling came in (0x hex, leading zeros); the first byte picks the
 * version.
 */
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"
#include "serve/x402.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const struct ogx_x402_config cfg = {
		.enabled = true, .chain_id = 84532, .network = "base-sepolia",
		.asset_name = "USDC", .asset_version = "2", .max_timeout_s = 3600,
	};
	struct x402_payment p;
	struct x402_reject rej;
	struct ogx_ext ext = { 0 };
	char *hdr;

	if (len < 1)
		return 0;
	hdr = malloc(len);
	if (!hdr)
		return 0;
	memcpy(hdr, data + 1, len - 1);
	hdr[len - 1] = 0;
	if (!ogx_x402_decode(hdr, data[0] & 1 ? 2 : 1, &p, &rej)) {
		/* whatever spelling came in, the value kept is canonical decimal */
		if (!p.value[0] || (p.value[0] == '0' && p.value[1]) ||
		    strspn(p.value, "0123456789") != strlen(p.value))
			abort();
		ogx_x402_digest(&cfg, &p, p.digest);
		if (ogx_x402_evidence(&cfg, &p, &ext))
			abort();
		for (size_t i = 0; i < ext.n; i++)
			free(ext.e[i].data);
	} else if (!rej.code || !rej.code[0]) {
		abort();
	}
	free(hdr);
	return 0;
}
