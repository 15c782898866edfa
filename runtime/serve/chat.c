// SPDX-License-Identifier: GPL-2.0
/*
 * OpenAI-compatible text generation (POST /v1/chat/completions and
 * /v1/completions, whole or streamed as SSE) on a Llama model's worker.
 *
 * Continuous batching: the worker holds up to --streams generations at
 * once, each in its own slot (its own KV cache over the shared weights);
 * every step is one forward pass for all active streams together (each
 * weight row multiplied against every stream's vector while it is loaded),
 * a new request joins at the next step instead of waiting for the running
 * ones to finish, and a finished or cancelled stream leaves its slot. A
 * stream's tokens are exactly those of ogx_llama_generate() for the same
 * prompt and parameters: the joint step gives each stream its lone step's
 * logits, bit for bit.
 *
 * On the Vulkan engine (m->vl: the weights uploaded once) each slot has its
 * own device sequence (KV cache, activations) and the streams share each
 * step the same way: one submission for all of them (up to the device's
 * mat-mat width, ogx_vk_llama_streams_max(); more in as many submissions),
 * each weight row read once for all, each stream's attention over its own
 * cache (ogx_vk_llama_forward_streams() on the model's joint-step state,
 * m->streams.joint). Each stream's logits are bit for bit those of its lone
 * step on the device, so its tokens are `ogrun generate --device`'s. The
 * device's queue is shared with the other models' workers (srv->vk_lock).
 *
 * The record is the one `ogrun generate` writes (the recipe is proof/job.h:
 * the token ids, the canonical sampling text with the tokenizer's SHA-256).
 * It is made durable
 * before the answer (or the final SSE chunk, which carries it) is sent; the
 * tokens streamed before it are the nature of streaming.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proof/job.h"
#include "serve/chat.h"
#include "serve/http.h"
#include "serve/prove.h"
#include "serve/queue.h"
#include "serve/server.h"
#include "serve/x402_upto.h"
#include "util/err.h"
#include "util/hex.h"
#include "vk/llama_streams.h"

struct gen_ctx {
	struct model *m;
	struct job *j;
	struct ogx_buf text;	/* whole answers: the text so far */
	char carry[8];		/* a UTF-8 sequence cut between tokens */
	size_t carry_len;
};

static void chunk_head(struct ogx_buf *b, struct job *j)
{
	ogx_buf_printf(b, "{\"id\":\"%s\",\"object\":\"%s\",\"created\":%llu,\"model\":", j->resp_id,
		       j->kind == JOB_CHAT ? "chat.completion.chunk" : "text_completion",
		       (unsigned long long)j->created);
	ogx_buf_json_str(b, j->model->cfg->name, strlen(j->model->cfg->name));
}

/* One SSE event as one HTTP chunk. */
static void post_event(struct srv *s, struct job *j, struct ogx_buf *ev, bool last)
{
	struct ogx_buf b = { 0 };

	ogx_http_sse_event(&b, ev->p, ev->len, last);
	ogx_buf_free(ev);
	ogx_mailbox_answer(&s->mb, j, &b, 0, last);
}

static void post_delta(struct gen_ctx *g, const char *text, size_t len)
{
	struct ogx_buf ev = { 0 };
	struct job *j = g->j;

	chunk_head(&ev, j);
	if (j->kind == JOB_CHAT) {
		ogx_buf_str(&ev, ",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
			    "\"content\":");
		ogx_buf_json_str(&ev, text, len);
		ogx_buf_str(&ev, "},\"finish_reason\":null}]}");
	} else {
		ogx_buf_str(&ev, ",\"choices\":[{\"index\":0,\"text\":");
		ogx_buf_json_str(&ev, text, len);
		ogx_buf_str(&ev, ",\"logprobs\":null,\"finish_reason\":null}]}");
	}
	post_event(g->m->srv, j, &ev, false);
}

