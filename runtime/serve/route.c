// SPDX-License-Identifier: GPL-2.0
/*
 * Requests to answers, on the loop thread: what can be answered at once
 * (models, health, metrics, records, attestation, every error) is answered
 * here; inference becomes a job for the model's worker. The proof level and
 * the x402 payment are settled here, before a job is queued, so a request
 * that cannot be served as asked is refused (4xx), never served at a lower
 * level.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proof/kmod.h"
#include "serve/chat_parse.h"
#include "serve/conn.h"
#include "serve/queue.h"
#include "serve/records.h"
#include "serve/route.h"
#include "serve/server.h"
#include "serve/x402_upto.h"
#include "util/err.h"
#include "util/hex.h"

#define INVALID "invalid_request_error"

static struct model *find_model(struct srv *s, const char *name)
{
	for (size_t i = 0; i < s->n_models; i++)
		if (!strcmp(s->models[i].cfg->name, name))
			return &s->models[i];
	return NULL;
}

static void respond_buf(struct conn *c, int status, const char *ctype, struct ogx_buf *b,
			const char *extra)
{
	if (b->oom)
		ogx_conn_error(c, 503, "server_error", "out_of_memory", "out of memory");
	else
		ogx_conn_respond(c, status, ctype, b->p, b->len, extra);
	ogx_buf_free(b);
}

static void get_models(struct srv *s, struct conn *c)
{
	struct ogx_buf b = { 0 };

	ogx_buf_str(&b, "{\"object\":\"list\",\"data\":[");
	for (size_t i = 0; i < s->n_models; i++) {
		struct model *m = &s->models[i];

		ogx_buf_str(&b, i ? ",{\"id\":" : "{\"id\":");
		ogx_buf_json_str(&b, m->cfg->name, strlen(m->cfg->name));
		ogx_buf_printf(&b, ",\"object\":\"model\",\"created\":%llu,\"owned_by\":\"ogx\","
			       "\"og\":{\"sha256\":\"%s\",\"kind\":\"%s\",\"endpoint\":\"%s\","
			       "\"price\":\"%llu\",\"levels\":[\"vanilla\"%s%s%s]}}",
			       (unsigned long long)(s->started_ns / 1000000000ull), m->digest_hex,
			       m->kind == MODEL_MLP ? "classifier" : "llm",
			       m->kind == MODEL_MLP ? "/v1/infer" : "/v1/chat/completions",
			       (unsigned long long)m->cfg->price, s->tee.present ? ",\"" : "",
			       s->tee.present ? s->tee.label : "", s->tee.present ? "\"" : "");
	}
	ogx_buf_str(&b, "]}\n");
	respond_buf(c, 200, "application/json", &b, NULL);
}

static void get_metrics(struct srv *s, struct conn *c)
{
	struct ogx_buf b = { 0 };

	ogx_buf_str(&b, "# TYPE ogx_http_responses_total counter\n");
	for (int i = 100; i < HTTP_STATUS_MAX; i++)
		if (s->st.statuses[i])
			ogx_buf_printf(&b, "ogx_http_responses_total{code=\"%d\"} %llu\n", i,
				       (unsigned long long)s->st.statuses[i]);
	ogx_buf_printf(&b, "# TYPE ogx_connections gauge\nogx_connections %u\n"
		       "# TYPE ogx_connections_accepted_total counter\n"
		       "ogx_connections_accepted_total %llu\n"
		       "# TYPE ogx_connections_refused_total counter\n"
		       "ogx_connections_refused_total %llu\n"
		       "# TYPE ogx_records_total counter\nogx_records_total %llu\n"
		       "# TYPE ogx_record_commits_total counter\nogx_record_commits_total %llu\n"
		       "# TYPE ogx_jobs_cancelled_total counter\nogx_jobs_cancelled_total %llu\n"
		       "# TYPE ogx_recv_nobufs_total counter\nogx_recv_nobufs_total %llu\n"
		       "# TYPE ogx_kmod_uring_cmds_total counter\nogx_kmod_uring_cmds_total %llu\n",
		       s->st.conns, (unsigned long long)s->st.accepted,
		       (unsigned long long)s->st.refused_conns, (unsigned long long)s->st.records,
		       (unsigned long long)s->st.commits, (unsigned long long)s->st.cancelled,
		       (unsigned long long)s->st.recv_nobufs, (unsigned long long)s->tee.cmds);
	/* the levels served, by the evidence their records carry */
	ogx_buf_str(&b, "# TYPE ogx_level_offered gauge\nogx_level_offered{level=\"vanilla\"} 1\n");
	if (s->tee.present)
		ogx_buf_printf(&b, "ogx_level_offered{level=\"%s\"} 1\n", s->tee.label);
	ogx_buf_str(&b, "# TYPE ogx_queue_depth gauge\n# TYPE ogx_jobs_total counter\n"
		    "# TYPE ogx_batches_total counter\n# TYPE ogx_jobs_rejected_total counter\n");
	for (size_t i = 0; i < s->n_models; i++) {
		struct model *m = &s->models[i];
		unsigned int depth = ogx_queue_depth(&m->q);

		ogx_buf_printf(&b, "ogx_queue_depth{model=\"%s\"} %u\n"
			       "ogx_jobs_total{model=\"%s\"} %llu\n"
			       "ogx_batches_total{model=\"%s\"} %llu\n"
			       "ogx_jobs_rejected_total{model=\"%s\"} %llu\n",
			       m->cfg->name, depth, m->cfg->name, (unsigned long long)m->jobs,
			       m->cfg->name, (unsigned long long)m->batches, m->cfg->name,
			       (unsigned long long)m->rejected);
	}
	if (s->cfg->x402.enabled)
		ogx_x402_chain_metrics(&s->x402c, &s->x402, &b);
	respond_buf(c, 200, "text/plain; version=0.0.4", &b, NULL);
}

