// SPDX-License-Identifier: GPL-2.0
/*
 * x402 payments checked on chain before the answer (x402_chain.h): the RPC
 * threads, and the decisions, which are the loop's alone, so that two
 * requests of one payer never both see the same balance as free.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/abi.h"
#include "chain/eip3009.h"
#include "chain/fee.h"
#include "chain/tx.h"
#include "proof/signer.h"
#include "serve/job.h"
#include "serve/mailbox.h"
#include "serve/serve.h"
#include "serve/x402_chain.h"
#include "util/err.h"
#include "util/hex.h"

static const char *payer_str(char out[OGX_ETH_ADDR_STRLEN], const uint8_t a[20])
{
	ogx_eth_addr_str(out, a);
	return out;
}

/* ---- the RPC threads ---- */

static void auth_of(const struct ogx_x402_config *cfg, const struct x402_payment *p,
		    struct ogx_eip3009_auth *a)
{
	memset(a, 0, sizeof(*a));
	a->chain_id = cfg->chain_id;
	memcpy(a->asset, cfg->asset, 20);
	memcpy(a->from, p->from, 20);
	memcpy(a->to, p->to, 20);
	snprintf(a->value, sizeof(a->value), "%s", p->value);
	a->valid_after = p->valid_after;
	a->valid_before = p->valid_before;
	memcpy(a->nonce, p->nonce, 32);
	memcpy(a->sig, p->sig, 65);
}


/* The token's balanceOf(who): 0 or an RPC error. */
static int balance_of(struct ogx_rpc *rpc, const struct ogx_x402_config *cfg,
		      const uint8_t who[20], ogx_u128 *out)
{
	uint8_t call[4 + 32], *res = NULL;
	size_t len = 0;
	int err;

	ogx_abi_selector("balanceOf(address)", call);
	ogx_abi_put_addr(call + 4, who);
	err = ogx_rpc_eth_call(rpc, cfg->asset, call, sizeof(call), &res, &len);
	if (!err && len != 32)
		err = ogx_fail(-EPROTO, "balanceOf returned %zu bytes, not a uint256", len);
	if (!err)
		*out = ogx_u128_from_be(res, 32);
	free(res);
	return err;
}

/* authorizationState(from, nonce): 1 used, 0 not, or an RPC error. */
static int nonce_used(struct ogx_rpc *rpc, const struct ogx_x402_config *cfg,
		      const uint8_t from[20], const uint8_t nonce[32])
{
	uint8_t call[OGX_EIP3009_STATE_LEN], *res = NULL;
	size_t len = 0;
	int err, used = 0;

	ogx_eip3009_state_call(from, nonce, call);
	err = ogx_rpc_eth_call(rpc, cfg->asset, call, sizeof(call), &res, &len);
	if (!err && len != 32)
		err = ogx_fail(-EPROTO, "authorizationState returned %zu bytes, not a bool", len);
	for (size_t i = 0; i < len && !err; i++)
		used |= res[i] != 0;
	free(res);
	return err ? err : used;
}

/* The settlement as ogsubmit will send it, run by eth_call: 1 reverts, 0 not, or an error. */
static int simulate(struct ogx_rpc *rpc, const struct ogx_x402_config *cfg,
		    const struct x402_payment *p, char *why, size_t why_len)
{
	struct ogx_eip3009_auth a;
	uint8_t call[OGX_EIP3009_TRANSFER_LEN], *res = NULL;
	size_t len = 0;
	int err;

	auth_of(cfg, p, &a);
	err = ogx_eip3009_transfer_call(&a, call);
	if (err)
		return err;
	err = ogx_rpc_eth_call(rpc, cfg->asset, call, sizeof(call), &res, &len);
	free(res);
	if (err && ogx_rpc_last_kind(rpc) == OGX_RPC_REVERTED) {
		snprintf(why, why_len, "%s", ogx_errmsg(err));
		return 1;
	}
	return err;
}

