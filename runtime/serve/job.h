/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A job: what one inference request asks of its model's worker, made by
 * route.c on the loop, queued (queue.c), run by the worker (classify.c,
 * chat.c) and freed by the loop with its last answer (mailbox.c).
 */
#ifndef OGX_SERVE_JOB_H
#define OGX_SERVE_JOB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/generate.h"
#include "proof/record.h"

struct conn;
struct model;
struct x402_payment;
struct x402_upto;

enum job_kind { JOB_INFER, JOB_CHAT, JOB_COMPLETION };

struct job {
	struct job *next;		/* its queue's (queue.c) */
	enum job_kind kind;
	struct conn *conn;
	struct model *model;
	atomic_bool cancelled;		/* the client went away (set by the loop) */
	bool keep_alive, stream;
	uint32_t level;
	uint64_t t_start;		/* mono ns, request parsed */
	uint8_t *input;			/* classifier pixels */
	size_t input_len;
	char *prompt;			/* generation */
	struct ogx_generate_params gp;
	char resp_id[48];
	uint64_t created;
	struct ogx_ext payment;		/* record key 15, when paid */
	struct x402_payment *paid;	/* the accepted payment, malloc'd, or NULL */
	struct x402_upto *upto;		/* an accepted upto payment (charged at the
					   record: the evidence waits), malloc'd, or NULL */
	char *extra_headers;		/* X-PAYMENT-RESPONSE etc., malloc'd or NULL */
};

void ogx_job_free(struct job *j);

#endif
