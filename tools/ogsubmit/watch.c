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
static int watch_one(struct ogs *s, struct flight *fl, uint64_t head, uint64_t now, int *fatal)
{
	struct ogx_receipt r;
	uint64_t chain_nonce;
	bool found = false;
	int err;

	for (size_t k = fl->n_txs; k-- > 0 && !found;) {
		err = ogx_rpc_receipt(s->rpc, fl->txs[k].hash, &r);
		if (err)
			return err;
		found = r.found;
	}
	if (found) {
		if (!fl->mined || r.block_number != fl->block)
			fl->block = r.block_number;
		fl->mined = true;
		if (!r.success && fl->pay) {
			/* The token refused it when it ran (expired, used meanwhile). */
			*fatal = skip_payment(s, fl, "reverted", "transaction reverted in block %"
					      PRIu64, r.block_number);
			return 0;
		}
		if (!r.success) {
			/* Its records are not on chain, and sending it again cannot help. */
			if (!s->stalled[0]) {
				snprintf(s->stalled, sizeof(s->stalled),
					 "batch %" PRIu64 ": transaction reverted in block %"
					 PRIu64, fl->id, r.block_number);
				fprintf(stderr, "%s: %s\n", prog, s->stalled);
			}
			return 0;
		}
		if (head >= fl->block && head - fl->block + 1 >= s->c.confirmations) {
			if ((*fatal = journal_confirm(s->j, fl->id, fl->block)))
				return 0;
			fl->confirmed = true;
			if (fl->pay)
				payment_settled(s, fl);
			else
				fprintf(stderr, "%s: batch %" PRIu64 ": records seq %" PRIu64 "..%"
					PRIu64 " settled in block %" PRIu64 "\n", prog, fl->id,
					fl->first_seq, fl->last_seq, fl->block);
		}
		return 0;
	}
	if (fl->mined) {
		fprintf(stderr, "%s: %s %" PRIu64 ": receipt gone (reorg); sending again\n", prog,
			flight_kind(fl), fl->id);
		fl->mined = false;
		broadcast(s, fl);
		return 0;
	}
	/* Not mined. Is its nonce used up by a transaction we did not send? */
	err = ogx_rpc_nonce(s->rpc, s->key.addr, "latest", &chain_nonce);
	if (err)
		return err;
	if (chain_nonce > fl->txs[fl->n_txs - 1].nonce) {
		/* Receipts lag blocks on some nodes: be sure before moving on. */
		if (++fl->nonce_taken >= 3)
			replace_tx(s, fl, true);
		return 0;
	}
	fl->nonce_taken = 0;
	if (now - fl->bumped_ms >= s->c.bump_after_ms)
		replace_tx(s, fl, false);
	else if (now - fl->sent_ms >= s->c.rebroadcast_ms)
		broadcast(s, fl);
	return 0;
}

int watch(struct ogs *s)
{
	uint64_t head, now = now_ms();
	struct flight *fl;
	size_t i, k, done = 0, pruned;
	int err, fatal = 0;

	if (!s->st.n_batches && !open_pays(s))
		goto prune;
	err = ogx_rpc_block_number(s->rpc, &head);
	if (err)
		goto rpc_fail;
	for (i = 0; i < s->st.n_batches + s->st.n_pays; i++) {
		fl = i < s->st.n_batches ? &s->st.batches[i] : &s->st.pays[i - s->st.n_batches];
		if (fl->confirmed || !fl->n_txs || (fl->pay && fl->pay->skipped[0]))
			continue;
		err = watch_one(s, fl, head, now, &fatal);
		if (fatal)
			return fatal;
		if (err)
			goto rpc_fail;
	}
	rpc_ok(s);
	/* Settle the confirmed prefix: the cursor moves past its records. */
	while (done < s->st.n_batches && s->st.batches[done].confirmed) {
		fl = &s->st.batches[done];
		s->st.settled_index = fl->end_index;
		s->settled_records += fl->last_seq - fl->first_seq + 1;
		for (k = 0; k < fl->n_txs; k++)
			free(fl->txs[k].raw);
		free(fl->txs);
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
			err = journal_compact(s->j, &s->st);
			if (err)
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
