// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit run: x402 settlement. ogrun serve writes an accepted payment
 * into the proof record of the answer it paid for (key 15: the whole signed
 * EIP-3009 authorization), and that record reaches the spool, fdatasync'ed,
 * before the answer leaves: the spool is the settlement queue, and a payment
 * is queued exactly when its record exists. Here:
 *
 *   queue   a checked record with a payment becomes a P line in the journal
 *           (fdatasync'ed) before its record can be batched, so a restart,
 *           which reads the spool from after the last journaled batch, finds
 *           every payment either journaled or still ahead; a payment read
 *           twice (same token, from, nonce) is queued once;
 *   send    transferWithAuthorization(...) to the token, one transaction per
 *           payment, with the next nonce, journaled (T) before broadcast —
 *           unless the authorization has expired or its nonce is already
 *           used on chain (authorizationState), or the token refuses the
 *           call (gas estimation reverts): then an X line says why, for good;
 *   watch   as batches (watch.c): rebroadcast, fee bump, new nonce,
 *           reorgs, N confirmations (C); a reverted one is an X line.
 *
 * An authorization can be settled only once on chain (the token marks its
 * nonce used), and ogsubmit never sends one twice: one P line per payment,
 * and its transactions all share one account nonce.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "ogsubmit.h"
#include "util/err.h"
#include "util/hex.h"

size_t open_pays(const struct ogs *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->st.n_pays; i++)
		n += !jpay_done(&s->st.pays[i]);
	return n;
}

int queue_payment(struct ogs *s, struct prec *p)
{
	char a[OGX_ETH_ADDR_STRLEN], c[OGX_ETH_ADDR_STRLEN];
	const struct ogx_eip3009_auth *au = &p->auth;
	struct jpay y = { 0 };

	if (!p->paid)
		return 0;
	if (p->upto)
		return queue_upto(s, p);
	if (!p->pay_why[0] && !s->c.settle)
		snprintf(p->pay_why, sizeof(p->pay_why), "settle_asset is not set");
	if (!p->pay_why[0] && au->chain_id != s->c.chain_id)
		snprintf(p->pay_why, sizeof(p->pay_why), "it is on chain id %" PRIu64
			 ", not chain_id %" PRIu64, au->chain_id, s->c.chain_id);
	if (!p->pay_why[0] && memcmp(au->asset, s->c.settle_asset, 20)) {
		ogx_eth_addr_str(a, au->asset);
		ogx_eth_addr_str(c, s->c.settle_asset);
		snprintf(p->pay_why, sizeof(p->pay_why), "its asset %s is not settle_asset %s",
			 a, c);
	}
	if (p->pay_why[0]) {
		fprintf(stderr, "%s: record seq %" PRIu64 ": payment not settled: %s\n", prog,
			p->seq, p->pay_why);
		s->pays_unsettled++;
		return 0;
	}
	for (size_t i = 0; i < s->st.n_pays; i++) {
		const struct ogx_eip3009_auth *q = &s->st.pays[i].pay->auth;

		if (!s->st.pays[i].pay->upto && !memcmp(q->from, au->from, 20) &&
		    !memcmp(q->nonce, au->nonce, 32) && !memcmp(q->asset, au->asset, 20))
			return 0; /* read again after a restart: queued already */
	}
	y.auth = *au;
	return enqueue_payment(s, p, &y);
}

void payment_settled(struct ogs *s, const struct flight *fl)
{
	char what[200], to[OGX_ETH_ADDR_STRLEN];

	s->pays_settled++;
	describe(what, sizeof(what), fl);
	ogx_eth_addr_str(to, fl->pay->upto ? fl->pay->up.to : fl->pay->auth.to);
	fprintf(stderr, "%s: %s: settled to %s in block %" PRIu64 "\n", prog, what, to, fl->block);
}

/* The token's authorizationState(from, nonce): 1 used, 0 not, or an RPC error. */
static int nonce_used(struct ogs *s, const struct ogx_eip3009_auth *a)
{
	uint8_t call[OGX_EIP3009_STATE_LEN], *out = NULL;
	size_t len = 0;
	int err, used = 0;

	ogx_eip3009_state_call(a->from, a->nonce, call);
	if ((err = ogx_rpc_eth_call(s->rpc, a->asset, call, sizeof(call), &out, &len)))
		return err;
	if (len != 32)
		err = ogx_fail(-EBADMSG, "authorizationState returned %zu bytes, not a bool", len);
	for (size_t i = 0; i < len && !err; i++)
		used |= out[i] != 0;
	free(out);
	return err ? err : used;
}

/*
 * The first transaction of payment fl, or its X line. RPC trouble backs off
 * (fl stays queued); only a journal failure, which stops the daemon, is
 * returned.
 */
static int send_payment(struct ogs *s, struct flight *fl, uint64_t now_s)
{
	const struct ogx_eip3009_auth *a = &fl->pay->auth;
	uint8_t call[OGX_EIP3009_TRANSFER_LEN];
	char n[65];
	int err;

	if (fl->pay->upto)
		return send_upto(s, fl, now_s);
	if (now_s >= a->valid_before)
		return skip_payment(s, fl, "expired", "authorization expired (validBefore %" PRIu64
				    "); not sent", a->valid_before);
	if (now_s <= a->valid_after)
		return 0; /* the token wants block time > validAfter: later */
	err = nonce_used(s, a);
	if (err < 0) {
		rpc_trouble(s, fl, err);
		return 0;
	}
	if (err) {
		ogx_hex(n, a->nonce, 32);
		return skip_payment(s, fl, "used", "nonce 0x%s is already used on chain "
				    "(authorizationState); not sent", n);
	}
	if ((err = ogx_eip3009_transfer_call(a, call)))
		return skip_payment(s, fl, "rejected", "value %s is not a uint256", a->value);
	return send_settlement(s, fl, a->asset, call, sizeof(call), "the token",
			       "transferWithAuthorization");
}

/*
 * At most this many new payments per turn of the loop: each costs a few RPC
 * calls and an fdatasync, and the loop must come round to watch what is in
 * flight and to tell systemd it is alive (WatchdogSec=).
 */
#define SENDS_PER_TURN 64

int settle_payments(struct ogs *s)
{
	uint64_t now_s = (uint64_t)time(NULL);
	size_t i, flying = 0, sent = 0;
	int err;

	for (i = 0; i < s->st.n_pays; i++)
		flying += s->st.pays[i].n_txs && !jpay_done(&s->st.pays[i]);
	for (i = 0; i < s->st.n_pays && flying < s->c.settle_inflight && sent < SENDS_PER_TURN &&
		    now_ms() >= s->backoff_until_ms; i++) {
		struct flight *fl = &s->st.pays[i];

		if (fl->n_txs || jpay_done(fl))
			continue;
		if ((err = send_payment(s, fl, now_s)))
			return err;
		flying += fl->n_txs;
		sent += fl->n_txs;
	}
	return 0;
}
