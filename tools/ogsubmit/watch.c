// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit run: watching what is in flight, batches and payments alike,
 * until it has its confirmations — receipts, reorgs (a receipt that
 * vanished: send again), a nonce another transaction took (a new one), no
 * receipt for a while (a bumped fee), a dropped transaction (the same bytes
 * again); then the settled prefix moves the cursor and the journal is
 * compacted (daemon.h). A payment's outcome goes to settle.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "ogsubmit.h"
#include "util/err.h"

/*
 * One flight: a receipt (then N confirmations settle it), a vanished receipt
 * (reorg: send again), no receipt for a while (bump), its nonce used by
 * another transaction (a new nonce). An RPC failure is returned; a journal
 * failure, which stops the daemon, goes to *fatal.
 */
static int watch_one(struct ogs *s, struct jbatch *b, uint64_t head, uint64_t now, int *fatal)
{
	struct ogx_receipt r;
	uint64_t chain_nonce;
	bool found = false;
	int err;

	for (size_t k = b->n_txs; k-- > 0 && !found;) {
		if ((err = ogx_rpc_receipt(s->rpc, b->txs[k].hash, &r)))
			return err;
		found = r.found;
	}
	if (found) {
		if (!b->mined || r.block_number != b->block)
			b->block = r.block_number;
		b->mined = true;
		if (!r.success && b->pay) {
			/* The token refused it when it ran (expired, used meanwhile). */
			*fatal = skip_payment(s, b, "reverted", "transaction reverted in block %"
					      PRIu64, r.block_number);
			return 0;
		}
		if (!r.success) {
			/* Its records are not on chain, and sending it again cannot help. */
			if (!s->stalled[0]) {
				snprintf(s->stalled, sizeof(s->stalled),
					 "batch %" PRIu64 ": transaction reverted in block %"
					 PRIu64, b->id, r.block_number);
				fprintf(stderr, "%s: %s\n", prog, s->stalled);
			}
			return 0;
		}
		if (head >= b->block && head - b->block + 1 >= s->c.confirmations) {
			if ((*fatal = journal_confirm(s->j, b->id, b->block)))
				return 0;
			b->confirmed = true;
			if (b->pay)
				payment_settled(s, b);
			else
				fprintf(stderr, "%s: batch %" PRIu64 ": records seq %" PRIu64 "..%"
					PRIu64 " settled in block %" PRIu64 "\n", prog, b->id,
					b->first_seq, b->last_seq, b->block);
		}
		return 0;
	}
	if (b->mined) {
		fprintf(stderr, "%s: %s %" PRIu64 ": receipt gone (reorg); sending again\n", prog,
			flight_kind(b), b->id);
		b->mined = false;
		broadcast(s, b);
		return 0;
	}
	/* Not mined. Is its nonce used up by a transaction we did not send? */
	if ((err = ogx_rpc_nonce(s->rpc, s->key.addr, "latest", &chain_nonce)))
		return err;
	if (chain_nonce > b->txs[b->n_txs - 1].nonce) {
		/* Receipts lag blocks on some nodes: be sure before moving on. */
		if (++b->nonce_taken >= 3)
			replace_tx(s, b, true);
		return 0;
	}
	b->nonce_taken = 0;
	if (now - b->bumped_ms >= s->c.bump_after_ms)
		replace_tx(s, b, false);
	else if (now - b->sent_ms >= s->c.rebroadcast_ms)
		broadcast(s, b);
	return 0;
}

int watch(struct ogs *s)
{
	uint64_t head, now = now_ms();
	struct jbatch *b;
	size_t i, k, done = 0, pruned;
	int err, fatal = 0;

	if (!s->st.n_batches && !open_pays(s))
		goto prune;
	if ((err = ogx_rpc_block_number(s->rpc, &head)))
		goto rpc_fail;
	for (i = 0; i < s->st.n_batches + s->st.n_pays; i++) {
		b = i < s->st.n_batches ? &s->st.batches[i] : &s->st.pays[i - s->st.n_batches];
		if (b->confirmed || !b->n_txs || (b->pay && b->pay->skipped[0]))
			continue;
		err = watch_one(s, b, head, now, &fatal);
		if (fatal)
			return fatal;
		if (err)
			goto rpc_fail;
	}
	rpc_ok(s);
	/* Settle the confirmed prefix: the cursor moves past its records. */
	while (done < s->st.n_batches && s->st.batches[done].confirmed) {
		b = &s->st.batches[done];
		s->st.settled_index = b->end_index;
		s->settled_records += b->last_seq - b->first_seq + 1;
		for (k = 0; k < b->n_txs; k++)
			free(b->txs[k].raw);
		free(b->txs);
		done++;
	}
	if (done) {
		memmove(s->st.batches, s->st.batches + done,
			(s->st.n_batches - done) * sizeof(*s->st.batches));
		s->st.n_batches -= done;
	}
prune:
	/* Finished payments whose record cannot be read again are forgotten. */
	pruned = jstate_prune_pays(&s->st);
	if (done || pruned) {
		s->since_compact += done + pruned;
		if (!s->st.n_batches || s->since_compact >= 64) {
			if ((err = journal_compact(s->j, &s->st)))
				return err;
			s->since_compact = 0;
		}
	}
	return 0;
rpc_fail:
	problem(s, true, "%s: %s", s->c.rpc, ogx_errmsg(err));
	back_off(s);
	return 0;
}
