// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun model synth: a Llama-2-architecture GGUF with random weights at the
 * given shapes and type, for benchmarks (speed depends on shapes, not on
 * values). The file uses llama.cpp's names, so llama.cpp loads it too.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/llama_gguf.h"
#include "model/llama_synth.h"
#include "ogrun.h"
#include "util/cli.h"
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

static const struct option synth_opts[] = {
	{ "shape", required_argument, NULL, 'S' }, { "type", required_argument, NULL, 'T' },
	{ "dim", required_argument, NULL, 'd' }, { "hidden", required_argument, NULL, 'H' },
	{ "layers", required_argument, NULL, 'l' }, { "heads", required_argument, NULL, 'a' },
	{ "kv-heads", required_argument, NULL, 'k' }, { "vocab", required_argument, NULL, 'v' },
	{ "seq", required_argument, NULL, 's' }, { "seed", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' }, { 0 }
};

/* What the command line asks for. */
struct synth_args {
	struct ogx_llama_config c;
	enum ogx_wtype type;
	const char *out;
	unsigned long seed;
	int heads_set, kv_set;
};

/* The shape option opt (--dim, --layers, ...): a count from 1 to 2^20; 2 when it is not. */
static int synth_dimension(struct synth_args *a, int opt, const char *arg)
{
	uint32_t *field;
	char what[24] = "--";
	unsigned long v;

	switch (opt) {
	case 'd': field = &a->c.dim; break;
	case 'H': field = &a->c.hidden_dim; break;
	case 'l': field = &a->c.n_layers; break;
	case 'a': field = &a->c.n_heads, a->heads_set = 1; break;
	case 'k': field = &a->c.n_kv_heads, a->kv_set = 1; break;
	case 'v': field = &a->c.vocab_size; break;
	default: field = &a->c.seq_len; break; /* 's' */
	}
	for (const struct option *o = synth_opts; o->name; o++)
		if (o->val == opt)
			snprintf(what + 2, sizeof(what) - 2, "%s", o->name);
	if (model_parse_count(what, arg, 1u << 20, &v))
		return 2;
	if (!v) {
		fprintf(stderr, "%s: model synth: %s must not be 0\n", prog, what);
		return 2;
	}
	*field = (uint32_t)v;
	return 0;
}

static int parse_synth_args(int argc, char **argv, struct synth_args *a)
{
	int opt;

	while ((opt = getopt_long(argc, argv, "o:h", synth_opts, NULL)) != -1) {
		switch (opt) {
		case 'o': a->out = optarg; break;
		case 'S':
			if (!strcmp(optarg, "stories15M")) {
				a->c = ogx_llama_shape_15m;
			} else if (!strcmp(optarg, "stories260K")) {
				a->c = ogx_llama_shape_260k;
			} else {
				fprintf(stderr, "%s: model synth: unknown shape '%s'\n", prog,
					optarg);
				return 2;
			}
			break;
		case 'T':
			if (model_parse_wtype(optarg, &a->type))
				return 2;
			break;
		case 'd': case 'H': case 'l': case 'a': case 'k': case 'v': case 's':
			if (synth_dimension(a, opt, optarg))
				return 2;
			break;
		case 'r':
			if (model_parse_count("--seed", optarg, ~0ul, &a->seed))
				return 2;
			break;
		case 'h': return synth_usage(stdout);
		default: return synth_usage(stderr);
		}
	}
	if (optind != argc || !a->out)
		return synth_usage(stderr);
	if (a->heads_set && !a->kv_set)
		a->c.n_kv_heads = a->c.n_heads;	/* no grouping unless asked */
	return OGX_ARGS_OK;
}

static int run_synth(const struct synth_args *a)
{
	struct ogx_llama_weights w = { 0 };
	const struct ogx_llama_config *c = &a->c;
	unsigned kept = 0;
	char name[64];
	int err;

	err = ogx_llama_synth(c, a->seed, &w);
	if (err) {
		fprintf(stderr, "%s: model synth: %s\n", prog, ogx_errmsg(err));
		return 2;
	}
	snprintf(name, sizeof(name), "synth-%ux%ux%u-%s", c->dim, c->n_layers, c->vocab_size,
		 ogx_wtype_name(a->type));
	err = ogx_llama_gguf_save(&w, NULL, a->type, name, a->out, &kept);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, a->out, ogx_errmsg(err));
	else if (kept)
		fprintf(stderr, "%s: %s: %u matri%s kept F32 (rows not whole blocks of 32)\n",
			prog, a->out, kept, kept == 1 ? "x" : "ces");
	ogx_llama_synth_free(&w);
	return err ? 1 : 0;
}

int model_synth_main(int argc, char **argv)
{
	struct synth_args a = { .c = ogx_llama_shape_15m, .type = OGX_WTYPE_F32, .seed = 42 };
	int rc = parse_synth_args(argc, argv, &a);

	return rc == OGX_ARGS_OK ? run_synth(&a) : rc;
}