/* The level asked for (header, else body og.level): 0, or an answer was sent. */
static int pick_level(struct srv *s, struct conn *c, struct ogx_http_req *r, json_t *body,
		      uint32_t *level)
{
	const char *name = r->level[0] ? r->level : NULL;
	json_t *og = body ? json_object_get(body, "og") : NULL;

	if (!name && og && json_is_string(json_object_get(og, "level")))
		name = json_string_value(json_object_get(og, "level"));
	*level = OGX_LEVEL_VANILLA;
	if (!name)
		return 0;
	if (ogx_level_parse(name, level)) {
		ogx_conn_error(c, 400, INVALID, "invalid_level",
			       "level '%s' is not one of vanilla, tee, zkml", name);
		return -1;
	}
	if (*level == OGX_LEVEL_TEE && !s->tee.present) {
		ogx_conn_error(c, 400, INVALID, "level_unavailable",
			       "level tee needs the ogx kernel module (%s), which this node does "
			       "not have; the request was not run at a lower level", OGX_KMOD_DEV);
		return -1;
	}
	if (*level == OGX_LEVEL_ZKML) {
		ogx_conn_error(c, 400, INVALID, "level_unavailable",
			       "level zkml needs a ZK prover, which this node does not have; the "
			       "request was not run at a lower level");
		return -1;
	}
	return 0;
}

/*
 * The most a job can cost under upto: a generation token_price × max_tokens
 * (saturated), a classification token_price; 0 when upto is not offered.
 */
static uint64_t upto_max_cost(const struct srv *s, const struct job *j)
{
	uint64_t tp = j->model->cfg->token_price, cost;

	if (!s->cfg->upto.enabled || !tp)
		return 0;
	if (j->kind == JOB_INFER)
		return tp;
	return __builtin_mul_overflow(tp, (uint64_t)j->gp.max_tokens, &cost) ? UINT64_MAX : cost;
}

/*
 * An upto payment (PAYMENT-SIGNATURE whose accepted.scheme is "upto"): 1 not
 * one (the exact path decides), 0 accepted (j->upto set; charged with the
 * record), -1 refused (rej filled).
 */
static int take_upto(struct srv *s, struct ogx_http_req *r, struct job *j, uint64_t max_cost,
		     struct x402_reject *rej)
{
	struct x402_upto *p;

