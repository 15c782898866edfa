// SPDX-License-Identifier: GPL-2.0
/*
 * OpenAI-compatible text generation: POST /v1/chat/completions and
 * /v1/completions, whole or streamed (SSE, `stream: true`). A Llama model's
 * worker runs one generation at a time. The record is the one `ogrun
 * generate` writes (tools/ogrun/generate.c): input and output are the token
 * ids as little-endian int32, params the canonical sampling string with the
 * tokenizer's SHA-256. It is made durable before the answer (or the final SSE
 * chunk, which carries it) is sent; the tokens streamed before it are the
 * nature of streaming.
 *
 * A chat's prompt is the messages' contents joined by newlines: the small
 * Llama-2 story models served here have no chat template.
 */
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/internal.h"
#include "util/err.h"
#include "util/hex.h"

#define INVALID "invalid_request_error"

static int get_number(struct conn *c, json_t *body, const char *name, double lo, double hi,
		      float *out)
{
	json_t *v = json_object_get(body, name);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi) {
		conn_error(c, 400, INVALID, "invalid_parameter", "%s: want a number from %g to %g",
			   name, lo, hi);
		return -1;
	}
	*out = (float)json_number_value(v);
	return 0;
}

static int join_messages(struct conn *c, json_t *msgs, struct ogx_buf *b)
{
	size_t i;
	json_t *m;

	if (!json_is_array(msgs) || !json_array_size(msgs)) {
		conn_error(c, 400, INVALID, "invalid_messages",
			   "messages: want a non-empty array of {role, content}");
		return -1;
	}
	json_array_foreach(msgs, i, m) {
		json_t *content = json_object_get(m, "content");

		if (i)
			ogx_buf_str(b, "\n");
		if (json_is_string(content)) {
			ogx_buf_add(b, json_string_value(content), json_string_length(content));
		} else if (json_is_array(content)) {
			size_t k;
			json_t *part;

			json_array_foreach(content, k, part) {
				json_t *t = json_object_get(part, "text");

				if (json_is_string(t))
					ogx_buf_add(b, json_string_value(t), json_string_length(t));
			}
		} else {
			conn_error(c, 400, INVALID, "invalid_messages",
				   "messages[%zu].content: want a string or text parts", i);
			return -1;
		}
	}
	return 0;
}

int chat_parse(struct srv *s, struct conn *c, struct ogx_http_req *r, struct job *j, json_t *body)
{
	struct ogx_buf prompt = { 0 };
	json_t *v;
	uint8_t rnd[12];
	char hex[25];
	int err;

	(void)s;
	(void)r;
	j->gp.sampling.temperature = 1.0f;
	j->gp.sampling.top_p = 1.0f;
	j->gp.max_tokens = 256;
	if (j->kind == JOB_CHAT) {
		if (join_messages(c, json_object_get(body, "messages"), &prompt))
			goto fail;
	} else {
		v = json_object_get(body, "prompt");
		if (json_is_array(v) && json_array_size(v) == 1)
			v = json_array_get(v, 0);
		if (!json_is_string(v)) {
			conn_error(c, 400, INVALID, "invalid_prompt", "prompt: want a string");
			goto fail;
		}
		ogx_buf_add(&prompt, json_string_value(v), json_string_length(v));
	}
	ogx_buf_add(&prompt, "", 1);
	if (prompt.oom) {
		conn_error(c, 503, "server_error", "out_of_memory", "out of memory");
		goto fail;
	}
	if (strlen(prompt.p) + 1 != prompt.len) {
		conn_error(c, 400, INVALID, "invalid_prompt", "prompt contains a NUL character");
		goto fail;
	}
	v = json_object_get(body, "n");
	if (v && !(json_is_integer(v) && json_integer_value(v) == 1)) {
		conn_error(c, 400, INVALID, "unsupported_parameter", "n: only 1 is supported");
		goto fail;
	}
	v = json_object_get(body, "max_completion_tokens");
	if (!v || json_is_null(v))
		v = json_object_get(body, "max_tokens");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > j->model->ck.w.cfg.seq_len) {
			conn_error(c, 400, INVALID, "invalid_parameter",
				   "max_tokens: want an integer from 1 to %u",
				   j->model->ck.w.cfg.seq_len);
			goto fail;
		}
		j->gp.max_tokens = (uint32_t)json_integer_value(v);
	}
	if (get_number(c, body, "temperature", 0, 2, &j->gp.sampling.temperature) ||
	    get_number(c, body, "top_p", 0, 1, &j->gp.sampling.top_p))
		goto fail;
	v = json_object_get(body, "seed");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			conn_error(c, 400, INVALID, "invalid_parameter",
				   "seed: want a positive integer");
			goto fail;
		}
		j->gp.sampling.seed = (uint64_t)json_integer_value(v);
	} else {
		randombytes_buf(&j->gp.sampling.seed, sizeof(j->gp.sampling.seed));
		j->gp.sampling.seed |= 1; /* the sampler wants nonzero */
		j->gp.sampling.seed &= INT64_MAX;
	}
	err = ogx_sampler_check(&j->gp.sampling);
	if (err) {
		conn_error(c, 400, INVALID, "invalid_parameter", "%s", ogx_errmsg(err));
		goto fail;
	}
	v = json_object_get(body, "stream");
	if (v && !json_is_boolean(v)) {
		conn_error(c, 400, INVALID, "invalid_parameter", "stream: want true or false");
		goto fail;
	}
	j->stream = json_is_true(v);
	randombytes_buf(rnd, sizeof(rnd));
	ogx_hex(hex, rnd, sizeof(rnd));
	snprintf(j->resp_id, sizeof(j->resp_id), "%s-%s",
		 j->kind == JOB_CHAT ? "chatcmpl" : "cmpl", hex);
	j->created = (uint64_t)time(NULL);
	j->prompt = prompt.p;
	return 0;