static int on_token(void *ctx, uint32_t token, const char *piece, size_t len)
{
	struct gen_ctx *g = ctx;
	char in[128], out[3 * sizeof(in)];
	size_t n, carry;

	(void)token;
	if (atomic_load(&g->j->cancelled))
		return -ECANCELED;
	while (len) {
		size_t take = len < sizeof(in) - g->carry_len ? len : sizeof(in) - g->carry_len;

		memcpy(in, g->carry, g->carry_len);
		memcpy(in + g->carry_len, piece, take);
		n = ogx_utf8_clean(in, g->carry_len + take, out, 1, &carry);
		memcpy(g->carry, in + g->carry_len + take - carry, carry);
		g->carry_len = carry;
		piece += take;
		len -= take;
		if (!n)
			continue;
		if (g->j->stream)
			post_delta(g, out, n);
		else
			ogx_buf_add(&g->text, out, n);
	}
	return 0;
}

/* The record of a generation (the recipe: proof/job.h, as ogrun generate's). */
static int prove(struct model *m, struct job *j, const struct ogx_generation *gen,
		 struct ogx_record *r, uint8_t id[OGX_DIGEST_LEN], uint64_t time_ns,
		 uint64_t compute_ns)
{
	struct ogx_job_generate jg = {
		.temperature = j->gp.sampling.temperature,
		.top_p = j->gp.sampling.top_p,
		.seed = j->gp.sampling.seed,
		.max_tokens = j->gp.max_tokens,
	};
	int err;

	r->level = j->level;
	memcpy(r->model, m->digest, OGX_DIGEST_LEN);
	memcpy(jg.tokenizer, m->tok_digest, OGX_DIGEST_LEN);
	err = ogx_job_record_generate(r, gen->input, gen->n_input, gen->output, gen->n_output,
				      &jg);
	if (err)
		return err;
	r->time_ns = time_ns;
	r->infer_ns = compute_ns; /* this stream's own forward passes */
	r->job_ns = ogx_mono_ns() - j->t_start;
	r->device = m->device;
	if (j->upto) {
		/* upto: charge what this generation cost (≤ the cap: n_output ≤ max_tokens) */
		struct x402_reject rej = { 0 };
		uint64_t cost;

		if (__builtin_mul_overflow(m->cfg->token_price, (uint64_t)gen->n_output, &cost))
			cost = UINT64_MAX;
		err = ogx_x402_upto_charge(j->upto, cost, &rej);
		err = err ?: ogx_x402_upto_evidence(&m->srv->cfg->x402, j->upto, &j->payment);
		if (err)
			return ogx_fail(err, "upto payment: %s", rej.code ? rej.msg : ogx_errmsg(err));
	}
	r->payment = j->payment;
	return ogx_prove_commit(m->srv, r, (uint8_t (*)[OGX_DIGEST_LEN])id, 1, j->payment.present);
}