	if (r->payment_version != 2)
		return 1;
	p = malloc(sizeof(*p));
	if (!p) {
		rej->code = "unexpected_verify_error";
		snprintf(rej->msg, sizeof(rej->msg), "out of memory");
		return -1;
	}
	if (ogx_x402_upto_decode(r->payment, p, rej)) {
		free(p);
		return rej->code && !strcmp(rej->code, "invalid_upto_evm_scheme") ? 1 : -1;
	}
	if (!max_cost) {
		free(p);
		rej->code = "unsupported_scheme";
		snprintf(rej->msg, sizeof(rej->msg), "scheme upto is not offered for this request");
		return -1;
	}
	if (ogx_x402_upto_accept(&s->x402, &s->cfg->upto, p, max_cost, (uint64_t)time(NULL), rej)) {
		free(p);
		return -1;
	}
	j->upto = p;
	/* a classification costs what it says: charged now, its evidence ready for the record */
	if (j->kind == JOB_INFER &&
	    (ogx_x402_upto_charge(p, max_cost, rej) ||
	     ogx_x402_upto_evidence(&s->cfg->x402, p, &j->payment))) {
		rej->code = "unexpected_verify_error";
		snprintf(rej->msg, sizeof(rej->msg), "out of memory");
		return -1;
	}
	return 0;
}

static void submit(struct srv *s, struct conn *c, struct job *j);
static void refuse_full(struct srv *s, struct conn *c, struct model *m);

/* An accepted payment: recorded, and j carries its evidence. 0, or -EPERM (rej). */
static int accept_payment(struct srv *s, struct job *j, const struct x402_payment *p,
			  bool at_risk, struct x402_reject *rej)
{
	int err = ogx_x402_commit(&s->x402, p, at_risk, rej);

	if (err)
		return err;
	/* X-PAYMENT-RESPONSE is written with the answer: it names the record */
	j->paid = malloc(sizeof(*j->paid));
	if (!j->paid || ogx_x402_evidence(&s->cfg->x402, p, &j->payment)) {
		rej->code = "unexpected_verify_error";
		snprintf(rej->msg, sizeof(rej->msg), "out of memory");
		return -ENOMEM;
	}
	*j->paid = *p;
	return 0;
}

/*
 * A payment refused: 402 with the x402 body and PAYMENT-REQUIRED; or, when
 * the chain cannot be asked (-EAGAIN), 503 with Retry-After.
 */
static void refuse_payment(struct srv *s, struct conn *c, struct job *j, const char *path,
			   const struct x402_reject *rej, int err)
{
	const struct ogx_x402_config *cfg = &s->cfg->x402;
	uint64_t price = j->model->cfg->price, max_cost = upto_max_cost(s, j);
	struct ogx_buf body = { 0 }, hdr = { 0 };

	ogx_x402_chain_refused(&s->x402c, rej->code);
	if (err == -ENOMEM) {
		ogx_conn_error(c, 503, "server_error", "out_of_memory", "out of memory");
		return;
	}
	if (err == -EAGAIN) {
		ogx_http_error_json(&body, "server_error", "payment_check_unavailable", rej->msg);
		ogx_buf_str(&body, "\n");
		ogx_buf_printf(&hdr, "Retry-After: %u\r\n", cfg->retry_after_s);
		if (hdr.oom || body.oom)
			ogx_conn_error(c, 503, "server_error", "out_of_memory", "out of memory");
		else
			ogx_conn_respond(c, 503, "application/json", body.p, body.len, hdr.p);
		ogx_buf_free(&body);
		ogx_buf_free(&hdr);
		return;
	}
	/* the sentence goes in the v1 body's error; the code is what clients test */
	ogx_buf_str(&hdr, "PAYMENT-REQUIRED: ");
	if (max_cost) {
		/* upto is offered in v2 only: PAYMENT-REQUIRED lists exact (if priced) and upto */
		struct ogx_buf j2 = { 0 };

		ogx_x402_upto_required_json(&j2, cfg, &s->cfg->upto, price, max_cost, path,
					    rej->code);
		ogx_x402_base64(&hdr, &j2);
		/* the body: the v1 exact offer for v1 clients, or (upto only) the v2 JSON */
		if (price)
			ogx_x402_required_body(&body, cfg, price, path, rej->code);
		else
			ogx_buf_printf(&body, "%.*s\n", (int)j2.len, j2.p ? j2.p : "");
		body.oom |= j2.oom;
		ogx_buf_free(&j2);
	} else {
		ogx_x402_required_body(&body, cfg, price, path, rej->code);
		ogx_x402_required_header(&hdr, cfg, price, path, rej->code);
	}
	ogx_buf_printf(&hdr, "\r\nX-OG-Payment-Error: %s\r\n", rej->msg);
	if (hdr.oom || body.oom)
		ogx_conn_error(c, 503, "server_error", "out_of_memory", "out of memory");
	else
		ogx_conn_respond(c, 402, "application/json", body.p, body.len, hdr.p);
	ogx_buf_free(&body);
	ogx_buf_free(&hdr);
}

