// SPDX-License-Identifier: GPL-2.0
/*
 * Jobs between the loop and the workers. Each model has a bounded queue and
 * one worker thread that owns the model's state: a classifier worker takes
 * every queued job (up to batch_max) as one batch, one forward pass for all;
 * a Llama worker runs its streams (chat.c). A job whose connection went away
 * is dropped unrun. Workers never touch a socket, the spool or /dev/ogx:
 * signed records and response bytes go back to the loop as messages
 * (eventfd), kernel events come from the loop's ring (kcall.c), and the loop
 * makes the records durable before it sends the answers (commit.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proof/kmod_evidence.h"
#include "serve/internal.h"
#include "util/err.h"

void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->input);
	free(j->prompt);
	for (size_t i = 0; i < j->payment.n; i++)
		free(j->payment.e[i].data);
	free(j->paid);
	free(j->extra_headers);
	free(j);
}

bool msg_append(struct srv *s, struct msg *m)
{
	bool wake = !s->msgs;

	*s->msgs_tail = m;
	s->msgs_tail = &m->next;
	/* the loop takes the whole list at each wake-up: one write per take */
	return wake;
}

void loop_wake(struct srv *s)
{
	uint64_t one = 1;

	if (write(s->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		abort();
}

static void enqueue_msg(struct srv *s, struct msg *m)
{
	bool wake;

	pthread_mutex_lock(&s->msg_lock);
	wake = msg_append(s, m);
	pthread_mutex_unlock(&s->msg_lock);
	if (wake)
		loop_wake(s);
}

int job_payment_headers(struct srv *s, struct job *j, const uint8_t *id)
{
	struct ogx_buf b = { 0 };

	if (!j->paid)
		return 0;
	x402_response_headers(&b, &s->cfg->x402, j->paid, id);
	free(j->extra_headers);
	j->extra_headers = b.oom ? NULL : strndup(b.p, b.len);
	ogx_buf_free(&b);
	return j->extra_headers ? 0 : -ENOMEM;
}

void post_msg(struct srv *s, struct job *j, struct ogx_buf *data, int status, bool last)
{
	struct msg *m = calloc(1, sizeof(*m));

	if (!m)
		abort(); /* a job's connection would wait forever: fail loudly */
	m->conn = j->conn;
	if (data) {
		m->data = *data;
		*data = (struct ogx_buf){ 0 };
	}
	m->status = status;
	if (last) {
		m->job = j;
		m->close = !j->keep_alive;
	}
	enqueue_msg(s, m);
}

/*
 * Level tee: the kernel's events for the batch's tee records, in record
 * order, before they are signed (under the signer's lock: the module's log
 * and the spool then list them in the same order), as uring_cmds on the
 * loop's ring: one INFO and one EXTEND_VEC per 64 records (kcall.c).
 */
static int tee_evidence(struct srv *s, struct ogx_record *recs, size_t n)
{
	struct ogx_record **tee;
	unsigned int k = 0;
	int err;

	for (size_t i = 0; i < n; i++)
		k += recs[i].level == OGX_LEVEL_TEE;
	if (!k)
		return 0;
	if (!s->have_kmod)
		return -ENODEV;
	tee = malloc(k * sizeof(*tee));
	if (!tee)
		return -ENOMEM;
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (recs[i].level == OGX_LEVEL_TEE)
			tee[k++] = &recs[i];
	err = kcall_evidence(s, tee, k);
	free(tee);
	return err;
}

void chain_snapshot(struct srv *s)
{
	pthread_mutex_lock(&s->chain_lock);
	s->chain_next_seq = s->signer.next_seq;
	memcpy(s->chain_head, s->signer.prev, OGX_DIGEST_LEN);
	pthread_mutex_unlock(&s->chain_lock);
}

int prove_commit(struct srv *s, struct ogx_record *recs, uint8_t (*ids)[OGX_DIGEST_LEN],
		 size_t n, bool paid)
{
	int err = 0;

	if (!s->record || !n)
		return 0;
	if (atomic_load(&s->spool_failed))
		return ogx_fail(-EIO, "%s", s->spool_errmsg);
	pthread_mutex_lock(&s->signer_lock);
	err = tee_evidence(s, recs, n);
	for (size_t i = 0; i < n && !err; i++) {
		struct msg *m = calloc(1, sizeof(*m));

		if (!m) {
			err = -ENOMEM;
			break;
		}
		err = ogx_signer_sign(&s->signer, &recs[i], ids[i], &m->rec, &m->rec_len);
		if (err) {
			free(m);
			break;
		}
		/* under the signer's lock: the loop gets records in seq order */
		enqueue_msg(s, m);
	}
	chain_snapshot(s);
	pthread_mutex_unlock(&s->signer_lock);
	/* the nonces of paid jobs become durable before their answers */
	if (!err && paid)
		err = x402_sync(&s->x402);
	return err;
}

void prove_release(struct ogx_record *recs, size_t n)
{
	/* only the kernel maps are the records' own: the payments are their jobs' */
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < recs[i].kernel.n; k++)
			free(recs[i].kernel.e[k].data);
		recs[i].kernel.n = 0;
		recs[i].kernel.present = false;
	}
}

