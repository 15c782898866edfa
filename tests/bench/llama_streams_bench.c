// SPDX-License-Identifier: GPL-2.0
/*
 * Continuous batching on the CPU, without the server: B streams (each with
 * 16 tokens of context) stepped 16 times, either one ogx_llama_forward()
 * per stream per step (the weights read B times a step) or one
 * ogx_llama_forward_streams() for all of them (read once); 1 thread,
 * best of RUNS, the two ways interleaved. Tokens per CPU-second of the
 * process (one thread): on this shared machine wall time moves by 2x with
 * other jobs' load, CPU time much less. On GGUF files (default: the
 * synthetic 15M-shape files under build/bench/models/, written here when
 * missing). Prints a table, writes JSON to $OGX_BENCH_JSON; never fails on
 * a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model/llama.h"
#include "model/llama_gguf.h"
#include "model/llama_synth.h"
#include "util/err.h"

#define RUNS 5
#define CTX 16
#define STEPS 16
#define MAXB 8

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "llama_streams_bench: %s: %s\n", what, ogx_errmsg(err));
	exit(1);
}

/* tokens/s of B streams, separately ([0]) and jointly ([1]). */
static void measure(const struct ogx_llama_weights *w, uint32_t nb, double best[2])
{
	struct ogx_llama s[MAXB], *act[MAXB];
	uint32_t tokens[MAXB], pos[MAXB], ctx[CTX];
	int err;

	for (uint32_t b = 0; b < nb; b++) {
		err = ogx_llama_init(&s[b], w, 1);
		if (err)
			die("init", err);
		for (uint32_t i = 0; i < CTX; i++)
			ctx[i] = 1 + (b * 131 + i * 17) % (w->cfg.vocab_size - 1);
		ogx_llama_forward_batch(&s[b], ctx, CTX, 0, 0);
		act[b] = &s[b];
	}
	best[0] = best[1] = 0;
	for (int r = 0; r < RUNS; r++) {
		for (int joint = 0; joint < 2; joint++) {
			double t0 = now(), t;

			for (uint32_t p = CTX; p < CTX + STEPS; p++) {
				for (uint32_t b = 0; b < nb; b++) {
					tokens[b] = 1 + (p * 37 + b) % (w->cfg.vocab_size - 1);
					pos[b] = p;
				}
				if (joint) {
					if (!ogx_llama_forward_streams(&s[0], act, tokens, pos, nb))
						die("forward_streams", s[0].engine_err);
				} else {
					for (uint32_t b = 0; b < nb; b++)
						ogx_llama_forward(&s[b], tokens[b], pos[b], 1);
				}
			}
			t = nb * STEPS / (now() - t0);
			best[joint] = t > best[joint] ? t : best[joint];
		}
	}
	for (uint32_t b = 0; b < nb; b++)
		ogx_llama_fini(&s[b]);
}

/* The 15M-shape file of type t, written once (speed depends on shapes, not values). */
static void ensure(const char *path, enum ogx_wtype t)
{
	struct ogx_llama_weights w;
	int err;

	if (!access(path, R_OK))
		return;
	mkdir("build/bench", 0777);
	mkdir("build/bench/models", 0777);
	err = ogx_llama_synth(&ogx_llama_shape_15m, 42, &w);
	if (!err)
		err = ogx_llama_gguf_save(&w, NULL, t, "synth15M", path, NULL);
	if (err)
		die(path, err);
	ogx_llama_synth_free(&w);
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = {
		"build/bench/models/synth15M-F32.gguf", "build/bench/models/synth15M-F16.gguf",
		"build/bench/models/synth15M-Q8_0.gguf", "build/bench/models/synth15M-Q4_0.gguf",
	};
	static const enum ogx_wtype types[] = {
		OGX_WTYPE_F32, OGX_WTYPE_F16, OGX_WTYPE_Q8_0, OGX_WTYPE_Q4_0,
	};
	static const uint32_t counts[] = { 1, 2, 4, 8 };
	const char *const *files = argc > 1 ? (const char *const *)argv + 1 : defaults;
	int n = argc > 1 ? argc - 1 : 4, done = 0;
	const char *json = getenv("OGX_BENCH_JSON");
	FILE *f = json ? fopen(json, "w") : NULL;

	printf("# CPU decoding steps of B streams: separate forwards vs one joint step; 1 thread,\n"
	       "# %d steps after %d tokens of context, best of %d (%s);\n"
	       "# tokens per CPU-second, all streams\n",
	       STEPS, CTX, RUNS, ogx_cpu_isa_name(ogx_matvec_isa()));
	printf("%-40s %3s %12s %12s %7s\n", "model", "B", "separate", "joint", "ratio");
	if (f)
		fprintf(f, "{\n  \"bench\": \"llama_streams\",\n"
			"  \"unit\": \"tokens per CPU-second\",\n  \"results\": [");
	for (int i = 0; i < n; i++) {
		struct ogx_llama_gguf g;
		int err;

		if (argc <= 1)
			ensure(files[i], types[i]);
		err = ogx_llama_gguf_open(&g, files[i]);
		if (err)
			die(files[i], err);
		for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
			double best[2];

			measure(&g.w, counts[k], best);
			printf("%-40s %3u %12.0f %12.0f %6.2fx\n", files[i], counts[k], best[0], best[1],
			       best[1] / best[0]);
			if (f)
				fprintf(f, "%s\n    {\"file\": \"%s\", \"streams\": %u, "
					"\"separate_tokens_per_s\": %.1f, \"joint_tokens_per_s\": %.1f}",
					done++ ? "," : "", files[i], counts[k], best[0], best[1]);
		}
		ogx_llama_gguf_close(&g);
	}
	if (f) {
		fprintf(f, "\n  ]\n}\n");
		fclose(f);
	}
	return 0;
}