/*
 * x402: 0 when the model is free or the payment is accepted (j carries its
 * evidence); 1 when its check on chain runs (j is the check's until
 * ogx_route_payment_checked); -1 when an answer was sent.
 */
static int take_payment(struct srv *s, struct conn *c, struct ogx_http_req *r, struct job *j)
{
	const struct ogx_x402_config *cfg = &s->cfg->x402;
	uint64_t price = j->model->cfg->price, max_cost = upto_max_cost(s, j);
	struct x402_payment p;
	struct x402_reject rej = { 0 };
	bool at_risk = false;
	int err = -EPERM;
	int u = 1;

	if (!cfg->enabled || (!price && !max_cost))
		return 0;
	if (r->payment_version > 0 && s->cfg->upto.enabled)
		u = take_upto(s, r, j, max_cost, &rej);
	if (!u)
		return 0;
	if (u < 0) {
		/* refused as upto: the 402 below */
	} else if (!r->payment_version) {
		rej.code = "payment_required";
		snprintf(rej.msg, sizeof(rej.msg), "X-PAYMENT header is required");
	} else if (r->payment_version < 0) {
		rej.code = "invalid_payload";
		snprintf(rej.msg, sizeof(rej.msg), "more than one payment header");
	} else if (!price) {
		rej.code = "unsupported_scheme";
		snprintf(rej.msg, sizeof(rej.msg), "this request is priced in scheme upto only");
	} else if (!ogx_x402_decode(r->payment, r->payment_version, &p, &rej) &&
		   !ogx_x402_verify(&s->x402, &p, price, (uint64_t)time(NULL), &rej)) {
		err = ogx_x402_chain_begin(&s->x402c, &s->x402, &p, c, j,
					   j->model->cfg->settle_before, &at_risk, &rej);
		if (err == 1) {
			c->refs++; /* the check holds the connection */
			return 1;
		}
		if (!err)
			err = accept_payment(s, j, &p, at_risk, &rej);
		if (!err)
			return 0;
	}
	refuse_payment(s, c, j, r->path, &rej, err);
	return -1;
}

void ogx_route_payment_checked(struct srv *s, struct x402_check *k)
{
	struct conn *c = k->conn;
	struct job *j = k->job;
	struct x402_reject rej = { 0 };
	bool at_risk = false;
	int err;

	c->refs--;
	k->job = NULL;
	err = ogx_x402_chain_finish(&s->x402c, &s->x402, k, &at_risk, &rej);
	if (c->closing) {
		/* the client went away: nothing accepted, its nonce stays free */
		ogx_job_free(j);
	} else if (!err && ogx_queue_full(&j->model->q)) {
		/* filled while the check ran: refused before the payment is taken */
		refuse_full(s, c, j->model);
		ogx_job_free(j);
	} else if (!err && !(err = accept_payment(s, j, &k->p, at_risk, &rej))) {
		submit(s, c, j);
	} else {
		refuse_payment(s, c, j, c->hp.req.path, &rej, err);
		ogx_job_free(j);
	}
	free(k);
}

