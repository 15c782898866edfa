// SPDX-License-Identifier: GPL-2.0
/*
 * Putting the server together: models, signer, module, x402 state, the
 * mailbox, a worker per model, then the loop; taken apart in reverse. The
 * one place that knows which worker serves which kind of model.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/llama2c.h"
#include "model/matvec.h"
#include "model/mlp_gguf.h"
#include "model/probe.h"
#include "proof/kmod_evidence.h"
#include "serve/chat.h"
#include "serve/classify.h"
#include "serve/loop.h"
#include "serve/server.h"
#include "vk/describe.h"
#include "util/err.h"
#include "util/hex.h"

void ogx_serve_config_init(struct ogx_serve_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->host, sizeof(c->host), "127.0.0.1");
	c->port = 8402;
	c->queue_max = 256;
	c->batch_max = 64;
	c->max_conns = 4096;
	c->request_timeout_ms = 10000;
	c->idle_timeout_ms = 60000;
	c->threads = 1;
	c->streams = 8;
	c->max_body = 1 << 20;
	c->x402.max_timeout_s = 3600;
	c->x402.settle_margin_s = 60;
	c->x402.rpc_budget_ms = 2000;
	c->x402.payer_ttl_ms = 5000;
	c->x402.retry_after_s = 5;
	c->x402.rpc_threads = 2;
	c->x402.settle_timeout_s = 60;
}

static void close_llama(struct model *m)
{
	if (m->gg.g)
		ogx_llama_gguf_close(&m->gg);
	else
		ogx_llama2c_close(&m->ck);
}

static int load_model(struct srv *s, struct model *m, const struct ogx_serve_model *cfg)
{
	struct ogx_model_probe probe;
	char tok[PATH_MAX];
	int err;

	m->srv = s;
	m->cfg = cfg;
	ogx_queue_init(&m->q, s->cfg->queue_max);
	err = ogx_model_probe(cfg->path, &probe);
	if (!err)
		err = ogx_sha256_file(m->digest, cfg->path);
	if (err)
		return ogx_fail(err, "%s: %s", cfg->path, ogx_errmsg(err));
	ogx_hex(m->digest_hex, m->digest, OGX_DIGEST_LEN);
	if (probe.format == OGX_FORMAT_GGUF && strcmp(probe.arch, "llama")) {
		m->kind = MODEL_MLP;
		err = ogx_mlp_load(cfg->path, &m->mlp);
		if (err)
			return ogx_fail(err, "%s: %s", cfg->path, ogx_errmsg(err));
		if (ogx_mlp_n_out(&m->mlp) > 64)
			return ogx_fail(-EINVAL, "%s: %u classes, at most 64", cfg->path,
					ogx_mlp_n_out(&m->mlp));
		return 0;
	}
	m->kind = MODEL_LLAMA;
	/*
	 * As ogrun generate: a GGUF brings its own tokenizer (then the file's
	 * digest stands for the tokenizer's in the records), a llama2.c
	 * checkpoint has tokenizer.bin beside it; tokenizer= overrides both.
	 */
	if (cfg->tokenizer[0]) {
		snprintf(tok, sizeof(tok), "%s", cfg->tokenizer);
	} else if (probe.format == OGX_FORMAT_GGUF) {
		snprintf(tok, sizeof(tok), "%s", cfg->path);
	} else {
		const char *slash = strrchr(cfg->path, '/');
		int dl = slash ? (int)(slash - cfg->path) : 1;

		snprintf(tok, sizeof(tok), "%.*s/tokenizer.bin", dl, slash ? cfg->path : ".");
	}
	if (probe.format == OGX_FORMAT_GGUF) {
		err = ogx_llama_gguf_open(&m->gg, cfg->path);
		m->w = &m->gg.w;
	} else {
		err = ogx_llama2c_open(&m->ck, cfg->path);
		m->w = &m->ck.w;
	}
	if (err)
		return ogx_fail(err, "%s: %s", cfg->path, ogx_errmsg(err));
	if (cfg->tokenizer[0] || probe.format != OGX_FORMAT_GGUF)
		err = ogx_llama2c_tokenizer_load(&m->tok, tok, m->w->cfg.vocab_size);
	else
		err = ogx_llama_gguf_tokenizer(&m->gg, &m->tok);
	if (!err)
		err = ogx_sha256_file(m->tok_digest, tok);
	if (err) {
		close_llama(m);
		return ogx_fail(err, "%s: %s", tok, ogx_errmsg(err));
	}
	/* Its streams' state comes with the engine (attach_engines()). */
	m->loaded_llama = true;
	return 0;
}

