// SPDX-License-Identifier: GPL-2.0
/*
 * See pool.h. Parts of a job are claimed, not assigned: whichever thread is
 * free takes the next part, the caller included, so a worker that the
 * scheduler has not run yet (a busy machine) delays nothing; the caller
 * does its part too. What a part computes depends only on its index, never
 * on the thread that runs it, so results are the same either way.
 *
 * The claim word packs the job's generation, its part count and the next
 * part to hand out, so a thread that wakes late cannot claim a part of a
 * job other than the one it saw, and a claim and its job are read together.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "err.h"
#include "pool.h"

/* Pause iterations before a waiting thread sleeps or yields (~100 us). */
#define POOL_SPINS 4096

#define CLAIM(gen, nparts, next) ((uint64_t)(gen) << 32 | (uint64_t)(nparts) << 16 | (next))
#define CLAIM_GEN(c) ((uint32_t)((c) >> 32))
#define CLAIM_NPARTS(c) ((unsigned int)((c) >> 16) & 0xffff)
#define CLAIM_NEXT(c) ((unsigned int)(c) & 0xffff)

struct ogx_pool {
	unsigned int nthreads;
	pthread_t *threads;		/* nthreads - 1 workers */

	/* The current job; written before the claim word is published. */
	ogx_pool_fn fn;
	void *arg;
	atomic_int stop;

	_Atomic uint64_t claim;		/* generation | nparts | next part */
	atomic_uint done;		/* parts of this job finished */
	uint32_t gen;			/* the caller's count of jobs */

	pthread_mutex_t lock;		/* protects sleepers; publication happens under it */
	pthread_cond_t wake;
	unsigned int sleepers;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Run parts of the job of generation gen until none is left to claim. */
static void pool_claim_parts(struct ogx_pool *pool, uint32_t gen)
{
	uint64_t c = atomic_load_explicit(&pool->claim, memory_order_acquire);

	while (CLAIM_GEN(c) == gen && CLAIM_NEXT(c) < CLAIM_NPARTS(c)) {
		if (!atomic_compare_exchange_weak_explicit(&pool->claim, &c, c + 1,
							   memory_order_acq_rel,
							   memory_order_acquire))
			continue;
		pool->fn(pool->arg, CLAIM_NEXT(c), CLAIM_NPARTS(c));
		atomic_fetch_add_explicit(&pool->done, 1, memory_order_release);
		c = atomic_load_explicit(&pool->claim, memory_order_acquire);
	}
}

static void *pool_worker_main(void *p)
{
	struct ogx_pool *pool = p;
	uint32_t seen = 0, g;

	for (;;) {
		unsigned int spins = 0;

		while ((g = CLAIM_GEN(atomic_load_explicit(&pool->claim, memory_order_acquire))) ==
		       seen) {
			if (++spins < POOL_SPINS) {
				cpu_relax();
				continue;
			}
			pthread_mutex_lock(&pool->lock);
			pool->sleepers++;
			while ((g = CLAIM_GEN(atomic_load_explicit(&pool->claim,
								   memory_order_acquire))) == seen)
				pthread_cond_wait(&pool->wake, &pool->lock);
			pool->sleepers--;
			pthread_mutex_unlock(&pool->lock);
			break;
		}
		seen = g;
		if (atomic_load_explicit(&pool->stop, memory_order_acquire))
			return NULL;
		pool_claim_parts(pool, g);
	}
}

static void pool_publish(struct ogx_pool *pool, unsigned int nparts)
{
	atomic_store_explicit(&pool->done, 0, memory_order_relaxed);
	pthread_mutex_lock(&pool->lock);
	pool->gen++;
	atomic_store_explicit(&pool->claim, CLAIM(pool->gen, nparts, 0), memory_order_release);
	if (pool->sleepers)
		pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
}

int ogx_pool_create(struct ogx_pool **out, unsigned int nthreads)
{
	struct ogx_pool *pool;
	int err;

	if (nthreads < 1 || nthreads > OGX_POOL_MAX_THREADS)
		return ogx_fail(-EINVAL, "threads must be 1..%d, not %u", OGX_POOL_MAX_THREADS,
				nthreads);
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->wake, NULL);
	pool->nthreads = 1;
	if (nthreads > 1) {
		pool->threads = calloc(nthreads - 1, sizeof(*pool->threads));
		if (!pool->threads) {
			ogx_pool_destroy(pool);
			return -ENOMEM;
		}
	}
	while (pool->nthreads < nthreads) {
		err = pthread_create(&pool->threads[pool->nthreads - 1], NULL, pool_worker_main, pool);
		if (err) {
			ogx_pool_destroy(pool);
			return ogx_fail(-err, "cannot start thread %u of %u", pool->nthreads + 1,
					nthreads);
		}
		pool->nthreads++;
	}
	*out = pool;
	return 0;
}

void ogx_pool_destroy(struct ogx_pool *pool)
{
	if (!pool)
		return;
	atomic_store_explicit(&pool->stop, 1, memory_order_release);
	pool_publish(pool, 0);
	for (unsigned int i = 0; i + 1 < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_cond_destroy(&pool->wake);
	pthread_mutex_destroy(&pool->lock);
	free(pool->threads);
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
	pool_publish(pool, nparts);
	pool_claim_parts(pool, pool->gen);
	/* Only parts claimed by workers can still be running. */
	while (atomic_load_explicit(&pool->done, memory_order_acquire) < nparts) {
		if (++spins < POOL_SPINS)
			cpu_relax();
		else
			sched_yield();
	}
}
