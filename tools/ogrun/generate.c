// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun generate: text from a Llama model on the CPU, streamed as it is
 * produced, with prompt and generation speed on stderr at the end. The work
 * is ogx_llama_generate() (runtime/model/generate.h); this file only parses
 * options, loads the files and prints.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/generate.h"
#include "model/llama2c.h"
#include "vk/device.h"
#include "vk/llama.h"
#include "ogrun.h"
#include "util/err.h"

static int generate_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s generate -m MODEL [-t TOKENIZER] [-p PROMPT] [-n N] [--temp T]\n"
		"                    [--top-p P] [--seed S] [--threads N] [--device N|cpu]\n"
		"  -m MODEL      llama2.c checkpoint (legacy version 0)\n"
		"  -t TOKENIZER  llama2.c tokenizer.bin (default: tokenizer.bin beside MODEL)\n"
		"  -p PROMPT     text to continue (default: empty, start from BOS)\n"
		"  -n N          tokens to generate at most (default 256)\n"
		"  --temp T      temperature, 0 = greedy (default 1.0)\n"
		"  --top-p P     nucleus mass in 0..1, 0 = greedy, 1 = off (default 0.9)\n"
		"  --seed S      sampling seed, nonzero (default: from the clock; printed)\n"
		"  --threads N   CPU threads (default 1)\n"
		"  --device N|cpu  Vulkan device N or the CPU backend (default: a GPU when\n"
		"                there is one, else the CPU; $OGX_VK_DEVICE likewise)\n",
		prog);
	return f == stdout ? 0 : 2;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!*s || *s == '-')
		return -EINVAL;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_float(const char *s, float *out)
{
	char *end;
	float v;

	errno = 0;
	v = strtof(s, &end);
	if (errno || !*s || *end || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

/* Print what a token stands for, leaving out control bytes (as llama2.c). */
static int print_piece(void *ctx, uint32_t token, const char *piece, size_t len)
{
	(void)ctx;
	(void)token;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = piece[i];

		if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
			continue;
		if (c == 0x7f)
			continue;
		putchar(c);
	}
	fflush(stdout);
	return ferror(stdout) ? -EIO : 0;
}

static double per_second(uint64_t n, uint64_t ns)
{
	return ns ? n * 1e9 / ns : 0.0;
}

int generate_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "temp", required_argument, NULL, 'T' },
		{ "top-p", required_argument, NULL, 'P' },
		{ "seed", required_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 'j' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct ogx_generate_params params = {
		.sampling = { .temperature = 1.0f, .top_p = 0.9f },
		.max_tokens = 256,
	};
	const char *model = NULL, *tok_path = NULL, *prompt = "", *device = NULL;
	struct ogx_vk_opts vk_opts = { 0 };
	struct ogx_vk_llama *vm = NULL;
	struct ogx_vk *vk = NULL;
	char engine[320];
	char tok_default[PATH_MAX], dir[PATH_MAX];
	struct ogx_llama2c ck;
	struct ogx_tokenizer tok;
	struct ogx_llama llama;
	struct ogx_generation gen;
	uint64_t v, threads = 1;
	int opt, err, seeded = 0;

	while ((opt = getopt_long(argc, argv, "m:t:p:n:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			model = optarg;
			break;
		case 't':
			tok_path = optarg;
			break;
		case 'p':
			prompt = optarg;
			break;
		case 'n':
			if (parse_u64(optarg, 1u << 30, &v))
				goto bad_value;
			params.max_tokens = v;
			break;
		case 'T':
			if (parse_float(optarg, &params.sampling.temperature))
				goto bad_value;
			break;
		case 'P':
			if (parse_float(optarg, &params.sampling.top_p))
				goto bad_value;
			break;
		case 'S':
			if (parse_u64(optarg, UINT64_MAX, &params.sampling.seed))
				goto bad_value;
			seeded = 1;
			break;
		case 'j':
			if (parse_u64(optarg, 256, &threads) || !threads)
				goto bad_value;
			break;
		case 'd':
			device = optarg;
			break;
		case 'h':
			return generate_usage(stdout);
		default:
			return generate_usage(stderr);
		}
	}
	if (optind != argc || !model)
		return generate_usage(stderr);
	if (!seeded)
		params.sampling.seed = (uint64_t)time(NULL);
	err = ogx_sampler_check(&params.sampling);
	if (err) {
		fprintf(stderr, "%s: generate: %s\n", prog, ogx_errmsg(err));
		return 2;
	}
	err = ogx_matvec_set_isa(OGX_ISA_AUTO);
	if (err) {
		fprintf(stderr, "%s: generate: %s\n", prog, ogx_errmsg(err));
		return 1;
	}
	if (!tok_path) {
		snprintf(dir, sizeof(dir), "%s", model);
		snprintf(tok_default, sizeof(tok_default), "%s/tokenizer.bin", dirname(dir));
		tok_path = tok_default;
	}

	err = ogx_llama2c_open(&ck, model);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, model, ogx_errmsg(err));
		return 1;
	}
	err = ogx_llama2c_tokenizer_load(&tok, tok_path, ck.w.cfg.vocab_size);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, tok_path, ogx_errmsg(err));
		ogx_llama2c_close(&ck);
		return 1;
	}
	err = ogx_llama_init(&llama, &ck.w, threads);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, model, ogx_errmsg(err));
		goto out_tok;
	}
	snprintf(engine, sizeof(engine), "%s, %u thread%s", ogx_cpu_isa_name(ogx_matvec_isa()),
		 (unsigned int)threads, threads == 1 ? "" : "s");
	if (ogx_vk_engine_choice(device)) {
		vk_opts.device = device;
		err = ogx_vk_open(&vk_opts, &vk);
		if (!err)
			err = ogx_vk_llama_init(vk, &ck.w, &vm);
		if (err) {
			fprintf(stderr, "%s: %s: %s\n", prog, vk ? model : "vulkan", ogx_errmsg(err));
			goto out_llama;
		}
		ogx_vk_llama_attach(vm, &llama);
		snprintf(engine, sizeof(engine), "vulkan device %d: %s", vk->index, vk->desc.name);
	}
	err = ogx_llama_generate(&llama, &tok, prompt, &params, print_piece, NULL, &gen);
	putchar('\n');
	fflush(stdout);
	if (err) {
		fprintf(stderr, "%s: generate: %s\n", prog, ogx_errmsg(err));
	} else {
		fprintf(stderr,
			"%s: prompt %u tokens, %.1f tok/s; generated %zu tokens, %.1f tok/s (%s, seed %llu)\n",
			prog, gen.prompt_steps, per_second(gen.prompt_steps, gen.prompt_ns),
			gen.n_output, per_second(gen.gen_steps, gen.gen_ns), engine,
			(unsigned long long)params.sampling.seed);
		ogx_generation_free(&gen);
	}
out_llama:
	ogx_vk_llama_free(vm);
	ogx_vk_close(vk);
	ogx_llama_fini(&llama);
out_tok:
	ogx_tokenizer_free(&tok);
	ogx_llama2c_close(&ck);
	return err ? 1 : 0;

bad_value:
	fprintf(stderr, "%s: generate: bad value '%s' for -%s\n", prog, optarg,
		opt == 'T' ? "-temp" : opt == 'P' ? "-top-p" : opt == 'S' ? "-seed" :
		opt == 'j' ? "-threads" : "n");
	return 2;
}
