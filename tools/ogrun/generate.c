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
#include "util/cli.h"
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
	if (err)
		return ogx_fail(err, "hashing %s: %s", model, ogx_errmsg(err));
	err = ogx_sha256_file(jg.tokenizer, tok_path);
	if (err)
		return ogx_fail(err, "hashing %s: %s", tok_path, ogx_errmsg(err));
	err = ogx_job_record_generate(r, gen->input, gen->n_input, gen->output, gen->n_output,
				      &jg);
	if (err)
		return err;
	r->job_ns = job_ns;
	err = ogx_signer_add(p, r, id);
	if (err)
		return err;
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

/* The model and its tokenizer, as open_model() leaves them. */
struct gen_model {
	struct ogx_llama2c ck;
	struct ogx_llama_gguf gg; /* gg.g set: a GGUF file, else ck */
	const struct ogx_llama_weights *w;
	struct ogx_tokenizer tok;
	const char *tok_digest_path; /* the file whose digest the record names */
	char tok_default[PATH_MAX];
};

static void close_model_file(struct gen_model *gm)
{
	if (gm->gg.g)
		ogx_llama_gguf_close(&gm->gg);
	else
		ogx_llama2c_close(&gm->ck);
	gm->gg.g = NULL;
}

static void close_model(struct gen_model *gm)
{
	ogx_tokenizer_free(&gm->tok);
	close_model_file(gm);
}

/* 1 when the file's first four bytes say GGUF, 0 when not, -errno when it cannot be opened. */
static int is_gguf(const char *model)
{
	char magic[4] = { 0 };
	FILE *f = fopen(model, "rb");

	if (!f)
		return -errno;
	if (fread(magic, 1, 4, f) != 4)
		memset(magic, 0, 4);
	fclose(f);
	return !memcmp(magic, "GGUF", 4);
}

/*
 * The model, as a GGUF file (llama.cpp's names; its tokenizer inside unless
 * -t names one) or a llama2.c checkpoint (tokenizer.bin beside it unless -t).
 * Prints the error line itself.
 */
static int open_model(const char *model, const char *tok_path, struct gen_model *gm)
{
	int err = is_gguf(model);

	if (err < 0)
		goto err_model;
	if (err) {
		err = ogx_llama_gguf_open(&gm->gg, model);
		if (err) {
			gm->gg.g = NULL;
			goto err_model;
		}
		gm->w = &gm->gg.w;
		if (tok_path)
			err = ogx_llama2c_tokenizer_load(&gm->tok, tok_path, gm->w->cfg.vocab_size);
		else
			err = ogx_llama_gguf_tokenizer(&gm->gg, &gm->tok);
	} else {
		err = ogx_llama2c_open(&gm->ck, model);
		if (err)
			goto err_model;
		gm->w = &gm->ck.w;
		if (!tok_path)
			tok_path = tok_default_path(model, gm->tok_default);
		err = ogx_llama2c_tokenizer_load(&gm->tok, tok_path, gm->w->cfg.vocab_size);
	}
	if (err)
		goto err_tokenizer;
	/* The tokenizer's digest goes into the record's parameters. */
	gm->tok_digest_path = tok_path ? tok_path : model;
	return 0;

err_tokenizer:
	fprintf(stderr, "%s: %s: %s\n", prog, tok_path ? tok_path : model, ogx_errmsg(err));
	close_model_file(gm);
	return err;
err_model:
	fprintf(stderr, "%s: %s: %s\n", prog, model, ogx_errmsg(err));
	return err;
}

static double per_second(uint64_t n, uint64_t ns)
{
	return ns ? n * 1e9 / ns : 0.0;
}

/* What the command line asks for. */
struct generate_opts {
	const char *model, *tok_path, *prompt, *device, *key, *spool;
	struct ogx_generate_params params;
	uint64_t threads;
	uint32_t level;
	int seeded, record;
	uint64_t t_start; /* when the command started: the record's job time */
};

/* The CPU reference, and on it the Vulkan engine when one is chosen. */
struct gen_engine {
	struct ogx_llama llama;
	struct ogx_vk *vk;
	struct ogx_vk_llama *vm;
	char name[320];
};

static void close_engine(struct gen_engine *e)
{
	ogx_vk_llama_free(e->vm);
	ogx_vk_close(e->vk);
	ogx_llama_fini(&e->llama);
}

/* Prints the error line itself; dev gets the record's device. */
static int open_engine(const struct generate_opts *o, const char *model,
		       const struct ogx_llama_weights *w, struct gen_engine *e,
		       struct ogx_device *dev)
{
	struct ogx_vk_opts vk_opts = { .device = o->device };
	int err = ogx_llama_init(&e->llama, w, o->threads);

	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, model, ogx_errmsg(err));
		return err;
	}
	snprintf(e->name, sizeof(e->name), "%s, %u thread%s", ogx_cpu_isa_name(ogx_matvec_isa()),
		 (unsigned int)o->threads, o->threads == 1 ? "" : "s");
	if (!ogx_vk_engine_choice(o->device)) {
		ogx_device_cpu(dev);
		return 0;
	}
	err = ogx_vk_open(&vk_opts, &e->vk);
	if (err)
		goto err_llama;
	err = ogx_vk_llama_init(e->vk, w, &e->vm);
	if (err)
		goto err_llama;
	ogx_vk_llama_attach(e->vm, &e->llama);
	snprintf(e->name, sizeof(e->name), "vulkan device %d: %s", e->vk->index,
		 e->vk->desc.name);
	ogx_vk_record_device(&e->vk->desc, dev);
	return 0;

err_llama:
	fprintf(stderr, "%s: %s: %s\n", prog, e->vk ? model : "vulkan", ogx_errmsg(err));
	close_engine(e);
	return err;
}

