// SPDX-License-Identifier: GPL-2.0
/*
 * CPU generation speed measured the way llama.cpp's `llama-bench -n 32 -t 1`
 * measures tg32, on GGUF files (default: the synthetic 15M-shape files that
 * vk_bench writes to build/bench/models/, so llama.cpp can run the very same
 * files): after a warm-up, 32 single-token steps at positions 0..31, one
 * thread, no sampling; best of RUNS runs, since the machine is shared. Prints
 * a table, writes JSON to $OGX_BENCH_JSON; never fails on a time. Files that
 * do not exist are skipped (run vk_bench first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "model/llama.h"
#include "model/llama_gguf.h"
#include "util/err.h"

#define RUNS 10
#define GEN 32

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double tg(const char *path)
{
	struct ogx_llama_gguf g;
	struct ogx_llama m;
	double best = 0;
	int err = ogx_llama_gguf_open(&g, path);

	if (!err)
		err = ogx_llama_init(&m, &g.w, 1);
	if (err) {
		fprintf(stderr, "llama_tg_bench: %s: %s\n", path, ogx_errmsg(err));
		exit(1);
	}
	for (uint32_t p = 0; p < GEN; p++)
		ogx_llama_forward(&m, 1 + p, p, 1);
	for (int r = 0; r < RUNS; r++) {
		double t0 = now(), t;

		for (uint32_t p = 0; p < GEN; p++)
			ogx_llama_forward(&m, 1 + (p * 37 + r) % 1000, p, 1);
		t = GEN / (now() - t0);
		best = t > best ? t : best;
	}
	ogx_llama_fini(&m);
	ogx_llama_gguf_close(&g);
	return best;
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

	printf("# CPU tg%d as llama-bench: 1 thread, %d tokens at positions 0..%d, best of %d (%s)\n",
	       GEN, GEN, GEN - 1, RUNS, ogx_cpu_isa_name(ogx_matvec_isa()));
	if (f)
		fprintf(f, "{\n  \"bench\": \"llama_tg\",\n  \"unit\": \"tokens/s\",\n  \"results\": [");
	for (int i = 0; i < n; i++) {
		double t;

		if (access(files[i], R_OK)) {
			printf("%-44s (missing: run vk_bench first)\n", files[i]);
			continue;
		}
		t = tg(files[i]);
		printf("%-44s %10.0f tok/s\n", files[i], t);
		if (f)
			fprintf(f, "%s\n    {\"file\": \"%s\", \"gen_tokens_per_s\": %.1f}", done ? "," : "",
				files[i], t);
		done++;
	}
	if (f) {
		fprintf(f, "\n  ]\n}\n");
		fclose(f);
	}
	return 0;
}
