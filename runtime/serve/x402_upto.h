/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x402 v2 `upto` payments on EVM through Permit2 (assetTransferMethod
 * "permit2"), as the official clients make them (npm @x402/evm 2.27.0,
 * UptoEvmScheme; Documentation/serve.md, "x402 v2: upto through Permit2"):
 * the payer signs a Permit2 PermitWitnessTransferFrom for at most `amount`
 * (the cap) of the token, spendable only by the x402 upto proxy, with the
 * witness (to = payTo, facilitator = the one account that may settle,
 * validAfter). Verified here with no facilitator: fields against the
 * configuration, clock, the EIP-712 digest (chain/permit2.c) and ecrecover
 * (libsecp256k1, low s, v 27/28), and a nonce never seen before (the
 * durable nonce log of x402_nonces.c, under a key of its own). The node then
 * charges what the request actually cost, at most the cap, possibly 0;
 * the record's payment evidence holds that charge, and ogsubmit settles
 * exactly it through the proxy.
 */
#ifndef OGX_SERVE_X402_UPTO_H
#define OGX_SERVE_X402_UPTO_H

#include <stdbool.h>
#include <stdint.h>

#include "chain/permit2.h"
#include "proof/record.h"
#include "serve/buf.h"
#include "serve/serve.h"
#include "serve/x402.h"

/* Deadlines closer than this are refused, as by the x402 reference facilitator. */
#define OGX_X402_UPTO_DEADLINE_MARGIN_S 6

struct x402_upto {
	struct ogx_permit2_upto a;
	char network[64];
	uint8_t digest[32];		/* set by ogx_x402_upto_check */
	char charged[24];		/* decimal, set by ogx_x402_upto_charge */
};

/* Defaults: the canonical Permit2 and upto proxy addresses. */
void ogx_x402_upto_config_init(struct ogx_x402_upto_config *u);

/* Decode a PAYMENT-SIGNATURE value (base64 JSON, x402 v2). 0, or -EINVAL with rej. */
int ogx_x402_upto_decode(const char *header, struct x402_upto *p, struct x402_reject *rej);

/*
 * Check p against the configuration, the most this request can cost
 * (max_cost: the cap must cover it) and the clock. Stateless. 0, or -EPERM
 * with rej filled.
 */
int ogx_x402_upto_check(const struct ogx_x402_config *cfg, const struct ogx_x402_upto_config *u,
			struct x402_upto *p, uint64_t max_cost, uint64_t now,
			struct x402_reject *rej);

/* ogx_x402_upto_check, then the nonce: refused if seen, else logged as used. */
int ogx_x402_upto_accept(struct x402_state *x, const struct ogx_x402_upto_config *u,
			 struct x402_upto *p, uint64_t max_cost, uint64_t now,
			 struct x402_reject *rej);

/* Charge the actual cost (≤ the cap; 0 allowed). 0, or -EPERM with rej filled. */
int ogx_x402_upto_charge(struct x402_upto *p, uint64_t cost, struct x402_reject *rej);

/* One entry of a v2 `accepts` array: the upto offer for a cap of max_cost. */
void ogx_x402_upto_requirement(struct ogx_buf *b, const struct ogx_x402_config *cfg,
			       const struct ogx_x402_upto_config *u, uint64_t max_cost);

/*
 * The v2 PaymentRequired JSON (base64 it for PAYMENT-REQUIRED): accepts the
 * `exact` offer when price > 0 and the upto one when max_cost > 0.
 */
void ogx_x402_upto_required_json(struct ogx_buf *b, const struct ogx_x402_config *cfg,
				 const struct ogx_x402_upto_config *u, uint64_t price,
				 uint64_t max_cost, const char *resource, const char *error);

/*
 * The PAYMENT-RESPONSE header line (with CRLF): with record_id, the charge
 * ("amount") and settlement "queued" (or "none" for a charge of 0: nothing
 * to settle); without (a stream's headers), "pending".
 */
void ogx_x402_upto_response_headers(struct ogx_buf *b, const struct x402_upto *p,
				    const uint8_t *record_id);

/* The record's payment evidence (key 15) of a charged upto payment. */
int ogx_x402_upto_evidence(const struct ogx_x402_config *cfg, const struct x402_upto *p,
			   struct ogx_ext *ext);

#endif