static void finish(struct gen_ctx *g, const struct ogx_generation *gen,
		   const struct ogx_record *r, const uint8_t *id)
{
	struct job *j = g->j;
	struct ogx_buf b = { 0 };
	const char *reason = gen->stopped ? "stop" : "length";

	chunk_head(&b, j);
	if (j->stream) {
		if (j->kind == JOB_CHAT)
			ogx_buf_printf(&b, ",\"choices\":[{\"index\":0,\"delta\":{},"
				       "\"finish_reason\":\"%s\"}]", reason);
		else
			ogx_buf_printf(&b, ",\"choices\":[{\"index\":0,\"text\":\"\","
				       "\"logprobs\":null,\"finish_reason\":\"%s\"}]", reason);
	} else {
		/* the whole-answer objects are named without ".chunk" */
		b.len = 0;
		ogx_buf_printf(&b, "{\"id\":\"%s\",\"object\":\"%s\",\"created\":%llu,\"model\":",
			       j->resp_id, j->kind == JOB_CHAT ? "chat.completion" :
			       "text_completion", (unsigned long long)j->created);
		ogx_buf_json_str(&b, j->model->cfg->name, strlen(j->model->cfg->name));
		if (j->kind == JOB_CHAT)
			ogx_buf_str(&b, ",\"choices\":[{\"index\":0,\"message\":{\"role\":"
				    "\"assistant\",\"content\":");
		else
			ogx_buf_str(&b, ",\"choices\":[{\"index\":0,\"text\":");
		ogx_buf_json_str(&b, g->text.p ? g->text.p : "", g->text.len);
		ogx_buf_printf(&b, "%s,\"logprobs\":null,\"finish_reason\":\"%s\"}]",
			       j->kind == JOB_CHAT ? "}" : "", reason);
	}
	ogx_buf_printf(&b, ",\"usage\":{\"prompt_tokens\":%zu,\"completion_tokens\":%zu,"
		       "\"total_tokens\":%zu},\"og\":", gen->n_input, gen->n_output,
		       gen->n_input + gen->n_output);
	ogx_prove_og_json(&b, r, id);
	ogx_buf_str(&b, "}");
	if (j->stream) {
		post_event(g->m->srv, j, &b, true);
		return;
	}
	ogx_buf_str(&b, "\n");
	{
		struct ogx_buf resp = { 0 };

		ogx_prove_payment_headers(g->m->srv, j, r ? id : NULL);
		ogx_http_head(&resp, 200, "application/json", b.len, j->keep_alive,
			      j->extra_headers);
		ogx_buf_add(&resp, b.p, b.len);
		ogx_buf_free(&b);
		ogx_mailbox_answer(&g->m->srv->mb, j, &resp, 200, true);
	}
}

/* One generation in progress: ogx_llama_generate()'s loop, a step at a time. */
struct slot {
	struct ogx_llama llama;	/* this stream's state and KV cache (Vulkan: a bare state) */
	struct ogx_vk_llama_seq *seq;	/* Vulkan: the stream's device KV cache and step */
	bool ready;		/* llama initialized */
	struct job *j;		/* NULL: free */
	struct gen_ctx g;
	struct ogx_sampler sampler;
	struct ogx_generation gen;
	uint32_t token, pos;
	uint32_t prefilled;	/* prompt tokens in the KV cache, up to all but the last */
	uint64_t time_ns, t0, t1, compute_ns;
};

/* The job is over (done, failed or cancelled): answer and free the slot. */
static void slot_end(struct model *m, struct slot *sl, int err)
{
	struct job *j = sl->j;
	struct ogx_record r = { 0 };
	uint8_t id[OGX_DIGEST_LEN];

	if (!err) {
		if (sl->gen.n_output || sl->gen.stopped)
			sl->gen.gen_ns = ogx_mono_ns() - sl->t1;
		err = prove(m, j, &sl->gen, &r, id, sl->time_ns, sl->compute_ns);
		if (!err)
			finish(&sl->g, &sl->gen, m->srv->pv.record ? &r : NULL, id);
		ogx_prove_release(&r, 1);
	}
	if (err == -ECANCELED) {
		atomic_store(&j->cancelled, true);
		ogx_mailbox_answer(&m->srv->mb, j, NULL, 0, true);
	} else if (err && j->stream) {
		/* the 200 is out: the error is an event, then the stream ends */
		struct ogx_buf ev = { 0 };

		ogx_http_error_json(&ev, "server_error", "internal_error", ogx_errmsg(err));
		j->keep_alive = false;
		post_event(m->srv, j, &ev, true);
	} else if (err) {
		ogx_mailbox_error(&m->srv->mb, j, 500, "internal_error", ogx_errmsg(err));
	}
	ogx_sampler_free(&sl->sampler);
	ogx_generation_free(&sl->gen);
	ogx_buf_free(&sl->g.text);
	sl->j = NULL;
}

