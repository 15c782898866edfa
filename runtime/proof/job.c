// SPDX-License-Identifier: GPL-2.0
/* See job.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proof/job.h"
#include "util/err.h"
#include "util/hex.h"

static void set_text(struct ogx_record *r, const char *text, size_t len)
{
	memcpy(r->job, text, len);
	r->job[len] = '\0';
	ogx_sha256(r->params, text, len);
}


static int generate_range(const struct ogx_job_generate *g)
{
	if (!isfinite(g->temperature) || g->temperature < 0)
		return ogx_fail(-EINVAL, "temperature %g: want a finite value >= 0",
				(double)g->temperature);
	if (!(g->top_p > 0 && g->top_p <= 1))
		return ogx_fail(-EINVAL, "top_p %g: want 0 < top_p <= 1", (double)g->top_p);
	if (!g->max_tokens)
		return ogx_fail(-EINVAL, "max_tokens 0: a job generates at least one token");
	return 0;
}

/* The canonical text of g into buf (OGX_JOB_TEXT_MAX): greedy says top_p=1 seed=0. */
static int generate_text(const struct ogx_job_generate *g, char *buf)
{
	char tok[2 * OGX_DIGEST_LEN + 1];
	bool greedy = g->temperature == 0;
	int n;

	ogx_hex(tok, g->tokenizer, OGX_DIGEST_LEN);
	n = snprintf(buf, OGX_JOB_TEXT_MAX,
		     OGX_JOB_GENERATE_PREFIX "temperature=%.9g top_p=%.9g seed=%llu max_tokens=%u "
		     "tokenizer=%s", greedy ? 0.0 : (double)g->temperature,
		     greedy ? 1.0 : (double)g->top_p,
		     greedy ? 0ull : (unsigned long long)g->seed, g->max_tokens, tok);
	if (n < 0 || n >= OGX_JOB_TEXT_MAX)
		return -ENOSPC;
	return n;
}

void ogx_job_record_classify(struct ogx_record *r, const uint8_t *image, size_t n_image,
			     const void *out_words, size_t n_out)
{
	ogx_sha256(r->input, image, n_image);
	ogx_job_digest_le32(r->output, out_words, n_out);
	set_text(r, OGX_JOB_CLASSIFY_TEXT, sizeof(OGX_JOB_CLASSIFY_TEXT) - 1);
}

int ogx_job_record_generate(struct ogx_record *r, const uint32_t *input, size_t n_input,
			    const uint32_t *output, size_t n_output,
			    const struct ogx_job_generate *g)
{
	char text[OGX_JOB_TEXT_MAX];
	int n = generate_range(g);

	if (n)
		return n;
	n = generate_text(g, text);
	if (n < 0)
		return n;
	ogx_job_digest_le32(r->input, input, n_input);
	ogx_job_digest_le32(r->output, output, n_output);
	set_text(r, text, (size_t)n);
	return 0;
}

void ogx_job_digest_le32(uint8_t out[OGX_DIGEST_LEN], const void *words, size_t n)
{
	const uint8_t *w = words;
	struct ogx_sha256_ctx ctx;
	uint8_t le[256];
	size_t i, k;

	ogx_sha256_init(&ctx);
	for (i = 0; i < n;) {
		for (k = 0; k < sizeof(le) && i < n; k += 4, i++) {
			uint32_t v;

			memcpy(&v, w + 4 * i, 4);
			le[k] = (uint8_t)v;
			le[k + 1] = (uint8_t)(v >> 8);
			le[k + 2] = (uint8_t)(v >> 16);
			le[k + 3] = (uint8_t)(v >> 24);
		}
		ogx_sha256_update(&ctx, le, k);
	}
	ogx_sha256_final(&ctx, out);
}

/* One "name=value" field of a generation text; *s moves past it and one space. */
static int field(const char **s, const char *name, char *val, size_t size, bool last)
{
	size_t nl = strlen(name), vl;

	if (strncmp(*s, name, nl) || (*s)[nl] != '=')
		return ogx_fail(-EBADMSG, "job: want %s= at \"%.20s\"", name, *s);
	*s += nl + 1;
	vl = strcspn(*s, " ");
	if (!vl || vl >= size)
		return ogx_fail(-EBADMSG, "job: %s: empty or too long", name);
	memcpy(val, *s, vl);
	val[vl] = '\0';
	*s += vl;
	if (last ? **s != '\0' : **s != ' ')
		return ogx_fail(-EBADMSG, "job: after %s: want %s", name,
				last ? "the end of the text" : "one space");
	if (!last)
		(*s)++;
	return 0;
}

