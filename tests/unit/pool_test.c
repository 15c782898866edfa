// SPDX-License-Identifier: GPL-2.0
/*
 * The thread pool: every part of every job runs exactly once, jobs do not
 * overlap, the part count is capped at the threads, and bad sizes are refused.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util/err.h"
#include "util/pool.h"

struct job {
	atomic_int runs[OGX_POOL_MAX_THREADS];
	atomic_int active_job;		/* the job number parts belong to */
	int job;
	unsigned int nparts_seen;
	atomic_int bad;
};

static void count_part(void *arg, unsigned int part, unsigned int nparts)
{
	struct job *j = arg;

	if (atomic_load(&j->active_job) != j->job)
		atomic_store(&j->bad, 1);
	if (nparts != j->nparts_seen)
		atomic_store(&j->bad, 1);
	atomic_fetch_add(&j->runs[part], 1);
}

static void run_jobs(struct __test_metadata *_metadata, unsigned int threads, unsigned int nparts,
		     int njobs)
{
	struct ogx_pool *pool;
	struct job *j = calloc(1, sizeof(*j));
	unsigned int want = nparts > threads ? threads : nparts;

	ASSERT_EQ(0, ogx_pool_create(&pool, threads));
	ASSERT_EQ(threads, ogx_pool_threads(pool));
	for (int k = 0; k < njobs; k++) {
		memset(j->runs, 0, sizeof(j->runs));
		j->job = k;
		atomic_store(&j->active_job, k);
		j->nparts_seen = nparts <= 1 || threads == 1 ? nparts : want;
		ogx_pool_run(pool, count_part, j, nparts);
		/* Done means done: every part ran once before run returned. */
		for (unsigned int p = 0; p < j->nparts_seen; p++) {
			ASSERT_EQ(1, atomic_load(&j->runs[p])) TH_LOG("job %d part %u", k, p);
		}
		for (unsigned int p = j->nparts_seen; p < OGX_POOL_MAX_THREADS; p++) {
			ASSERT_EQ(0, atomic_load(&j->runs[p]));
		}
		atomic_store(&j->active_job, -1);
	}
	EXPECT_EQ(0, atomic_load(&j->bad));
	ogx_pool_destroy(pool);
	free(j);
}

TEST(every_part_once)
{
	run_jobs(_metadata, 1, 1, 100);
	run_jobs(_metadata, 2, 2, 20000);
	run_jobs(_metadata, 4, 4, 20000);
	run_jobs(_metadata, 3, 2, 5000);	/* fewer parts than threads */
	run_jobs(_metadata, 2, 7, 5000);	/* capped at the threads */
	run_jobs(_metadata, 4, 0, 100);		/* nothing to do */
}

TEST(null_pool_runs_inline)
{
	struct job *j = calloc(1, sizeof(*j));

	j->nparts_seen = 5;
	ogx_pool_run(NULL, count_part, j, 5);
	for (unsigned int p = 0; p < 5; p++) {
		EXPECT_EQ(1, atomic_load(&j->runs[p]));
	}
	EXPECT_EQ(1, ogx_pool_threads(NULL));
	free(j);
}

TEST(bad_sizes)
{
	struct ogx_pool *pool;
	int err;

	err = ogx_pool_create(&pool, 0);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("threads must be 1..256, not 0", ogx_errmsg(err));
	err = ogx_pool_create(&pool, 257);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ("threads must be 1..256, not 257", ogx_errmsg(err));
}

TEST(idle_pool_sleeps_and_wakes)
{
	struct ogx_pool *pool;
	struct job *j = calloc(1, sizeof(*j));

	ASSERT_EQ(0, ogx_pool_create(&pool, 3));
	/* Long enough for the workers to stop spinning and sleep. */
	usleep(20000);
	j->nparts_seen = 3;
	ogx_pool_run(pool, count_part, j, 3);
	for (unsigned int p = 0; p < 3; p++) {
		EXPECT_EQ(1, atomic_load(&j->runs[p]));
	}
	ogx_pool_destroy(pool);
	free(j);
}

TEST_HARNESS_MAIN