/* Take j into sl (its prompt runs in chunks from the next step). 0, or the job was answered. */
static int slot_start(struct model *m, struct slot *sl, struct job *j)
{
	const struct ogx_llama_config *c = &m->w->cfg;
	struct ogx_generation *g = &sl->gen;
	int err;

	memset(&sl->g, 0, sizeof(sl->g));
	memset(g, 0, sizeof(*g));
	memset(&sl->sampler, 0, sizeof(sl->sampler));
	sl->j = j;
	sl->g.m = m;
	sl->g.j = j;
	sl->time_ns = ogx_now_ns();
	if (atomic_load(&j->cancelled)) {
		slot_end(m, sl, -ECANCELED);
		return -ECANCELED;
	}
	if (j->stream) {
		struct ogx_buf head = { 0 };

		ogx_prove_payment_headers(m->srv, j, NULL);
		ogx_http_head(&head, 200, "text/event-stream", (size_t)-1, j->keep_alive,
			      j->extra_headers);
		ogx_mailbox_answer(&m->srv->mb, j, &head, 200, false);
	}
	err = ogx_sampler_init(&sl->sampler, c->vocab_size, &j->gp.sampling);
	if (!err)
		err = ogx_tokenizer_encode(&m->tok, j->prompt, 1, 0, &g->input, &g->n_input);
	if (!err && g->n_input > c->seq_len)
		err = ogx_fail(-E2BIG, "the prompt is %zu tokens, the model's context %u",
			       g->n_input, c->seq_len);
	if (!err && !(g->output = malloc((j->gp.max_tokens ? j->gp.max_tokens : 1) *
					 sizeof(*g->output))))
		err = -ENOMEM;
	if (!err) {
		/* The prompt runs in chunks between steps (slot_prefill()). */
		sl->t0 = ogx_mono_ns();
		sl->t1 = sl->t0;
		sl->pos = (uint32_t)g->n_input - 1;
		sl->prefilled = 0;
		sl->token = g->input[sl->pos];
		sl->compute_ns = 0;
	}
	if (err) {
		slot_end(m, sl, err);
		return err;
	}
	return 0;
}

/*
 * One chunk (m->streams.prefill_chunk tokens) of sl's prompt into its KV cache, all
 * but the last prompt token, which is the stream's first joint step. A long
 * prompt so runs a chunk between two steps of the running streams instead
 * of stalling them for all of its length. True while the prompt is not in.
 */
static bool slot_prefill(struct slot *sl, struct model *m)
{
	uint32_t n = (uint32_t)sl->gen.n_input - 1 - sl->prefilled;
	uint64_t t;

	if (!n)
		return false;
	if (atomic_load(&sl->j->cancelled)) {
		slot_end(m, sl, -ECANCELED);
		return true;
	}
	n = n < m->streams.prefill_chunk ? n : m->streams.prefill_chunk;
	if (m->vl)
		pthread_mutex_lock(&m->srv->vk_lock);
	t = ogx_mono_ns();
	ogx_llama_forward_batch(&sl->llama, sl->gen.input + sl->prefilled, n, sl->prefilled, 0);
	sl->compute_ns += ogx_mono_ns() - t;
	if (m->vl)
		pthread_mutex_unlock(&m->srv->vk_lock);
	if (sl->llama.engine_err) {
		slot_end(m, sl, sl->llama.engine_err);
		return true;
	}
	sl->prefilled += n;
	return true;
}

/* Before a step: false (and the slot ended) when sl's stream is complete. */
static bool slot_wants_step(struct model *m, struct slot *sl)
{
	if (sl->gen.n_output >= sl->j->gp.max_tokens || sl->pos >= m->w->cfg.seq_len) {
		slot_end(m, sl, 0);
		return false;
	}
	return true;
}

