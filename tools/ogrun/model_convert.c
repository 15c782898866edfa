// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun model convert: a llama2.c checkpoint (and its tokenizer.bin) to a
 * GGUF file with llama.cpp's names, optionally quantized.
 */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "model/llama2c.h"
#include "model/llama_gguf.h"
#include "ogrun.h"
#include "util/err.h"

static int convert_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s model convert CHECKPOINT -o OUT.gguf [-t TOKENIZER] [--type T]\n"
		"  CHECKPOINT  llama2.c checkpoint (legacy version 0)\n"
		"  -t          llama2.c tokenizer.bin (default: tokenizer.bin beside CHECKPOINT)\n"
		"  --type T    f32, f16, q8_0 or q4_0 for the projections (default f32);\n"
		"              matrices whose rows are not whole blocks of 32 stay f32\n",
		prog);
	return f == stdout ? 0 : 2;
}

int model_convert_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 'T' }, { "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *out = NULL, *tok_path = NULL, *ck_path;
	char tok_default[PATH_MAX], dir[PATH_MAX], name[256];
	enum ogx_wtype type = OGX_WTYPE_F32;
	struct ogx_tokenizer tok;
	struct ogx_llama2c ck;
	unsigned kept = 0;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "o:t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 't': tok_path = optarg; break;
		case 'T':
			if (model_parse_wtype(optarg, &type))
				return 2;
			break;
		case 'h': return convert_usage(stdout);
		default: return convert_usage(stderr);
		}
	}
	if (optind + 1 != argc || !out)
		return convert_usage(stderr);
	ck_path = argv[optind];
	if (!tok_path) {
		snprintf(dir, sizeof(dir), "%s", ck_path);
		snprintf(tok_default, sizeof(tok_default), "%s/tokenizer.bin", dirname(dir));
		tok_path = tok_default;
	}
	err = ogx_llama2c_open(&ck, ck_path);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, ck_path, ogx_errmsg(err));
		return 1;
	}
	err = ogx_llama2c_tokenizer_load(&tok, tok_path, ck.w.cfg.vocab_size);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, tok_path, ogx_errmsg(err));
		ogx_llama2c_close(&ck);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s", ck_path);
	snprintf(name, sizeof(name), "%s", basename(dir));
	err = ogx_llama_gguf_save(&ck.w, &tok, type, name, out, &kept);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, out, ogx_errmsg(err));
	else if (kept)
		fprintf(stderr, "%s: %s: %u matri%s kept F32 (rows not whole blocks of 32)\n",
			prog, out, kept, kept == 1 ? "x" : "ces");
	ogx_tokenizer_free(&tok);
	ogx_llama2c_close(&ck);
	return err ? 1 : 0;
}