fail:
	ogx_buf_free(&prompt);
	return -1;
}

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

	ogx_buf_printf(&b, "%zx\r\ndata: ", ev->len + 8);
	ogx_buf_add(&b, ev->p, ev->len);
	ogx_buf_str(&b, "\n\n\r\n");
	if (last)
		ogx_buf_str(&b, "e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n");
	ogx_buf_free(ev);
	post_msg(s, j, &b, 0, last);
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

/* The record of a generation, as ogrun generate writes it. */
static int prove(struct model *m, struct job *j, const struct ogx_generation *gen,
		 struct ogx_record *r, uint8_t id[OGX_DIGEST_LEN], uint64_t time_ns)
{
	uint8_t *bytes;
	char canon[512], hex[2 * OGX_DIGEST_LEN + 1];
	size_t len;
	int n, err;

	r->level = j->level;
	memcpy(r->model, m->digest, OGX_DIGEST_LEN);
	err = ogx_tokens_le32(gen->input, gen->n_input, &bytes, &len);
	if (err)
		return err;
	ogx_sha256(r->input, bytes, len);
	free(bytes);
	err = ogx_tokens_le32(gen->output, gen->n_output, &bytes, &len);
	if (err)
		return err;
	ogx_sha256(r->output, bytes, len);
	free(bytes);
	n = ogx_generate_params_canon(&j->gp, canon, sizeof(canon) - 80);
	if (n < 0)
		return n;
	ogx_hex(hex, m->tok_digest, OGX_DIGEST_LEN);
	n += snprintf(canon + n, sizeof(canon) - n, " tokenizer=%s", hex);
	ogx_sha256(r->params, canon, (size_t)n);
	r->time_ns = time_ns;
	r->infer_ns = gen->prompt_ns + gen->gen_ns;
	r->job_ns = ogx_mono_ns() - j->t_start;
	r->device = m->srv->device;
	r->payment = j->payment;
	return prove_commit(m->srv, r, (uint8_t (*)[OGX_DIGEST_LEN])id, 1, j->payment.present);
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
	og_json(&b, r, id);
	ogx_buf_str(&b, "}");
	if (j->stream) {
		post_event(g->m->srv, j, &b, true);
		return;
	}
	ogx_buf_str(&b, "\n");
	{
		struct ogx_buf resp = { 0 };

		ogx_http_head(&resp, 200, "application/json", b.len, j->keep_alive,
			      j->extra_headers);
		ogx_buf_add(&resp, b.p, b.len);
		ogx_buf_free(&b);
		post_msg(g->m->srv, j, &resp, 200, true);
	}
}

void chat_run(struct model *m, struct job *j)
{
	struct gen_ctx g = { .m = m, .j = j };
	struct ogx_generation gen;
	struct ogx_record r = { 0 };
	uint8_t id[OGX_DIGEST_LEN];
	uint64_t time_ns = ogx_now_ns();
	int err;

	if (atomic_load(&j->cancelled)) {
		post_msg(m->srv, j, NULL, 0, true);
		return;
	}
	if (j->stream) {
		struct ogx_buf head = { 0 };

		ogx_http_head(&head, 200, "text/event-stream", (size_t)-1, j->keep_alive,
			      j->extra_headers);
		post_msg(m->srv, j, &head, 200, false);
	}
	err = ogx_llama_generate(&m->llama, &m->tok, j->prompt, &j->gp, on_token, &g, &gen);
	if (!err) {
		err = prove(m, j, &gen, &r, id, time_ns);
		if (!err)
			finish(&g, &gen, m->srv->record ? &r : NULL, id);
		ogx_generation_free(&gen);
	}
	if (err == -ECANCELED) {
		post_msg(m->srv, j, NULL, 0, true);
	} else if (err && j->stream) {
		/* the 200 is out: the error is an event, then the stream ends */
		struct ogx_buf ev = { 0 };

		ogx_buf_str(&ev, "{\"error\":{\"message\":");
		ogx_buf_json_str(&ev, ogx_errmsg(err), strlen(ogx_errmsg(err)));
		ogx_buf_str(&ev, ",\"type\":\"server_error\",\"code\":\"internal_error\"}}");
		j->keep_alive = false;
		post_event(m->srv, j, &ev, true);
	} else if (err) {
		job_error(m->srv, j, 500, "internal_error", ogx_errmsg(err));
	}
	ogx_buf_free(&g.text);
}
