// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit run: what settling an x402 payment takes whatever its scheme
 * (settle.c: exact, EIP-3009; settle_permit2.c: upto, Permit2): journaling
 * a queued payment (a P or U line), the one transaction that settles it
 * (estimated, priced, signed, journaled as a T line, broadcast), the X line
 * of one that will not be settled, and the log lines that name them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "ogsubmit.h"
#include "util/err.h"
#include "util/hex.h"

/* "payment 4 (record seq 17, 1000 from 0xAb..)"; upto: "(..., upto 56 of 64 from 0xAb..)" */
void describe(char *out, size_t len, const struct flight *fl)
{
	const struct jpay *y = fl->pay;
	char from[OGX_ETH_ADDR_STRLEN];

	ogx_eth_addr_str(from, y->upto ? y->up.from : y->auth.from);
	if (y->upto)
		snprintf(out, len, "payment %" PRIu64 " (record seq %" PRIu64 ", upto %s of %s "
			 "from %s)", fl->id, y->record_seq, y->charged, y->up.amount, from);
	else
		snprintf(out, len, "payment %" PRIu64 " (record seq %" PRIu64 ", %s from %s)",
			 fl->id, y->record_seq, y->auth.value, from);
}

/* Journal y (the payment of record p) as a new flight: queued. */
int enqueue_payment(struct ogs *s, const struct prec *p, const struct jpay *y)
{
	struct flight fl = { 0 }, *grown;
	char what[200];
	int err;

	fl.id = s->st.next_batch;
	fl.pay = malloc(sizeof(*fl.pay));
	grown = realloc(s->st.pays, (s->st.n_pays + 1) * sizeof(*grown));
	if (!fl.pay || !grown) {
		free(fl.pay);
		if (grown)
			s->st.pays = grown;
		return -ENOMEM;
	}
	s->st.pays = grown;
	*fl.pay = *y;
	fl.pay->record_index = p->index;
	fl.pay->record_seq = p->seq;
	memcpy(fl.pay->record_id, p->digest, OGX_DIGEST_LEN);
	if ((err = journal_pay(s->j, &fl))) {
		free(fl.pay);
		return ogx_fail(err, "journal: %s", strerror(-err));
	}
	s->st.pays[s->st.n_pays++] = fl;
	s->st.next_batch++;
	describe(what, sizeof(what), &fl);
	fprintf(stderr, "%s: %s: queued\n", prog, what);
	return 0;
}

static void report_skipped(const struct flight *fl)
{
	char what[200];

	describe(what, sizeof(what), fl);
	fprintf(stderr, "%s: %s: not settled: %s\n", prog, what, fl->pay->why);
}

int skip_payment(struct ogs *s, struct flight *fl, const char *reason, const char *fmt, ...)
{
	struct jpay *y = fl->pay;
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(y->why, sizeof(y->why), fmt, ap);
	va_end(ap);
	if ((err = journal_skip(s->j, fl->id, reason, y->why))) {
		y->why[0] = '\0';
		return ogx_fail(err, "journal: %s", strerror(-err));
	}
	snprintf(y->skipped, sizeof(y->skipped), "%s", reason);
	s->pays_unsettled++;
	report_skipped(fl);
	return 0;
}

void report_skipped_again(const struct ogs *s)
{
	for (size_t i = 0; i < s->st.n_pays; i++)
		if (s->st.pays[i].pay->skipped[0])
			report_skipped(&s->st.pays[i]);
}

/* RPC trouble while preparing a payment: say so, wait, try again later. */
void rpc_trouble(struct ogs *s, const struct flight *fl, int err)
{
	char what[200];

	describe(what, sizeof(what), fl);
	problem(s, ogx_rpc_last_kind(s->rpc) == OGX_RPC_TRANSPORT, "%s: %s", what,
		ogx_errmsg(err));
	back_off(s);
}

/*
 * Estimate, price, sign, journal (T) and broadcast the transaction that
 * settles fl: call to `to`. A revert at estimation is an X line ("who
 * rejects the transfer"); RPC trouble backs off; a journal failure returns.
 */
int send_settlement(struct ogs *s, struct flight *fl, const uint8_t to[20], uint8_t *call,
		    size_t call_len, const char *who, const char *what)
{
	struct ogx_tx tx = { 0 };
	struct ogx_fees fees;
	struct jtx jt = { 0 };
	char n[65];
	uint64_t gas = 0;
	int err;

	err = ogx_rpc_estimate_gas(s->rpc, s->key.addr, to, call, call_len, &gas);
	if (err && ogx_rpc_last_kind(s->rpc) == OGX_RPC_REVERTED)
		return skip_payment(s, fl, "rejected", "%s rejects the transfer (%s); not "
				    "sent", who, ogx_errmsg(err));
	if (err || (err = ogx_fee_suggest(s->rpc, &fees))) {
		rpc_trouble(s, fl, err);
		return 0;
	}
	rpc_ok(s);
	cap_fees(s, &fees);
	tx.chain_id = s->c.chain_id;
	tx.nonce = s->st.next_nonce;
	tx.has_to = true;
	memcpy(tx.to, to, OGX_ETH_ADDR_LEN);
	tx.data = call;
	tx.data_len = call_len;
	tx.gas = gas + gas / 10; /* the node estimated execution: a margin */
	tx.max_priority_fee = fees.max_priority_fee;
	tx.max_fee = fees.max_fee;
	if (s->l1_fee && budget(s, &tx))
		return 0; /* said, and backed off */
	if ((err = sign_tx(s, &tx, &jt)))
		return err;
	fl->txs = malloc(sizeof(*fl->txs));
	if (!fl->txs) {
		free(jt.raw);
		return -ENOMEM;
	}
	/* Journal first: a crash after the broadcast must know this hash. */
	if ((err = journal_tx(s->j, fl->id, &jt))) {
		free(fl->txs);
		fl->txs = NULL;
		free(jt.raw);
		return ogx_fail(err, "journal: %s", strerror(-err));
	}
	fl->txs[0] = jt;
	fl->n_txs = 1;
	fl->bumped_ms = now_ms();
	s->st.next_nonce++;
	ogx_hex(n, jt.hash, 32);
	fprintf(stderr, "%s: payment %" PRIu64 ": %s sent, nonce %" PRIu64
		", transaction 0x%s\n", prog, fl->id, what, jt.nonce, n);
	broadcast(s, fl);
	return 0;
}