/* After a step: sample sl's next token from its logits; the slot ends when the stream does. */
static void slot_next(struct model *m, struct slot *sl, float *logits, uint64_t step_ns)
{
	struct ogx_generation *g = &sl->gen;
	const char *piece;
	uint32_t next;
	size_t len;
	int err;

	next = ogx_sampler_sample(&sl->sampler, logits);
	sl->compute_ns += step_ns;
	if (g->n_output == 0) {
		sl->t1 = ogx_mono_ns();
		g->prompt_ns = sl->t1 - sl->t0;
		g->prompt_steps = sl->pos + 1;
	} else {
		g->gen_steps++;
	}
	if (next == m->tok.bos_id || next == m->tok.eos_id) {
		g->stopped = 1;
		slot_end(m, sl, 0);
		return;
	}
	g->output[g->n_output++] = next;
	err = ogx_tokenizer_decode(&m->tok, sl->token, next, &piece, &len);
	if (!err)
		err = on_token(&sl->g, next, piece, len);
	if (err) {
		slot_end(m, sl, err);
		return;
	}
	sl->token = next;
	sl->pos++;
}

/*
 * The Vulkan engine: the active streams in joint steps on the device
 * (ogx_vk_llama_forward_streams(): each weight row read once for up to
 * ogx_vk_llama_streams_max() streams, each stream attending over its own
 * device sequence), the queue taken per joint step so that a classifier on
 * the same device waits for one step, not a round. The joint step's time
 * counts as compute time of every stream in it.
 */
static void step_device(struct model *m, struct ogx_vk_llama_seq **seqs, const uint32_t *tokens,
			const uint32_t *pos, const unsigned int *idx, unsigned int n)
{
	unsigned int max = ogx_vk_llama_streams_max(m->vl);
	uint32_t vocab = m->w->cfg.vocab_size;

	for (unsigned int k = 0; k < n; k++)
		seqs[k] = m->streams.slot[idx[k]].seq;
	for (unsigned int k0 = 0; k0 < n; k0 += max) {
		unsigned int cnt = n - k0 < max ? n - k0 : max;
		const float *logits = NULL;
		uint64_t t;
		int err;

		pthread_mutex_lock(&m->srv->vk_lock);
		t = ogx_mono_ns();
		err = ogx_vk_llama_forward_streams(m->streams.joint, seqs + k0, tokens + k0,
						   pos + k0, cnt, &logits, NULL);
		t = ogx_mono_ns() - t;
		pthread_mutex_unlock(&m->srv->vk_lock);
		for (unsigned int k = k0; k < k0 + cnt; k++) {
			struct slot *sl = &m->streams.slot[idx[k]];

			if (err)
				slot_end(m, sl, err);
			else
				slot_next(m, sl, (float *)logits + (size_t)(k - k0) * vocab, t);
		}
	}
}

/*
 * One token of every active stream in one forward step (continuous
 * batching): the weights are read once for all of them, each stream attends
 * over its own KV cache, and each one's logits are bit for bit those of its
 * own ogx_llama_forward() (ogx_llama_forward_streams()). Slot 0's state
 * lends the step its activations and threads. On the Vulkan engine the
 * same as joint steps on the device (step_device()). The step's time counts
 * as compute time of every stream in it: each of them waited on all of it.
 * Streams whose prompt is not in yet take a chunk of it instead.
 */
static unsigned int step_all(struct model *m, struct ogx_llama **act,
			     struct ogx_vk_llama_seq **seqs, uint32_t *tokens, uint32_t *pos,
			     unsigned int *idx)
{
	struct ogx_llama *lender = &m->streams.slot[0].llama;
	uint32_t vocab = m->w->cfg.vocab_size;
	unsigned int n = 0;
	float *logits;
	uint64_t t;

	for (unsigned int i = 0; i < m->streams.n; i++) {
		struct slot *sl = &m->streams.slot[i];

		if (!sl->j || slot_prefill(sl, m) || !slot_wants_step(m, sl))
			continue;
		act[n] = &sl->llama;
		tokens[n] = sl->token;
		pos[n] = sl->pos;
		idx[n++] = i;
	}
	if (!n)
		return 0;
	if (m->vl) {
		step_device(m, seqs, tokens, pos, idx, n);
		return n;
	}
	t = ogx_mono_ns();
	logits = ogx_llama_forward_streams(lender, act, tokens, pos, n);
	t = ogx_mono_ns() - t;
	for (unsigned int k = 0; k < n; k++) {
		struct slot *sl = &m->streams.slot[idx[k]];

		if (!logits)
			slot_end(m, sl, lender->engine_err ? lender->engine_err : -EIO);
		else
			slot_next(m, sl, logits + (size_t)k * vocab, t);
	}
	return n;
}

