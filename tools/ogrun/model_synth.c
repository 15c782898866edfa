// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun model synth: a Llama-2-architecture GGUF with random weights at the
 * given shapes and type, for benchmarks (speed depends on shapes, not on
 * values). The file uses llama.cpp's names, so llama.cpp loads it too.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/llama_gguf.h"
#include "ogrun.h"
#include "util/err.h"

static int synth_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s model synth -o OUT.gguf [--shape stories15M|stories260K] [--type T]\n"
		"                      [--dim N] [--hidden N] [--layers N] [--heads N]\n"
		"                      [--kv-heads N] [--vocab N] [--seq N] [--seed S]\n"
		"  --shape     start from a known shape (default stories15M: dim 288, hidden 768,\n"
		"              6 layers, 6 heads, vocab 32000, context 256)\n"
		"  --type T    f32, f16, q8_0 or q4_0 (default f32)\n",
		prog);
	return f == stdout ? 0 : 2;
}

int model_parse_wtype(const char *s, enum ogx_wtype *t)
{
	static const struct { const char *name; enum ogx_wtype t; } types[] = {
		{ "f32", OGX_WTYPE_F32 }, { "f16", OGX_WTYPE_F16 },
		{ "q8_0", OGX_WTYPE_Q8_0 }, { "q4_0", OGX_WTYPE_Q4_0 },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(s, types[i].name)) {
			*t = types[i].t;
			return 0;
		}
	fprintf(stderr, "%s: model: type '%s' is not f32, f16, q8_0 or q4_0\n", prog, s);
	return -EINVAL;
}

static uint64_t rng;

/* Uniform with standard deviation sd (xorshift64*). */
static float rnd(float sd)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((float)((rng * 0x2545F4914F6CDD1Dull) >> 40) / (float)(1 << 24) - 0.5f) *
	       sd * 3.4641016f;
}

static float *random_floats(size_t n, float sd, float base)
{
	float *f = malloc(n * sizeof(float));

	for (size_t i = 0; f && i < n; i++)
		f[i] = base + rnd(sd);
	return f;
}

static int random_matrix(struct ogx_matrix *m, uint32_t rows, uint32_t cols)
{
	m->type = OGX_WTYPE_F32;
	m->rows = rows;
	m->cols = cols;
	m->data = random_floats((size_t)rows * cols, 1.0f / sqrtf((float)cols), 0.0f);
	return m->data ? 0 : -ENOMEM;
}

