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
 *
 * A batch and its first transaction are one append. STATE/cursor, written
 * atomically when the journal is compacted, holds what the dropped lines
 * said: the settled spool index, the next nonce and the chain position.
 */
#ifndef OGSUBMIT_JOURNAL_H
#define OGSUBMIT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/digest.h"

struct jtx {
	uint64_t nonce, tip, max_fee, gas;
	uint8_t hash[32];
	uint8_t *raw;
	size_t raw_len;
};

struct jbatch {
	uint64_t id;
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
	struct jbatch *batches; /* not yet compacted away, id order */
	size_t n_batches;
};

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
int journal_batch(struct journal *j, const struct jbatch *b, const struct jtx *tx);
int journal_tx(struct journal *j, uint64_t batch, const struct jtx *tx);
int journal_confirm(struct journal *j, uint64_t batch, uint64_t block);

/*
 * Drop the lines of confirmed batches: write the cursor (atomic), then
 * truncate the journal and append the lines of the batches still in st.
 */
int journal_compact(struct journal *j, const struct jstate *st);

#endif
