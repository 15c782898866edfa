// SPDX-License-Identifier: GPL-2.0
/*
 * Sampling cost per token over a 32,000-entry vocabulary (stories15M's), the
 * step ogrun generate runs after every forward pass: greedy argmax at each
 * kernel level the CPU has, then temperature sampling over the whole
 * distribution (top-p 1) and nucleus sampling (top-p 0.9), on two kinds of
 * logits: "peaked" (a trained model's shape: a few tokens far above the rest)
 * and "flat" (a random model's: every token within a few units, so the
 * nucleus holds most of the vocabulary). Each figure is the median of ROUNDS
 * calls, each on a fresh copy of the logits (the sampler overwrites them; the
 * copy is not timed), with min and p90 beside it. Prints a table; writes JSON
 * to $OGX_BENCH_JSON; never fails on a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/matvec.h"
#include "model/sampler.h"
#include "util/err.h"

#define VOCAB 32000
#define ROUNDS 301

struct row {
	const char *what, *logits, *isa;
	double p50, min, p90;
};

static struct row rows[32];
static int nrows;

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* Roughly normal: the sum of four uniforms, centred, unit variance. */
static float normal(uint64_t *s)
{
	float u = 0;

	for (int i = 0; i < 4; i++)
		u += (float)lcg(s) / 2147483648.0f;
	return (u - 2.0f) * 1.7320508f;
}

static void make_logits(float *l, int peaked)
{
	uint64_t s = peaked ? 7 : 8;

	for (uint32_t i = 0; i < VOCAB; i++)
		l[i] = peaked ? 2.5f * normal(&s) : 0.5f * normal(&s);
	if (peaked)	/* a handful of likely tokens, as after a trained model's forward */
		for (int k = 0; k < 8; k++)
			l[lcg(&s) % VOCAB] = 14.0f - k;
}

static void measure(const char *what, const char *kind, const float *logits,
		    const struct ogx_sampler_params *p)
{
	static float work[VOCAB];
	static double t[ROUNDS];
	struct ogx_sampler s;
	struct row *r = &rows[nrows++];
	volatile uint32_t sink = 0;

	if (ogx_sampler_init(&s, VOCAB, p)) {
		fprintf(stderr, "sampler_bench: %s\n", ogx_errmsg(-EINVAL));
		exit(1);
	}
	for (int i = 0; i < ROUNDS; i++) {
		double t0;

		memcpy(work, logits, sizeof(work));
		t0 = now_us();
		sink += ogx_sampler_sample(&s, work);
		t[i] = now_us() - t0;
	}
	(void)sink;
	ogx_sampler_free(&s);
	qsort(t, ROUNDS, sizeof(t[0]), cmp_double);
	*r = (struct row){ .what = what, .logits = kind, .isa = ogx_cpu_isa_name(ogx_matvec_isa()),
			   .p50 = t[ROUNDS / 2], .min = t[0], .p90 = t[ROUNDS * 9 / 10] };
	printf("%-22s %-7s %-9s %10.2f %10.2f %10.2f\n", r->what, r->logits, r->isa, r->p50, r->min,
	       r->p90);
}

int main(void)
{
	static const enum ogx_cpu_isa isas[] = { OGX_ISA_PORTABLE, OGX_ISA_AVX2, OGX_ISA_AVX512 };
	static const struct ogx_sampler_params greedy = { .temperature = 0.0f, .top_p = 0.9f,
							  .seed = 1 };
	static const struct ogx_sampler_params temp = { .temperature = 1.0f, .top_p = 1.0f,
							.seed = 1 };
	static const struct ogx_sampler_params nucleus = { .temperature = 1.0f, .top_p = 0.9f,
							   .seed = 1 };
	static float logits[2][VOCAB];
	const char *json = getenv("OGX_BENCH_JSON");
	int err;

	make_logits(logits[0], 1);
	make_logits(logits[1], 0);
	printf("# sampling one token from %d logits: median of %d calls, us (min, p90 beside)\n",
	       VOCAB, ROUNDS);
	printf("%-22s %-7s %-9s %10s %10s %10s\n", "sampler", "logits", "kernel", "p50 us", "min us",
	       "p90 us");
	for (size_t i = 0; i < sizeof(isas) / sizeof(isas[0]); i++) {
		if (ogx_matvec_set_isa(isas[i]))
			continue;	/* not on this CPU */
		measure("greedy (argmax)", "peaked", logits[0], &greedy);
		measure("greedy (argmax)", "flat", logits[1], &greedy);
	}
	err = ogx_matvec_set_isa(OGX_ISA_AUTO);
	if (err) {
		fprintf(stderr, "sampler_bench: %s\n", ogx_errmsg(err));
		return 1;
	}
	for (int k = 0; k < 2; k++) {
		measure("temperature 1, top-p 1", k ? "flat" : "peaked", logits[k], &temp);
		measure("temperature 1, top-p 0.9", k ? "flat" : "peaked", logits[k], &nucleus);
	}
	if (json) {
		FILE *f = fopen(json, "w");

		if (!f) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\n  \"bench\": \"sampler\",\n  \"vocab\": %d,\n  \"unit\": \"us per token\",\n  \"results\": [\n",
			VOCAB);
		for (int i = 0; i < nrows; i++)
			fprintf(f, "    {\"sampler\": \"%s\", \"logits\": \"%s\", \"kernel\": \"%s\", \"p50_us\": %.3f, \"min_us\": %.3f, \"p90_us\": %.3f}%s\n",
				rows[i].what, rows[i].logits, rows[i].isa, rows[i].p50, rows[i].min,
				rows[i].p90, i + 1 < nrows ? "," : "");
		fprintf(f, "  ]\n}\n");
		fclose(f);
	}
	return 0;
}
