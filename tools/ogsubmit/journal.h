/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The submitter's journal: what it has promised the chain, written and
 * fdatasync'ed before the chain hears of it (op-batcher's and Arbitrum's
 * DataPoster's lesson). Text lines in STATE/journal, each ending in a CRC-32
 * of the line, so a torn last line (a crash in the middle of a write) is
 * recognised and cut:
 *
 *   B batch first_index end_index first_seq last_seq last_digest
 *       a batch of spool records [first_index, end_index)
 *   T batch nonce tip max_fee gas hash raw
 *       a signed transaction carrying it (several for one batch: fee bumps)
 *   C batch block
 *       the batch has its confirmations: its records are settled
 *   P pay record_index record_seq record_id chain_id asset from to value
 *     valid_after valid_before nonce signature
 *       an x402 payment (EIP-3009 authorization) read from the record at
 *       record_index, queued for settlement; its transactions are T lines
 *       and its confirmation a C line under its id, which comes from the
 *       same sequence as the batches' (Documentation/chain.md, "x402
 *       settlement")
 *   U pay record_index record_seq record_id chain_id permit2 token cap spender
 *     nonce deadline from to facilitator valid_after charged signature
 *       an x402 upto payment (a Permit2 permit with the upto witness) read
 *       from the record at record_index, to be settled for `charged`
 *       through the proxy (spender); otherwise as P
 *   X pay reason sentence
 *       the payment is not settled by us, for good: expired, used (the
 *       nonce is used on chain already), rejected (the token refuses the
 *       call), reverted (the transaction reverted); the sentence is what
 *       was logged (logged again after a restart: a crash may have come
 *       between the append and the log)
 *
 * A batch and its first transaction are one append; a crash can still cut
 * that write short after the B line, so a last B line without its T line
 * is cut too (the transaction was never sent: the broadcast comes after). STATE/cursor, written
 * atomically when the journal is compacted, holds what the dropped lines
 * said: the settled spool index, the next nonce and the chain position.
 */
#ifndef OGSUBMIT_JOURNAL_H
#define OGSUBMIT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/eip3009.h"
#include "chain/permit2.h"
#include "util/digest.h"

struct jtx {
	uint64_t nonce, tip, max_fee, gas;
	uint8_t hash[32];
	uint8_t *raw;
	size_t raw_len;
};

/* An x402 settlement job: the authorization and the record it paid for. */
struct jpay {
	uint64_t record_index, record_seq;
	uint8_t record_id[OGX_DIGEST_LEN];
	struct ogx_eip3009_auth auth;	/* exact (EIP-3009), unless upto */
	bool upto;			/* upto (Permit2): up and charged */
	struct ogx_permit2_upto up;
	char charged[80];		/* decimal, ≤ up.amount */
	char skipped[16]; /* the X line's reason; "" while open or once confirmed */
	char why[320]; /* the X line's sentence, as logged */
};

/*
 * A flight: a promise the journal holds until the chain keeps it — a batch
 * of spool records, or (pay set) one payment's settlement — with every
 * transaction sent for it.
 */
struct flight {
	uint64_t id;
	struct jpay *pay; /* malloc'd; NULL for a batch */
	uint64_t first_index, end_index;
	uint64_t first_seq, last_seq;
	uint8_t last_digest[OGX_DIGEST_LEN];
	struct jtx *txs; /* oldest first; the last is the one to (re)send */
	size_t n_txs;
	bool confirmed;
	uint64_t block;
	/* Run time only, never journaled. */
	bool mined; /* a receipt was seen (it may yet vanish in a reorg) */
	uint64_t sent_ms, bumped_ms; /* last (re)broadcast; last new transaction */
	unsigned int nonce_taken; /* polls that found the nonce used, but not by us */
};

/* What the cursor file and the journal together say. */
struct jstate {
	uint64_t settled_index; /* spool records before this are on chain for good */
	uint64_t next_nonce;
	uint64_t next_batch;
	bool have_last; /* a record has been batched: the chain continues from it */
	uint64_t last_seq;
	uint8_t last_digest[OGX_DIGEST_LEN];
	struct flight *batches; /* not yet compacted away, id order */
	size_t n_batches;
	/*
	 * Payments: open ones, and finished ones whose record may be read
	 * again after a restart (index >= settled_index), so that a payment
	 * is queued once only.
	 */
	struct flight *pays;
	size_t n_pays;
};

/* A payment that will not change any more (confirmed or skipped). */
static inline bool jpay_done(const struct flight *p)
{
	return p->confirmed || p->pay->skipped[0];
}

struct journal;

/*
 * Open STATE (created 0700), take its lock (-EBUSY with detail when another
 * ogsubmit holds it: one owner per key and nonce sequence), read the cursor
 * and the journal, cut a torn tail. *cut_bytes says how much was cut.
 */
int journal_open(struct journal **j, const char *state_dir, struct jstate *st,
		 size_t *cut_bytes);
void journal_close(struct journal *j);
void jstate_free(struct jstate *st);

/* Append lines and fdatasync them. */
int journal_batch(struct journal *j, const struct flight *b, const struct jtx *tx);
int journal_tx(struct journal *j, uint64_t batch, const struct jtx *tx);
int journal_confirm(struct journal *j, uint64_t batch, uint64_t block);
int journal_pay(struct journal *j, const struct flight *p);
int journal_skip(struct journal *j, uint64_t pay, const char *reason, const char *why);

/* Append t to fl's transactions: t->raw is fl's from now on (freed on failure). */
int flight_add_tx(struct flight *fl, struct jtx *t);

/* Forget finished payments whose record cannot be read again; how many. */
size_t jstate_prune_pays(struct jstate *st);

/*
 * Drop the lines of confirmed batches: write the cursor (atomic), then
 * truncate the journal and append the lines of the batches still in st.
 */
int journal_compact(struct journal *j, const struct jstate *st);

#endif
