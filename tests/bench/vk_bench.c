// SPDX-License-Identifier: GPL-2.0
/*
 * Vulkan engine speed, beside the CPU backend on the same weights:
 *  - Llama generation and prompt tokens/s for stories260K (the real model)
 *    and a random model of stories15M's shape at F32, F16, Q8_0 and Q4_0,
 *    loaded from GGUF files that the bench writes under build/bench/models/
 *    (so that llama.cpp can be run on the very same files);
 *  - dispatches, barriers and submissions per token, weight bytes read;
 *  - integer classifier (mnist-fc quantized) inferences/s at batch 1 and 64.
 * Our prompt runs in batches of up to 8 tokens per submission (mat-mat, each
 * weight row read once per batch), then the last token as a normal step. Each figure is
 * the best of RUNS runs (the machine is shared). Prints a table, writes
 * JSON to $OGX_BENCH_JSON; never fails on a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "model/idx.h"
#include "model/llama2c.h"
#include "model/llama_gguf.h"
#include "model/llama_synth.h"
#include "model/mlp.h"
#include "model/mlp_gguf.h"
#include "model/mlp_quant.h"
#include "util/err.h"
#include "vk/device.h"
#include "vk/llama.h"
#include "vk/mlp.h"

#define RUNS 2
#define PROMPT 16
#define GEN 32

struct row {
	char model[32], type[8];
	double vk_prompt, vk_gen, cpu_prompt, cpu_gen;
	double vk_gen_cpus;	/* generation tokens per CPU-second of the whole process */
	unsigned dispatches, barriers;
	double mib_per_token;
};

static struct row rows[8];
static int nrows;
static double cls_vk[2], cls_cpu[2];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * CPU time of the whole process (lavapipe's worker threads included): on a
 * shared machine wall time depends on the other jobs, CPU time much less;
 * tokens per CPU-second times the cores the device may use bounds its speed.
 */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "vk_bench: %s: %s\n", what, ogx_errmsg(err));
	exit(1);
}

static size_t matrix_bytes(const struct ogx_matrix *m)
{
	return ogx_wtype_row_bytes(m->type, m->cols) * m->rows;
}

/* Weights read by one step: every projection, the classifier, one embedding row. */
static double weight_mib(const struct ogx_llama_weights *w)
{
	size_t b = matrix_bytes(&w->output) + ogx_wtype_row_bytes(w->tok_embd.type, w->cfg.dim);

	for (uint32_t l = 0; l < w->cfg.n_layers; l++) {
		const struct ogx_llama_layer *y = &w->layers[l];

		b += matrix_bytes(&y->wq) + matrix_bytes(&y->wk) + matrix_bytes(&y->wv) +
		     matrix_bytes(&y->wo) + matrix_bytes(&y->w1) + matrix_bytes(&y->w2) +
		     matrix_bytes(&y->w3) + 2 * 4 * w->cfg.dim;
	}
	return b / 1048576.0;
}

