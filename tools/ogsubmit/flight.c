// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit run: batches in flight — forming a batch and its transaction
 * (journaled before it is sent), and watching receipts until the batch is
 * settled (daemon.h). Sending and replacing are tx.c's. Payments'
 * settlement transactions (settle.c) fly the same way.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/abi.h"
#include "chain/batch.h"
#include "chain/fee.h"
#include "chain/l1fee.h"
#include "chain/tx.h"
#include "daemon.h"
#include "ogsubmit.h"
#include "proof/merkle.h"
#include "util/err.h"

static void take_pending(struct ogs *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		s->pend_bytes -= s->pend[i].len;
		free(s->pend[i].data);
	}
	memmove(s->pend, s->pend + n, (s->n_pend - n) * sizeof(*s->pend));
	s->n_pend -= n;
	if (s->n_pend)
		s->pend_since_ms = now_ms();
}

int form_batch(struct ogs *s)
{
	struct ogx_batch b = { 0 };
	struct ogx_fees fees;
	struct ogx_tx tx = { 0 };
	struct jbatch jb = { 0 }, *grown;
	struct jtx jt = { 0 };
	uint8_t (*digests)[OGX_DIGEST_LEN] = NULL, *enc = NULL, *call = NULL;
	const uint8_t **recs = NULL;
	size_t *lens = NULL, n = 0, bytes = 0, elen, i;
	uint64_t gas;
	int err;

	/* The byte limit is on calldata: root-only batches carry no records. */
	while (n < s->n_pend && n < s->c.batch_records &&
	       (n == 0 || s->c.da == OGX_DA_ROOT || bytes + s->pend[n].len <= s->c.batch_bytes))
		bytes += s->pend[n++].len;
	digests = malloc(n * sizeof(*digests));
	recs = malloc(n * sizeof(*recs));
	lens = malloc(n * sizeof(*lens));
	if (!digests || !recs || !lens) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		memcpy(digests[i], s->pend[i].digest, OGX_DIGEST_LEN);
		recs[i] = s->pend[i].data;
		lens[i] = s->pend[i].len;
	}
	b.version = OGX_BATCH_VERSION;
	memcpy(b.node, s->pend[0].node, OGX_PK_LEN);
	b.first_seq = s->pend[0].seq;
	b.last_seq = s->pend[n - 1].seq;
	b.count = n;
	ogx_merkle_root(digests, n, b.root);
	b.da = s->c.da;
	if (b.da == OGX_DA_CALLDATA) {
		b.n_records = n;
		b.records = recs;
		b.record_lens = lens;
	}
	if ((err = ogx_batch_sign(&b, &s->op, &enc, &elen)))
		goto out;
	if (s->c.contract) {
		/* submit(seq, root, count, batch): the contract checks seq. */
		if (b.count > UINT32_MAX) {
			err = -EOVERFLOW;
			goto out;
		}
		if ((err = ogx_abi_submit_encode(b.first_seq, b.root, b.count, enc, elen, &call,
						 &elen)))
			goto out;
		free(enc);
		enc = call;
		call = NULL;
	}

	tx.chain_id = s->c.chain_id;
	tx.nonce = s->st.next_nonce;
	tx.has_to = true;
	memcpy(tx.to, s->c.target, OGX_ETH_ADDR_LEN);
	tx.data = enc;
	tx.data_len = elen;
	if (!s->target_has_code)
		gas = ogx_tx_calldata_gas(enc, elen);
	if ((err = ogx_fee_suggest(s->rpc, &fees)) ||
	    (s->target_has_code &&
	     (err = ogx_rpc_estimate_gas(s->rpc, s->key.addr, s->c.target, enc, elen, &gas)))) {
		if (ogx_rpc_last_kind(s->rpc) == OGX_RPC_REVERTED) {
			/* The contract refuses this batch (a wrong seq): no retry mends that. */
			snprintf(s->stalled, sizeof(s->stalled),
				 "the contract rejects the batch of seq %" PRIu64 "..%" PRIu64 ": %s",
				 b.first_seq, b.last_seq, ogx_errmsg(err));
			fprintf(stderr, "%s: %s\n", prog, s->stalled);
			goto out;
		}
		problem(s, ogx_rpc_last_kind(s->rpc) == OGX_RPC_TRANSPORT, "batch: %s",
			ogx_errmsg(err));
		back_off(s);
		goto out;
	}
	rpc_ok(s);
	cap_fees(s, &fees);
	/* A margin where the node estimated execution; calldata gas is exact. */
	tx.gas = s->target_has_code ? gas + gas / 10 : gas;
	tx.max_priority_fee = fees.max_priority_fee;
	tx.max_fee = fees.max_fee;
	if (s->l1_fee && (err = budget(s, &tx)))
		goto out;
	if ((err = sign_tx(s, &tx, &jt)))
		goto out;

	jb.id = s->st.next_batch;
	jb.first_index = s->pend[0].index;
	jb.end_index = s->pend[n - 1].index + 1;
	jb.first_seq = b.first_seq;
	jb.last_seq = b.last_seq;
	memcpy(jb.last_digest, s->pend[n - 1].digest, OGX_DIGEST_LEN);
	if ((err = journal_batch(s->j, &jb, &jt))) {
		fprintf(stderr, "%s: journal: %s\n", prog, ogx_errmsg(err));
		goto out;
	}
	grown = realloc(s->st.batches, (s->st.n_batches + 1) * sizeof(*grown));
	if (!grown) {
		err = -ENOMEM;
		goto out;
	}
	s->st.batches = grown;
	jb.txs = malloc(sizeof(*jb.txs));
	if (!jb.txs) {
		err = -ENOMEM;
		goto out;
	}
	jb.txs[0] = jt;
	jt.raw = NULL;
	jb.n_txs = 1;
	jb.bumped_ms = now_ms();
	s->st.batches[s->st.n_batches++] = jb;
	s->st.next_batch++;
	s->st.next_nonce++;
	s->st.have_last = true;
	s->st.last_seq = jb.last_seq;
	memcpy(s->st.last_digest, jb.last_digest, OGX_DIGEST_LEN);
	take_pending(s, n);
	broadcast(s, &s->st.batches[s->st.n_batches - 1]);
out:
	free(jt.raw);
	free(enc);
	free(digests);
	free(recs);
	free(lens);
	return err;
}

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