static uint64_t mono_ns(void)
{
	return ogx_mono_ns();
}

/*
 * settle=before: send the transfer from the settlement account and wait for
 * its receipt. 0 with k->p.settled, or k->reverted / k->settle_failed with
 * why, or an RPC error.
 */
static int settle(struct x402_chain *ch, struct ogx_rpc *rpc, struct x402_check *k)
{
	const struct ogx_x402_config *cfg = ch->cfg;
	uint8_t call[OGX_EIP3009_TRANSFER_LEN], *raw = NULL, hash[32];
	struct ogx_eip3009_auth a;
	struct ogx_tx tx = { 0 };
	struct ogx_fees fees;
	uint64_t gas = 0, deadline;
	size_t len = 0;
	char h[65];
	int err;

	auth_of(cfg, &k->p, &a);
	if ((err = ogx_eip3009_transfer_call(&a, call)))
		return err;
	pthread_mutex_lock(&ch->settle_lock);
	err = ogx_rpc_estimate_gas(rpc, ch->key.addr, cfg->asset, call, sizeof(call), &gas);
	if (err && ogx_rpc_last_kind(rpc) == OGX_RPC_REVERTED) {
		k->reverted = true;
		snprintf(k->why, sizeof(k->why), "%s", ogx_errmsg(err));
		pthread_mutex_unlock(&ch->settle_lock);
		return 0;
	}
	if (!err && !ch->nonce_known)
		err = ogx_rpc_nonce(rpc, ch->key.addr, "pending", &ch->settle_nonce);
	ch->nonce_known = !err;
	err = err ?: ogx_fee_suggest(rpc, &fees);
	if (!err) {
		tx.chain_id = cfg->chain_id;
		tx.nonce = ch->settle_nonce;
		tx.has_to = true;
		memcpy(tx.to, cfg->asset, 20);
		tx.data = call;
		tx.data_len = sizeof(call);
		tx.gas = gas + gas / 10;
		tx.max_priority_fee = fees.max_priority_fee;
		tx.max_fee = fees.max_fee;
		err = ogx_tx_sign(&tx, &ch->key) ?: ogx_tx_raw(&tx, &raw, &len);
	}
	if (!err) {
		ogx_tx_hash(raw, len, hash);
		err = ogx_rpc_send_raw(rpc, raw, len, hash);
		free(raw);
	}
	if (!err)
		ch->settle_nonce++;
	else
		ch->nonce_known = false; /* asked again next time */
	pthread_mutex_unlock(&ch->settle_lock);
	if (err)
		return err;
	ogx_hex(h, hash, 32);
	deadline = mono_ns() + cfg->settle_timeout_s * 1000000000ull;
	for (;;) {
		struct ogx_receipt r;

		err = ogx_rpc_receipt(rpc, hash, &r);
		if (!err && r.found) {
			if (!r.success) {
				k->settle_failed = true;
				snprintf(k->why, sizeof(k->why), "the transfer reverted when mined "
					 "(transaction 0x%s)", h);
				return 0;
			}
			k->p.settled = true;
			memcpy(k->p.settle_tx, hash, 32);
			return 0;
		}
		if (mono_ns() >= deadline) {
			k->settle_failed = true;
			snprintf(k->why, sizeof(k->why), "the transfer was not mined within %u s "
				 "(transaction 0x%s; it may still be)", cfg->settle_timeout_s, h);
			return 0;
		}
		usleep(50000);
	}
}

/* The pair claimed among the nodes sharing the nonces, last: after every other check. */
static void claim(struct x402_chain *ch, struct x402_check *k)
{
	int r;

	if (!ch->sharing || k->err || k->nonce_used || k->reverted)
		return;
	if (!k->claim_only && !k->settle && k->balance < k->exposure + k->value && !k->n_retired)
		return; /* refused for funds on the loop: the nonce stays free */
	r = ogx_x402_shared_claim(&ch->shared, &k->p);
	if (r < 0) {
		k->err = r;
		k->claim_failed = true;
		snprintf(k->why, sizeof(k->why), "%s", ogx_errmsg(r));
	}
	k->claimed_elsewhere = r == 1;
}

