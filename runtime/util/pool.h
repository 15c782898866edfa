/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small fixed-size thread pool for data-parallel loops (matvec rows,
 * attention heads). The caller is worker 0, so a pool of 1 thread starts no
 * thread at all. ogx_pool_run() calls fn(arg, i, n) once for every i in
 * [0, n) and returns when all have finished; which rows part i covers is the
 * caller's fixed arithmetic, so results never depend on scheduling.
 *
 * Workers spin briefly for the next job (a forward step issues hundreds of
 * small jobs back to back) and then sleep on a condition variable, so an idle
 * pool costs no CPU. Not for concurrent callers: one thread submits jobs.
 */
#ifndef OGX_UTIL_POOL_H
#define OGX_UTIL_POOL_H

#include "util/err.h"

struct ogx_pool;

typedef void (*ogx_pool_fn)(void *arg, unsigned int part, unsigned int nparts);

/* Most threads a pool may have (also the bound of --threads). */
#define OGX_POOL_MAX_THREADS 256

/* A pool of nthreads (1..OGX_POOL_MAX_THREADS) threads, the caller included. */
OGX_MUST_CHECK
int ogx_pool_create(struct ogx_pool **pool, unsigned int nthreads);
void ogx_pool_destroy(struct ogx_pool *pool);
unsigned int ogx_pool_threads(const struct ogx_pool *pool);

/*
 * Run fn(arg, i, nparts) once for each i in [0, nparts) (nparts is capped
 * at the pool's threads); the calling thread takes parts too, and any part
 * may run on any thread. A NULL pool runs everything inline.
 */
void ogx_pool_run(struct ogx_pool *pool, ogx_pool_fn fn, void *arg, unsigned int nparts);

#endif
