/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of a completion request into a generation job (chat_parse.c).
 * It writes no answer: a refusal comes back as {status, code, message} for
 * the caller to answer with.
 */
#ifndef OGX_SERVE_CHAT_PARSE_H
#define OGX_SERVE_CHAT_PARSE_H

#include <stdint.h>

#include "util/err.h"

struct job;
struct json_t;

struct chat_parse_error {
	int status;		/* 400 the request's fault, 503 out of memory */
	const char *code;	/* the error's "code" (invalid_parameter, ...) */
	char message[512];	/* one sentence naming the field */
};

/*
 * Fill j (kind set) from body: prompt, sampling, max_tokens (1..seq_len),
 * stream, response id. 0, or -EINVAL / -ENOMEM with e filled.
 */
OGX_MUST_CHECK
int ogx_chat_parse(struct job *j, struct json_t *body, uint32_t seq_len,
		   struct chat_parse_error *e);

#endif