static void run_check(struct x402_chain *ch, struct ogx_rpc *rpc, struct x402_check *k)
{
	const struct ogx_x402_config *cfg = ch->cfg;
	uint64_t t0 = mono_ns();
	int err;

	if (k->claim_only) {
		claim(ch, k);
		return;
	}
	err = balance_of(rpc, cfg, k->p.from, &k->balance);
	k->calls++;
	/* short: what was settled since left the balance; it leaves the ledger too */
	for (size_t i = 0; !err && k->balance < k->exposure + k->value && i < k->n_open; i++) {
		err = nonce_used(rpc, cfg, k->p.from, k->open[i]);
		k->calls++;
		if (err > 0)
			memcpy(k->retired[k->n_retired++], k->open[i], 32);
		err = err < 0 ? err : 0;
		if (mono_ns() - t0 > cfg->rpc_budget_ms * 1000000ull / 2)
			break; /* the rest at the next check */
	}
	if (!err) {
		err = nonce_used(rpc, cfg, k->p.from, k->p.nonce);
		k->calls++;
		k->nonce_used = err > 0;
		err = err < 0 ? err : 0;
	}
	if (!err && cfg->simulate && !k->nonce_used) {
		err = simulate(rpc, cfg, &k->p, k->why, sizeof(k->why));
		k->calls++;
		k->reverted = err > 0;
		err = err < 0 ? err : 0;
	}
	/* claimed among the nodes before the money moves */
	if (!err) {
		claim(ch, k);
		if (k->err)
			return;
	}
	if (!err && k->settle && !k->nonce_used && !k->reverted && !k->claimed_elsewhere &&
	    k->balance >= k->value) {
		err = settle(ch, rpc, k);
		k->calls++;
	}
	if (err) {
		k->err = err;
		snprintf(k->why, sizeof(k->why), "%s", ogx_errmsg(err));
	}
	k->rpc_ns = mono_ns() - t0;
}

struct thread_arg {
	struct x402_chain *ch;
	struct ogx_rpc *rpc;
};

static void *rpc_thread(void *arg)
{
	struct x402_chain *ch = ((struct thread_arg *)arg)->ch;
	struct ogx_rpc *rpc = ((struct thread_arg *)arg)->rpc;

	free(arg);
	pthread_mutex_lock(&ch->lock);
	for (;;) {
		struct x402_check *k;
		struct msg *m;
		uint64_t down;

		while (!ch->head && !ch->stop)
			pthread_cond_wait(&ch->wake, &ch->lock);
		if (ch->stop)
			break;
		k = ch->head;
		ch->head = k->next;
		if (!ch->head)
			ch->tail = &ch->head;
		down = ch->thread_down_until_ns;
		pthread_mutex_unlock(&ch->lock);
		if (!k->claim_only && mono_ns() < down) {
			/* down a moment ago: not another timeout per queued check */
			k->err = -ECONNREFUSED;
			snprintf(k->why, sizeof(k->why), "the RPC failed a moment ago");
		} else {
			run_check(ch, rpc, k);
		}
		m = calloc(1, sizeof(*m));
		if (!m)
			abort(); /* the request would wait forever: fail loudly */
		m->xc = k;
		pthread_mutex_lock(&ch->lock);
		if (k->err && rpc && ogx_rpc_last_kind(rpc) == OGX_RPC_TRANSPORT)
			ch->thread_down_until_ns = mono_ns() + ch->cfg->retry_after_s * 1000000000ull;
		pthread_mutex_unlock(&ch->lock);
		ogx_mailbox_post(ch->mb, m);
		pthread_mutex_lock(&ch->lock);
	}
	pthread_mutex_unlock(&ch->lock);
	return NULL;
}

