// SPDX-License-Identifier: GPL-2.0
/*
 * CPU Llama speed: tokens/s of prompt processing and of generation for
 * stories260K (the real model) and a synthetic model of stories15M's shape
 * (dim 288, 6 layers, 6 heads, vocab 32000), with 1 and 2 threads and each
 * matvec kernel. Each figure is the best of several runs (the machine is
 * shared; the best run is the least disturbed). Prints a table; writes JSON
 * to $OGX_BENCH_JSON when set. Never fails on a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/generate.h"
#include "model/llama2c.h"
#include "util/err.h"

#define RUNS 5

struct result {
	const char *model, *isa;
	unsigned int threads;
	uint32_t prompt_tokens, gen_tokens;
	double prompt_tps, gen_tps;
	double gen_tpcpus;	/* generation tokens per second of process CPU time */
};

static struct result results[32];
static int nresults;

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/*
 * Prompt: prompt_len tokens through ogx_llama_forward_batch() (logits for the
 * last); generation: gen_len more greedy steps, one forward each. Token ids are fixed so every run does the same.
 */
static void bench(const char *name, const struct ogx_llama_weights *w, unsigned int threads,
		  enum ogx_cpu_isa isa, uint32_t prompt_len, uint32_t gen_len)
{
	struct result *r = &results[nresults++];
	double best_prompt = 0, best_gen = 0, best_cpu = 0;
	static uint32_t prompt[4096];
	struct ogx_llama m;
	int err;

	ogx_matvec_set_isa(isa);
	err = ogx_llama_init(&m, w, threads);
	if (err) {
		fprintf(stderr, "llama_bench: %s: %s\n", name, ogx_errmsg(err));
		exit(1);
	}
	for (uint32_t i = 0; i < prompt_len; i++)
		prompt[i] = (i * 7919u + 1) % w->cfg.vocab_size;
	for (int run = 0; run < RUNS; run++) {
		uint64_t t0 = now_ns(), t1, t2, c1, c2;
		uint32_t token, pos = prompt_len;

		/* The prompt in batches (as ogx_llama_generate() does it). */
		token = ogx_argmax(ogx_llama_forward_batch(&m, prompt, prompt_len, 0, 1),
				   w->cfg.vocab_size);
		t1 = now_ns();
		c1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		for (uint32_t i = 0; i < gen_len; i++, pos++)
			token = ogx_argmax(ogx_llama_forward(&m, token, pos, 1), w->cfg.vocab_size);
		t2 = now_ns();
		c2 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		if (gen_len * 1e9 / (c2 - c1) > best_cpu)
			best_cpu = gen_len * 1e9 / (c2 - c1);
		if (prompt_len * 1e9 / (t1 - t0) > best_prompt)
			best_prompt = prompt_len * 1e9 / (t1 - t0);
		if (gen_len * 1e9 / (t2 - t1) > best_gen)
			best_gen = gen_len * 1e9 / (t2 - t1);
	}
	ogx_llama_fini(&m);
	*r = (struct result){
		.model = name, .isa = ogx_cpu_isa_name(ogx_matvec_isa()), .threads = threads,
		.prompt_tokens = prompt_len, .gen_tokens = gen_len,
		.prompt_tps = best_prompt, .gen_tps = best_gen, .gen_tpcpus = best_cpu,
	};
	printf("%-22s %-9s %7u %8u %12.0f %8u %12.0f %14.0f\n", r->model, r->isa, r->threads,
	       r->prompt_tokens, r->prompt_tps, r->gen_tokens, r->gen_tps, r->gen_tpcpus);
	fflush(stdout);
	ogx_matvec_set_isa(OGX_ISA_AUTO);
}

static void bench_model(const char *name, const struct ogx_llama_weights *w, uint32_t prompt_len,
			uint32_t gen_len)
{
	static const enum ogx_cpu_isa isas[] = { OGX_ISA_PORTABLE, OGX_ISA_AVX2 };

	for (size_t i = 0; i < sizeof(isas) / sizeof(isas[0]); i++) {
		if (ogx_matvec_set_isa(isas[i]))
			continue;	/* no AVX2 on this CPU */
		for (unsigned int t = 1; t <= 2; t++)
			bench(name, w, t, isas[i], prompt_len, gen_len);
	}
}

static void write_json(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		return;
	}
	fprintf(f, "{\n  \"bench\": \"llama\",\n  \"unit\": \"tokens/s\",\n  \"results\": [\n");
	for (int i = 0; i < nresults; i++) {
		struct result *r = &results[i];

		fprintf(f,
			"    {\"model\": \"%s\", \"isa\": \"%s\", \"threads\": %u, \"prompt_tokens\": %u, \"prompt_tokens_per_s\": %.1f, \"gen_tokens\": %u, \"gen_tokens_per_s\": %.1f, \"gen_tokens_per_cpu_s\": %.1f}%s\n",
			r->model, r->isa, r->threads, r->prompt_tokens, r->prompt_tps, r->gen_tokens,
			r->gen_tps, r->gen_tpcpus, i + 1 < nresults ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	fclose(f);
}

int main(void)
{
	const char *models = getenv("OGX_MODELS");
	const struct ogx_llama_config shape15m = {
		.dim = 288, .hidden_dim = 768, .n_layers = 6, .n_heads = 6, .n_kv_heads = 6,
		.vocab_size = 32000, .seq_len = 256,
	};
	struct ogx_llama2c ck;
	char path[512];
	uint8_t *data;
	size_t size;
	int err;

	printf("# llama CPU: best of %d runs; prompt = batched forward of the prompt tokens, gen = greedy steps\n",
	       RUNS);
	printf("# gen tok/CPU-s: generation tokens per second of process CPU time (all threads)\n");
	printf("%-22s %-9s %7s %8s %12s %8s %12s %14s\n", "model", "kernel", "threads", "prompt",
	       "prompt tok/s", "gen", "gen tok/s", "gen tok/CPU-s");
	snprintf(path, sizeof(path), "%s/stories260K/stories260K.bin",
		 models && *models ? models : "../shared/models");
	err = ogx_llama2c_open(&ck, path);
	if (err) {
		fprintf(stderr, "llama_bench: %s: %s\n", path, ogx_errmsg(err));
		return 1;
	}
	bench_model("stories260K", &ck.w, 128, 256);
	ogx_llama2c_close(&ck);

	err = ogx_llama2c_synth(&shape15m, 1, 15, &data, &size);
	if (!err)
		err = ogx_llama2c_parse(&ck, data, size);
	if (err) {
		fprintf(stderr, "llama_bench: synthetic 15M: %s\n", ogx_errmsg(err));
		return 1;
	}
	bench_model("synthetic-15M-shape", &ck.w, 64, 128);
	ogx_llama2c_close(&ck);
	free(data);

	if (getenv("OGX_BENCH_JSON"))
		write_json(getenv("OGX_BENCH_JSON"));
	return 0;
}
