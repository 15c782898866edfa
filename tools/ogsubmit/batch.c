// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit run: forming a batch — the pending records it takes, the signed
 * batch (Merkle root, operator signature; in contract mode the data of a
 * submit() call), the transaction that carries it (fees, gas, the L1 data
 * fee budget), and the one journal append of the batch and its first
 * transaction, before it is sent (daemon.h; Documentation/chain.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/abi.h"
#include "chain/batch.h"
#include "chain/fee.h"
#include "chain/tx.h"
#include "daemon.h"
#include "ogsubmit.h"
#include "proof/merkle.h"
#include "util/err.h"

/* How many pending records the next batch takes (at least one). */
static size_t batch_size(const struct ogs *s)
{
	size_t n = 0, bytes = 0;

	/* The byte limit is on calldata: root-only batches carry no records. */
	while (n < s->n_pend && n < s->c.batch_records &&
	       (n == 0 || s->c.da == OGX_DA_ROOT || bytes + s->pend[n].len <= s->c.batch_bytes))
		bytes += s->pend[n++].len;
	return n;
}

/*
 * The first n pending records as a signed batch, and the transaction's data
 * that carries it: the batch itself, or in contract mode submit(seq, root,
 * count, batch), the contract checking seq. *data is malloc'd.
 */
static int encode_batch(struct ogs *s, size_t n, uint8_t **data, size_t *len)
{
	struct ogx_batch b = { 0 };
	uint8_t (*digests)[OGX_DIGEST_LEN] = malloc(n * sizeof(*digests)), *call = NULL;
	const uint8_t **recs = malloc(n * sizeof(*recs));
	size_t *lens = malloc(n * sizeof(*lens)), i;
	int err = -ENOMEM;

	*data = NULL;
	if (!digests || !recs || !lens)
		goto out;
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
	err = ogx_batch_sign(&b, &s->op, data, len);
	if (err || !s->c.contract)
		goto out;
	err = -EOVERFLOW;
	if (b.count > UINT32_MAX)
		goto out;
	err = ogx_abi_submit_encode(b.first_seq, b.root, b.count, *data, *len, &call, len);
	if (err)
		goto out;
	free(*data);
	*data = call;
out:
	if (err) {
		free(*data);
		*data = NULL;
	}
	free(digests);
	free(recs);
	free(lens);
	return err;
}

/*
 * The transaction carrying data for the first n pending records, unsigned:
 * fees within fee_cap, gas (exact for calldata to an account, the node's
 * estimate + 10 % for a contract), and on OP Stack chains a balance that
 * pays for it all. RPC trouble backs off; a contract that refuses the batch
 * stalls the daemon (no retry mends a wrong seq).
 */
static int batch_tx(struct ogs *s, size_t n, uint8_t *data, size_t len, struct ogx_tx *tx)
{
	struct ogx_fees fees;
	uint64_t gas = 0;
	int err;

	tx->chain_id = s->c.chain_id;
	tx->nonce = s->st.next_nonce;
	tx->has_to = true;
	memcpy(tx->to, s->c.target, OGX_ETH_ADDR_LEN);
	tx->data = data;
	tx->data_len = len;
	if (!s->target_has_code)
		gas = ogx_tx_calldata_gas(data, len);
	err = ogx_fee_suggest(s->rpc, &fees);
	if (err)
		goto err_rpc;
	if (s->target_has_code) {
		err = ogx_rpc_estimate_gas(s->rpc, s->key.addr, s->c.target, data, len, &gas);
		if (err)
			goto err_rpc;
	}
	rpc_ok(s);
	cap_fees(s, &fees);
	/* A margin where the node estimated execution; calldata gas is exact. */
	tx->gas = s->target_has_code ? gas + gas / 10 : gas;
	tx->max_priority_fee = fees.max_priority_fee;
	tx->max_fee = fees.max_fee;
	return s->l1_fee ? budget(s, tx) : 0;

err_rpc:
	if (ogx_rpc_last_kind(s->rpc) == OGX_RPC_REVERTED) {
		snprintf(s->stalled, sizeof(s->stalled),
			 "the contract rejects the batch of seq %" PRIu64 "..%" PRIu64 ": %s",
			 s->pend[0].seq, s->pend[n - 1].seq, ogx_errmsg(err));
		fprintf(stderr, "%s: %s\n", prog, s->stalled);
		return err;
	}
	problem(s, ogx_rpc_last_kind(s->rpc) == OGX_RPC_TRANSPORT, "batch: %s", ogx_errmsg(err));
	back_off(s);
	return err;
}

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

/*
 * The batch of the first n pending records and its signed transaction jt:
 * one journal append (fdatasync'ed), then it is in flight and sent. Its
 * records leave the pending list for good; jt's raw bytes move to the batch.
 */
static int fly_batch(struct ogs *s, size_t n, struct jtx *jt)
{
	struct flight fl = { 0 }, *grown;
	int err;

	fl.id = s->st.next_batch;
	fl.first_index = s->pend[0].index;
	fl.end_index = s->pend[n - 1].index + 1;
	fl.first_seq = s->pend[0].seq;
	fl.last_seq = s->pend[n - 1].seq;
	memcpy(fl.last_digest, s->pend[n - 1].digest, OGX_DIGEST_LEN);
	err = journal_batch(s->j, &fl, jt);
	if (err) {
		fprintf(stderr, "%s: journal: %s\n", prog, ogx_errmsg(err));
		return err;
	}
	grown = realloc(s->st.batches, (s->st.n_batches + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->st.batches = grown;
	fl.txs = malloc(sizeof(*fl.txs));
	if (!fl.txs)
		return -ENOMEM;
	fl.txs[0] = *jt;
	jt->raw = NULL;
	fl.n_txs = 1;
	fl.bumped_ms = now_ms();
	s->st.batches[s->st.n_batches++] = fl;
	s->st.next_batch++;
	s->st.next_nonce++;
	s->st.have_last = true;
	s->st.last_seq = fl.last_seq;
	memcpy(s->st.last_digest, fl.last_digest, OGX_DIGEST_LEN);
	take_pending(s, n);
	broadcast(s, &s->st.batches[s->st.n_batches - 1]);
	return 0;
}

int form_batch(struct ogs *s)
{
	struct ogx_tx tx = { 0 };
	struct jtx jt = { 0 };
	size_t n = batch_size(s), len;
	uint8_t *data;
	int err;

	err = encode_batch(s, n, &data, &len);
	if (err)
		return err;
	err = batch_tx(s, n, data, len, &tx);
	if (err)
		goto out;
	err = sign_tx(s, &tx, &jt);
	if (err)
		goto out;
	err = fly_batch(s, n, &jt);
out:
	free(jt.raw);
	free(data);
	return err;
}
