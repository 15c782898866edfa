// SPDX-License-Identifier: GPL-2.0
/*
 * How far generation on the CPU is from the physical limit: one generated
 * token reads every weight matrix once, so tokens/s can never exceed
 * (read bandwidth) / (bytes of weights per token). For stories260K and the
 * synthetic 15M-shape model in F32, F16, Q8_0 and Q4_0, with 1 and 2
 * threads, this prints
 *
 *   - the weight bytes one token reads (every matrix, the classifier
 *     included, plus the norms and one embedding row);
 *   - the ceiling: read bandwidth measured here, now, over a buffer of that
 *     same size read over and over (as the weights are, token after token),
 *     with as many threads each reading its share, best of many passes; a
 *     working set that fits in the last-level cache reads at cache speed,
 *     one that does not at DRAM speed, and the ceiling says which;
 *   - the generation speed (greedy, one ogx_llama_forward() and one
 *     ogx_argmax() per token, GEN tokens after a short prompt, best of RUNS)
 *     and the bandwidth that makes, weight bytes x tokens/s, as a fraction
 *     of the ceiling.
 *
 * Also the DRAM figure (a 512 MiB buffer) for reference. The machine is
 * shared: read the best-of figures, and the load average printed beside them.
 * Writes JSON to $OGX_BENCH_JSON; never fails on a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "model/llama.h"
#include "model/llama2c.h"
#include "model/llama_gguf.h"
#include "model/llama_synth.h"
#include "model/sampler.h"
#include "util/err.h"
#include "util/pool.h"

#define RUNS 5
#define GEN 128
#define PROMPT 8
#define READ_BYTES_MIN (1ull << 30)	/* bytes read per bandwidth measurement, at least */
#define DRAM_BYTES (512ull << 20)

struct row {
	char model[48];
	const char *isa;
	double mib;				/* weight bytes per token, MiB */
	double ceiling[2];			/* GB/s, 1 and 2 threads */
	double tps[2], achieved[2];		/* tokens/s; GB/s */
};

static struct row rows[16];
static int nrows;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

static size_t matrix_bytes(const struct ogx_matrix *m)
{
	return ogx_wtype_row_bytes(m->type, m->cols) * m->rows;
}

/* What one generated token reads of the weights. */
static size_t bytes_per_token(const struct ogx_llama_weights *w)
{
	const struct ogx_llama_config *c = &w->cfg;
	size_t b = ogx_wtype_row_bytes(w->tok_embd.type, w->tok_embd.cols) + matrix_bytes(&w->output);

	for (uint32_t l = 0; l < c->n_layers; l++) {
		const struct ogx_llama_layer *y = &w->layers[l];

		b += matrix_bytes(&y->wq) + matrix_bytes(&y->wk) + matrix_bytes(&y->wv) +
		     matrix_bytes(&y->wo) + matrix_bytes(&y->w1) + matrix_bytes(&y->w2) +
		     matrix_bytes(&y->w3) + 2 * c->dim * sizeof(float);
	}
	return b + c->dim * sizeof(float);
}

struct read_job {
	const uint8_t *buf;
	size_t size;
	uint64_t sink[2][8];
};

#if defined(__x86_64__)
__attribute__((target("avx2")))
static uint64_t read_avx2(const uint8_t *p, size_t n)
{
	__m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
	uint64_t out[4];

	for (size_t i = 0; i + 128 <= n; i += 128) {
		a = _mm256_add_epi64(a, _mm256_load_si256((const __m256i *)(p + i)));
		b = _mm256_add_epi64(b, _mm256_load_si256((const __m256i *)(p + i + 32)));
		c = _mm256_add_epi64(c, _mm256_load_si256((const __m256i *)(p + i + 64)));
		d = _mm256_add_epi64(d, _mm256_load_si256((const __m256i *)(p + i + 96)));
	}
	_mm256_storeu_si256((__m256i *)out, _mm256_add_epi64(_mm256_add_epi64(a, b),
							    _mm256_add_epi64(c, d)));
	return out[0] + out[1] + out[2] + out[3];
}
#endif

static uint64_t read_bytes(const uint8_t *p, size_t n)
{
	uint64_t s[4] = { 0 }, v[4];

#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		return read_avx2(p, n);
#endif
	for (size_t i = 0; i + 32 <= n; i += 32) {
		memcpy(v, p + i, 32);
		for (int k = 0; k < 4; k++)
			s[k] += v[k];
	}
	return s[0] + s[1] + s[2] + s[3];
}

