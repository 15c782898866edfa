/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A model's bounded job queue and its one worker thread (queue.c). The loop
 * submits; the worker takes. The worker is whatever function its owner
 * starts it with (server.c: the classifier's or the Llama model's); it takes
 * jobs until ogx_queue_take() returns none, which happens once the queue
 * stops.
 *
 *	ogx_queue_init(&q, max);
 *	ogx_queue_start(&q, work, arg);		 // work(arg) on a new thread
 *	ogx_queue_submit(&q, j);		 // loop: -EAGAIN when full (429)
 *	n = ogx_queue_take(&q, jobs, max, true); // worker: 0 when stopping
 *	ogx_queue_stop(&q);			 // joins it, frees the jobs never taken
 */
#ifndef OGX_SERVE_QUEUE_H
#define OGX_SERVE_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct job;

struct queue {
	pthread_mutex_t lock;	/* the jobs, depth and stop */
	pthread_cond_t cond;	/* a job came, or stop */
	struct job *head, **tail;
	unsigned int depth, max;
	bool stop;
	pthread_t thread;
	bool started;
	void (*work)(void *arg);
	void *arg;
};

void ogx_queue_init(struct queue *q, unsigned int max);
/* Run work(arg) on the queue's thread. Errors with detail. */
OGX_MUST_CHECK
int ogx_queue_start(struct queue *q, void (*work)(void *arg), void *arg);
/* Stop the worker (jobs still queued are dropped: their clients are being disconnected). */
void ogx_queue_stop(struct queue *q);

/* Queue j; -EAGAIN when the queue is full. */
OGX_MUST_CHECK
int ogx_queue_submit(struct queue *q, struct job *j);
/* Is the queue full (a submit now would be refused)? */
bool ogx_queue_full(struct queue *q);
unsigned int ogx_queue_depth(struct queue *q);
/* Up to max jobs, oldest first; wait: block until one comes (0: stopping). */
size_t ogx_queue_take(struct queue *q, struct job **jobs, size_t max, bool wait);

#endif