static uint32_t argmax(const float *v, uint32_t n)
{
	uint32_t best = 0;

	for (uint32_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

static void bench_llama(struct ogx_vk *vk, const char *model, const struct ogx_llama_weights *w)
{
	struct row *r = &rows[nrows++];
	struct ogx_vk_llama *gpu;
	struct ogx_llama cpu;
	int err;

	snprintf(r->model, sizeof(r->model), "%s", model);
	snprintf(r->type, sizeof(r->type), "%s", ogx_wtype_name(w->layers[0].wq.type));
	r->mib_per_token = weight_mib(w);
	err = ogx_vk_llama_init(vk, w, &gpu);
	if (err)
		die(model, err);
	ogx_vk_llama_counts(gpu, &r->dispatches, &r->barriers);
	err = ogx_llama_init(&cpu, w, 1);
	if (err)
		die(model, err);
	for (int run = 0; run < RUNS; run++) {
		uint32_t tok = 1, pos, prompt[PROMPT];
		double t0, t1, t2, c1;

		for (pos = 0; pos < PROMPT; pos++)
			prompt[pos] = 1 + pos % 100;
		/* Prompt: batched prefill, then the last token's step for its logits. */
		t0 = now();
		if ((err = ogx_vk_llama_prefill(gpu, prompt, PROMPT - 1, 0)) ||
		    (err = ogx_vk_llama_forward(gpu, prompt[PROMPT - 1], PROMPT - 1, NULL, &tok)))
			die(model, err);
		pos = PROMPT;
		t1 = now();
		c1 = cpu_now();
		for (; pos < PROMPT + GEN; pos++)
			if ((err = ogx_vk_llama_forward(gpu, tok, pos, NULL, &tok)))
				die(model, err);
		t2 = now();
		if (GEN / (cpu_now() - c1) > r->vk_gen_cpus)
			r->vk_gen_cpus = GEN / (cpu_now() - c1);
		if (PROMPT / (t1 - t0) > r->vk_prompt)
			r->vk_prompt = PROMPT / (t1 - t0);
		if (GEN / (t2 - t1) > r->vk_gen)
			r->vk_gen = GEN / (t2 - t1);

		t0 = now();
		for (pos = 0; pos < PROMPT; pos++)
			ogx_llama_forward(&cpu, 1 + pos % 100, pos, pos + 1 == PROMPT);
		t1 = now();
		tok = 1;
		for (; pos < PROMPT + GEN; pos++)
			tok = argmax(ogx_llama_forward(&cpu, tok, pos, 1), w->cfg.vocab_size);
		t2 = now();
		if (PROMPT / (t1 - t0) > r->cpu_prompt)
			r->cpu_prompt = PROMPT / (t1 - t0);
		if (GEN / (t2 - t1) > r->cpu_gen)
			r->cpu_gen = GEN / (t2 - t1);
	}
	ogx_llama_fini(&cpu);
	ogx_vk_llama_free(gpu);
}

static void bench_classifier(struct ogx_vk *vk, const char *models)
{
	struct ogx_mlp f, q;
	struct ogx_idx images;
	struct ogx_vk_mlp *vm;
	char path[512];
	int32_t *logits;
	int err;

	snprintf(path, sizeof(path), "%s/mnist-fc/mnist-fc-f32.gguf", models);
	if ((err = ogx_mlp_load(path, &f)))
		die(path, err);
	snprintf(path, sizeof(path), "%s/mnist-fc/t10k-images-idx3-ubyte.gz", models);
	if ((err = ogx_idx_load(path, 3, &images)))
		die(path, err);
	if ((err = ogx_mlp_quantize(&f, images.data, 1000, &q)))
		die("quantize", err);
	logits = malloc(images.count * 10 * sizeof(*logits));
	for (int b = 0; b < 2; b++) {
		uint32_t batch = b ? 64 : 1;
		size_t n = b ? images.count : 1000;

		if ((err = ogx_vk_mlp_init(vk, &q, batch, &vm)))
			die("classifier", err);
		for (int run = 0; run < RUNS; run++) {
			double t0 = now(), t1, t2;

			for (size_t i = 0; i < n; i += batch)
				if ((err = ogx_vk_mlp_q8_forward(vm, images.data + i * 784,
								 n - i < batch ? n - i : batch,
								 logits + i * 10)))
					die("classifier", err);
			t1 = now();
			for (size_t i = 0; i < n; i += batch)
				if ((err = ogx_mlp_q8_forward(&q, images.data + i * 784,
							      n - i < batch ? n - i : batch,
							      logits + i * 10)))
					die("classifier", err);
			t2 = now();
			if (n / (t1 - t0) > cls_vk[b])
				cls_vk[b] = n / (t1 - t0);
			if (n / (t2 - t1) > cls_cpu[b])
				cls_cpu[b] = n / (t2 - t1);
		}
		ogx_vk_mlp_free(vm);
	}
	free(logits);
	ogx_idx_free(&images);
	ogx_mlp_free(&f);
	ogx_mlp_free(&q);
}

static void write_json(const char *path, const struct ogx_vk *vk)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	fprintf(f, "{\n  \"device\": \"%s\", \"driver\": \"%s\",\n  \"llama\": [\n",
		vk->desc.name, vk->desc.driver_info);
	for (int i = 0; i < nrows; i++) {
		struct row *r = &rows[i];

		fprintf(f, "    {\"model\": \"%s\", \"type\": \"%s\", \"vk_prompt_tps\": %.2f, "
			"\"vk_gen_tps\": %.2f, \"vk_gen_tokens_per_cpu_s\": %.2f, \"cpu_prompt_tps\": %.2f, \"cpu_gen_tps\": %.2f, "
			"\"dispatches_per_token\": %u, \"barriers_per_token\": %u, "
			"\"submits_per_token\": 1, \"weight_mib_per_token\": %.3f}%s\n", r->model,
			r->type, r->vk_prompt, r->vk_gen, r->vk_gen_cpus, r->cpu_prompt, r->cpu_gen, r->dispatches,
			r->barriers, r->mib_per_token, i + 1 < nrows ? "," : "");
	}
	fprintf(f, "  ],\n  \"classifier_q8\": {\"vk_batch1_ips\": %.1f, \"vk_batch64_ips\": %.1f, "
		"\"cpu_batch1_ips\": %.1f, \"cpu_batch64_ips\": %.1f}\n}\n", cls_vk[0], cls_vk[1],
		cls_cpu[0], cls_cpu[1]);
	fclose(f);
}

int main(void)
{
	static const enum ogx_wtype types[] = { OGX_WTYPE_F32, OGX_WTYPE_F16, OGX_WTYPE_Q8_0,
						OGX_WTYPE_Q4_0 };
	const char *models = getenv("OGX_MODELS"), *json = getenv("OGX_BENCH_JSON");
	const char *dir = "build/bench/models";
	struct ogx_llama_weights synth;
	struct ogx_tokenizer tok;
	struct ogx_llama2c ck;
	struct ogx_vk *vk;
	char path[512];
	int err;

	if (!models)
		models = "../shared/models";
	if ((err = ogx_vk_open(NULL, &vk)))
		die("vulkan", err);
	mkdir("build/bench", 0755);
	mkdir(dir, 0755);

	/* stories260K: the checkpoint itself, and as GGUF for llama.cpp. */
	snprintf(path, sizeof(path), "%s/stories260K/stories260K.bin", models);
	if ((err = ogx_llama2c_open(&ck, path)))
		die(path, err);
	snprintf(path, sizeof(path), "%s/stories260K/tok512.bin", models);
	if ((err = ogx_llama2c_tokenizer_load(&tok, path, ck.w.cfg.vocab_size)))
		die(path, err);
	snprintf(path, sizeof(path), "%s/stories260K-f32.gguf", dir);
	if ((err = ogx_llama_gguf_save(&ck.w, &tok, OGX_WTYPE_F32, "stories260K", path, NULL)))
		die(path, err);
	bench_llama(vk, "stories260K", &ck.w);
	ogx_tokenizer_free(&tok);
	ogx_llama2c_close(&ck);

	/* The 15M shape at each type, through its GGUF file. */
	if ((err = ogx_llama_synth(&ogx_llama_shape_15m, 42, &synth)))
		die("synth", err);
	for (unsigned t = 0; t < 4; t++) {
		struct ogx_llama_gguf m;

		snprintf(path, sizeof(path), "%s/synth15M-%s.gguf", dir, ogx_wtype_name(types[t]));
		if ((err = ogx_llama_gguf_save(&synth, NULL, types[t], "synth15M", path, NULL)))
			die(path, err);
		if ((err = ogx_llama_gguf_open(&m, path)))
			die(path, err);
		bench_llama(vk, "synth15M", &m.w);
		ogx_llama_gguf_close(&m);
	}
	ogx_llama_synth_free(&synth);
	bench_classifier(vk, models);

	printf("Vulkan engine on %s (%s); CPU backend: 1 thread, %s\n", vk->desc.name,
	       vk->desc.driver_info, ogx_cpu_isa_name(ogx_matvec_isa()));
	printf("%-12s %-5s %10s %10s %10s %10s %10s %6s %6s %8s\n", "model", "type", "vk gen",
	       "vk gen/cpu", "vk prompt", "cpu gen", "cpu prompt", "disp", "barr", "MiB/tok");
	for (int i = 0; i < nrows; i++) {
		struct row *r = &rows[i];

		printf("%-12s %-5s %10.1f %10.1f %10.1f %10.1f %10.1f %6u %6u %8.2f\n", r->model,
		       r->type, r->vk_gen, r->vk_gen_cpus, r->vk_prompt, r->cpu_gen, r->cpu_prompt, r->dispatches,
		       r->barriers, r->mib_per_token);
	}
	printf("(tokens/s of wall time; vk gen/cpu: generated tokens per CPU-second of the "
	       "process;\n generation: one submission per token, disp/barr: its dispatches and "
	       "barriers;\n prompt: batches of 8 tokens per submission)\n");
	printf("classifier q8 (mnist-fc): vulkan %.0f / %.0f inferences/s at batch 1 / 64; "
	       "cpu %.0f / %.0f\n", cls_vk[0], cls_vk[1], cls_cpu[0], cls_cpu[1]);
	if (json)
		write_json(json, vk);
	ogx_vk_close(vk);
	return 0;
}
