// SPDX-License-Identifier: GPL-2.0
/*
 * The body of POST /v1/chat/completions and /v1/completions into a generation
 * job: prompt, sampling parameters (OpenAI's defaults: temperature 1, top_p 1),
 * max_tokens, stream. Every value out of range is a 400 naming the field.
 * A chat's prompt is the messages' contents joined by newlines: the small
 * Llama-2 story models served here have no chat template.
 */
#include <jansson.h>
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
		    json_integer_value(v) > j->model->w->cfg.seq_len) {
			conn_error(c, 400, INVALID, "invalid_parameter",
				   "max_tokens: want an integer from 1 to %u",
				   j->model->w->cfg.seq_len);
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
