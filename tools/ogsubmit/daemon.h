/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ogsubmit run, the daemon: its state and the parts of its loop, one file
 * each, each calling only the ones after it:
 *
 *   run.c         the loop, start, systemd;
 *   spool_read.c  reading and checking spool records (also ogsubmit check);
 *   batch.c       forming a batch and its transaction, journaled, then sent;
 *   watch.c       confirmations and reorgs of what is in flight;
 *   settle.c      x402 payments found in records: queue, send, outcome;
 *   tx.c          signing, fee caps, budget, broadcast, replacement;
 *   health.c      the clock, problems, back-off, RPC health.
 *
 * The design and the crash-safety argument are at the top of run.c.
 */
#ifndef OGSUBMIT_DAEMON_H
#define OGSUBMIT_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/eip3009.h"
#include "chain/eth_key.h"
#include "chain/fee.h"
#include "chain/rpc.h"
#include "chain/tx.h"
#include "config.h"
#include "journal.h"
#include "proof/key.h"
#include "proof/kmod.h"
#include "proof/verify.h"
#include "proof/spool.h"
#include "util/digest.h"

/* A spool record read and checked, waiting for its batch. */
struct prec {
	uint8_t *data;
	size_t len;
	uint64_t index, seq;
	uint8_t digest[OGX_DIGEST_LEN];
	uint8_t node[OGX_PK_LEN];
	struct ogx_chain_state chain; /* the chain after this record */
	/* The record's x402 payment (paid), or why it cannot be settled (pay_why). */
	bool paid;
	struct ogx_eip3009_auth auth;
	bool upto;			/* an upto (Permit2) payment: up, charged */
	struct ogx_permit2_upto up;
	char charged[80];
	char pay_why[160];
};

struct ogs {
	struct ogs_config c;
	struct ogx_eth_key key;
	struct ogx_key op;
	struct ogx_rpc *rpc;
	struct journal *j;
	struct jstate st;
	struct ogx_spool_iter *it;
	uint64_t read_index; /* next spool index to read */
	bool spool_drained; /* the last read found the end */
	struct prec *pend;
	size_t n_pend, cap_pend, pend_bytes;
	uint64_t pend_since_ms;
	/*
	 * The chain as the pending records continue it. After a restart the
	 * journal knows the last batched record's seq and digest only: that
	 * record is read again from the spool first (tip_pending) for the rest.
	 */
	struct ogx_chain_state chain;
	bool tip_pending;
	char stalled[512]; /* a record we cannot accept: why */
	uint64_t settled_records, since_compact;
	/* x402 payments: settled on chain; not settled (skipped, or not ours to settle). */
	uint64_t pays_settled, pays_unsettled;
	uint64_t backoff_until_ms, backoff_ms;
	char last_problem[512];
	bool problem_transport; /* the last problem was the RPC endpoint's */
	bool target_has_code; /* a contract: ask the node for gas; else compute it */
	/* /dev/ogx, when loaded: VERIFY of kernel MACs made on this boot. */
	struct ogx_kmod_checker kc;
	bool l1_fee; /* budget the OP Stack L1 data fee */
	ogx_u128 last_l1_fee;
	/* What the verifier's rules said of the records read (ogsubmit check). */
	struct ogx_verify_tally tally;
};

/* Batches signed and not yet settled. */
static inline size_t open_batches(const struct ogs *s)
{
	return s->st.n_batches;
}

/* spool_read.c: new records into s->pend, checked; a bad one stalls reading. */
int read_spool(struct ogs *s);
/*
 * One record, by the verifier's rules (proof/verify.h: the record's own and
 * its link to s->chain; /dev/ogx VERIFY for TEE MACs of this boot). On
 * success (VERIFIED, or UNCHECKED unless the config requires that level)
 * fills p (no data); else -EBADMSG. v always says why, and p->chain is the
 * chain after the record either way, moved as ogverify spool moves it (a
 * failing record's link is still followed: see ogx_verify_link()). Also
 * `ogsubmit check`.
 */