/* Part p of n reads its share, 128-byte aligned, as matvec splits rows. */
static void read_part(void *arg, unsigned int part, unsigned int nparts)
{
	struct read_job *j = arg;
	size_t begin = j->size * part / nparts & ~(size_t)127;
	size_t end = part + 1 == nparts ? j->size : j->size * (part + 1) / nparts & ~(size_t)127;

	j->sink[part & 1][0] += read_bytes(j->buf + begin, end - begin);
}

/* Best read bandwidth over a buffer of size bytes, GB/s, with the pool's threads. */
static double read_bandwidth(struct ogx_pool *pool, size_t size)
{
	struct read_job j = { .size = (size + 127) & ~(size_t)127 };
	uint8_t *buf = aligned_alloc(64, j.size);
	unsigned int passes = (unsigned int)(READ_BYTES_MIN / j.size) + 3;
	double best = 0;

	if (!buf) {
		fprintf(stderr, "roofline_bench: out of memory for %zu bytes\n", j.size);
		exit(1);
	}
	memset(buf, 1, j.size);
	j.buf = buf;
	for (unsigned int i = 0; i < passes; i++) {
		double t0 = now(), bw;

		ogx_pool_run(pool, read_part, &j, ogx_pool_threads(pool));
		bw = j.size / (now() - t0) / 1e9;
		best = bw > best ? bw : best;
	}
	free(buf);
	return best;
}

/* Best tokens/s of GEN greedy steps after PROMPT prompt tokens. */
static double generation(const struct ogx_llama_weights *w, unsigned int threads)
{
	uint32_t prompt[PROMPT];
	struct ogx_llama m;
	double best = 0;
	int err = ogx_llama_init(&m, w, threads);

	if (err) {
		fprintf(stderr, "roofline_bench: %s\n", ogx_errmsg(err));
		exit(1);
	}
	for (uint32_t i = 0; i < PROMPT; i++)
		prompt[i] = (i * 7919u + 1) % w->cfg.vocab_size;
	for (int run = 0; run < RUNS; run++) {
		uint32_t token = ogx_argmax(ogx_llama_forward_batch(&m, prompt, PROMPT, 0, 1),
					    w->cfg.vocab_size);
		double t0 = now(), tps;

		for (uint32_t pos = PROMPT; pos < PROMPT + GEN; pos++)
			token = ogx_argmax(ogx_llama_forward(&m, token, pos, 1), w->cfg.vocab_size);
		tps = GEN / (now() - t0);
		best = tps > best ? tps : best;
	}
	ogx_llama_fini(&m);
	return best;
}

static void measure(const char *model, const struct ogx_llama_weights *w, struct ogx_pool **pools)
{
	struct row *r = &rows[nrows++];
	size_t bytes = bytes_per_token(w);

	snprintf(r->model, sizeof(r->model), "%s", model);
	r->isa = ogx_cpu_isa_name(ogx_matvec_isa());
	r->mib = bytes / 1048576.0;
	for (int t = 0; t < 2; t++) {
		r->ceiling[t] = read_bandwidth(pools[t], bytes);
		r->tps[t] = generation(w, t + 1);
		r->achieved[t] = r->tps[t] * bytes / 1e9;
	}
	printf("%-22s %9.2f %8.1f %8.1f %9.0f %8.1f %5.0f%% %9.0f %8.1f %5.0f%%   %.2f\n", r->model,
	       r->mib, r->ceiling[0], r->ceiling[1], r->tps[0], r->achieved[0],
	       100 * r->achieved[0] / r->ceiling[0], r->tps[1], r->achieved[1],
	       100 * r->achieved[1] / r->ceiling[1], loadavg());
	fflush(stdout);
}

