// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit run: x402 `upto` payments (Permit2 with the upto witness; see
 * chain/permit2.h). ogrun serve writes the permit and the amount it charged
 * (≤ the signed cap) into the record; here, as for EIP-3009 payments
 * (settle.c), the record is queued once (a U line), then settled with one
 * transaction: the x402 upto proxy's settle(permit, charged, owner,
 * witness, signature), sent to the proxy the payer signed for (the
 * permit's spender: Permit2 lets no one else spend it) by this account,
 * which must be the facilitator the witness names. Not sent, with an X
 * line: a charge of 0 (nothing to move; the proxy refuses 0), a deadline
 * past, a nonce already used in Permit2's bitmap, a witness naming
 * another facilitator, a proxy or token that rejects the call.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "ogsubmit.h"
#include "util/err.h"
#include "util/hex.h"

int queue_upto(struct ogs *s, const struct prec *p)
{
	char a[OGX_ETH_ADDR_STRLEN], c[OGX_ETH_ADDR_STRLEN], why[200] = "";
	const struct ogx_permit2_upto *u = &p->up;
	struct jpay y = { 0 };

	if (!p->pay_why[0] && !s->c.settle_upto)
		snprintf(why, sizeof(why), "settle_upto_asset is not set");
	if (!why[0] && !p->pay_why[0] && u->chain_id != s->c.chain_id)
		snprintf(why, sizeof(why), "it is on chain id %" PRIu64 ", not chain_id %" PRIu64,
			 u->chain_id, s->c.chain_id);
	if (!why[0] && !p->pay_why[0] && memcmp(u->token, s->c.settle_upto_asset, 20)) {
		ogx_eth_addr_str(a, u->token);
		ogx_eth_addr_str(c, s->c.settle_upto_asset);
		snprintf(why, sizeof(why), "its token %s is not settle_upto_asset %s", a, c);
	}
	if (!why[0] && !p->pay_why[0] && !strcmp(p->charged, "0"))
		snprintf(why, sizeof(why), "upto charged 0: nothing to settle");
	if (p->pay_why[0] || why[0]) {
		fprintf(stderr, "%s: record seq %" PRIu64 ": payment not settled: %s\n", prog,
			p->seq, p->pay_why[0] ? p->pay_why : why);
		s->pays_unsettled++;
		return 0;
	}
	for (size_t i = 0; i < s->st.n_pays; i++) {
		const struct jpay *q = s->st.pays[i].pay;

		if (q->upto && !memcmp(q->up.from, u->from, 20) &&
		    !memcmp(q->up.nonce, u->nonce, 32) && !memcmp(q->up.permit2, u->permit2, 20))
			return 0; /* read again after a restart: queued already */
	}
	y.upto = true;
	y.up = *u;
	snprintf(y.charged, sizeof(y.charged), "%s", p->charged);
	return enqueue_payment(s, p, &y);
}

/* Permit2's nonceBitmap(owner, word) has the nonce's bit: 1 used, 0 not, or an RPC error. */
static int nonce_used(struct ogs *s, const struct ogx_permit2_upto *a)
{
	uint8_t call[OGX_PERMIT2_BITMAP_LEN], *out = NULL;
	size_t len = 0;
	int err, used;

	ogx_permit2_bitmap_call(a->from, a->nonce, call);
	if ((err = ogx_rpc_eth_call(s->rpc, a->permit2, call, sizeof(call), &out, &len)))
		return err;
	if (len != 32) {
		free(out);
		return ogx_fail(-EBADMSG, "nonceBitmap returned %zu bytes, not a uint256", len);
	}
	used = ogx_permit2_nonce_used(a->nonce, out);
	free(out);
	return used;
}

int send_upto(struct ogs *s, struct flight *fl, uint64_t now_s)
{
	const struct ogx_permit2_upto *a = &fl->pay->up;
	uint8_t call[OGX_PERMIT2_UPTO_SETTLE_LEN];
	char n[65], f[OGX_ETH_ADDR_STRLEN], me[OGX_ETH_ADDR_STRLEN];
	int err;

	if (now_s >= a->deadline)
		return skip_payment(s, fl, "expired", "permit expired (deadline %" PRIu64
				    "); not sent", a->deadline);
	if (now_s < a->valid_after)
		return 0; /* the proxy wants block time >= validAfter: later */
	if (memcmp(a->facilitator, s->key.addr, 20)) {
		ogx_eth_addr_str(f, a->facilitator);
		ogx_eth_addr_str(me, s->key.addr);
		return skip_payment(s, fl, "rejected", "witness.facilitator is %s, not this "
				    "account %s; not sent", f, me);
	}
	err = nonce_used(s, a);
	if (err < 0) {
		rpc_trouble(s, fl, err);
		return 0;
	}
	if (err) {
		ogx_hex(n, a->nonce, 32);
		return skip_payment(s, fl, "used", "Permit2 nonce 0x%s is already used on chain "
				    "(nonceBitmap); not sent", n);
	}
	if ((err = ogx_permit2_upto_settle_call(a, fl->pay->charged, call)))
		return skip_payment(s, fl, "rejected", "charged %s is not a uint256",
				    fl->pay->charged);
	return send_settlement(s, fl, a->spender, call, sizeof(call), "the upto proxy",
			       "upto settle");
}
