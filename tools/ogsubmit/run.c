// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit run: the daemon. One loop, one thread:
 *
 *   read    new spool records, check each (CBOR schema, node signature, the
 *           node's hash chain: seq + 1 and prev = digest of the one before;
 *           spool_read.c);
 *   batch   when a batch is full or its oldest record has waited long enough:
 *           Merkle root, operator signature, a type-2 transaction with the
 *           next nonce, journaled and fdatasync'ed, then broadcast (batch.c,
 *           tx.c);
 *   settle  x402 payments found in records: one transferWithAuthorization
 *           transaction each, journaled and watched like a batch (settle.c);
 *   watch   every batch in flight: a receipt (then N confirmations settle it
 *           and move the cursor), a vanished receipt (reorg: send again), no
 *           receipt for a while (replace with a bumped fee), a dropped
 *           transaction (send the same bytes again; watch.c);
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-daemon.h>

#include "chain/l1fee.h"
#include "daemon.h"
#include "ogsubmit.h"
#include "util/err.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void notify_status(struct ogs *s)
{
	char l1[64] = "", n[40], pays[96] = "";

	/* Payments only where there are any to speak of. */
	if (s->c.settle || s->pays_unsettled || s->st.n_pays)
		snprintf(pays, sizeof(pays), "; payments: %zu open, %" PRIu64 " settled, %" PRIu64
			 " not settled", open_pays(s), s->pays_settled, s->pays_unsettled);
	if (s->l1_fee)
		snprintf(l1, sizeof(l1), ", L1 data fee of the last batch %s wei",
			 ogx_u128_str(n, s->last_l1_fee));
	sd_notifyf(0, "WATCHDOG=1\nSTATUS=%s%s%zu batches in flight, %" PRIu64
		   " records settled, %" PRIu64 " read and not settled%s%s",
		   s->stalled[0] ? s->stalled : "", s->stalled[0] ? "; " : "", open_batches(s),
		   s->settled_records, s->read_index - s->st.settled_index, pays, l1);
}

/* ogx_fail() with "what: " before the detail already recorded for err. */
static int prefixed(int err, const char *what)
{
	char detail[512];

	snprintf(detail, sizeof(detail), "%s", ogx_errmsg(err));
	return ogx_fail(err, "%s: %s", what, detail);
}

/* The node's chain id, the account's nonce, the target's code size. */
static int ask_chain(struct ogs *s, uint64_t *id, uint64_t *chain_nonce, size_t *code)
{
	int err;

	err = ogx_rpc_chain_id(s->rpc, id);
	if (err)
		return err;
	err = ogx_rpc_nonce(s->rpc, s->key.addr, "latest", chain_nonce);
	if (err)
		return err;
	return ogx_rpc_code_size(s->rpc, s->c.target, code);
}

/*
 * Wait for the node (RPC trouble is waited out, anything else is fatal),
 * then check it is the configured chain and take what start needs from it:
 * the account's nonce, whether target (and settle_asset) have code.
 */
