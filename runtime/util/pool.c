// SPDX-License-Identifier: GPL-2.0
/* See pool.h. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "err.h"
#include "pool.h"

/* Pause iterations before a waiting thread sleeps or yields (~100 us). */
#define POOL_SPINS 4096

struct pool_worker {
	struct ogx_pool *pool;
	unsigned int part;
	pthread_t thread;
};

struct ogx_pool {
	unsigned int nthreads;
	struct pool_worker *workers;	/* nthreads - 1 of them */

	/* The current job; written before gen is bumped, read after. */
	ogx_pool_fn fn;
	void *arg;
	unsigned int nparts;
	int stop;

	atomic_ulong gen;		/* bumped once per job */
	atomic_uint pending;		/* workers not yet done with this job */

	pthread_mutex_t lock;		/* protects sleepers; gen bumps happen under it */
	pthread_cond_t wake;
	unsigned int sleepers;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void *pool_worker_main(void *p)
{
	struct pool_worker *w = p;
	struct ogx_pool *pool = w->pool;
	unsigned long seen = 0, g;

	for (;;) {
		unsigned int spins = 0;

		while ((g = atomic_load_explicit(&pool->gen, memory_order_acquire)) == seen) {
			if (++spins < POOL_SPINS) {
				cpu_relax();
				continue;
			}
			pthread_mutex_lock(&pool->lock);
			pool->sleepers++;
			while ((g = atomic_load_explicit(&pool->gen, memory_order_acquire)) == seen)
				pthread_cond_wait(&pool->wake, &pool->lock);
			pool->sleepers--;
			pthread_mutex_unlock(&pool->lock);
			break;
		}
		seen = g;
		if (pool->stop)
			return NULL;
		if (w->part < pool->nparts)
			pool->fn(pool->arg, w->part, pool->nparts);
		atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
	}
}

static void pool_publish(struct ogx_pool *pool)
{
	atomic_store_explicit(&pool->pending, pool->nthreads - 1, memory_order_relaxed);
	pthread_mutex_lock(&pool->lock);
	atomic_fetch_add_explicit(&pool->gen, 1, memory_order_release);
	if (pool->sleepers)
		pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
}

int ogx_pool_create(struct ogx_pool **out, unsigned int nthreads)
{
	struct ogx_pool *pool;
	unsigned int started;
	int err;

	if (nthreads < 1 || nthreads > OGX_POOL_MAX_THREADS)
		return ogx_fail(-EINVAL, "threads must be 1..%d, not %u", OGX_POOL_MAX_THREADS,
				nthreads);
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pool->nthreads = nthreads;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->wake, NULL);
	if (nthreads > 1) {
		pool->workers = calloc(nthreads - 1, sizeof(*pool->workers));
		if (!pool->workers) {
			free(pool);
			return -ENOMEM;
		}
	}
	for (started = 0; started < nthreads - 1; started++) {
		struct pool_worker *w = &pool->workers[started];

		w->pool = pool;
		w->part = started + 1;
		err = pthread_create(&w->thread, NULL, pool_worker_main, w);
		if (err) {
			pool->nthreads = started + 1;
			ogx_pool_destroy(pool);
			return ogx_fail(-err, "cannot start thread %u of %u", started + 2, nthreads);
		}
	}
	*out = pool;
	return 0;
}

void ogx_pool_destroy(struct ogx_pool *pool)
{
	if (!pool)
		return;
	pool->stop = 1;
	pool_publish(pool);
	for (unsigned int i = 0; i + 1 < pool->nthreads; i++)
		pthread_join(pool->workers[i].thread, NULL);
	pthread_cond_destroy(&pool->wake);
	pthread_mutex_destroy(&pool->lock);
	free(pool->workers);
	free(pool);
}

unsigned int ogx_pool_threads(const struct ogx_pool *pool)
{
	return pool ? pool->nthreads : 1;
}

void ogx_pool_run(struct ogx_pool *pool, ogx_pool_fn fn, void *arg, unsigned int nparts)
{
	unsigned int spins = 0;

	if (!pool || nparts <= 1 || pool->nthreads == 1) {
		for (unsigned int i = 0; i < nparts; i++)
			fn(arg, i, nparts);
		return;
	}
	if (nparts > pool->nthreads)
		nparts = pool->nthreads;
	pool->fn = fn;
	pool->arg = arg;
	pool->nparts = nparts;
	pool_publish(pool);
	fn(arg, 0, nparts);
	/* Yield rather than burn a core when a worker was descheduled. */
	while (atomic_load_explicit(&pool->pending, memory_order_acquire)) {
		if (++spins < POOL_SPINS)
			cpu_relax();
		else
			sched_yield();
	}
}