int ogx_x402_chain_start(struct x402_chain *ch, const struct ogx_x402_config *cfg,
			 struct mailbox *mb)
{
	long per_call;
	int err = 0;

	memset(ch, 0, sizeof(*ch));
	ch->cfg = cfg;
	ch->mb = mb;
	ch->tail = &ch->head;
	pthread_mutex_init(&ch->lock, NULL);
	pthread_cond_init(&ch->wake, NULL);
	pthread_mutex_init(&ch->settle_lock, NULL);
	ch->shared.fd = -1;
	if (cfg->settle_key[0]) {
		err = ogx_eth_key_load(cfg->settle_key, &ch->key);
		if (err)
			return ogx_fail(err, "--x402-settle-key %s: %s", cfg->settle_key,
					ogx_errmsg(err));
		ch->have_key = true;
	}
	if (cfg->shared_nonces[0]) {
		err = ogx_x402_shared_open(&ch->shared, cfg->shared_nonces);
		if (err)
			return err;
		ch->sharing = true;
	}
	if (!cfg->rpc[0] && !ch->sharing)
		return 0;
	/* balanceOf and authorizationState (and the simulation) within the budget */
	per_call = (long)cfg->rpc_budget_ms / (cfg->simulate ? 3 : 2);
	ch->threads = calloc(cfg->rpc_threads, sizeof(*ch->threads));
	ch->rpcs = calloc(cfg->rpc_threads, sizeof(*ch->rpcs));
	if (!ch->threads || !ch->rpcs)
		return -ENOMEM;
	for (unsigned int i = 0; i < cfg->rpc_threads; i++) {
		struct thread_arg *a = malloc(sizeof(*a));

		/* opened here, on one thread: libcurl's global set-up happens once */
		if (!a)
			return -ENOMEM;
		err = cfg->rpc[0] ? ogx_rpc_open(&ch->rpcs[i], cfg->rpc, per_call > 50 ? per_call : 50)
				  : 0;
		if (err) {
			free(a);
			return ogx_fail(err, "--x402-rpc %s: %s", cfg->rpc, ogx_errmsg(err));
		}
		a->ch = ch;
		a->rpc = ch->rpcs[i];
		err = -pthread_create(&ch->threads[i], NULL, rpc_thread, a);
		if (err) {
			free(a);
			return ogx_fail(err, "x402 RPC thread: %s", strerror(-err));
		}
		ch->n_threads = i + 1;
	}
	return 0;
}

static void check_free(struct x402_check *k);

void ogx_x402_chain_stop(struct x402_chain *ch)
{
	pthread_mutex_lock(&ch->lock);
	ch->stop = true;
	pthread_cond_broadcast(&ch->wake);
	pthread_mutex_unlock(&ch->lock);
	for (unsigned int i = 0; i < ch->n_threads; i++)
		pthread_join(ch->threads[i], NULL);
	for (unsigned int i = 0; ch->rpcs && i < ch->cfg->rpc_threads; i++)
		if (ch->rpcs[i])
			ogx_rpc_close(ch->rpcs[i]);
	while (ch->head) {
		struct x402_check *k = ch->head;

		ch->head = k->next;
		check_free(k);
	}
	if (ch->sharing)
		ogx_x402_shared_close(&ch->shared);
	if (ch->have_key)
		ogx_eth_key_free(&ch->key);
	ch->have_key = false;
	pthread_mutex_destroy(&ch->settle_lock);
	ch->sharing = false;
	free(ch->threads);
	free(ch->rpcs);
	ch->threads = NULL;
	ch->rpcs = NULL;
	ch->n_threads = 0;
	pthread_cond_destroy(&ch->wake);
	pthread_mutex_destroy(&ch->lock);
}

static void check_free(struct x402_check *k)
{
	ogx_job_free(k->job);
	free(k);
}

/* ---- the loop's decisions ---- */