static int meet_chain(struct ogs *s)
{
	uint64_t id, chain_nonce;
	size_t code;
	int err;

	for (;;) {
		err = ask_chain(s, &id, &chain_nonce, &code);
		if (!err)
			break;
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
	if (s->c.settle) {
		char a[OGX_ETH_ADDR_STRLEN];

		err = ogx_rpc_code_size(s->rpc, s->c.settle_asset, &code);
		if (err)
			return prefixed(err, s->c.rpc);
		ogx_eth_addr_str(a, s->c.settle_asset);
		if (!code)
			return ogx_fail(-EINVAL, "settle_asset %s has no code: it must be the "
					"EIP-3009 token contract", a);
	}
	if (s->c.settle_upto) {
		char a[OGX_ETH_ADDR_STRLEN];

		err = ogx_rpc_code_size(s->rpc, s->c.settle_upto_asset, &code);
		if (err)
			return prefixed(err, s->c.rpc);
		ogx_eth_addr_str(a, s->c.settle_upto_asset);
		if (!code)
			return ogx_fail(-EINVAL, "settle_upto_asset %s has no code: it must be the "
					"token contract", a);
	}
	return 0;
}

/* Go on where the journal left off: the next spool record, and everything in flight. */
static void resume(struct ogs *s)
{
	size_t i;

	/* Records after the last journaled batch are next; earlier ones are taken. */
	s->read_index = s->st.settled_index;
	for (i = 0; i < s->st.n_batches; i++)
		if (s->st.batches[i].end_index > s->read_index)
			s->read_index = s->st.batches[i].end_index;
	s->chain.have = s->st.have_last;
	s->chain.seq = s->st.last_seq;
	memcpy(s->chain.digest, s->st.last_digest, OGX_DIGEST_LEN);
	s->tip_pending = s->st.have_last && s->read_index > 0;
	/* Whatever was pending when we stopped goes out again at once. */
	for (i = 0; i < s->st.n_batches + s->st.n_pays; i++) {
		struct flight *fl = i < s->st.n_batches ? &s->st.batches[i] :
				   &s->st.pays[i - s->st.n_batches];

		fl->bumped_ms = now_ms();
		if (!fl->confirmed && fl->n_txs && !(fl->pay && fl->pay->skipped[0]))
			broadcast(s, fl);
	}
	fprintf(stderr, "%s: from %s as %s, spool index %" PRIu64 ", nonce %" PRIu64
		", %zu batches in flight, %zu payments open\n", prog, s->c.rpc, "account",
		s->read_index, s->st.next_nonce, s->st.n_batches, open_pays(s));
	report_skipped_again(s);
}

/* Keys, journal, the node: what cleanup() releases, whether this fails or not. */
static int start(struct ogs *s)
{
	size_t cut;
	int err;

	err = ogx_eth_key_load(s->c.key, &s->key);
	if (err)
		return prefixed(err, s->c.key);
	err = ogx_key_load(s->c.operator_key, &s->op);
	if (err)
		return prefixed(err, s->c.operator_key);
	err = journal_open(&s->j, s->c.state_dir, &s->st, &cut);
	if (err)
		return prefixed(err, s->c.state_dir);

	if (cut)
		fprintf(stderr, "%s: journal: cut a torn tail of %zu bytes\n", prog, cut);
	err = ogx_rpc_open(&s->rpc, s->c.rpc, s->c.rpc_timeout_ms);
	if (err)
		return prefixed(err, "rpc");
	/* The node must be up to check the chain id; wait for it. */
	err = meet_chain(s);
	if (err)
		return err;
	resume(s);
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
	ogx_kmod_checker_close(&s->kc);
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

/* Options are the configuration's keys (config.h). */
static int parse_run_args(int argc, char **argv, struct ogs_config *c)
{
	int err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		run_usage(stdout);
		return 0;
	}
	err = ogs_config_load(c, argc, argv);
	if (err) {
		fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
		return 2;
	}
	if (c->check) {
		printf("%s: configuration is valid\n", prog);
		return 0;
	}
	return OGX_ARGS_OK;
}

/* A batch is due: full, or its oldest record has waited batch_delay_ms. */
static bool batch_due(const struct ogs *s)
{
	return s->n_pend && open_batches(s) < s->c.max_inflight &&
	       now_ms() >= s->backoff_until_ms &&
	       (s->n_pend >= s->c.batch_records ||
		(s->c.da == OGX_DA_CALLDATA && s->pend_bytes >= s->c.batch_bytes) ||
		now_ms() - s->pend_since_ms >= s->c.batch_delay_ms);
}

/*
 * Until a signal, a journal failure, or (--once) a drained spool with
 * everything settled; a record the daemon cannot accept stops --once too.
 */
static int loop(struct ogs *s)
{
	int err = 0;

	while (!stop) {
		if (now_ms() >= s->backoff_until_ms) {
			err = read_spool(s);
			if (err && s->c.once)
				break;
			while (batch_due(s) && !form_batch(s))
				;
			err = settle_payments(s);
			if (err)
				break;
			err = watch(s);
			if (err)
				break;
		}
		notify_status(s);
		if (s->c.once && ((s->spool_drained && !s->n_pend && !s->st.n_batches &&
				   !open_pays(s)) || s->stalled[0]))
			break;
		nanosleep(&(struct timespec){ s->c.poll_ms / 1000,
					      (s->c.poll_ms % 1000) * 1000000 }, NULL);
	}
	if (s->stalled[0])
		err = ogx_fail(-EBADMSG, "%s", s->stalled);
	return err;
}

static int run_daemon(struct ogs *s)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int err;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	err = start(s);
	if (err)
		goto out;
	sd_notify(0, "READY=1");
	err = loop(s);
out:
	sd_notify(0, "STOPPING=1");
	if (err)
		fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
	cleanup(s);
	return err ? 1 : 0;
}

int run_main(int argc, char **argv)
{
	struct ogs *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return 1;
	rc = parse_run_args(argc, argv, &s->c);
	if (rc == OGX_ARGS_OK)
		rc = run_daemon(s);
	free(s);
	return rc;
}