/* Input pixels from {"value": [...], "decimals": d} or {"b64": "..."}. */
static int parse_input(struct conn *c, json_t *in, uint32_t n_in, uint8_t **out)
{
	json_t *v = in ? json_object_get(in, "value") : NULL, *b64 = in ? json_object_get(in, "b64") : NULL;
	uint8_t *px = malloc(n_in);
	size_t len;
	long long scale = 1;

	if (!px) {
		ogx_conn_error(c, 503, "server_error", "out_of_memory", "out of memory");
		return -1;
	}
	if (json_is_string(b64)) {
		const char *s = json_string_value(b64);

		if (sodium_base642bin(px, n_in, s, strlen(s), NULL, &len, NULL,
				      sodium_base64_VARIANT_ORIGINAL) || len != n_in) {
			ogx_conn_error(c, 400, INVALID, "invalid_input",
				       "input.b64: want base64 of %u bytes (uint8 pixels)", n_in);
			goto fail;
		}
		*out = px;
		return 0;
	}
	if (!json_is_array(v)) {
		ogx_conn_error(c, 400, INVALID, "invalid_input",
			       "input: want {\"value\": [%u integers], \"decimals\": 0} or {\"b64\": ...}",
			       n_in);
		goto fail;
	}
	if (json_object_get(in, "decimals")) {
		json_t *d = json_object_get(in, "decimals");

		if (!json_is_integer(d) || json_integer_value(d) < 0 || json_integer_value(d) > 18) {
			ogx_conn_error(c, 400, INVALID, "invalid_input",
				       "input.decimals: want an integer from 0 to 18");
			goto fail;
		}
		for (long long k = 0; k < json_integer_value(d); k++)
			scale *= 10;
	}
	if (json_array_size(v) != n_in) {
		ogx_conn_error(c, 400, INVALID, "invalid_input",
			       "input.value: the model takes %u values, got %zu", n_in,
			       json_array_size(v));
		goto fail;
	}
	for (uint32_t k = 0; k < n_in; k++) {
		json_t *e = json_array_get(v, k);
		long long x = json_is_integer(e) ? json_integer_value(e) : -1;

		if (x < 0 || x % scale || x / scale > 255) {
			ogx_conn_error(c, 400, INVALID, "invalid_input",
				       "input.value[%u]: want a uint8 pixel (0..255 at the given "
				       "decimals)", k);
			goto fail;
		}
		px[k] = (uint8_t)(x / scale);
	}
	*out = px;
	return 0;
fail:
	free(px);
	return -1;
}

static struct job *new_job(struct conn *c, struct model *m, enum job_kind kind)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j) {
		ogx_conn_error(c, 503, "server_error", "out_of_memory", "out of memory");
		return NULL;
	}
	j->kind = kind;
	j->conn = c;
	j->model = m;
	j->keep_alive = c->hp.req.keep_alive;
	j->t_start = c->t_request;
	return j;
}

static void refuse_full(struct srv *s, struct conn *c, struct model *m)
{
	atomic_fetch_add(&m->rejected, 1);
	ogx_conn_error(c, 429, "rate_limit_error", "queue_full",
		       "model '%s' has %u jobs waiting; retry later", m->cfg->name,
		       s->cfg->queue_max);
}

static void submit(struct srv *s, struct conn *c, struct job *j)
{
	if (ogx_queue_submit(&j->model->q, j)) {
		refuse_full(s, c, j->model);
		ogx_job_free(j);
		return;
	}
	c->job = j;
	c->refs++;
}

/* POST with a JSON object body; NULL when an error was answered. */
static json_t *json_body(struct conn *c, struct ogx_http_req *r)
{
	json_error_t e;
	json_t *body;

	if (!strstr(r->content_type, "application/json")) {
		ogx_conn_error(c, 415, INVALID, "unsupported_media_type",
			       "want Content-Type: application/json");
		return NULL;
	}
	body = json_loadb(r->body ? r->body : "", r->body_len, JSON_REJECT_DUPLICATES, &e);
	if (!body || !json_is_object(body)) {
		ogx_conn_error(c, 400, INVALID, "invalid_json", "body is not a JSON object: %s",
			       body ? "not an object" : e.text);
		json_decref(body);
		return NULL;
	}
	return body;
}