/* Generate, stream, report the speed, then (unless --no-record) the record. */
static int generate_text(const struct generate_opts *o, const char *model, struct gen_model *gm,
		    struct gen_engine *e, struct ogx_signer *signer, struct ogx_record *rec)
{
	struct ogx_generation gen;
	int err;

	rec->time_ns = ogx_now_ns();
	err = ogx_llama_generate(&e->llama, &gm->tok, o->prompt, &o->params, print_piece, NULL,
				 &gen);
	putchar('\n');
	fflush(stdout);
	if (err) {
		fprintf(stderr, "%s: generate: %s\n", prog, ogx_errmsg(err));
		return err;
	}
	fprintf(stderr,
		"%s: prompt %u tokens, %.1f tok/s; generated %zu tokens, %.1f tok/s (%s, seed %llu)\n",
		prog, gen.prompt_steps, per_second(gen.prompt_steps, gen.prompt_ns), gen.n_output,
		per_second(gen.gen_steps, gen.gen_ns), e->name,
		(unsigned long long)o->params.sampling.seed);
	if (o->record)
		err = write_record(signer, rec, model, gm->tok_digest_path, &o->params, &gen,
				   ogx_mono_ns() - o->t_start);
	ogx_generation_free(&gen);
	return err;
}

static int run_generate(const struct generate_opts *o)
{
	char model[PATH_MAX];
	struct ogx_signer signer = { 0 };
	struct ogx_record rec = { 0 };
	struct gen_model gm = { 0 };
	struct gen_engine e = { 0 };
	int err;

	err = ogx_matvec_set_isa(OGX_ISA_AUTO);
	if (err) {
		fprintf(stderr, "%s: generate: %s\n", prog, ogx_errmsg(err));
		return 1;
	}
	if (model_resolve(o->model, model, sizeof(model), NULL))
		return 1;
	if (o->record && open_signer(&signer, o->key, o->spool, o->level,
				     OGX_LEVELS(OGX_LEVEL_VANILLA), NULL, 0))
		return 1;
	err = open_model(model, o->tok_path, &gm);
	if (err)
		goto err_signer;
	err = open_engine(o, model, gm.w, &e, &rec.device);
	if (err)
		goto err_model;
	err = generate_text(o, model, &gm, &e, &signer, &rec);
	close_engine(&e);
err_model:
	close_model(&gm);
err_signer:
	ogx_signer_close(&signer);
	return err ? 1 : 0;
}

/* One option's value; -EINVAL for a value that does not parse, else an exit status. */
static int generate_opt(struct generate_opts *o, int opt, const char *arg)
{
	uint64_t v;
	int err;

	switch (opt) {
	case 'm': o->model = arg; return 0;
	case 't': o->tok_path = arg; return 0;
	case 'p': o->prompt = arg; return 0;
	case 'd': o->device = arg; return 0;
	case 'k': o->key = arg; return 0;
	case 's': o->spool = arg; return 0;
	case 'R': o->record = 0; return 0;
	case 'n':
		if (parse_u64(arg, 1u << 30, &v))
			return -EINVAL;
		if (!v) {
			/* a job of no tokens would be a record of nothing */
			fprintf(stderr, "%s: generate: -n: at least 1 token\n", prog);
			return 2;
		}
		o->params.max_tokens = v;
		return 0;
	case 'T': return parse_float(arg, &o->params.sampling.temperature);
	case 'P': return parse_float(arg, &o->params.sampling.top_p);
	case 'S':
		o->seeded = 1;
		return parse_u64(arg, UINT64_MAX, &o->params.sampling.seed);
	case 'j':
		return parse_u64(arg, 256, &o->threads) || !o->threads ? -EINVAL : 0;
	case 'L':
		err = ogx_level_parse(arg, &o->level);
		if (err) {
			fprintf(stderr, "%s: generate: --level: %s\n", prog, ogx_errmsg(err));
			return 2;
		}
		return 0;
	case 'h': return generate_usage(stdout);
	default: return generate_usage(stderr);
	}
}

static int parse_generate_args(int argc, char **argv, struct generate_opts *o)
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
	int opt, err;

	while ((opt = getopt_long(argc, argv, "m:t:p:n:h", opts, NULL)) != -1) {
		err = generate_opt(o, opt, optarg);
		if (err == -EINVAL) {
			fprintf(stderr, "%s: generate: bad value '%s' for -%s\n", prog, optarg,
				opt == 'T' ? "-temp" : opt == 'P' ? "-top-p" : opt == 'S' ? "-seed" :
				opt == 'j' ? "-threads" : "n");
			return 2;
		}
		if (err || opt == 'h')
			return err;
	}
	if (optind != argc) {
		fprintf(stderr, "%s: generate: unexpected argument '%s'\n", prog, argv[optind]);
		return 2;
	}
	if (!o->model)
		return generate_usage(stderr);
	if (!o->seeded)
		o->params.sampling.seed = (uint64_t)time(NULL);
	err = ogx_sampler_check(&o->params.sampling);
	if (err) {
		fprintf(stderr, "%s: generate: %s\n", prog, ogx_errmsg(err));
		return 2;
	}
	return OGX_ARGS_OK;
}

int generate_main(int argc, char **argv)
{
	struct generate_opts o = {
		.prompt = "",
		.params = {
			.sampling = { .temperature = 1.0f, .top_p = 0.9f },
			.max_tokens = 256,
		},
		.threads = 1,
		.level = OGX_LEVEL_VANILLA,
		.record = 1,
		.t_start = ogx_mono_ns(),
	};
	int rc = parse_generate_args(argc, argv, &o);

	return rc == OGX_ARGS_OK ? run_generate(&o) : rc;
}
