// SPDX-License-Identifier: GPL-2.0
/*
 * Continuous batching on the Vulkan engine, without the server: B sequences
 * over one upload of the weights (each with 16 tokens of context, prefilled)
 * stepped 16 times, either one ogx_vk_llama_seq_forward() per sequence per
 * step (a submission each, the weights read B times a step) or one
 * ogx_vk_llama_forward_streams() for all of them (one submission, read
 * once). The two ways interleaved, best of RUNS, after a warm-up of each
 * (the first joint step at each B compiles its shaders). A third way, in
 * the same rounds: the joint step on a second upload whose programs were
 * recorded with the K/V store and attention a dispatch per stream (the
 * fallback for devices with few bindings, vk->streams_apart) instead of one
 * dispatch each for all streams: what those dispatches cost, under the same
 * load. Tokens per second
 * of wall time and per CPU-second of the whole process (the driver's
 * threads included: on lavapipe the device is these CPUs, and on this
 * shared machine CPU time moves much less than wall time with other jobs).
 * Device: $OGX_VK_DEVICE, else the best one. On stories260K and GGUF files
 * (default: the 15M-shape files vk_bench writes under build/bench/models/;
 * a missing one is said so and left out: run `make bench` once). Prints a
 * table, writes JSON to $OGX_BENCH_JSON; never fails on a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "model/llama.h"
#include "model/llama2c.h"
#include "model/llama_gguf.h"
#include "util/err.h"
#include "vk/device.h"
#include "vk/llama.h"
#include "vk/llama_streams.h"

#define RUNS 3
#define CTX 16
#define STEPS 16
#define MAXB 8

static void die(const char *what, int err)
{
	fprintf(stderr, "vk_streams_bench: %s: %s\n", what, ogx_errmsg(err));
	exit(1);
}

/* STEPS steps of nb sequences, separately (joint 0) or jointly (1). */
static void steps(struct ogx_vk_llama_streams *js, struct ogx_vk_llama_seq **seqs, uint32_t nb,
		  uint32_t vocab, int joint)
{
	uint32_t tokens[MAXB], pos[MAXB];
	int err = 0;

	for (uint32_t p = CTX; p < CTX + STEPS && !err; p++) {
		for (uint32_t b = 0; b < nb; b++) {
			tokens[b] = 1 + (p * 37 + b) % (vocab - 1);
			pos[b] = p;
		}
		if (joint)
			err = ogx_vk_llama_forward_streams(js, seqs, tokens, pos, nb, NULL, NULL);
		for (uint32_t b = 0; !joint && !err && b < nb; b++)
			err = ogx_vk_llama_seq_forward(seqs[b], tokens[b], pos[b], NULL, NULL);
	}
	if (err)
		die(joint ? "forward_streams" : "seq_forward", err);
}

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A model upload with nb sequences of CTX tokens each, and a joint step's state. */
static struct ogx_vk_llama *upload(struct ogx_vk *vk, const struct ogx_llama_weights *w,
				   uint32_t nb, struct ogx_vk_llama_seq **seqs,
				   struct ogx_vk_llama_streams **js)
{
	struct ogx_vk_llama *m;
	uint32_t ctx[CTX];
	int err = ogx_vk_llama_load(vk, w, &m);

	err = err ?: ogx_vk_llama_streams_new(m, js);
	if (err)
		die("load", err);
	for (uint32_t b = 0; b < nb; b++) {
		for (uint32_t i = 0; i < CTX; i++)
			ctx[i] = 1 + (b * 131 + i * 17) % (w->cfg.vocab_size - 1);
		err = ogx_vk_llama_seq_new(m, &seqs[b]);
		err = err ?: ogx_vk_llama_seq_prefill(seqs[b], ctx, CTX, 0);
		if (err)
			die("sequence", err);
	}
	return m;
}

/*
 * best[way][0]: tokens per wall second, [1]: per process CPU-second; way 0
 * separate steps, 1 joint, 2 joint with a K/V store and attention per stream.
 */
