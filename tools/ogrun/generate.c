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
#include "model/llama_gguf.h"
#include "vk/device.h"
#include "vk/describe.h"
#include "vk/llama.h"
#include "ogrun.h"
#include "util/digest.h"
#include "proof/job.h"
#include "proof/kmod_evidence.h"
#include "util/err.h"
#include "util/hex.h"

static int generate_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s generate -m MODEL [-t TOKENIZER] [-p PROMPT] [-n N] [--temp T]\n"
		"                    [--top-p P] [--seed S] [--threads N] [--device N|cpu]\n"
		"  -m MODEL      Llama GGUF (F32/F16/Q8_0/Q4_0) or llama2.c checkpoint: a path,\n"
		"                or a name, id or id prefix in the model store\n"
		"  -t TOKENIZER  llama2.c tokenizer.bin (default: the GGUF's own tokenizer, or\n"
		"                tokenizer.bin beside a llama2.c checkpoint)\n"
		"  -p PROMPT     text to continue (default: empty, start from BOS)\n"
		"  -n N          tokens to generate at most, 1 or more (default 256)\n"
		"  --temp T      temperature, 0 = greedy (default 1.0)\n"
		"  --top-p P     nucleus mass in 0..1, 0 = greedy, 1 = off (default 0.9)\n"
		"  --seed S      sampling seed, nonzero (default: from the clock; printed)\n"
		"  --threads N   CPU threads (default 1)\n"
		"  --device N|cpu  Vulkan device N or the CPU backend (default: a GPU when\n"
		"                there is one, else the CPU; $OGX_VK_DEVICE likewise)\n"
		"  --level L     proof level: vanilla (default)\n"
		"  --key FILE    node key (default $OGX_HOME/node.key)\n"
		"  --spool DIR   spool for the proof record (default $OGX_HOME/spool)\n"
		"  --no-record   write no proof record (benchmarks and debugging only)\n",
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

/*
 * The generation's proof record (the recipe: proof/job.h), durable before
 * this returns.
 */
static int write_record(struct ogx_signer *p, struct ogx_record *r, const char *model,
			const char *tok_path, const struct ogx_generate_params *params,
			const struct ogx_generation *gen, uint64_t job_ns)
{
	struct ogx_job_generate jg = {
		.temperature = params->sampling.temperature,
		.top_p = params->sampling.top_p,
		.seed = params->sampling.seed,
		.max_tokens = params->max_tokens,
	};
	uint8_t id[OGX_DIGEST_LEN];
	char hex[2 * OGX_DIGEST_LEN + 1];
	int err;

	r->level = OGX_LEVEL_VANILLA;
	r->infer_ns = gen->prompt_ns + gen->gen_ns;
	err = ogx_sha256_file(r->model, model);
	if (!err)
		err = ogx_sha256_file(jg.tokenizer, tok_path);
	if (err)
		return ogx_fail(err, "hashing %s: %s", err ? model : tok_path, ogx_errmsg(err));
	err = ogx_job_record_generate(r, gen->input, gen->n_input, gen->output, gen->n_output,
				      &jg);
	if (err)
		return err;
	r->job_ns = job_ns;
	err = ogx_signer_add(p, r, id);
	if (!err)
		err = ogx_signer_commit(p);
	if (err)
		return err;
	ogx_hex(hex, id, OGX_DIGEST_LEN);
	fprintf(stderr, "%s: record %s seq %llu (%s)\n", prog, hex, (unsigned long long)r->seq,
		ogx_evidence_label(r));
	return 0;
}

static const char *tok_default_path(const char *model, char *buf)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", model);
	snprintf(buf, PATH_MAX, "%s/tokenizer.bin", dirname(dir));
	return buf;
}

/*
 * The model, as a GGUF file (llama.cpp's names; its tokenizer inside unless
 * -t names one) or a llama2.c checkpoint (tokenizer.bin beside it unless -t).
 * Prints the error line itself.
 */
static int open_model(const char *model, const char *tok_path, struct ogx_llama2c *ck,
		      struct ogx_llama_gguf *gg, const struct ogx_llama_weights **w,
		      struct ogx_tokenizer *tok)
{
	char tok_default[PATH_MAX], magic[4] = { 0 };
	FILE *f = fopen(model, "rb");
	int err;