static int parse_generate(const char *text, struct ogx_job_generate *g)
{
	const char *s = text + strlen(OGX_JOB_GENERATE_PREFIX);
	char t[32], p[32], seed[32], mt[32], tok[2 * OGX_DIGEST_LEN + 2];
	char *end;
	unsigned long long v;
	int err;

	if ((err = field(&s, "temperature", t, sizeof(t), false)) ||
	    (err = field(&s, "top_p", p, sizeof(p), false)) ||
	    (err = field(&s, "seed", seed, sizeof(seed), false)) ||
	    (err = field(&s, "max_tokens", mt, sizeof(mt), false)) ||
	    (err = field(&s, "tokenizer", tok, sizeof(tok), true)))
		return err;
	memset(g, 0, sizeof(*g));
	errno = 0;
	g->temperature = strtof(t, &end);
	if (errno || *end)
		return ogx_fail(-EBADMSG, "job: temperature '%s' is not a number", t);
	g->top_p = strtof(p, &end);
	if (errno || *end)
		return ogx_fail(-EBADMSG, "job: top_p '%s' is not a number", p);
	v = strtoull(seed, &end, 10);
	if (errno || *end || seed[0] == '-')
		return ogx_fail(-EBADMSG, "job: seed '%s' is not a number", seed);
	g->seed = v;
	v = strtoull(mt, &end, 10);
	if (errno || *end || mt[0] == '-' || v > UINT32_MAX)
		return ogx_fail(-EBADMSG, "job: max_tokens '%s' is not a number", mt);
	g->max_tokens = (uint32_t)v;
	if (strlen(tok) != 2 * OGX_DIGEST_LEN || ogx_unhex(g->tokenizer, OGX_DIGEST_LEN, tok))
		return ogx_fail(-EBADMSG, "job: tokenizer: want %d hex digits", 2 * OGX_DIGEST_LEN);
	return 0;
}

int ogx_job_check(const struct ogx_record *r, enum ogx_job_kind *kind,
		  struct ogx_job_generate *g)
{
	struct ogx_job_generate gen;
	char canon[OGX_JOB_TEXT_MAX];
	uint8_t params[OGX_DIGEST_LEN];
	enum ogx_job_kind k;
	size_t len = strnlen(r->job, sizeof(r->job));
	int err;

	if (len == sizeof(OGX_JOB_CLASSIFY_TEXT) - 1 && !memcmp(r->job, OGX_JOB_CLASSIFY_TEXT, len)) {
		k = OGX_JOB_CLASSIFY;
	} else if (!strncmp(r->job, OGX_JOB_GENERATE_PREFIX, strlen(OGX_JOB_GENERATE_PREFIX))) {
		k = OGX_JOB_GENERATE;
		if ((err = parse_generate(r->job, &gen)))
			return err;
		if ((err = generate_range(&gen)))
			return ogx_fail(-EBADMSG, "job: %s", ogx_errmsg(err));
		if (generate_text(&gen, canon) < 0 || strcmp(canon, r->job))
			return ogx_fail(-EBADMSG, "job: not in canonical form (want \"%s\")", canon);
		if (g)
			*g = gen;
	} else {
		char shown[96];
		size_t o = 0;

		/* The start of the text, its line breaks shown as \n (the message is one line). */
		for (size_t i = 0; i < len && i < 40 && o + 3 < sizeof(shown); i++) {
			if (r->job[i] == '\n') {
				shown[o++] = '\\';
				shown[o++] = 'n';
			} else {
				shown[o++] = (char)((unsigned char)r->job[i] < 0x20 ? '?' : r->job[i]);
			}
		}
		shown[o] = '\0';
		return ogx_fail(-EBADMSG, "job: unknown kind of job \"%s%s\"", shown,
				len > 40 ? "..." : "");
	}
	ogx_sha256(params, r->job, len);
	if (memcmp(params, r->params, OGX_DIGEST_LEN))
		return ogx_fail(-EBADMSG, "params is not the SHA-256 of the job text");
	if (kind)
		*kind = k;
	return 0;
}

const char *ogx_job_kind_name(enum ogx_job_kind kind)
{
	switch (kind) {
	case OGX_JOB_CLASSIFY:
		return "classify";
	case OGX_JOB_GENERATE:
		return "generate";
	}
	return "unknown";
}
