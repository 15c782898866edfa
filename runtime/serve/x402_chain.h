/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x402 `exact` payments checked on chain before the answer (with --x402-rpc):
 * a payment verified locally (x402.c) is accepted only when, over JSON-RPC
 * to the asset's chain,
 *
 *   - the payer's balanceOf covers it plus every payment of that payer this
 *     node accepted and has not seen settled (the exposure ledger,
 *     x402_ledger.h; when the balance falls short, the payer's open
 *     nonces are looked up with authorizationState first: what was settled
 *     meanwhile left the balance and leaves the ledger);
 *   - authorizationState(from, nonce) is false (not used on chain already);
 *   - with simulate, eth_call of the very transferWithAuthorization does
 *     not revert.
 *
 * A payer's balance is cached for payer_ttl_ms: a returning payer whose
 * cached balance covers the payment costs no RPC (and then neither its
 * nonce nor a simulation is looked up: the risk is in Documentation/
 * serve.md). Otherwise the request waits for a check on one of the RPC
 * threads (never on the loop): route.c parks it (ogx_x402_chain_begin),
 * the thread posts the check to the loop through the mailbox, and the loop
 * resumes the request (ogx_x402_chain_finish). Each RPC call is bounded by
 * the budget, so a new payer waits at most about rpc_budget_ms.
 *
 * settle=before (a model's option): after the checks the RPC thread sends
 * the transferWithAuthorization itself (the --x402-settle-key account,
 * gas estimated first: a transfer that would revert is refused with the
 * token's reason) and waits for its receipt; only a mined, successful
 * transfer lets the request run, and its hash goes in X-PAYMENT-RESPONSE.
 *
 * RPC down (a transport error, or the node's own error): refused with 503
 * and Retry-After for retry_after_s, during which no call is tried; or,
 * with at_risk_cap, served unchecked while the payer's payments accepted so
 * are at most that much (they become checked at its next balance read).
 */
#ifndef OGX_SERVE_X402_CHAIN_H
#define OGX_SERVE_X402_CHAIN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/rpc.h"
#include "serve/x402.h"
#include "serve/x402_shared.h"

struct conn;
struct job;
struct mailbox;
struct ogx_x402_config;

/* Open nonces of the payer looked up at most, per check. */
#define X402_LOOKUP_MAX 64

/* One request's check: made on the loop, filled on an RPC thread, back on the loop. */
struct x402_check {
	struct x402_check *next;
	struct conn *conn;		/* held (conn->refs) while the check runs */
	struct job *job;		/* owned until resumed */
	struct x402_payment p;
	/* in */
	bool claim_only;		/* no RPC: only the claim in the shared nonces */
	bool settle;			/* settle=before: send the transfer, wait until mined */
	bool at_risk;			/* with claim_only: accepted unchecked (RPC down) */
	ogx_u128 value, exposure;
	size_t n_open;
	uint8_t open[X402_LOOKUP_MAX][32];	/* the payer's open nonces, oldest first */
	/* out */
	int err;			/* 0, or the RPC failure: then why */
	char why[200];
	ogx_u128 balance;
	bool nonce_used, reverted;
	bool claimed_elsewhere;		/* the shared nonces had it: another node took it */
	bool claim_failed;		/* err is the shared nonces', not the RPC's */
	bool settle_failed;		/* sent, and reverted or not mined in time (why) */
	size_t n_retired;
	uint8_t retired[X402_LOOKUP_MAX][32];
	uint64_t rpc_ns;		/* the calls' time */
	unsigned int calls;
};

/* Refusals and their counts, by reason (the x402 error code, or rpc_unavailable). */
#define X402_REASONS_MAX 24
#define X402_LAT_BUCKETS 8

struct x402_chain {
	const struct ogx_x402_config *cfg;
	struct mailbox *mb;
	/* the RPC threads' queue */
	pthread_mutex_t lock;		/* head, tail, stop, down_until_ns (threads' copy) */
	pthread_cond_t wake;
	struct x402_check *head, **tail;
	bool stop;
	uint64_t thread_down_until_ns;
	pthread_t *threads;
	struct ogx_rpc **rpcs;
	unsigned int n_threads;
	struct x402_shared shared;	/* --x402-shared-nonces */
	bool sharing;
	/* settle=before: the account that sends the transfers, its next nonce */
	pthread_mutex_t settle_lock;	/* settle_nonce, nonce_known */
	struct ogx_eth_key key;
	bool have_key, nonce_known;
	uint64_t settle_nonce;
	uint64_t settled_before;	/* loop: answers released after their transfer */
	/* loop thread only */
	uint64_t down_until_ns;		/* RPC down: 503 without trying until then */
	uint64_t checks, cache_hits, at_risk_accepted, in_flight;
	struct { const char *code; uint64_t n; } refused[X402_REASONS_MAX];
	uint64_t lat_bucket[X402_LAT_BUCKETS + 1], lat_count, lat_sum_ns;
};

/* Open the RPC clients and start the threads (nothing when cfg->rpc is ""). */
int ogx_x402_chain_start(struct x402_chain *ch, const struct ogx_x402_config *cfg,
			 struct mailbox *mb);
/* Stop the threads; checks still queued are freed with their jobs. */
void ogx_x402_chain_stop(struct x402_chain *ch);

/*
 * The chain part of accepting a verified p (loop thread), for a request
 * whose job is j on connection c:
 *   0        accept now (no RPC, or the payer's cached balance covers it;
 *            *at_risk: accepted unchecked, RPC down, under the cap);
 *   1        a check runs: j and c are held, the request resumes in
 *            ogx_x402_chain_finish when the mailbox brings the check back;
 *   -EPERM   refused (rej);
 *   -EAGAIN  the RPC is down (rej->msg says why): 503 with Retry-After.
 */
int ogx_x402_chain_begin(struct x402_chain *ch, struct x402_state *x, struct x402_payment *p,
			 struct conn *c, struct job *j, bool settle_before, bool *at_risk,
			 struct x402_reject *rej);
/* A check came back (loop thread): the same answers as begin, never 1. */
int ogx_x402_chain_finish(struct x402_chain *ch, struct x402_state *x, struct x402_check *k,
			  bool *at_risk, struct x402_reject *rej);
/* Count a refusal by its code (every payment refusal, for /metrics). */
void ogx_x402_chain_refused(struct x402_chain *ch, const char *code);
/* The /metrics lines: limits, exposure, refusals, RPC latency. */
void ogx_x402_chain_metrics(struct x402_chain *ch, struct x402_state *x, struct ogx_buf *b);

#endif
