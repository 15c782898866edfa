// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit run: the daemon. One loop, one thread:
 *
 *   read    new spool records, check each (CBOR schema, node signature, the
 *           node's hash chain: seq + 1 and prev = digest of the one before);
 *   batch   when a batch is full or its oldest record has waited long enough:
 *           Merkle root, operator signature, a type-2 transaction with the
 *           next nonce, journaled and fdatasync'ed, then broadcast;
 *   watch   every batch in flight: a receipt (then N confirmations settle it
 *           and move the cursor), a vanished receipt (reorg: send again), no
 *           receipt for a while (replace with a bumped fee), a dropped
 *           transaction (send the same bytes again);
 *   report  STATUS= and WATCHDOG=1 to systemd.
 *
 * Crash safety comes from the order of things: nothing reaches the chain
 * that is not in the journal first, a batch's records are never batched
 * again once its transaction is journaled (the next read starts after the
 * last journaled batch), and every transaction of a batch has the batch's
 * one nonce, so at most one of them can ever be mined.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-daemon.h>
#include <sodium.h>

#include "chain/abi.h"
#include "chain/batch.h"
#include "chain/fee.h"
#include "chain/l1fee.h"
#include "chain/rpc.h"
#include "chain/tx.h"
#include "config.h"
#include "journal.h"
#include "ogsubmit.h"
#include "proof/kmod_evidence.h"
#include "proof/merkle.h"
#include "proof/record.h"
#include "proof/spool.h"
#include "util/err.h"
#include "util/hex.h"

struct prec {
	uint8_t *data;
	size_t len;
	uint64_t index, seq;
	uint8_t digest[OGX_DIGEST_LEN];
	uint8_t node[OGX_PK_LEN];
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
	/* The chain as the pending records continue it. */
	bool have_tip;
	uint64_t tip_seq;
	uint8_t tip_digest[OGX_DIGEST_LEN];
	bool have_node;
	uint8_t node[OGX_PK_LEN];
	char stalled[512]; /* a record we cannot accept: why */
	uint64_t settled_records, since_compact;
	uint64_t backoff_until_ms, backoff_ms;
	char last_problem[512];
	bool problem_transport; /* the last problem was the RPC endpoint's */
	bool target_has_code; /* a contract: ask the node for gas; else compute it */
	/* /dev/ogx, when loaded: VERIFY of kernel MACs made on this boot. */
	bool have_kmod;
	struct ogx_kmod kmod;
	bool l1_fee; /* budget the OP Stack L1 data fee */
	ogx_u128 last_l1_fee;
	bool kmod_tried;
	uint8_t boot_id[OGX_BOOT_ID_SIZE];
	uint64_t kernel_checked, kernel_other_boot;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Log a problem once until it changes (no log flood while a node is down).
 * transport: the RPC endpoint's (over as soon as a call succeeds), not one
 * of a batch (over when a transaction is accepted).
 */
static void problem(struct ogs *s, bool transport, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct ogs *s, bool transport, const char *fmt, ...)
{
	char msg[sizeof(s->last_problem)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(msg, s->last_problem)) {
		fprintf(stderr, "%s: %s\n", prog, msg);
		snprintf(s->last_problem, sizeof(s->last_problem), "%s", msg);
	}
	s->problem_transport = transport;
}

static void clear_problem(struct ogs *s)
{
	if (s->last_problem[0]) {
		fprintf(stderr, "%s: recovered\n", prog);
		s->last_problem[0] = '\0';
	}
}

/* RPC trouble: wait, doubling up to 30 s, with jitter so restarts do not align. */
static void back_off(struct ogs *s)
{
	uint64_t d = s->backoff_ms ? s->backoff_ms * 2 : 100;

	if (d > 30000)
		d = 30000;
	s->backoff_ms = d;
	s->backoff_until_ms = now_ms() + d / 2 + randombytes_uniform(d / 2 + 1);
}

static void rpc_ok(struct ogs *s)
{
	s->backoff_ms = 0;
	if (s->problem_transport)
		clear_problem(s);
}

/* ---- reading and checking records --------------------------------------- */

/*
 * Kernel evidence (TEE records): its form and event digest always; its MAC
 * through /dev/ogx VERIFY when the module is loaded and the evidence is of
 * this boot (the MAC key lives only as long as the module: evidence of an
 * earlier boot can be checked for form only, and is counted).
 */
static int check_kernel(struct ogs *s, const struct ogx_record *r)
{
	struct ogx_kmod_evidence ev;
	int err;

	struct ogx_info info;

	if (!r->kernel.present)
		return ogx_fail(-EBADMSG, "a TEE record without kernel evidence");
	if ((err = ogx_kmod_evidence_check(r, &ev)))
		return err;
	if (!s->kmod_tried) {
		/* Opened at the first record that needs it, not at start. */
		s->kmod_tried = true;
		err = ogx_kmod_open(&s->kmod, NULL);
		if (!err && (err = ogx_kmod_info(&s->kmod, &info)))
			ogx_kmod_close(&s->kmod);
		if (err) {
			fprintf(stderr, "%s: %s: %s: kernel MACs are not checked, only the "
				"evidence's form\n", prog, OGX_KMOD_DEV, ogx_errmsg(err));
		} else {
			memcpy(s->boot_id, info.boot_id, OGX_BOOT_ID_SIZE);
			s->have_kmod = true;
		}
	}
	if (!s->have_kmod)
		return 0;
	if (memcmp(ev.boot_id, s->boot_id, OGX_BOOT_ID_SIZE)) {
		s->kernel_other_boot++;
		return 0;
	}
	if ((err = ogx_kmod_evidence_verify(&s->kmod, &ev)))
		return err;
	s->kernel_checked++;
	return 0;
}

static int check_record(struct ogs *s, uint64_t index, const uint8_t *data, size_t len,
			struct prec *p)
{
	struct ogx_record r;
	int err;

	if ((err = ogx_record_decode(data, len, &r)))
		return err;
	err = ogx_record_verify(&r);
	if (err) {
		err = ogx_fail(err, "node signature does not verify");
	} else if (s->c.has_node && memcmp(r.node, s->c.node, OGX_PK_LEN)) {
		err = ogx_fail(-EPERM, "record of another node than 'node' in the config");
	} else if (s->have_node && memcmp(r.node, s->node, OGX_PK_LEN)) {
		err = ogx_fail(-EPERM, "record of another node than the records before it");
	} else if (s->have_tip && r.seq != s->tip_seq + 1) {
		err = ogx_fail(-EBADMSG, "seq %" PRIu64 " follows seq %" PRIu64, r.seq, s->tip_seq);
	} else if (s->have_tip && memcmp(r.prev, s->tip_digest, OGX_DIGEST_LEN)) {
		err = ogx_fail(-EBADMSG, "prev is not the digest of record seq %" PRIu64,
			       s->tip_seq);
	} else if (r.kernel.present || r.level == OGX_LEVEL_TEE) {
		err = check_kernel(s, &r);
	}
	if (!err) {
		p->index = index;
		p->seq = r.seq;
		memcpy(p->node, r.node, OGX_PK_LEN);
		ogx_record_digest(data, len, p->digest);
	}
	ogx_record_free(&r);
	return err;
}

static int read_spool(struct ogs *s)
{
	const uint8_t *data;
	struct prec p, *np;
	uint64_t index;
	size_t len;
	int rc;

	if (s->stalled[0])
		return 0;
	if (!s->it) {
		rc = ogx_spool_iter_open(&s->it, s->c.spool, s->read_index,
					 OGX_SPOOL_ITER_DURABLE);
		if (rc) {
			problem(s, false, "%s: %s", s->c.spool, ogx_errmsg(rc));
			return rc == -ENOENT ? 0 : rc;
		}
	}
	/* Read ahead at most a few batches' worth. */
	while (s->n_pend < 4 * s->c.batch_records) {
		rc = ogx_spool_iter_next(s->it, &index, &data, &len);
		if (rc < 0) {
			snprintf(s->stalled, sizeof(s->stalled), "spool: %s", ogx_errmsg(rc));
			fprintf(stderr, "%s: %s: %s\n", prog, s->c.spool, s->stalled);
			return rc;
		}
		s->spool_drained = rc == 0;
		if (!rc)
			return 0;
		memset(&p, 0, sizeof(p));
		if ((rc = check_record(s, index, data, len, &p))) {
			snprintf(s->stalled, sizeof(s->stalled), "spool record %" PRIu64 ": %s",
				 index, ogx_errmsg(rc));
			fprintf(stderr, "%s: %s: %s (stopped before it; fix the spool)\n", prog,
				s->c.spool, s->stalled);
			return rc;
		}
		if (s->n_pend == s->cap_pend) {
			size_t cap = s->cap_pend ? 2 * s->cap_pend : 256;

			np = realloc(s->pend, cap * sizeof(*np));
			if (!np)
				return -ENOMEM;
			s->pend = np;
			s->cap_pend = cap;
		}
		p.data = malloc(len);
		if (!p.data)
			return -ENOMEM;
		memcpy(p.data, data, len);
		p.len = len;
		if (!s->n_pend)
			s->pend_since_ms = now_ms();
		s->pend[s->n_pend++] = p;
		s->pend_bytes += len;
		s->read_index = index + 1;
		s->have_tip = true;
		s->tip_seq = p.seq;
		memcpy(s->tip_digest, p.digest, OGX_DIGEST_LEN);
		s->have_node = true;
		memcpy(s->node, p.node, OGX_PK_LEN);
	}
	return 0;
}

/* ---- transactions -------------------------------------------------------- */

static size_t open_batches(const struct ogs *s)
{
	return s->st.n_batches;
}

/* Sign tx and fill the journal entry (raw malloc'd). */
static int sign_tx(struct ogs *s, struct ogx_tx *tx, struct jtx *jt)
{
	int err;

	if ((err = ogx_tx_sign(tx, &s->key)) || (err = ogx_tx_raw(tx, &jt->raw, &jt->raw_len)))
		return err;
	ogx_tx_hash(jt->raw, jt->raw_len, jt->hash);
	jt->nonce = tx->nonce;
	jt->tip = tx->max_priority_fee;
	jt->max_fee = tx->max_fee;
	jt->gas = tx->gas;
	return 0;
}

static void cap_fees(const struct ogs *s, struct ogx_fees *f)
{
	if (s->c.fee_cap && f->max_fee > s->c.fee_cap)
		f->max_fee = s->c.fee_cap;
	if (f->max_priority_fee > f->max_fee)
		f->max_priority_fee = f->max_fee;
}

static void broadcast(struct ogs *s, struct jbatch *b);

/* A replacement with higher fees (or, when the nonce went to someone else, a new nonce). */
static int replace(struct ogs *s, struct jbatch *b, bool new_nonce)
{
	struct jtx *last = &b->txs[b->n_txs - 1], nt = { 0 }, *grown;
	struct ogx_fees old, fresh, f;
	struct ogx_tx tx;
	int err;

	if ((err = ogx_tx_parse(&tx, last->raw, last->raw_len)))
		return err;
	if ((err = ogx_fee_suggest(s->rpc, &fresh))) {
		back_off(s);
		return err;
	}
	cap_fees(s, &fresh);
	if (new_nonce) {
		f = fresh;
		tx.nonce = s->st.next_nonce;
	} else {
		old.max_priority_fee = last->tip;
		old.max_fee = last->max_fee;
		err = ogx_fee_replace(&old, &fresh, s->c.fee_cap, &f);
		if (err) {
			problem(s, false, "batch %" PRIu64 ": %s", b->id, ogx_errmsg(err));
			b->bumped_ms = now_ms();
			return err;
		}
	}
	tx.max_priority_fee = f.max_priority_fee;
	tx.max_fee = f.max_fee;
	if ((err = sign_tx(s, &tx, &nt)))
		return err;
	/* Journal first: a crash after the broadcast must know this hash. */
	if ((err = journal_tx(s->j, b->id, &nt))) {
		free(nt.raw);
		return err;
	}
	grown = realloc(b->txs, (b->n_txs + 1) * sizeof(*grown));
	if (!grown) {
		free(nt.raw);
		return -ENOMEM;
	}
	b->txs = grown;
	b->txs[b->n_txs++] = nt;
	if (new_nonce)
		s->st.next_nonce++;
	b->bumped_ms = now_ms();
	b->nonce_taken = 0;
	fprintf(stderr, "%s: batch %" PRIu64 ": %s, nonce %" PRIu64 ", max fee %" PRIu64
		" wei/gas, tip %" PRIu64 "\n", prog, b->id,
		new_nonce ? "nonce taken by another transaction; new nonce" : "fee bumped",
		nt.nonce, nt.max_fee, nt.tip);
	broadcast(s, b);
	return 0;
}

static void broadcast(struct ogs *s, struct jbatch *b)
{
	struct jtx *t = &b->txs[b->n_txs - 1];
	uint8_t hash[32];
	int err;

	err = ogx_rpc_send_raw(s->rpc, t->raw, t->raw_len, hash);
	b->sent_ms = now_ms();
	if (!err) {
		rpc_ok(s);
		clear_problem(s);
		return;
	}
	switch (ogx_rpc_last_kind(s->rpc)) {
	case OGX_RPC_ALREADY_KNOWN:
	case OGX_RPC_NONCE_TOO_LOW: /* mined, most likely: the receipt will say */
		return;
	case OGX_RPC_UNDERPRICED:
		if (now_ms() - b->bumped_ms >= 1000)
			replace(s, b, false);
		return;
	default:
		problem(s, ogx_rpc_last_kind(s->rpc) == OGX_RPC_TRANSPORT, "batch %" PRIu64 ": %s",
			b->id, ogx_errmsg(err));
		back_off(s);
	}
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
 * On OP Stack chains the L1 data fee comes out of the balance on top of
 * gas × fee: check that the account can pay both before a batch is signed
 * and journaled, and say what is missing if not.
 */
static int budget(struct ogs *s, const struct ogx_tx *tx)
{
	char a[40], b[40], c[40];
	ogx_u128 l1, bal, need;
	int err;

	if ((err = ogx_l1_fee(s->rpc, tx, &l1)) || (err = ogx_rpc_balance(s->rpc, s->key.addr, &bal))) {
		problem(s, ogx_rpc_last_kind(s->rpc) == OGX_RPC_TRANSPORT, "L1 data fee: %s",
			ogx_errmsg(err));
		back_off(s);
		return err;
	}
	s->last_l1_fee = l1;
	need = (ogx_u128)tx->gas * tx->max_fee;
	need = need + l1 < need ? ~(ogx_u128)0 : need + l1;
	if (bal < need) {
		problem(s, false, "insufficient funds for the next batch: need %s wei (gas %" PRIu64
			" x %" PRIu64 " wei + L1 data fee %s), have %s", ogx_u128_str(a, need),
			tx->gas, tx->max_fee, ogx_u128_str(b, l1), ogx_u128_str(c, bal));
		back_off(s);
		return -ENOSPC;
	}
	return 0;
}

static int form_batch(struct ogs *s)
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

/* ---- watching ------------------------------------------------------------ */

static int watch(struct ogs *s)
{
	struct ogx_receipt r;
	uint64_t head, chain_nonce, now = now_ms();
	struct jbatch *b;
	size_t i, k, done = 0;
	bool found;
	int err;

	if (!s->st.n_batches)
		return 0;
	if ((err = ogx_rpc_block_number(s->rpc, &head)))
		goto rpc_fail;
	for (i = 0; i < s->st.n_batches; i++) {
		b = &s->st.batches[i];
		if (b->confirmed)
			continue;
		found = false;
		for (k = b->n_txs; k-- > 0 && !found;) {
			if ((err = ogx_rpc_receipt(s->rpc, b->txs[k].hash, &r)))
				goto rpc_fail;
			found = r.found;
		}
		if (found) {
			if (!b->mined || r.block_number != b->block)
				b->block = r.block_number;
			b->mined = true;
			if (!r.success) {
				/* Its records are not on chain, and sending it again cannot help. */
				if (!s->stalled[0]) {
					snprintf(s->stalled, sizeof(s->stalled),
						 "batch %" PRIu64 ": transaction reverted in block %"
						 PRIu64, b->id, r.block_number);
					fprintf(stderr, "%s: %s\n", prog, s->stalled);
				}
				continue;
			}
			if (head >= b->block && head - b->block + 1 >= s->c.confirmations) {
				if ((err = journal_confirm(s->j, b->id, b->block)))
					return err;
				b->confirmed = true;
				fprintf(stderr, "%s: batch %" PRIu64 ": records seq %" PRIu64 "..%" PRIu64
					" settled in block %" PRIu64 "\n", prog, b->id, b->first_seq,
					b->last_seq, b->block);
			}
			continue;
		}
		if (b->mined) {
			fprintf(stderr, "%s: batch %" PRIu64 ": receipt gone (reorg); sending again\n",
				prog, b->id);
			b->mined = false;
			broadcast(s, b);
			continue;
		}
		/* Not mined. Is its nonce used up by a transaction we did not send? */
		if ((err = ogx_rpc_nonce(s->rpc, s->key.addr, "latest", &chain_nonce)))
			goto rpc_fail;
		if (chain_nonce > b->txs[b->n_txs - 1].nonce) {
			/* Receipts lag blocks on some nodes: be sure before moving on. */
			if (++b->nonce_taken >= 3)
				replace(s, b, true);
			continue;
		}
		b->nonce_taken = 0;
		if (now - b->bumped_ms >= s->c.bump_after_ms)
			replace(s, b, false);
		else if (now - b->sent_ms >= s->c.rebroadcast_ms)
			broadcast(s, b);
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
		s->since_compact += done;
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

/* ---- the loop ------------------------------------------------------------ */

static void notify_status(struct ogs *s)
{
	char l1[64] = "", n[40];

	if (s->l1_fee)
		snprintf(l1, sizeof(l1), ", L1 data fee of the last batch %s wei",
			 ogx_u128_str(n, s->last_l1_fee));
	sd_notifyf(0, "WATCHDOG=1\nSTATUS=%s%s%zu batches in flight, %" PRIu64
		   " records settled, %" PRIu64 " read and not settled%s",
		   s->stalled[0] ? s->stalled : "", s->stalled[0] ? "; " : "", open_batches(s),
		   s->settled_records, s->read_index - s->st.settled_index, l1);
}

/* ogx_fail() with "what: " before the detail already recorded for err. */
static int prefixed(int err, const char *what)
{
	char detail[512];

	snprintf(detail, sizeof(detail), "%s", ogx_errmsg(err));
	return ogx_fail(err, "%s: %s", what, detail);
}

static int start(struct ogs *s)
{
	uint64_t id, chain_nonce;
	size_t cut, i, code;
	int err;

	if ((err = ogx_eth_key_load(s->c.key, &s->key)))
		return prefixed(err, s->c.key);
	if ((err = ogx_key_load(s->c.operator_key, &s->op)))
		return prefixed(err, s->c.operator_key);
	if ((err = journal_open(&s->j, s->c.state_dir, &s->st, &cut)))
		return prefixed(err, s->c.state_dir);

	if (cut)
		fprintf(stderr, "%s: journal: cut a torn tail of %zu bytes\n", prog, cut);
	if ((err = ogx_rpc_open(&s->rpc, s->c.rpc, s->c.rpc_timeout_ms)))
		return prefixed(err, "rpc");
	/* The node must be up to check the chain id; wait for it. */
	while ((err = ogx_rpc_chain_id(s->rpc, &id)) ||
	       (err = ogx_rpc_nonce(s->rpc, s->key.addr, "latest", &chain_nonce)) ||
	       (err = ogx_rpc_code_size(s->rpc, s->c.target, &code))) {
		if (ogx_rpc_last_kind(s->rpc) != OGX_RPC_TRANSPORT)
			return prefixed(err, s->c.rpc);
		problem(s, true, "waiting for %s: %s", s->c.rpc, ogx_errmsg(err));
		sd_notifyf(0, "WATCHDOG=1\nSTATUS=waiting for %s", s->c.rpc);
		back_off(s);
		while (!stop && now_ms() < s->backoff_until_ms)
			nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
		if (stop)
			return -EINTR;
	}
	rpc_ok(s);
	if (id != s->c.chain_id)
		return ogx_fail(-EINVAL, "%s: chain id is %" PRIu64 ", not %" PRIu64
				" as chain_id says", s->c.rpc, id, s->c.chain_id);
	if (chain_nonce > s->st.next_nonce)
		s->st.next_nonce = chain_nonce;
	s->target_has_code = code > 0;
	s->l1_fee = s->c.l1_fee == OGS_L1_FEE_ON ||
		    (s->c.l1_fee == OGS_L1_FEE_AUTO && ogx_chain_has_l1_fee(id));
	if (s->c.contract && !code)
		return ogx_fail(-EINVAL, "target has no code: contract mode needs the settlement "
				"contract deployed there");
	/* Records after the last journaled batch are next; earlier ones are taken. */
	s->read_index = s->st.settled_index;
	for (i = 0; i < s->st.n_batches; i++)
		if (s->st.batches[i].end_index > s->read_index)
			s->read_index = s->st.batches[i].end_index;
	s->have_tip = s->st.have_last;
	s->tip_seq = s->st.last_seq;
	memcpy(s->tip_digest, s->st.last_digest, OGX_DIGEST_LEN);
	/* Whatever was pending when we stopped goes out again at once. */
	for (i = 0; i < s->st.n_batches; i++) {
		s->st.batches[i].bumped_ms = now_ms();
		if (!s->st.batches[i].confirmed && s->st.batches[i].n_txs)
			broadcast(s, &s->st.batches[i]);
	}
	fprintf(stderr, "%s: from %s as %s, spool index %" PRIu64 ", nonce %" PRIu64
		", %zu batches in flight\n", prog, s->c.rpc, "account", s->read_index,
		s->st.next_nonce, s->st.n_batches);
	return 0;
}

static void cleanup(struct ogs *s)
{
	for (size_t i = 0; i < s->n_pend; i++)
		free(s->pend[i].data);
	free(s->pend);
	ogx_spool_iter_close(s->it);
	jstate_free(&s->st);
	journal_close(s->j);
	ogx_rpc_close(s->rpc);
	ogx_eth_key_free(&s->key);
	ogx_key_free(&s->op);
	if (s->have_kmod)
		ogx_kmod_close(&s->kmod);
}

static void run_usage(FILE *f)
{
	fprintf(f, "Usage: %s run [--config FILE] [--KEY VALUE ...] [--once | --check]\n"
		   "Moves spool records to the chain until stopped (--once: until the spool is\n"
		   "drained and every batch settled; --check: only check the configuration).\n"
		   "Config file default: %s.\n",
		prog, OGS_CONFIG_DEFAULT);
	ogs_config_usage(f);
}

int run_main(int argc, char **argv)
{
	struct ogs *s;
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t now;
	int err = 0;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		run_usage(stdout);
		return 0;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return 1;
	if ((err = ogs_config_load(&s->c, argc, argv))) {
		fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
		free(s);
		return 2;
	}
	if (s->c.check) {
		printf("%s: configuration is valid\n", prog);
		free(s);
		return 0;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if ((err = start(s)))
		goto out;
	sd_notify(0, "READY=1");
	while (!stop) {
		now = now_ms();
		if (now >= s->backoff_until_ms) {
			if ((err = read_spool(s)) && s->c.once)
				break;
			err = 0;
			while (s->n_pend && open_batches(s) < s->c.max_inflight &&
			       now_ms() >= s->backoff_until_ms &&
			       (s->n_pend >= s->c.batch_records ||
				(s->c.da == OGX_DA_CALLDATA && s->pend_bytes >= s->c.batch_bytes) ||
				now_ms() - s->pend_since_ms >= s->c.batch_delay_ms) &&
			       !form_batch(s))
				;
			if ((err = watch(s)))
				break;
		}
		notify_status(s);
		if (s->c.once && ((s->spool_drained && !s->n_pend && !s->st.n_batches) ||
				  s->stalled[0]))
			break;
		nanosleep(&(struct timespec){ s->c.poll_ms / 1000,
					      (s->c.poll_ms % 1000) * 1000000 }, NULL);
	}
	if (s->stalled[0])
		err = ogx_fail(-EBADMSG, "%s", s->stalled);
out:
	sd_notify(0, "STOPPING=1");
	if (err)
		fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
	cleanup(s);
	free(s);
	return err ? 1 : 0;
}
