// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit run: the daemon's transactions, for batches and payments alike —
 * signing (fees within fee_cap), the balance check before one is signed
 * (gas and, on OP Stack chains, the L1 data fee), sending, and replacing an
 * unmined one with a bumped fee or, when another transaction took its
 * nonce, a new nonce. A replacement is journaled before it is sent.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/fee.h"
#include "chain/l1fee.h"
#include "chain/tx.h"
#include "daemon.h"
#include "ogsubmit.h"
#include "util/err.h"

int sign_tx(struct ogs *s, struct ogx_tx *tx, struct jtx *jt)
{
	int err;

	err = ogx_tx_sign(tx, &s->key);
	if (err)
		return err;
	err = ogx_tx_raw(tx, &jt->raw, &jt->raw_len);
	if (err)
		return err;
	ogx_tx_hash(jt->raw, jt->raw_len, jt->hash);
	jt->nonce = tx->nonce;
	jt->tip = tx->max_priority_fee;
	jt->max_fee = tx->max_fee;
	jt->gas = tx->gas;
	return 0;
}

void cap_fees(const struct ogs *s, struct ogx_fees *f)
{
	if (s->c.fee_cap && f->max_fee > s->c.fee_cap)
		f->max_fee = s->c.fee_cap;
	if (f->max_priority_fee > f->max_fee)
		f->max_priority_fee = f->max_fee;
}

/*
 * On OP Stack chains the L1 data fee comes out of the balance on top of
 * gas × fee: check that the account can pay both before a transaction (a
 * batch's, a payment's) is signed and journaled, and say what is missing if
 * not.
 */
int budget(struct ogs *s, const struct ogx_tx *tx)
{
	char a[40], b[40], c[40];
	ogx_u128 l1, bal, need;
	int err;

	err = ogx_l1_fee(s->rpc, tx, &l1);
	if (err)
		goto err_rpc;
	err = ogx_rpc_balance(s->rpc, s->key.addr, &bal);
	if (err)
		goto err_rpc;
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

err_rpc:
	problem(s, ogx_rpc_last_kind(s->rpc) == OGX_RPC_TRANSPORT, "L1 data fee: %s",
		ogx_errmsg(err));
	back_off(s);
	return err;
}

/* A replacement with higher fees (or, when the nonce went to someone else, a new nonce). */
int replace_tx(struct ogs *s, struct flight *fl, bool new_nonce)
{
	struct jtx *last = &fl->txs[fl->n_txs - 1], nt = { 0 };
	struct ogx_fees old, fresh, f;
	struct ogx_tx tx;
	int err;

	err = ogx_tx_parse(&tx, last->raw, last->raw_len);
	if (err)
		return err;
	err = ogx_fee_suggest(s->rpc, &fresh);
	if (err) {
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
			problem(s, false, "%s %" PRIu64 ": %s", flight_kind(fl), fl->id,
				ogx_errmsg(err));
			fl->bumped_ms = now_ms();
			return err;
		}
	}
	tx.max_priority_fee = f.max_priority_fee;
	tx.max_fee = f.max_fee;
	err = sign_tx(s, &tx, &nt);
	if (err)
		return err;
	/* Journal first: a crash after the broadcast must know this hash. */
	err = journal_tx(s->j, fl->id, &nt);
	if (err) {
		free(nt.raw);
		return err;
	}
	err = flight_add_tx(fl, &nt);
	if (err)
		return err;
	if (new_nonce)
		s->st.next_nonce++;
	fl->bumped_ms = now_ms();
	fl->nonce_taken = 0;
	fprintf(stderr, "%s: %s %" PRIu64 ": %s, nonce %" PRIu64 ", max fee %" PRIu64
		" wei/gas, tip %" PRIu64 "\n", prog, flight_kind(fl), fl->id,
		new_nonce ? "nonce taken by another transaction; new nonce" : "fee bumped",
		nt.nonce, nt.max_fee, nt.tip);
	broadcast(s, fl);
	return 0;
}

void broadcast(struct ogs *s, struct flight *fl)
{
	struct jtx *t = &fl->txs[fl->n_txs - 1];
	uint8_t hash[32];
	int err;

	err = ogx_rpc_send_raw(s->rpc, t->raw, t->raw_len, hash);
	fl->sent_ms = now_ms();
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
		if (now_ms() - fl->bumped_ms >= 1000)
			replace_tx(s, fl, false);
		return;
	default:
		problem(s, ogx_rpc_last_kind(s->rpc) == OGX_RPC_TRANSPORT, "%s %" PRIu64 ": %s",
			flight_kind(fl), fl->id, ogx_errmsg(err));
		back_off(s);
	}
}
