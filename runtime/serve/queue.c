// SPDX-License-Identifier: GPL-2.0
/*
 * A model's job queue and worker thread (queue.h). The loop is the only
 * producer, so a queue that has room when the loop checks still has it when
 * the loop submits; the worker is the only consumer. The queue names no
 * worker: it runs the function it was started with.
 */
#include <errno.h>
#include <string.h>

#include "serve/job.h"
#include "serve/queue.h"
#include "util/err.h"

void ogx_queue_init(struct queue *q, unsigned int max)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	q->tail = &q->head;
	q->max = max;
}

static void *thread_main(void *arg)
{
	struct queue *q = arg;

	q->work(q->arg);
	return NULL;
}

int ogx_queue_start(struct queue *q, void (*work)(void *arg), void *arg)
{
	int err;

	q->work = work;
	q->arg = arg;
	err = pthread_create(&q->thread, NULL, thread_main, q);
	if (err)
		return ogx_fail(-err, "worker thread: %s", strerror(err));
	q->started = true;
	return 0;
}

void ogx_queue_stop(struct queue *q)
{
	if (!q->started)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	/* queued jobs are dropped: their clients are disconnected anyway */
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	q->started = false;
	while (q->head) {
		struct job *j = q->head;

		q->head = j->next;
		ogx_job_free(j);
	}
	q->tail = &q->head;
	q->depth = 0;
}

int ogx_queue_submit(struct queue *q, struct job *j)
{
	pthread_mutex_lock(&q->lock);
	if (q->depth >= q->max) {
		pthread_mutex_unlock(&q->lock);
		return -EAGAIN;
	}
	j->next = NULL;
	*q->tail = j;
	q->tail = &j->next;
	q->depth++;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

bool ogx_queue_full(struct queue *q)
{
	bool full;

	pthread_mutex_lock(&q->lock);
	full = q->depth >= q->max;
	pthread_mutex_unlock(&q->lock);
	return full;
}

unsigned int ogx_queue_depth(struct queue *q)
{
	unsigned int depth;

	pthread_mutex_lock(&q->lock);
	depth = q->depth;
	pthread_mutex_unlock(&q->lock);
	return depth;
}

size_t ogx_queue_take(struct queue *q, struct job **jobs, size_t max, bool wait)
{
	size_t n = 0;

	pthread_mutex_lock(&q->lock);
	while (wait && !q->head && !q->stop)
		pthread_cond_wait(&q->cond, &q->lock);
	while (q->head && n < max) {
		jobs[n++] = q->head;
		q->head = q->head->next;
		q->depth--;
	}
	if (!q->head)
		q->tail = &q->head;
	pthread_mutex_unlock(&q->lock);
	return n;
}