	if (!f) {
		err = -errno;
		fprintf(stderr, "%s: %s: %s\n", prog, model, ogx_errmsg(err));
		return err;
	}
	if (fread(magic, 1, 4, f) != 4)
		memset(magic, 0, 4);
	fclose(f);
	if (!memcmp(magic, "GGUF", 4)) {
		err = ogx_llama_gguf_open(gg, model);
		if (err) {
			gg->g = NULL;
			fprintf(stderr, "%s: %s: %s\n", prog, model, ogx_errmsg(err));
			return err;
		}
		*w = &gg->w;
		if (tok_path)
			err = ogx_llama2c_tokenizer_load(tok, tok_path, gg->w.cfg.vocab_size);
		else
			err = ogx_llama_gguf_tokenizer(gg, tok);
	} else {
		err = ogx_llama2c_open(ck, model);
		if (err) {
			fprintf(stderr, "%s: %s: %s\n", prog, model, ogx_errmsg(err));
			return err;
		}
		*w = &ck->w;
		if (!tok_path)
			tok_path = tok_default_path(model, tok_default);
		err = ogx_llama2c_tokenizer_load(tok, tok_path, ck->w.cfg.vocab_size);
	}
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, tok_path ? tok_path : model, ogx_errmsg(err));
		if (gg->g)
			ogx_llama_gguf_close(gg);
		else
			ogx_llama2c_close(ck);
		gg->g = NULL;
	}
	return err;
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
		{ "level", required_argument, NULL, 'L' },
		{ "key", required_argument, NULL, 'k' },
		{ "spool", required_argument, NULL, 's' },
		{ "no-record", no_argument, NULL, 'R' },
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
	char tok_default[PATH_MAX], model_path[PATH_MAX];
	const char *tok_digest_path;
	const struct ogx_llama_weights *w;
	struct ogx_llama_gguf gg = { 0 };
	struct ogx_llama2c ck = { 0 };
	struct ogx_tokenizer tok;
	struct ogx_llama llama;
	struct ogx_generation gen;
	uint64_t v, threads = 1, t_start = ogx_mono_ns();
	int opt, err, seeded = 0, record = 1;
	const char *key = NULL, *spool = NULL;
	struct ogx_signer signer = { 0 };
	struct ogx_record rec = { 0 };
	uint32_t level = OGX_LEVEL_VANILLA;

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
			if (!v) {
				/* a job of no tokens would be a record of nothing */
				fprintf(stderr, "%s: generate: -n: at least 1 token\n", prog);
				return 2;
			}
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
		case 'L':
			err = ogx_level_parse(optarg, &level);
			if (err) {
				fprintf(stderr, "%s: generate: --level: %s\n", prog, ogx_errmsg(err));
				return 2;
			}
			break;
		case 'k':
			key = optarg;
			break;
		case 's':
			spool = optarg;
			break;
		case 'R':
			record = 0;
			break;
		case 'h':
			return generate_usage(stdout);
		default:
			return generate_usage(stderr);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: generate: unexpected argument '%s'\n", prog, argv[optind]);
		return 2;
	}
	if (!model)
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
	if (model_resolve(model, model_path, sizeof(model_path), NULL))
		return 1;
	model = model_path;
	if (record && open_signer(&signer, key, spool, level, OGX_LEVELS(OGX_LEVEL_VANILLA),
				  NULL, 0))
		return 1;
	err = open_model(model, tok_path, &ck, &gg, &w, &tok);
	if (err) {
		ogx_signer_close(&signer);
		return 1;
	}
	/* The tokenizer's digest goes into the record's parameters. */
	tok_digest_path = tok_path ? tok_path : gg.g ? model : tok_default_path(model, tok_default);
	err = ogx_llama_init(&llama, w, threads);
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
			err = ogx_vk_llama_init(vk, w, &vm);
		if (err) {
			fprintf(stderr, "%s: %s: %s\n", prog, vk ? model : "vulkan", ogx_errmsg(err));
			goto out_llama;
		}
		ogx_vk_llama_attach(vm, &llama);
		snprintf(engine, sizeof(engine), "vulkan device %d: %s", vk->index, vk->desc.name);
		ogx_vk_record_device(&vk->desc, &rec.device);
	} else {
		ogx_device_cpu(&rec.device);
	}
	rec.time_ns = ogx_now_ns();
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
		if (record)
			err = write_record(&signer, &rec, model, tok_digest_path, &params, &gen,
					   ogx_mono_ns() - t_start);
		ogx_generation_free(&gen);
	}
out_llama:
	ogx_vk_llama_free(vm);
	ogx_vk_close(vk);
	ogx_llama_fini(&llama);
out_tok:
	ogx_tokenizer_free(&tok);
	if (gg.g)
		ogx_llama_gguf_close(&gg);
	else
		ogx_llama2c_close(&ck);
	ogx_signer_close(&signer);
	return err ? 1 : 0;

bad_value:
	fprintf(stderr, "%s: generate: bad value '%s' for -%s\n", prog, optarg,
		opt == 'T' ? "-temp" : opt == 'P' ? "-top-p" : opt == 'S' ? "-seed" :
		opt == 'j' ? "-threads" : "n");
	return 2;
}
