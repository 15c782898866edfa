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
	struct ogx_llama_config c = ogx_llama_shape_15m;
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
				c = ogx_llama_shape_15m;
			} else if (!strcmp(optarg, "stories260K")) {
				c = ogx_llama_shape_260k;
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
	err = ogx_llama_synth(&c, seed, &w);
	if (err) {
		fprintf(stderr, "%s: model synth: %s\n", prog, ogx_errmsg(err));
		return 2;
	}
	snprintf(name, sizeof(name), "synth-%ux%ux%u-%s", c.dim, c.n_layers, c.vocab_size,
		 ogx_wtype_name(type));
	err = err ?: ogx_llama_gguf_save(&w, NULL, type, name, out, &kept);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, out, ogx_errmsg(err));
	else if (kept)
		fprintf(stderr, "%s: %s: %u matri%s kept F32 (rows not whole blocks of 32)\n",
			prog, out, kept, kept == 1 ? "x" : "ces");
	ogx_llama_synth_free(&w);
	return err ? 1 : 0;
}