/* Every Llama model's stream slots, on its engine. */
static int attach_slots(struct srv *s)
{
	for (size_t i = 0; i < s->n_models; i++) {
		struct model *m = &s->models[i];
		int err;

		if (m->kind != MODEL_LLAMA)
			continue;
		err = ogx_chat_slots_init(m, s->cfg->streams, s->cfg->threads);
		if (err)
			return ogx_fail(err, "%s: %s", m->cfg->path, ogx_errmsg(err));
	}
	return 0;
}

/*
 * int8 classifiers and Llama models on the Vulkan engine when one is chosen
 * (--device N, or by default a GPU; a host whose only device is lavapipe
 * runs the CPU backend, which is faster there), as ogrun run and ogrun
 * generate choose. The classifier engine is bit-exact with the CPU, so
 * records are the same claim either way, save their device field; a Llama
 * stream's tokens are those of ogrun generate on the same engine. Then each
 * Llama model gets its --streams slots: device sequences over its one copy
 * of the weights on Vulkan, CPU states otherwise.
 */
static int attach_engines(struct srv *s)
{
	bool any_vk = false;
	int err;

	for (size_t i = 0; i < s->n_models; i++) {
		struct model *m = &s->models[i];

		m->device = s->device;
		any_vk |= m->kind == MODEL_LLAMA ||
			  (m->kind == MODEL_MLP && m->mlp.kind == OGX_MLP_Q8);
	}
	if (!any_vk || !ogx_vk_engine_choice(s->cfg->device))
		return attach_slots(s);
	{
		struct ogx_vk_opts vo = { .device = s->cfg->device };

		err = ogx_vk_open(&vo, &s->vk);
		if (err)
			return ogx_fail(err, "vulkan: %s", ogx_errmsg(err));
	}
	for (size_t i = 0; i < s->n_models; i++) {
		struct model *m = &s->models[i];

		if (m->kind == MODEL_LLAMA) {
			err = ogx_vk_llama_load(s->vk, m->w, &m->vl);
			if (err)
				return ogx_fail(err, "%s: %s", m->cfg->path, ogx_errmsg(err));
			ogx_vk_record_device(&s->vk->desc, &m->device);
			continue;
		}
		if (m->kind != MODEL_MLP || m->mlp.kind != OGX_MLP_Q8)
			continue;
		err = ogx_vk_mlp_init(s->vk, &m->mlp, s->cfg->batch_max, &m->vm);
		if (err)
			return ogx_fail(err, "%s: vulkan: %s", m->cfg->path, ogx_errmsg(err));
		ogx_vk_record_device(&s->vk->desc, &m->device);
	}
	return attach_slots(s);
}

/*
 * Level tee is offered only with the module; without it, refused (400). Its
 * evidence label (kmod-sw, or kmod-tpm with a PCR) is the module's, from its
 * INFO: the start-up line names what each level the node offers rests on.
 */
static void open_kmod(struct srv *s)
{
	struct ogx_info info;
	int err = ogx_kmod_open(&s->tee.kmod, NULL);

	if (!err) {
		err = ogx_kmod_info(&s->tee.kmod, &info);
		if (err) {
			err = ogx_fail(err, "%s: INFO: %s", OGX_KMOD_DEV, strerror(-err));
			ogx_kmod_close(&s->tee.kmod);
		}
	}
	s->tee.present = !err;
	if (s->tee.present) {
		s->tee.label = ogx_evidence_label_node(OGX_LEVEL_TEE, &info);
		printf("levels vanilla, %s\n", s->tee.label);
	} else {
		printf("levels vanilla (no tee: %s)\n", ogx_errmsg(err));
	}
	ogx_clearerr();
}