int check_record(struct ogs *s, uint64_t index, const uint8_t *data, size_t len,
		 struct prec *p, struct ogx_verdict *v);
/* The chain goes on from checked record p. */
void continue_chain(struct ogs *s, const struct prec *p);

/* batch.c: the next batch of pending records, journaled, then sent (when one is due). */
int form_batch(struct ogs *s);

/*
 * watch.c: every batch and payment in flight, then the settled batches
 * leave (the cursor moves) and the journal is compacted. RPC trouble backs
 * off; a journal failure is returned.
 */
int watch(struct ogs *s);

/* settle.c */
/* Payments not finished (queued, or sent and not yet confirmed). */
size_t open_pays(const struct ogs *s);
/* A checked record with a payment: queue its settlement (journaled) once. */
int queue_payment(struct ogs *s, struct prec *p);
/*
 * Send the first transaction of every queued payment that can be settled
 * (or skip it, saying why). Only a journal failure is returned.
 */
int settle_payments(struct ogs *s);
/* Payment fl has its confirmations. */
void payment_settled(struct ogs *s, const struct flight *fl);

/* settle_permit2.c: x402 upto payments (Permit2, through the x402 upto proxy) */
int queue_upto(struct ogs *s, const struct prec *p);
int send_upto(struct ogs *s, struct flight *fl, uint64_t now_s);

/* pay.c: what settling a payment takes, whatever its scheme */
/* Payment fl will not be settled by us, for reason (a journal word): say why. */
int skip_payment(struct ogs *s, struct flight *fl, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * At start: say again why journaled payments were not settled (the log line
 * follows the journal append, and a crash can come between the two).
 */
void report_skipped_again(const struct ogs *s);
/* "payment N (record seq S, ...)" for the log. */
void describe(char *out, size_t len, const struct flight *fl);
/* Journal y, the payment of record p, as a new flight (queued). */
int enqueue_payment(struct ogs *s, const struct prec *p, const struct jpay *y);
/* RPC trouble while preparing payment fl: say so, back off. */
void rpc_trouble(struct ogs *s, const struct flight *fl, int err);
/*
 * The transaction settling fl, `call` to `to`: estimated (a revert: an X
 * line, "WHO rejects the transfer"), priced, signed, journaled, broadcast.
 */
int send_settlement(struct ogs *s, struct flight *fl, const uint8_t to[20], uint8_t *call,
		    size_t call_len, const char *who, const char *what);

/* tx.c */
/* Sign tx and fill the journal entry (raw malloc'd). */
int sign_tx(struct ogs *s, struct ogx_tx *tx, struct jtx *jt);
/* Fees within fee_cap. */
void cap_fees(const struct ogs *s, struct ogx_fees *f);
/* OP Stack chains: can the account pay gas and the L1 data fee of tx? */
int budget(struct ogs *s, const struct ogx_tx *tx);
/* Send fl's latest transaction; "underpriced" replaces it (RPC trouble backs off). */
void broadcast(struct ogs *s, struct flight *fl);
/*
 * Journal and send a replacement of fl's latest transaction: higher fees,
 * or (new_nonce) the next nonce, when another transaction took fl's.
 */
int replace_tx(struct ogs *s, struct flight *fl, bool new_nonce);
/* "batch" or "payment", for messages. */
static inline const char *flight_kind(const struct flight *fl)
{
	return fl->pay ? "payment" : "batch";
}

/* health.c */
uint64_t now_ms(void);
/*
 * Log a problem once until it changes (no log flood while a node is down).
 * transport: the RPC endpoint's (over as soon as a call succeeds), not one
 * of a batch (over when a transaction is accepted).
 */
void problem(struct ogs *s, bool transport, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void clear_problem(struct ogs *s);
/* RPC trouble: wait, doubling up to 30 s, with jitter so restarts do not align. */
void back_off(struct ogs *s);
void rpc_ok(struct ogs *s);

#endif
