/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x402 payments, `exact` scheme on EVM: the client pays with an EIP-3009
 * transferWithAuthorization signed as EIP-712 typed data, sent base64-encoded
 * JSON in X-PAYMENT (x402 v1) or PAYMENT-SIGNATURE (v2). Verified here, with
 * no facilitator: the EIP-712 digest over the server's own domain (name,
 * version, chain id, asset: from configuration, never from the client),
 * ecrecover with libsecp256k1 (low s only), payee, amount and validity
 * window, and a nonce never seen before. Used nonces are appended to
 * STATE/x402-nonces (one line per payment) and made durable with the job's
 * record; the file is read back on start, so a replay is refused across
 * restarts. Settlement is ogsubmit's, from the payment evidence in the
 * record (ogx_x402_evidence): the spool is the settlement queue.
 */
#ifndef OGX_SERVE_X402_H
#define OGX_SERVE_X402_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proof/record.h"
#include "serve/buf.h"
#include "util/err.h"
#include "serve/x402_ledger.h"

struct ogx_x402_config;

struct x402_payment {
	int version;			/* 1 or 2 */
	uint8_t from[20], to[20];
	char value[80];			/* decimal, as signed */
	uint64_t valid_after, valid_before;
	uint8_t nonce[32];
	uint8_t sig[65];		/* r ‖ s ‖ v */
	uint8_t digest[32];		/* the EIP-712 digest (set by ogx_x402_accept) */
	char network[64];
	bool settled;			/* settle=before: mined, in settle_tx */
	uint8_t settle_tx[32];
};

struct x402_state {
	const struct ogx_x402_config *cfg;
	int log_fd;
	/* used (from, nonce) pairs: an open-addressing set of their keccak */
	uint8_t (*set)[32];
	size_t n, cap;
	/* the accepted payments that may still be settled, per payer */
	struct x402_ledger ledger;
};

/*
 * Rejections: code is the x402 error string put in the 402 body's "error",
 * msg a human sentence.
 */
struct x402_reject {
	const char *code;
	char msg[200];
};

OGX_MUST_CHECK
int ogx_x402_open(struct x402_state *x, const struct ogx_x402_config *cfg, const char *state_dir);
void ogx_x402_close(struct x402_state *x);
/* Make the nonces recorded so far durable. */
OGX_MUST_CHECK
int ogx_x402_sync(struct x402_state *x);

/* x402_nonces.c: has (from, nonce) been used (with add: mark it used)? */
bool ogx_x402_nonce_seen(struct x402_state *x, const struct x402_payment *p, bool add);
/*
 * Mark p's nonce used, append its line to the log (durable at
 * ogx_x402_sync) and open it in the ledger (at_risk: accepted with no
 * balance read).
 */
OGX_MUST_CHECK
int ogx_x402_log(struct x402_state *x, const struct x402_payment *p, bool at_risk);

/* Fill rej (code, printf message) and return err: every payment refusal. */
int ogx_x402_reject(struct x402_reject *rej, int err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * A payment header's value (base64, padded or not, of a JSON object with no
 * duplicate keys) as *root (the caller's to json_decref): 0, or -EINVAL /
 * -ENOMEM with rej filled ("invalid_payload").
 */
OGX_MUST_CHECK
int ogx_x402_header_object(const char *header, json_t **root, struct x402_reject *rej);

/* Decode a header value (base64 of JSON). 0, or -EINVAL with rej filled. */
OGX_MUST_CHECK
int ogx_x402_decode(const char *header, int version, struct x402_payment *p,
		    struct x402_reject *rej);

/*
 * Check p against the configuration, the price and the clock (seconds since
 * the epoch), and that its nonce is not used here: 0, or -EPERM with rej
 * filled. Nothing is recorded: the checks on chain may follow.
 */
OGX_MUST_CHECK
int ogx_x402_verify(struct x402_state *x, struct x402_payment *p, uint64_t price, uint64_t now,
		    struct x402_reject *rej);
/*
 * Accept a verified p: its nonce again (a twin may have been accepted while
 * p's chain check ran), then recorded as used. 0, or -EPERM with rej.
 */
OGX_MUST_CHECK
int ogx_x402_commit(struct x402_state *x, const struct x402_payment *p, bool at_risk,
		    struct x402_reject *rej);
/* Both at once (no chain checks). */
OGX_MUST_CHECK
int ogx_x402_accept(struct x402_state *x, struct x402_payment *p, uint64_t price, uint64_t now,
		    struct x402_reject *rej);

/* The EIP-712 digest of a transferWithAuthorization under the configured domain. */
void ogx_x402_digest(const struct ogx_x402_config *cfg, const struct x402_payment *p,
		     uint8_t out[32]);

/* One `exact` entry of an accepts array (version 1 or 2 field names). */
void ogx_x402_requirement(struct ogx_buf *b, const struct ogx_x402_config *cfg, uint64_t price,
			  const char *resource, int version);
/* Append the base64 (standard alphabet, padded) of in to out. */
void ogx_x402_base64(struct ogx_buf *out, const struct ogx_buf *in);

/* The 402 answer's body (v1 JSON) and the v2 PAYMENT-REQUIRED header value. */
void ogx_x402_required_body(struct ogx_buf *b, const struct ogx_x402_config *cfg, uint64_t price,
			    const char *resource, const char *error);
void ogx_x402_required_header(struct ogx_buf *b, const struct ogx_x402_config *cfg,
			      uint64_t price, const char *resource, const char *error);
/*
 * The X-PAYMENT-RESPONSE / PAYMENT-RESPONSE header lines (complete, with
 * CRLF). Settlement is ogsubmit's, later, from the proof record: with
 * record_id (the record is durable) it says "queued" and names the record,
 * without (the headers of a stream leave before its record exists)
 * "pending" — queued when the stream's record, named in its last event, is.
 */
void ogx_x402_response_headers(struct ogx_buf *b, const struct ogx_x402_config *cfg,
			       const struct x402_payment *p, const uint8_t *record_id);
/* The record's payment evidence (key 15); Documentation/serve.md lists the entries. */
OGX_MUST_CHECK
int ogx_x402_evidence(const struct ogx_x402_config *cfg, const struct x402_payment *p,
		      struct ogx_ext *ext);

#endif
