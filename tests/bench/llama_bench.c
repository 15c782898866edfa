// SPDX-License-Identifier: GPL-2.0
/*
 * CPU Llama speed: tokens/s of prompt processing and of generation for
 * stories260K (the real model) and a synthetic model of stories15M's shape
 * (dim 288, 6 layers, 6 heads, vocab 32000) in F32, F16, Q8_0 and Q4_0,
 * with 1 and 2 threads, the portable kernels for the F32 models only. Each figure is the best of several runs (the machine is
 * shared; the best run is the least disturbed). Prints a table; writes JSON
 * to $OGX_BENCH_JSON when set. Never fails on a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/generate.h"
#include "model/gguf.h"
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

static struct result results[64];
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
static void set_isa(enum ogx_cpu_isa isa)
{
	int err = ogx_matvec_set_isa(isa);

	if (err) {
		fprintf(stderr, "llama_bench: %s: %s\n", ogx_cpu_isa_name(isa), ogx_errmsg(err));
		exit(1);
	}
}

static void bench(const char *name, const struct ogx_llama_weights *w, unsigned int threads,
		  enum ogx_cpu_isa isa, uint32_t prompt_len, uint32_t gen_len)
{
	struct result *r = &results[nresults++];
	double best_prompt = 0, best_gen = 0, best_cpu = 0;
	static uint32_t prompt[4096];
	struct ogx_llama m;
	int err;

	set_isa(isa);
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
	printf("%-16s %-9s %7u %8u %12.0f %8u %12.0f %14.0f\n", r->model, r->isa, r->threads,
	       r->prompt_tokens, r->prompt_tps, r->gen_tokens, r->gen_tps, r->gen_tpcpus);
	fflush(stdout);
	set_isa(OGX_ISA_AUTO);
}

static void bench_model(const char *name, const struct ogx_llama_weights *w, uint32_t prompt_len,
			uint32_t gen_len, int portable_too)
{
	static const enum ogx_cpu_isa isas[] = { OGX_ISA_PORTABLE, OGX_ISA_AVX2 };

	for (size_t i = !portable_too; i < sizeof(isas) / sizeof(isas[0]); i++) {
		if (ogx_matvec_set_isa(isas[i]))
			continue;	/* no AVX2 on this CPU */
		for (unsigned int t = 1; t <= 2; t++)
			bench(name, w, t, isas[i], prompt_len, gen_len);
	}
}

/* Every matrix of src converted to type (norms stay F32), in one malloc'd block. */
static void *quantize_weights(const struct ogx_llama_weights *src, enum ogx_wtype type,
			      struct ogx_llama_weights *dst, struct ogx_llama_layer *layers)
{
	const struct ogx_llama_config *c = &src->cfg;
	size_t total = 0, off = 0;
	float *row = malloc(sizeof(float) * (c->hidden_dim > c->dim ? c->hidden_dim : c->dim));
	uint8_t *buf;

	*dst = *src;
	dst->layers = layers;
	memcpy(layers, src->layers, c->n_layers * sizeof(*layers));
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t l = 0; l <= c->n_layers; l++) {
			struct ogx_matrix *ms[7];
			unsigned int nm = 0;

			if (l == c->n_layers) {
				ms[nm++] = &dst->tok_embd;	/* also the tied classifier */
			} else {
				ms[nm++] = &layers[l].wq;
				ms[nm++] = &layers[l].wk;
				ms[nm++] = &layers[l].wv;
				ms[nm++] = &layers[l].wo;
				ms[nm++] = &layers[l].w1;
				ms[nm++] = &layers[l].w2;
				ms[nm++] = &layers[l].w3;
			}
			for (unsigned int k = 0; k < nm; k++) {
				struct ogx_matrix *m = ms[k];
				size_t rb = ogx_wtype_row_bytes(type, m->cols);

				if (!pass) {
					total += rb * m->rows;
					continue;
				}
				for (uint32_t r = 0; r < m->rows; r++) {
					ogx_matrix_row(m, r, row);
					if (type == OGX_WTYPE_F16) {
						for (uint32_t i = 0; i < m->cols; i++) {
							uint16_t h = ogx_f32_to_f16(row[i]);

							memcpy(buf + off + r * rb + 2 * i, &h, 2);
						}
					} else if (ogx_quant_row(type, row, buf + off + r * rb, m->cols)) {
						abort();
					}
				}
				m->type = type;
				m->data = buf + off;
				m->packed = NULL;
				/* as a GGUF loader does: the kernels may repack the rows */
				if (ogx_matrix_enable_packing(m))
					abort();
				off += rb * m->rows;
			}
		}
		if (!pass)
			buf = malloc(total);
	}
	if (src->output.data == src->tok_embd.data)
		dst->output = dst->tok_embd;
	free(row);
	return buf;
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
	static const struct {
		enum ogx_wtype type;
		const char *name;
	} qtypes[] = {
		{ OGX_WTYPE_F16, "15M-shape F16" },
		{ OGX_WTYPE_Q8_0, "15M-shape Q8_0" },
		{ OGX_WTYPE_Q4_0, "15M-shape Q4_0" },
	};
	static struct ogx_llama_layer qlayers[6];
	struct ogx_llama2c ck;
	char path[512];
	uint8_t *data;
	size_t size;
	int err;

	printf("# llama CPU: best of %d runs; prompt = batched forward of the prompt tokens, gen = greedy steps\n",
	       RUNS);
	printf("# gen tok/CPU-s: generation tokens per second of process CPU time (all threads)\n");
	printf("%-16s %-9s %7s %8s %12s %8s %12s %14s\n", "model", "kernel", "threads", "prompt",
	       "prompt tok/s", "gen", "gen tok/s", "gen tok/CPU-s");
	snprintf(path, sizeof(path), "%s/stories260K/stories260K.bin",
		 models && *models ? models : "../shared/models");
	err = ogx_llama2c_open(&ck, path);
	if (err) {
		fprintf(stderr, "llama_bench: %s: %s\n", path, ogx_errmsg(err));
		return 1;
	}
	bench_model("stories260K", &ck.w, 128, 256, 1);
	ogx_llama2c_close(&ck);

	err = ogx_llama2c_synth(&shape15m, 1, 15, &data, &size);
	if (!err)
		err = ogx_llama2c_parse(&ck, data, size);
	if (err) {
		fprintf(stderr, "llama_bench: synthetic 15M: %s\n", ogx_errmsg(err));
		return 1;
	}
	bench_model("15M-shape F32", &ck.w, 64, 128, 1);
	for (size_t i = 0; i < sizeof(qtypes) / sizeof(qtypes[0]); i++) {
		struct ogx_llama_weights qw;
		void *qbuf = quantize_weights(&ck.w, qtypes[i].type, &qw, qlayers);

		bench_model(qtypes[i].name, &qw, 64, 128, 0);
		for (uint32_t l = 0; l < qw.cfg.n_layers; l++) {
			struct ogx_llama_layer *y = &qlayers[l];

			ogx_matrix_free_packing(&y->wq);
			ogx_matrix_free_packing(&y->wk);
			ogx_matrix_free_packing(&y->wv);
			ogx_matrix_free_packing(&y->wo);
			ogx_matrix_free_packing(&y->w1);
			ogx_matrix_free_packing(&y->w2);
			ogx_matrix_free_packing(&y->w3);
		}
		ogx_matrix_free_packing(&qw.tok_embd);
		free(qbuf);
	}
	ogx_llama2c_close(&ck);
	free(data);

	if (getenv("OGX_BENCH_JSON"))
		write_json(getenv("OGX_BENCH_JSON"));
	return 0;
}