static void measure(struct ogx_vk *vk, const struct ogx_llama_weights *w, uint32_t nb,
		    double best[3][2])
{
	struct ogx_vk_llama_seq *seqs[2][MAXB];
	struct ogx_vk_llama_streams *js[2];
	struct ogx_vk_llama *m[2] = { upload(vk, w, nb, seqs[0], &js[0]),
				      upload(vk, w, nb, seqs[1], &js[1]) };

	steps(js[0], seqs[0], nb, w->cfg.vocab_size, 0);
	steps(js[0], seqs[0], nb, w->cfg.vocab_size, 1);
	vk->streams_apart = true;	/* read when the program is recorded: now */
	steps(js[1], seqs[1], nb, w->cfg.vocab_size, 1);
	vk->streams_apart = false;
	for (int r = 0; r < RUNS; r++)
		for (int way = 0; way < 3; way++) {
			double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
			double wall, cpu;

			steps(js[way / 2], seqs[way / 2], nb, w->cfg.vocab_size, !!way);
			wall = nb * STEPS / (clock_s(CLOCK_MONOTONIC) - t0);
			cpu = nb * STEPS / (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
			if (!r || wall > best[way][0])
				best[way][0] = wall;
			if (!r || cpu > best[way][1])
				best[way][1] = cpu;
		}
	for (int k = 0; k < 2; k++) {
		for (uint32_t b = 0; b < nb; b++)
			ogx_vk_llama_seq_free(seqs[k][b]);
		ogx_vk_llama_streams_free(js[k]);
		ogx_vk_llama_free(m[k]);
	}
}

static void bench(struct ogx_vk *vk, const char *name, const struct ogx_llama_weights *w,
		  FILE *f, int *done)
{
	static const uint32_t counts[] = { 1, 2, 4, 8 };

	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		double best[3][2];

		measure(vk, w, counts[k], best);
		printf("%-40s %3u %10.1f %10.1f %6.2fx %10.1f %10.1f %6.2fx %10.1f %6.2fx\n", name,
		       counts[k], best[0][0], best[1][0], best[1][0] / best[0][0], best[0][1],
		       best[1][1], best[1][1] / best[0][1], best[2][0], best[1][0] / best[2][0]);
		if (f)
			fprintf(f, "%s\n    {\"model\": \"%s\", \"streams\": %u, "
				"\"separate_tokens_per_s\": %.1f, \"joint_tokens_per_s\": %.1f, "
				"\"separate_tokens_per_cpu_s\": %.1f, "
				"\"joint_tokens_per_cpu_s\": %.1f, "
				"\"joint_apart_tokens_per_s\": %.1f}", (*done)++ ? "," : "", name,
				counts[k], best[0][0], best[1][0], best[0][1], best[1][1], best[2][0]);
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = {
		"build/bench/models/synth15M-F32.gguf", "build/bench/models/synth15M-Q8_0.gguf",
	};
	const char *const *files = argc > 1 ? (const char *const *)argv + 1 : defaults;
	int n = argc > 1 ? argc - 1 : 2, done = 0;
	const char *models = getenv("OGX_MODELS"), *json = getenv("OGX_BENCH_JSON");
	FILE *f = json ? fopen(json, "w") : NULL;
	struct ogx_llama2c ck;
	struct ogx_vk *vk;
	char path[512];
	int err;

	if ((err = ogx_vk_open(NULL, &vk)))
		die("vulkan", err);
	printf("# Vulkan decoding steps of B sequences on %s: one submission per sequence vs\n"
	       "# one joint step; %d steps after %d tokens of context, best of %d;\n"
	       "# tokens per second (wall) and per CPU-second of the process, all streams;\n"
	       "# apart: the joint step with a K/V store and attention per stream (wall),\n"
	       "# and joint / apart\n", vk->desc.name, STEPS, CTX, RUNS);
	printf("%-40s %3s %10s %10s %7s %10s %10s %7s %10s %7s\n", "model", "B", "sep tok/s",
	       "joint", "ratio", "sep /CPU-s", "joint", "ratio", "apart", "ratio");
	if (f)
		fprintf(f, "{\n  \"bench\": \"vk_streams\",\n  \"device\": \"%s\",\n"
			"  \"results\": [", vk->desc.name);
	snprintf(path, sizeof(path), "%s/stories260K/stories260K.bin",
		 models && *models ? models : "../shared/models");
	if ((err = ogx_llama2c_open(&ck, path)))
		die(path, err);
	bench(vk, "stories260K", &ck.w, f, &done);
	ogx_llama2c_close(&ck);
	for (int i = 0; i < n; i++) {
		struct ogx_llama_gguf g;

		if (access(files[i], R_OK)) {
			printf("%s: missing, left out (make bench writes it)\n", files[i]);
			continue;
		}
		if ((err = ogx_llama_gguf_open(&g, files[i])))
			die(files[i], err);
		bench(vk, files[i], &g.w, f, &done);
		ogx_llama_gguf_close(&g);
	}
	if (f) {
		fprintf(f, "\n  ]\n}\n");
		fclose(f);
	}
	ogx_vk_close(vk);
	return 0;
}