int ogx_chat_slots_init(struct model *m, unsigned int n, unsigned int threads)
{
	m->streams.slot = calloc(n, sizeof(struct slot));
	if (!m->streams.slot)
		return -ENOMEM;
	m->streams.n = n;
	m->streams.prefill_chunk = OGX_LLAMA_BATCH;
	if (m->vl) {
		/* Whole device batches per chunk: the prompt is cut where ogrun generate's is. */
		uint32_t nt = ogx_vk_llama_batch(m->vl);
		int err;

		if (nt && nt < OGX_LLAMA_BATCH)
			m->streams.prefill_chunk = OGX_LLAMA_BATCH / nt * nt;
		/* The joint step of up to ogx_vk_llama_streams_max() streams. */
		err = ogx_vk_llama_streams_new(m->vl, &m->streams.joint);
		if (err)
			return err;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct slot *sl = &m->streams.slot[i];
		int err;

		if (m->vl) {
			/* The device holds the stream's state: no CPU KV cache. */
			err = ogx_vk_llama_seq_new(m->vl, &sl->seq);
			if (err)
				return ogx_fail(err, "stream %u of %u (--streams): %s", i + 1, n,
						ogx_errmsg(err));
			sl->llama.w = m->w;
			ogx_vk_llama_seq_attach(sl->seq, &sl->llama);
		} else {
			err = ogx_llama_init(&sl->llama, m->w, threads);
			if (err)
				return err;
		}
		sl->ready = true;
	}
	return 0;
}

void ogx_chat_slots_free(struct model *m)
{
	for (unsigned int i = 0; m->streams.slot && i < m->streams.n; i++) {
		if (m->streams.slot[i].ready)
			ogx_llama_fini(&m->streams.slot[i].llama);
		ogx_vk_llama_seq_free(m->streams.slot[i].seq);
	}
	ogx_vk_llama_streams_free(m->streams.joint);
	m->streams.joint = NULL;
	free(m->streams.slot);
	m->streams.slot = NULL;
}

void ogx_chat_worker(void *model)
{
	struct model *m = model;
	struct job **jobs = calloc(m->streams.n, sizeof(*jobs));
	struct ogx_llama **act = calloc(m->streams.n, sizeof(*act));
	uint32_t *tokens = calloc(m->streams.n, sizeof(*tokens));
	uint32_t *pos = calloc(m->streams.n, sizeof(*pos));
	unsigned int *idx = calloc(m->streams.n, sizeof(*idx));
	struct ogx_vk_llama_seq **seqs = calloc(m->streams.n, sizeof(*seqs));
	unsigned int active = 0;

	if (!jobs || !act || !tokens || !pos || !idx || !seqs)
		abort();
	for (;;) {
		unsigned int free_slots = m->streams.n - active, k = 0;
		size_t n = free_slots ? ogx_queue_take(&m->q, jobs, free_slots, active == 0) : 0;

		if (!n && !active)
			break; /* stopping */
		/* New requests join here, between two steps. */
		for (unsigned int i = 0; i < m->streams.n && k < n; i++) {
			if (m->streams.slot[i].j)
				continue;
			slot_start(m, &m->streams.slot[i], jobs[k++]);
		}
		atomic_fetch_add(&m->jobs, n);
		if (step_all(m, act, seqs, tokens, pos, idx))
			atomic_fetch_add(&m->batches, 1);
		/* Finished and cancelled streams have left their slots. */
		active = 0;
		for (unsigned int i = 0; i < m->streams.n; i++)
			active += m->streams.slot[i].j != NULL;
	}
	free(jobs);
	free(act);
	free(tokens);
	free(pos);
	free(idx);
	free(seqs);
}
