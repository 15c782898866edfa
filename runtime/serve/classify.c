// SPDX-License-Identifier: GPL-2.0
/*
 * Classifier jobs (POST /v1/infer), run as batches on the model's worker:
 * one forward pass over every queued input, one record per job, then the
 * answers (which the loop sends once the records are durable: commit.c). The
 * record's digests follow the one recipe (proof/job.h), as `ogrun run`'s do:
 * a record from the server and one from the CLI for the same model and image
 * are the same claim.
 */
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "proof/job.h"
#include "serve/classify.h"
#include "serve/http.h"
#include "serve/prove.h"
#include "serve/queue.h"
#include "serve/server.h"
#include "util/err.h"

static void answer(struct model *m, struct job *j, const void *out, unsigned int n_out,
		   const struct ogx_record *r, const uint8_t *id)
{
	struct ogx_buf body = { 0 }, resp = { 0 };
	bool q8 = m->mlp.kind == OGX_MLP_Q8;
	const int32_t *logits = out;
	const float *probs = out;
	unsigned int cls = q8 ? ogx_argmax_i32(logits, n_out) : ogx_argmax_f32(probs, n_out);
	char b64[sodium_base64_ENCODED_LEN(64 * 4, sodium_base64_VARIANT_ORIGINAL)];

	ogx_buf_str(&body, "{\"object\":\"inference\",\"model\":");
	ogx_buf_json_str(&body, m->cfg->name, strlen(m->cfg->name));
	ogx_buf_printf(&body, ",\"model_sha256\":\"%s\",\"class\":%u,\"output\":{\"dtype\":\"%s\","
		       "\"shape\":[%u],\"decimals\":%d,\"value\":[", m->digest_hex, cls,
		       q8 ? "int32" : "float32", n_out, q8 ? 0 : 6);
	for (unsigned int k = 0; k < n_out; k++)
		ogx_buf_printf(&body, "%s%lld", k ? "," : "",
			       q8 ? (long long)logits[k] : llroundf(probs[k] * 1e6f));
	sodium_bin2base64(b64, sizeof(b64), out, n_out * 4, sodium_base64_VARIANT_ORIGINAL);
	ogx_buf_printf(&body, "],\"b64\":\"%s\"},\"og\":", b64);
	ogx_prove_og_json(&body, r, id);
	ogx_buf_str(&body, "}\n");
	ogx_prove_payment_headers(m->srv, j, r ? id : NULL);
	ogx_http_head(&resp, 200, "application/json", body.len, j->keep_alive, j->extra_headers);
	ogx_buf_add(&resp, body.p, body.len);
	ogx_buf_free(&body);
	if (resp.oom) {
		ogx_buf_free(&resp);
		/* the loop closes on a job without answer */
		ogx_mailbox_answer(&m->srv->mb, j, NULL, 0, true);
		return;
	}
	ogx_mailbox_answer(&m->srv->mb, j, &resp, 200, true);
}

/* One forward pass for the batch, one record per job, then the answers. */
static void classify_batch(struct model *m, struct job **all, size_t n_all)
{
	struct srv *s = m->srv;
	uint32_t n_in = ogx_mlp_n_in(&m->mlp), n_out = ogx_mlp_n_out(&m->mlp);
	struct job **jobs = calloc(n_all, sizeof(*jobs));
	uint8_t *x = malloc(n_all * n_in);
	float *xf = NULL;
	void *out = malloc(n_all * n_out * 4);
	struct ogx_record *recs = calloc(n_all, sizeof(*recs));
	uint8_t (*ids)[OGX_DIGEST_LEN] = calloc(n_all, OGX_DIGEST_LEN);
	uint64_t t0, t1, now = ogx_now_ns();
	size_t n = 0;
	bool paid = false, filtered = false;
	int err = -ENOMEM;

	if (!jobs || !x || !out || !recs || !ids)
		goto fail;
	for (size_t i = 0; i < n_all; i++) {
		if (atomic_load(&all[i]->cancelled)) {
			ogx_mailbox_answer(&s->mb, all[i], NULL, 0, true);
			continue;
		}
		memcpy(x + n * n_in, all[i]->input, n_in);
		jobs[n++] = all[i];
	}
	filtered = true;
	if (!n)
		goto out;
	t0 = ogx_mono_ns();
	if (m->vm) {
		pthread_mutex_lock(&s->vk_lock);
		err = ogx_vk_mlp_q8_forward(m->vm, x, n, out);
		pthread_mutex_unlock(&s->vk_lock);
	} else if (m->mlp.kind == OGX_MLP_Q8) {
		err = ogx_mlp_q8_forward(&m->mlp, x, n, out);
	} else {
		xf = malloc(n * n_in * sizeof(float));
		if (!xf)
			goto fail;
		for (size_t k = 0; k < n * n_in; k++)
			xf[k] = x[k] / 255.0f;
		err = ogx_mlp_f32_forward(&m->mlp, xf, n, out);
	}
	if (err)
		goto fail;
	t1 = ogx_mono_ns();
	for (size_t i = 0; i < n; i++) {
		struct ogx_record *r = &recs[i];

		r->level = jobs[i]->level;
		memcpy(r->model, m->digest, OGX_DIGEST_LEN);
		ogx_job_record_classify(r, x + i * n_in, n_in, (uint8_t *)out + i * n_out * 4,
					n_out);
		r->time_ns = now;
		r->infer_ns = (t1 - t0) / n; /* the job's share of the batch */
		r->job_ns = ogx_mono_ns() - jobs[i]->t_start;
		r->device = m->device;
		r->payment = jobs[i]->payment;
		paid |= jobs[i]->payment.present;
	}
	err = ogx_prove_commit(s, recs, ids, n, paid);
	if (err)
		goto fail;
	for (size_t i = 0; i < n; i++)
		answer(m, jobs[i], (uint8_t *)out + i * n_out * 4, n_out,
		       s->pv.record ? &recs[i] : NULL, ids[i]);
	goto out;
fail:
	for (size_t i = 0; i < (filtered ? n : n_all); i++)
		ogx_mailbox_error(&s->mb, filtered ? jobs[i] : all[i], 500, "internal_error",
				  ogx_errmsg(err));
out:
	if (recs)
		ogx_prove_release(recs, n);
	free(jobs);
	free(x);
	free(xf);
	free(out);
	free(recs);
	free(ids);
}

void ogx_classify_worker(void *model)
{
	struct model *m = model;
	size_t max = m->srv->cfg->batch_max, n;
	struct job **jobs = calloc(max, sizeof(*jobs));

	if (!jobs)
		abort();
	while ((n = ogx_queue_take(&m->q, jobs, max, true)) > 0) {
		atomic_fetch_add(&m->jobs, n);
		atomic_fetch_add(&m->batches, 1);
		classify_batch(m, jobs, n);
	}
	free(jobs);
}