void og_json(struct ogx_buf *b, const struct ogx_record *r, const uint8_t *id)
{
	if (!r) {
		ogx_buf_str(b, "null");
		return;
	}
	ogx_buf_str(b, "{\"id\":\"");
	ogx_buf_hex(b, id, OGX_DIGEST_LEN);
	ogx_buf_printf(b, "\",\"seq\":%llu,\"signature\":\"", (unsigned long long)r->seq);
	ogx_buf_hex(b, r->sig, OGX_SIG_LEN);
	ogx_buf_printf(b, "\",\"level\":\"%s\",\"node\":\"", ogx_evidence_label(r));
	ogx_buf_hex(b, r->node, OGX_PK_LEN);
	ogx_buf_printf(b, "\",\"time_ns\":%llu}", (unsigned long long)r->time_ns);
}

int sched_submit(struct srv *s, struct job *j)
{
	struct model *m = j->model;

	(void)s;
	pthread_mutex_lock(&m->lock);
	if (m->depth >= m->srv->cfg->queue_max) {
		pthread_mutex_unlock(&m->lock);
		return -EAGAIN;
	}
	j->next = NULL;
	*m->tail = j;
	m->tail = &j->next;
	m->depth++;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

bool sched_full(struct model *m)
{
	bool full;

	pthread_mutex_lock(&m->lock);
	full = m->depth >= m->srv->cfg->queue_max;
	pthread_mutex_unlock(&m->lock);
	return full;
}

size_t sched_take(struct model *m, struct job **jobs, size_t max, bool wait)
{
	size_t n = 0;

	pthread_mutex_lock(&m->lock);
	while (wait && !m->head && !m->stop)
		pthread_cond_wait(&m->cond, &m->lock);
	while (m->head && n < max) {
		jobs[n++] = m->head;
		m->head = m->head->next;
		m->depth--;
	}
	if (!m->head)
		m->tail = &m->head;
	pthread_mutex_unlock(&m->lock);
	return n;
}

static void *worker(void *arg)
{
	struct model *m = arg;
	size_t max = m->srv->cfg->batch_max;
	struct job **jobs;
	size_t n;

	if (m->kind == MODEL_LLAMA) {
		chat_worker(m);
		return NULL;
	}
	jobs = calloc(max, sizeof(*jobs));
	if (!jobs)
		abort();
	while ((n = sched_take(m, jobs, max, true)) > 0) {
		atomic_fetch_add(&m->jobs, n);
		atomic_fetch_add(&m->batches, 1);
		classify_batch(m, jobs, n);
	}
	free(jobs);
	return NULL;
}

int sched_start(struct srv *s)
{
	for (size_t i = 0; i < s->n_models; i++) {
		struct model *m = &s->models[i];
		int err;

		m->tail = &m->head;
		pthread_mutex_init(&m->lock, NULL);
		pthread_cond_init(&m->cond, NULL);
		err = pthread_create(&m->thread, NULL, worker, m);
		if (err)
			return ogx_fail(-err, "worker thread: %s", strerror(err));
		m->started = true;
	}
	return 0;
}

void sched_stop(struct srv *s)
{
	for (size_t i = 0; i < s->n_models; i++) {
		struct model *m = &s->models[i];

		if (!m->started)
			continue;
		pthread_mutex_lock(&m->lock);
		m->stop = true;
		/* queued jobs are dropped: their clients are disconnected anyway */
		pthread_cond_signal(&m->cond);
		pthread_mutex_unlock(&m->lock);
		pthread_join(m->thread, NULL);
		m->started = false;
		while (m->head) {
			struct job *j = m->head;

			m->head = j->next;
			job_free(j);
		}
	}
}