void ogx_x402_chain_refused(struct x402_chain *ch, const char *code)
{
	for (int i = 0; i < X402_REASONS_MAX; i++) {
		if (!ch->refused[i].code)
			ch->refused[i].code = code;
		if (!strcmp(ch->refused[i].code, code)) {
			ch->refused[i].n++;
			return;
		}
	}
}

/* RPC down: at risk under the cap, or 503. */
static int rpc_down(struct x402_chain *ch, struct x402_payer *py, ogx_u128 value, bool *at_risk,
		    struct x402_reject *rej, const char *why)
{
	const struct ogx_x402_config *cfg = ch->cfg;
	ogx_u128 risk = 0;

	ogx_x402_ledger_exposure(py, (uint64_t)time(NULL), NULL, &risk);
	if (cfg->at_risk_cap && risk + value >= risk && risk + value <= cfg->at_risk_cap) {
		*at_risk = true;
		ch->at_risk_accepted++;
		return 0;
	}
	return ogx_x402_reject(rej, -EAGAIN, "rpc_unavailable", "cannot check the payment on chain (%s); "
		               "retry after %u s", why, cfg->retry_after_s);
}

int ogx_x402_chain_begin(struct x402_chain *ch, struct x402_state *x, struct x402_payment *p,
			 struct conn *c, struct job *j, bool settle_before, bool *at_risk,
			 struct x402_reject *rej)
{
	const struct ogx_x402_config *cfg = ch->cfg;
	uint64_t now_ns = mono_ns(), now = (uint64_t)time(NULL);
	ogx_u128 value = ogx_x402_value_u128(p->value), exposure;
	struct x402_payer *py;
	struct x402_check *k;
	size_t n;

	bool claim_only = false;
	int err;