/* The model named in body for endpoint kind; NULL when an error was answered. */
static struct model *body_model(struct srv *s, struct conn *c, json_t *body,
				enum model_kind kind)
{
	json_t *name = json_object_get(body, "model");
	struct model *m;

	if (!json_is_string(name)) {
		ogx_conn_error(c, 400, INVALID, "missing_model", "body.model: want a model name");
		return NULL;
	}
	m = find_model(s, json_string_value(name));
	if (!m) {
		ogx_conn_error(c, 404, INVALID, "model_not_found", "model '%s' is not served here",
			       json_string_value(name));
		return NULL;
	}
	if (m->kind != kind) {
		ogx_conn_error(c, 400, INVALID, "wrong_model_kind", "model '%s' is %s; use %s",
			       m->cfg->name,
			       m->kind == MODEL_MLP ? "a classifier" : "a language model",
			       m->kind == MODEL_MLP ? "/v1/infer" : "/v1/chat/completions");
		return NULL;
	}
	return m;
}

static void post_infer(struct srv *s, struct conn *c, struct ogx_http_req *r,
		       enum job_kind kind)
{
	json_t *body = json_body(c, r);
	struct model *m;
	struct job *j = NULL;
	uint32_t level;

	if (!body)
		return;
	m = body_model(s, c, body, kind == JOB_INFER ? MODEL_MLP : MODEL_LLAMA);
	if (!m || pick_level(s, c, r, body, &level))
		goto out;
	j = new_job(c, m, kind);
	if (!j)
		goto out;
	j->level = level;
	if (kind == JOB_INFER) {
		if (parse_input(c, json_object_get(body, "input"), ogx_mlp_n_in(&m->mlp), &j->input))
			goto out;
		j->input_len = ogx_mlp_n_in(&m->mlp);
	} else {
		struct chat_parse_error e;

		if (ogx_chat_parse(j, body, m->w->cfg.seq_len, &e)) {
			ogx_conn_error(c, e.status, e.status >= 500 ? "server_error" : INVALID,
				       e.code, "%s", e.message);
			goto out;
		}
	}
	/*
	 * Payment last: a request refused for any other reason costs nothing,
	 * a full queue included (the loop is the only producer, so a queue with
	 * room now still has room at submit).
	 */
	if (ogx_queue_full(&m->q)) {
		refuse_full(s, c, m);
		goto out;
	}
	switch (take_payment(s, c, r, j)) {
	case 0:
		submit(s, c, j);
		j = NULL;
		break;
	case 1:
		j = NULL; /* the check on chain's, until it comes back */
		break;
	}
out:
	ogx_job_free(j);
	json_decref(body);
}

/* An attestation waiting for the module's INFO on the loop's ring. */
struct attest {
	struct op op;
	struct ogx_info info;
	char nonce[129];
};

static void attest_answer(struct srv *s, struct conn *c, const char *nonce,
			  const struct ogx_info *info)
{
	struct ogx_buf b = { 0 };

	if (ogx_records_attest(s, nonce, info, &b))
		ogx_conn_error(c, 503, "server_error", "out_of_memory", "out of memory");
	else
		respond_buf(c, 200, "application/json", &b, NULL);
}

void ogx_route_attest_cqe(struct op *op, int res)
{
	struct attest *a = (struct attest *)op;
	struct conn *c = op->c;

	c->s->tee.cmds++;
	c->s->tee.attests--;
	if (!c->closing) {
		if (res < 0)
			ogx_conn_error(c, 503, "server_error", "module_error", "%s: INFO: %s",
				       OGX_KMOD_DEV, strerror(-res));
		else
			attest_answer(c->s, c, a->nonce, &a->info);
	}
	free(a);
}