static void free_model(struct model *m)
{
	if (m->kind == MODEL_MLP) {
		ogx_vk_mlp_free(m->vm);
		ogx_mlp_free(&m->mlp);
	} else if (m->loaded_llama) {
		ogx_chat_slots_free(m);
		ogx_vk_llama_free(m->vl);
		ogx_tokenizer_free(&m->tok);
		close_llama(m);
	}
}

/* A worker per model: the classifier's batches, or the Llama model's streams. */
static int start_workers(struct srv *s)
{
	for (size_t i = 0; i < s->n_models; i++) {
		struct model *m = &s->models[i];
		void (*work)(void *) = m->kind == MODEL_LLAMA ? ogx_chat_worker :
								 ogx_classify_worker;
		int err = ogx_queue_start(&m->q, work, m);

		if (err)
			return err;
	}
	return 0;
}

static void stop_workers(struct srv *s)
{
	for (size_t i = 0; i < s->n_models; i++)
		ogx_queue_stop(&s->models[i].q);
}

int ogx_serve(const struct ogx_serve_config *cfg)
{
	struct srv *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	/*
	 * SIGINT/SIGTERM arrive through the loop's signalfd (one sent while
	 * the models load waits there). Blocked first: every thread created
	 * after this inherits the mask, the workers and also the Vulkan
	 * driver's own (lavapipe's), which would otherwise take the signal's
	 * default action and kill the server.
	 */
	{
		sigset_t mask;

		sigemptyset(&mask);
		sigaddset(&mask, SIGINT);
		sigaddset(&mask, SIGTERM);
		pthread_sigmask(SIG_BLOCK, &mask, NULL);
	}
	s->cfg = cfg;
	s->loop.lfd = s->loop.sigfd = -1;
	s->mb.efd = -1;
	s->x402.log_fd = -1;
	s->started_ns = ogx_now_ns();
	s->pv.record = !cfg->no_record;
	pthread_mutex_init(&s->pv.signer_lock, NULL);
	pthread_mutex_init(&s->pv.chain_lock, NULL);
	pthread_mutex_init(&s->vk_lock, NULL);
	if (!cfg->n_models) {
		err = ogx_fail(-EINVAL, "no models to serve (--model NAME=REF)");
		goto out;
	}
	for (size_t i = 0; i < cfg->n_models; i++) {
		err = load_model(s, &s->models[i], &cfg->models[i]);
		if (err)
			goto out;
		s->n_models = i + 1;
	}
	err = ogx_matvec_set_isa(OGX_ISA_AUTO);
	if (err)
		goto out;
	/* Opened even with no_record: the node key signs attestations. */
	err = ogx_signer_open(&s->pv.signer, cfg->key, cfg->spool);
	if (err)
		goto out;
	{
		char msg[256];

		if (ogx_signer_recovery(&s->pv.signer, msg, sizeof(msg)))
			fprintf(stderr, "ogrun: serve: %s: %s\n", cfg->spool, msg);
	}
	ogx_prove_snapshot(&s->pv);
	ogx_device_cpu(&s->device);
	err = attach_engines(s);
	if (err)
		goto out_signer;
	open_kmod(s);
	if (cfg->x402.enabled) {
		err = ogx_x402_open(&s->x402, &cfg->x402, cfg->state);
		if (err)
			goto out_signer;
	}
	err = ogx_mailbox_init(&s->mb);
	if (err)
		goto out_x402;
	err = ogx_x402_chain_start(&s->x402c, &cfg->x402, &s->mb);
	if (!err)
		err = start_workers(s);
	if (!err)
		err = ogx_loop_run(s);
	stop_workers(s);
	ogx_x402_chain_stop(&s->x402c);	/* before the mailbox goes: its threads post there */
out_x402:
	ogx_x402_close(&s->x402);
out_signer:
	if (s->tee.present)
		ogx_kmod_close(&s->tee.kmod);
	pthread_mutex_lock(&s->pv.signer_lock);
	ogx_signer_close(&s->pv.signer);
	pthread_mutex_unlock(&s->pv.signer_lock);
out:
	for (size_t i = 0; i < s->n_models; i++)
		free_model(&s->models[i]);
	ogx_vk_close(s->vk);
	ogx_records_free(&s->ri);
	ogx_mailbox_destroy(&s->mb);	/* messages from jobs finished after the loop stopped */
	free(s);
	return err;
}