	*at_risk = false;
	if (!cfg->rpc[0] && !ch->sharing)
		return 0;
	py = ogx_x402_ledger_payer(&x->ledger, p->from, true);
	if (!py)
		return ogx_x402_reject(rej, -EAGAIN, "unexpected_verify_error", "out of memory");
	exposure = ogx_x402_ledger_exposure(py, now, &n, NULL);
	if (settle_before) {
		if (now_ns < ch->down_until_ns)
			return ogx_x402_reject(rej, -EAGAIN, "rpc_unavailable", "cannot settle the payment "
				               "on chain (the RPC failed a moment ago); retry after %u s",
				               cfg->retry_after_s);
	} else if (!cfg->rpc[0]) {
		claim_only = true;
	} else if (!cfg->simulate && py->have_balance &&
		   now_ns - py->balance_ns < cfg->payer_ttl_ms * 1000000ull &&
		   exposure + value >= exposure && py->balance >= exposure + value) {
		ch->cache_hits++;
		if (!ch->sharing)
			return 0;
		claim_only = true;
	} else if (now_ns < ch->down_until_ns) {
		err = rpc_down(ch, py, value, at_risk, rej, "the RPC failed a moment ago");
		if (err || !ch->sharing)
			return err;
		claim_only = true; /* at risk, but claimed among the nodes all the same */
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		return ogx_x402_reject(rej, -EAGAIN, "unexpected_verify_error", "out of memory");
	k->claim_only = claim_only;
	k->settle = settle_before;
	k->at_risk = *at_risk;
	*at_risk = false;
	k->conn = c;
	k->job = j;
	k->p = *p;
	k->value = value;
	k->exposure = exposure;
	k->n_open = n < X402_LOOKUP_MAX ? n : X402_LOOKUP_MAX;
	for (size_t i = 0; i < k->n_open; i++)
		memcpy(k->open[i], py->open[i].nonce, 32);
	ch->checks++;
	ch->in_flight++;
	pthread_mutex_lock(&ch->lock);
	*ch->tail = k;
	ch->tail = &k->next;
	pthread_cond_signal(&ch->wake);
	pthread_mutex_unlock(&ch->lock);
	return 1;
}

static void latency(struct x402_chain *ch, uint64_t ns)
{
	static const uint64_t ms[X402_LAT_BUCKETS] = { 1, 5, 10, 25, 50, 100, 500, 1000 };
	int i;

	for (i = 0; i < X402_LAT_BUCKETS && ns > ms[i] * 1000000ull; i++)
		;
	ch->lat_bucket[i]++;
	ch->lat_count++;
	ch->lat_sum_ns += ns;
}

int ogx_x402_chain_finish(struct x402_chain *ch, struct x402_state *x, struct x402_check *k,
			  bool *at_risk, struct x402_reject *rej)
{
	const struct ogx_x402_config *cfg = ch->cfg;
	uint64_t now = (uint64_t)time(NULL);
	char a[OGX_ETH_ADDR_STRLEN], bal[40], val[40], exp[40];
	struct x402_payer *py = ogx_x402_ledger_payer(&x->ledger, k->p.from, true);
	ogx_u128 exposure;
	size_t n;

	*at_risk = false;
	ch->in_flight--;
	if (k->calls)
		latency(ch, k->rpc_ns);
	if (!py)
		return ogx_x402_reject(rej, -EAGAIN, "unexpected_verify_error", "out of memory");
	if (k->claim_failed)
		return ogx_x402_reject(rej, -EAGAIN, "shared_nonces_unavailable", "cannot claim the nonce "
			               "among the nodes (%s); retry after %u s", k->why, cfg->retry_after_s);
	if (k->err) {
		ch->down_until_ns = mono_ns() + cfg->retry_after_s * 1000000000ull;
		if (k->settle)
			return ogx_x402_reject(rej, -EAGAIN, "rpc_unavailable", "cannot settle the payment "
				               "on chain (%s); retry after %u s", k->why, cfg->retry_after_s);
		return rpc_down(ch, py, k->value, at_risk, rej, k->why);
	}
	if (k->claimed_elsewhere)
		return ogx_x402_reject(rej, -EPERM, "nonce_already_used", "this authorization's nonce was "
			               "already used (claimed by a node sharing --x402-shared-nonces)");
	if (k->claim_only) {
		*at_risk = k->at_risk;
		return 0;
	}
	for (size_t i = 0; i < k->n_retired; i++)
		ogx_x402_ledger_retire(py, k->retired[i]);
	py->have_balance = true;
	py->balance = k->balance;
	py->balance_ns = mono_ns();
	if (k->nonce_used)
		return ogx_x402_reject(rej, -EPERM, "nonce_already_used", "this authorization's nonce is "
			               "already used on chain (authorizationState)");
	if (k->reverted)
		return ogx_x402_reject(rej, -EPERM, "invalid_transaction_state", "the token refuses the "
			               "transfer (%s)", k->why);
	if (k->settle_failed)
		return ogx_x402_reject(rej, -EPERM, "unexpected_settle_error", "%s", k->why);
	if (k->settle) {
		if (!k->p.settled)
			return ogx_x402_reject(rej, -EPERM, "insufficient_funds", "payer %s holds %s, less "
				               "than this payment (%s)", payer_str(a, k->p.from),
				               ogx_u128_str(bal, py->balance), ogx_u128_str(val, k->value));
		ch->settled_before++;
		return 0; /* paid: no exposure */
	}
	/* now, not when the check left: others of this payer may have been accepted since */
	exposure = ogx_x402_ledger_exposure(py, now, &n, NULL);
	if (exposure + k->value < exposure || py->balance < exposure + k->value)
		return ogx_x402_reject(rej, -EPERM, "insufficient_funds", "payer %s holds %s, less than "
			               "this payment (%s) plus its %zu unsettled payment%s here (%s)",
			               payer_str(a, k->p.from), ogx_u128_str(bal, py->balance),
			               ogx_u128_str(val, k->value), n, n == 1 ? "" : "s",
			               ogx_u128_str(exp, exposure));
	ogx_x402_ledger_covered(py);
	return 0;
}

void ogx_x402_chain_metrics(struct x402_chain *ch, struct x402_state *x, struct ogx_buf *b)
{
	static const char *const le[X402_LAT_BUCKETS] = {
		"0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.5", "1",
	};
	const struct ogx_x402_config *cfg = ch->cfg;
	char exp[40];
	uint64_t cum = 0;
	size_t n;

	ogx_u128_str(exp, ogx_x402_ledger_total(&x->ledger, (uint64_t)time(NULL), &n));
	ogx_buf_printf(b, "# TYPE ogx_x402_exposure gauge\nogx_x402_exposure %s\n"
		       "# TYPE ogx_x402_open_payments gauge\nogx_x402_open_payments %zu\n"
		       "# TYPE ogx_x402_chain_checks gauge\nogx_x402_chain_checks %d\n"
		       "# TYPE ogx_x402_settle_margin_seconds gauge\n"
		       "ogx_x402_settle_margin_seconds %u\n"
		       "# TYPE ogx_x402_rpc_budget_seconds gauge\nogx_x402_rpc_budget_seconds %.3f\n"
		       "# TYPE ogx_x402_payer_ttl_seconds gauge\nogx_x402_payer_ttl_seconds %.3f\n"
		       "# TYPE ogx_x402_retry_after_seconds gauge\nogx_x402_retry_after_seconds %u\n"
		       "# TYPE ogx_x402_at_risk_cap gauge\nogx_x402_at_risk_cap %llu\n"
		       "# TYPE ogx_x402_max_timeout_seconds gauge\nogx_x402_max_timeout_seconds %u\n"
		       "# TYPE ogx_x402_rpc_checks_total counter\nogx_x402_rpc_checks_total %llu\n"
		       "# TYPE ogx_x402_payer_cache_hits_total counter\n"
		       "ogx_x402_payer_cache_hits_total %llu\n"
		       "# TYPE ogx_x402_at_risk_accepted_total counter\n"
		       "ogx_x402_at_risk_accepted_total %llu\n"
		       "# TYPE ogx_x402_settled_before_total counter\n"
		       "ogx_x402_settled_before_total %llu\n"
		       "# TYPE ogx_x402_refusals_total counter\n",
		       exp, n, cfg->rpc[0] ? 1 : 0, cfg->settle_margin_s,
		       cfg->rpc_budget_ms / 1000.0, cfg->payer_ttl_ms / 1000.0, cfg->retry_after_s,
		       (unsigned long long)cfg->at_risk_cap, cfg->max_timeout_s,
		       (unsigned long long)ch->checks, (unsigned long long)ch->cache_hits,
		       (unsigned long long)ch->at_risk_accepted,
		       (unsigned long long)ch->settled_before);
	for (int i = 0; i < X402_REASONS_MAX && ch->refused[i].code; i++)
		ogx_buf_printf(b, "ogx_x402_refusals_total{reason=\"%s\"} %llu\n",
			       ch->refused[i].code, (unsigned long long)ch->refused[i].n);
	ogx_buf_str(b, "# TYPE ogx_x402_rpc_seconds histogram\n");
	for (int i = 0; i < X402_LAT_BUCKETS; i++) {
		cum += ch->lat_bucket[i];
		ogx_buf_printf(b, "ogx_x402_rpc_seconds_bucket{le=\"%s\"} %llu\n", le[i],
			       (unsigned long long)cum);
	}
	ogx_buf_printf(b, "ogx_x402_rpc_seconds_bucket{le=\"+Inf\"} %llu\n"
		       "ogx_x402_rpc_seconds_sum %.6f\nogx_x402_rpc_seconds_count %llu\n",
		       (unsigned long long)ch->lat_count, ch->lat_sum_ns / 1e9,
		       (unsigned long long)ch->lat_count);
}