/*
 * With the module, its INFO (chain head, events) goes into the statement:
 * a uring_cmd on the loop's ring, answered in ogx_route_attest_cqe().
 */
static void get_attestation(struct srv *s, struct conn *c, struct ogx_http_req *r)
{
	struct io_uring_sqe *sqe;
	struct attest *a;
	char nonce[129];

	if (!ogx_http_query(r, "nonce", nonce, sizeof(nonce)) || !nonce[0] ||
	    strspn(nonce, "0123456789abcdefABCDEF") != strlen(nonce)) {
		ogx_conn_error(c, 400, INVALID, "invalid_nonce",
			       "want ?nonce= with 1 to 128 hex digits");
		return;
	}
	if (!s->tee.present) {
		attest_answer(s, c, nonce, NULL);
		return;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		ogx_conn_error(c, 503, "server_error", "out_of_memory", "out of memory");
		return;
	}
	sqe = ring_sqe(&s->loop.ring);
	strcpy(a->nonce, nonce);
	a->op = (struct op){ .type = OP_ATTEST, .c = c };
	ogx_kmod_prep_cmd(sqe, s->tee.kmod.fd, OGX_IOCTL_INFO, &a->info);
	io_uring_sqe_set_data(sqe, &a->op);
	c->inflight++;
	s->tee.attests++;
}

static void get_record(struct srv *s, struct conn *c, struct ogx_http_req *r, const char *hex)
{
	uint8_t id[OGX_DIGEST_LEN];
	struct ogx_buf b = { 0 };
	bool json = strstr(r->accept, "application/json") != NULL;
	int err;

	if (strlen(hex) != 2 * OGX_DIGEST_LEN || ogx_unhex(id, OGX_DIGEST_LEN, hex)) {
		ogx_conn_error(c, 400, INVALID, "invalid_record_id", "want 64 hex digits");
		return;
	}
	err = ogx_records_get(s, id, json, &b);
	if (err == -ENOENT)
		ogx_conn_error(c, 404, INVALID, "record_not_found",
			       "no record %s in this node's spool", hex);
	else if (err)
		ogx_conn_error(c, 500, "server_error", "spool_error", "%s", ogx_errmsg(err));
	else
		respond_buf(c, 200, json ? "application/json" : "application/cbor", &b, NULL);
}

void ogx_route_request(struct srv *s, struct conn *c, struct ogx_http_req *r)
{
	static const struct {
		const char *path;
		enum http_method method;
	} routes[] = {
		{ "/healthz", HTTP_GET }, { "/metrics", HTTP_GET }, { "/v1/models", HTTP_GET },
		{ "/v1/infer", HTTP_POST }, { "/v1/chat/completions", HTTP_POST },
		{ "/v1/completions", HTTP_POST }, { "/v1/attestation", HTTP_GET },
	};
	const char *p = r->path;
	bool get = r->method == HTTP_GET;

	if (!strncmp(p, "/v1/records/", 12)) {
		if (!get)
			goto not_allowed_get;
		get_record(s, c, r, p + 12);
		return;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(p, routes[i].path))
			continue;
		if (routes[i].method == HTTP_GET && !get)
			goto not_allowed_get;
		if (routes[i].method == HTTP_POST && r->method != HTTP_POST) {
			ogx_conn_error(c, 405, INVALID, "method_not_allowed", "%s takes POST", p);
			return;
		}
		switch (i) {
		case 0: ogx_conn_respond(c, 200, "application/json", "{\"status\":\"ok\"}\n", 16,
					 NULL);
			return;
		case 1: get_metrics(s, c); return;
		case 2: get_models(s, c); return;
		case 3: post_infer(s, c, r, JOB_INFER); return;
		case 4: post_infer(s, c, r, JOB_CHAT); return;
		case 5: post_infer(s, c, r, JOB_COMPLETION); return;
		case 6: get_attestation(s, c, r); return;
		}
	}
	ogx_conn_error(c, 404, INVALID, "not_found", "no endpoint %s", p);
	return;
not_allowed_get:
	ogx_conn_error(c, 405, INVALID, "method_not_allowed", "%s takes GET", p);
}
