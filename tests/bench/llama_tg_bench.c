// SPDX-License-Identifier: GPL-2.0
/*
 * CPU generation speed measured the way llama.cpp's `llama-bench -n 32 -t 1`
 * measures tg32, on GGUF files (default: the synthetic 15M-shape files that
 * vk_bench writes to build/bench/models/, so llama.cpp can run the very same
 * files): after a warm-up, 32 single-token steps at positions 0..31, one
 * thread, no sampling; best and median of RUNS runs, since the machine is
 * shared. OGX_TG_TOKENS, OGX_TG_THREADS and OGX_TG_RUNS change the 32, the
 * one thread and the 10 runs (tests/bench/compare-llamacpp.sh sets them).
 * Prints a table, writes JSON (every run's figure too) to $OGX_BENCH_JSON;
 * never fails on a time. Files that do not exist are skipped (run vk_bench
 * first).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "model/llama.h"
#include "model/llama_gguf.h"
#include "util/err.h"

#define MAX_RUNS 100

static unsigned int gen = 32, threads = 1, runs = 10;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static unsigned int env_uint(const char *name, unsigned int def, unsigned int max)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return def;
	n = strtoul(v, &end, 10);
	if (*end || !n || n > max) {
		fprintf(stderr, "llama_tg_bench: %s='%s' is not a number within 1..%u\n", name, v, max);
		exit(2);
	}
	return (unsigned int)n;
}

/* Fills t[0..runs) with each run's tokens/s, sorted. */
static void tg(const char *path, double *t)
{
	struct ogx_llama_gguf g;
	struct ogx_llama m;
	int err = ogx_llama_gguf_open(&g, path);

	if (!err && gen > g.w.cfg.seq_len)
		err = ogx_fail(-EINVAL, "%u tokens do not fit the context of %u", gen, g.w.cfg.seq_len);
	if (!err)
		err = ogx_llama_init(&m, &g.w, threads);
	if (err) {
		fprintf(stderr, "llama_tg_bench: %s: %s\n", path, ogx_errmsg(err));
		exit(1);
	}
	for (uint32_t p = 0; p < gen; p++)
		ogx_llama_forward(&m, 1 + p, p, 1);
	for (unsigned int r = 0; r < runs; r++) {
		double t0 = now();

		for (uint32_t p = 0; p < gen; p++)
			ogx_llama_forward(&m, 1 + (p * 37 + r) % 1000, p, 1);
		t[r] = gen / (now() - t0);
	}
	ogx_llama_fini(&m);
	ogx_llama_gguf_close(&g);
	qsort(t, runs, sizeof(*t), cmp_double);
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = {
		"build/bench/models/synth15M-F32.gguf", "build/bench/models/synth15M-F16.gguf",
		"build/bench/models/synth15M-Q8_0.gguf", "build/bench/models/synth15M-Q4_0.gguf",
	};
	const char *const *files = argc > 1 ? (const char *const *)argv + 1 : defaults;
	int n = argc > 1 ? argc - 1 : 4, done = 0;
	const char *json = getenv("OGX_BENCH_JSON");
	FILE *f = json ? fopen(json, "w") : NULL;

	gen = env_uint("OGX_TG_TOKENS", gen, 4096);
	threads = env_uint("OGX_TG_THREADS", threads, 256);
	runs = env_uint("OGX_TG_RUNS", runs, MAX_RUNS);
	printf("# CPU tg%u as llama-bench: %u thread%s, %u tokens at positions 0..%u, best and median of %u (%s)\n",
	       gen, threads, threads == 1 ? "" : "s", gen, gen - 1, runs,
	       ogx_cpu_isa_name(ogx_matvec_isa()));
	if (f)
		fprintf(f, "{\n  \"bench\": \"llama_tg\",\n  \"unit\": \"tokens/s\",\n  \"tokens\": %u,\n  \"threads\": %u,\n  \"isa\": \"%s\",\n  \"results\": [",
			gen, threads, ogx_cpu_isa_name(ogx_matvec_isa()));
	for (int i = 0; i < n; i++) {
		double t[MAX_RUNS], med;

		if (access(files[i], R_OK)) {
			printf("%-44s (missing: run vk_bench first)\n", files[i]);
			continue;
		}
		tg(files[i], t);
		med = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
		printf("%-44s %10.0f tok/s best %10.0f median\n", files[i], t[runs - 1], med);
		if (f) {
			fprintf(f, "%s\n    {\"file\": \"%s\", \"gen_tokens_per_s\": %.1f, \"median_tokens_per_s\": %.1f, \"samples\": [",
				done ? "," : "", files[i], t[runs - 1], med);
			for (unsigned int r = 0; r < runs; r++)
				fprintf(f, "%s%.1f", r ? ", " : "", t[r]);
			fprintf(f, "]}");
		}
		done++;
	}
	if (f) {
		fprintf(f, "\n  ]\n}\n");
		fclose(f);
	}
	return 0;
}
