// SPDX-License-Identifier: GPL-2.0
/*
 * The body of POST /v1/chat/completions and /v1/completions into a generation
 * job: prompt, sampling parameters (OpenAI's defaults: temperature 1, top_p 1),
 * max_tokens, stream. Every value out of range is a 400 naming the field.
 * A chat's prompt is the messages' contents joined by newlines: the small
 * Llama-2 story models served here have no chat template.
 */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/buf.h"
#include "serve/chat_parse.h"
#include "serve/job.h"
#include "util/err.h"
#include "util/hex.h"

/* The request's fault (400) unless it is out of memory (503): -EINVAL or -ENOMEM. */
static int reject(struct chat_parse_error *e, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int reject(struct chat_parse_error *e, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return status == 503 ? -ENOMEM : -EINVAL;
}

static int get_number(struct chat_parse_error *e, json_t *body, const char *name, double lo,
		      double hi, float *out)
{
	json_t *v = json_object_get(body, name);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi) {
		return reject(e, 400, "invalid_parameter", "%s: want a number from %g to %g", name,
			      lo, hi);
	}
	*out = (float)json_number_value(v);
	return 0;
}

static int join_messages(struct chat_parse_error *e, json_t *msgs, struct ogx_buf *b)
{
	size_t i;
	json_t *m;

	if (!json_is_array(msgs) || !json_array_size(msgs)) {
		return reject(e, 400, "invalid_messages",
			      "messages: want a non-empty array of {role, content}");
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
			return reject(e, 400, "invalid_messages",
				      "messages[%zu].content: want a string or text parts", i);
		}
	}
	return 0;
}

int ogx_chat_parse(struct job *j, json_t *body, uint32_t seq_len, struct chat_parse_error *e)
{
	struct ogx_buf prompt = { 0 };
	json_t *v;
	uint8_t rnd[12];
	char hex[25];
	int err;

	j->gp.sampling.temperature = 1.0f;
	j->gp.sampling.top_p = 1.0f;
	j->gp.max_tokens = 256;
	if (j->kind == JOB_CHAT) {
		err = join_messages(e, json_object_get(body, "messages"), &prompt);
		if (err)
			goto fail;
	} else {
		v = json_object_get(body, "prompt");
		if (json_is_array(v) && json_array_size(v) == 1)
			v = json_array_get(v, 0);
		if (!json_is_string(v)) {
			err = reject(e, 400, "invalid_prompt", "prompt: want a string");
			goto fail;
		}
		ogx_buf_add(&prompt, json_string_value(v), json_string_length(v));
	}
	ogx_buf_add(&prompt, "", 1);
	if (prompt.oom) {
		err = reject(e, 503, "out_of_memory", "out of memory");
		goto fail;
	}
	if (strlen(prompt.p) + 1 != prompt.len) {
		err = reject(e, 400, "invalid_prompt", "prompt contains a NUL character");
		goto fail;
	}
	v = json_object_get(body, "n");
	if (v && !(json_is_integer(v) && json_integer_value(v) == 1)) {
		err = reject(e, 400, "unsupported_parameter", "n: only 1 is supported");
		goto fail;
	}
	v = json_object_get(body, "max_completion_tokens");
	if (!v || json_is_null(v))
		v = json_object_get(body, "max_tokens");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > seq_len) {
			err = reject(e, 400, "invalid_parameter",
				     "max_tokens: want an integer from 1 to %u", seq_len);
			goto fail;
		}
		j->gp.max_tokens = (uint32_t)json_integer_value(v);
	}
	err = get_number(e, body, "temperature", 0, 2, &j->gp.sampling.temperature);
	if (!err)
		err = get_number(e, body, "top_p", 0, 1, &j->gp.sampling.top_p);
	if (err)
		goto fail;
	v = json_object_get(body, "seed");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			err = reject(e, 400, "invalid_parameter", "seed: want a positive integer");
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
		err = reject(e, 400, "invalid_parameter", "%s", ogx_errmsg(err));
		goto fail;
	}
	v = json_object_get(body, "stream");
	if (v && !json_is_boolean(v)) {
		err = reject(e, 400, "invalid_parameter", "stream: want true or false");
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
	return err;
}