static void write_json(const char *path, const double dram[2], double load0, double load1)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		return;
	}
	fprintf(f, "{\n  \"bench\": \"roofline\",\n  \"isa\": \"%s\",\n  \"gen_tokens\": %d,\n",
		ogx_cpu_isa_name(ogx_matvec_isa()), GEN);
	fprintf(f, "  \"load_average\": [%.2f, %.2f],\n  \"dram_read_gb_per_s\": [%.2f, %.2f],\n",
		load0, load1, dram[0], dram[1]);
	fprintf(f, "  \"results\": [\n");
	for (int i = 0; i < nrows; i++) {
		struct row *r = &rows[i];

		fprintf(f, "    {\"model\": \"%s\", \"weight_mib_per_token\": %.3f", r->model, r->mib);
		for (int t = 0; t < 2; t++)
			fprintf(f, ", \"threads_%d\": {\"ceiling_gb_per_s\": %.2f, \"gen_tokens_per_s\": %.1f, \"achieved_gb_per_s\": %.2f, \"fraction\": %.3f}",
				t + 1, r->ceiling[t], r->tps[t], r->achieved[t],
				r->achieved[t] / r->ceiling[t]);
		fprintf(f, "}%s\n", i + 1 < nrows ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	fclose(f);
}

int main(void)
{
	static const enum ogx_wtype types[] = { OGX_WTYPE_F32, OGX_WTYPE_F16, OGX_WTYPE_Q8_0,
						OGX_WTYPE_Q4_0 };
	const char *models = getenv("OGX_MODELS"), *json = getenv("OGX_BENCH_JSON");
	char path[512], tmp[] = "/tmp/ogx-roofline-XXXXXX";
	struct ogx_pool *pools[2];
	struct ogx_llama_weights synth;
	struct ogx_llama2c ck;
	double dram[2], load0 = loadavg();
	int err, fd;

	for (int t = 0; t < 2; t++) {
		err = ogx_pool_create(&pools[t], t + 1);
		if (err) {
			fprintf(stderr, "roofline_bench: %s\n", ogx_errmsg(err));
			return 1;
		}
	}
	for (int t = 0; t < 2; t++)
		dram[t] = read_bandwidth(pools[t], DRAM_BYTES);
	printf("# CPU generation against the read-bandwidth ceiling (%s kernels); load average %.2f\n",
	       ogx_cpu_isa_name(ogx_matvec_isa()), load0);
	printf("# ceiling: best read of a buffer the size of the weights per token; DRAM (512 MiB): %.1f GB/s (1 thread), %.1f (2)\n",
	       dram[0], dram[1]);
	printf("# gen: %d greedy tokens after %d, best of %d; achieved = MiB/token x tok/s\n", GEN,
	       PROMPT, RUNS);
	printf("%-22s %9s %8s %8s %9s %8s %6s %9s %8s %6s   %s\n", "model", "MiB/tok", "ceil 1T",
	       "ceil 2T", "tok/s 1T", "GB/s 1T", "of 1T", "tok/s 2T", "GB/s 2T", "of 2T", "load");

	snprintf(path, sizeof(path), "%s/stories260K/stories260K.bin",
		 models && *models ? models : "../shared/models");
	err = ogx_llama2c_open(&ck, path);
	if (!err) {
		measure("stories260K F32", &ck.w, pools);
		ogx_llama2c_close(&ck);
	} else {
		printf("%-22s (skipped: %s)\n", "stories260K F32", ogx_errmsg(err));
	}

	fd = mkstemp(tmp);
	if (fd < 0 || (close(fd), err = ogx_llama_synth(&ogx_llama_shape_15m, 15, &synth))) {
		fprintf(stderr, "roofline_bench: synthetic 15M: %s\n",
			fd < 0 ? "mkstemp failed" : ogx_errmsg(err));
		return 1;
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct ogx_llama_gguf g;
		char name[48];

		err = ogx_llama_gguf_save(&synth, NULL, types[i], "roofline", tmp, NULL);
		err = err ?: ogx_llama_gguf_open(&g, tmp);
		if (err) {
			fprintf(stderr, "roofline_bench: %s: %s\n", tmp, ogx_errmsg(err));
			unlink(tmp);
			return 1;
		}
		snprintf(name, sizeof(name), "15M shape %s", ogx_wtype_name(types[i]));
		measure(name, &g.w, pools);
		ogx_llama_gguf_close(&g);
	}
	unlink(tmp);
	ogx_llama_synth_free(&synth);
	for (int t = 0; t < 2; t++)
		ogx_pool_destroy(pools[t]);
	if (json)
		write_json(json, dram, load0, loadavg());
	return 0;
}