int model_synth_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "shape", required_argument, NULL, 'S' }, { "type", required_argument, NULL, 'T' },
		{ "dim", required_argument, NULL, 'd' }, { "hidden", required_argument, NULL, 'H' },
		{ "layers", required_argument, NULL, 'l' }, { "heads", required_argument, NULL, 'a' },
		{ "kv-heads", required_argument, NULL, 'k' }, { "vocab", required_argument, NULL, 'v' },
		{ "seq", required_argument, NULL, 's' }, { "seed", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct ogx_llama_config c = { 288, 768, 6, 6, 6, 32000, 256, 10000.0f, 1e-5f };
	enum ogx_wtype type = OGX_WTYPE_F32;
	struct ogx_llama_weights w = { 0 };
	const char *out = NULL;
	unsigned long v, seed = 42;
	unsigned kept = 0;
	int opt, err = 0, heads_set = 0, kv_set = 0;
	char name[64];

	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		uint32_t *field = NULL;

		switch (opt) {
		case 'o': out = optarg; break;
		case 'S':
			if (!strcmp(optarg, "stories15M")) {
				c = (struct ogx_llama_config){ 288, 768, 6, 6, 6, 32000, 256,
							       10000.0f, 1e-5f };
			} else if (!strcmp(optarg, "stories260K")) {
				c = (struct ogx_llama_config){ 64, 172, 5, 8, 4, 512, 512,
							       10000.0f, 1e-5f };
			} else {
				fprintf(stderr, "%s: model synth: unknown shape '%s'\n", prog,
					optarg);
				return 2;
			}
			break;
		case 'T':
			if (model_parse_wtype(optarg, &type))
				return 2;
			break;
		case 'd': field = &c.dim; break;
		case 'H': field = &c.hidden_dim; break;
		case 'l': field = &c.n_layers; break;
		case 'a': field = &c.n_heads, heads_set = 1; break;
		case 'k': field = &c.n_kv_heads, kv_set = 1; break;
		case 'v': field = &c.vocab_size; break;
		case 's': field = &c.seq_len; break;
		case 'r':
			if (model_parse_count("--seed", optarg, ~0ul, &seed))
				return 2;
			break;
		case 'h': return synth_usage(stdout);
		default: return synth_usage(stderr);
		}
		if (field) {
			char what[24] = "--";

			for (const struct option *o = opts; o->name; o++)
				if (o->val == opt)
					snprintf(what + 2, sizeof(what) - 2, "%s", o->name);
			if (model_parse_count(what, optarg, 1u << 20, &v))
				return 2;
			if (!v) {
				fprintf(stderr, "%s: model synth: %s must not be 0\n", prog, what);
				return 2;
			}
			*field = (uint32_t)v;
		}
	}
	if (optind != argc || !out)
		return synth_usage(stderr);
	if (heads_set && !kv_set)
		c.n_kv_heads = c.n_heads;	/* no grouping unless asked */
	if (c.n_heads == 0 || c.dim % c.n_heads || c.n_heads % c.n_kv_heads ||
	    (c.dim / c.n_heads) % 2) {
		fprintf(stderr, "%s: model synth: dim %u, %u heads, %u kv heads do not form an "
			"architecture (dim / heads even, heads / kv heads whole)\n", prog, c.dim,
			c.n_heads, c.n_kv_heads);
		return 2;
	}
	rng = seed * 0x9E3779B97F4A7C15ull + 1;
	w.cfg = c;
	w.layers = calloc(c.n_layers, sizeof(*w.layers));
	if (!w.layers)
		return 1;
	uint32_t kv = c.dim / c.n_heads * c.n_kv_heads;
	err = random_matrix(&w.tok_embd, c.vocab_size, c.dim);
	w.output = w.tok_embd;
	w.out_norm = random_floats(c.dim, 0.1f, 1.0f);
	for (uint32_t l = 0; !err && l < c.n_layers; l++) {
		struct ogx_llama_layer *ly = &w.layers[l];

		ly->attn_norm = random_floats(c.dim, 0.1f, 1.0f);
		ly->ffn_norm = random_floats(c.dim, 0.1f, 1.0f);
		err = random_matrix(&ly->wq, c.dim, c.dim);
		err = err ?: random_matrix(&ly->wk, kv, c.dim);
		err = err ?: random_matrix(&ly->wv, kv, c.dim);
		err = err ?: random_matrix(&ly->wo, c.dim, c.dim);
		err = err ?: random_matrix(&ly->w1, c.hidden_dim, c.dim);
		err = err ?: random_matrix(&ly->w2, c.dim, c.hidden_dim);
		err = err ?: random_matrix(&ly->w3, c.hidden_dim, c.dim);
		if (!ly->attn_norm || !ly->ffn_norm)
			err = -ENOMEM;
	}
	snprintf(name, sizeof(name), "synth-%ux%ux%u-%s", c.dim, c.n_layers, c.vocab_size,
		 ogx_wtype_name(type));
	err = err ?: ogx_llama_gguf_save(&w, NULL, type, name, out, &kept);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, out, ogx_errmsg(err));
	else if (kept)
		fprintf(stderr, "%s: %s: %u matri%s kept F32 (rows not whole blocks of 32)\n",
			prog, out, kept, kept == 1 ? "x" : "ces");
	for (uint32_t l = 0; l < c.n_layers; l++) {
		struct ogx_llama_layer *ly = &w.layers[l];

		free((void *)ly->attn_norm), free((void *)ly->ffn_norm);
		free((void *)ly->wq.data), free((void *)ly->wk.data), free((void *)ly->wv.data);
		free((void *)ly->wo.data), free((void *)ly->w1.data), free((void *)ly->w2.data);
		free((void *)ly->w3.data);
	}
	free((void *)w.tok_embd.data);
	free((void *)w.out_norm);
	free(w.layers);
	return err ? 1 : 0;
}
