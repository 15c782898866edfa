/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a record's digests mean: for each kind of job, the canonical bytes
 * hashed into its input, output and params digests, and its `job` text (the
 * canonical parameter text, whose SHA-256 is `params`). The one definition:
 * `ogrun run`, `ogrun generate`, `ogrun serve` write records with these
 * functions, and every verifier checks a record's job text with
 * ogx_job_check(). Documentation/proof-record.md states the same recipes.
 *
 *	classify   input   the image, 784 unsigned bytes row-major (28x28)
 *	           output  int8 model: the logits as little-endian int32;
 *	                   f32 model: the probabilities as little-endian binary32
 *	           job     "ogx-params-v1\ntask=classify\n"
 *	generate   input   the prompt's token ids (BOS first), little-endian int32
 *	           output  the generated ids (the stop token not included), the same
 *	           job     "ogx-generate-v1 temperature=T top_p=P seed=S max_tokens=N
 *	                   tokenizer=H" (one line): T and P are the binary32 values
 *	                   printed with %.9g (exact round trip), H the SHA-256 (hex) of
 *	                   the tokenizer file; greedy jobs (T = 0) say top_p=1 seed=0,
 *	                   since neither changes the output
 */
#ifndef OGX_PROOF_JOB_H
#define OGX_PROOF_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "proof/record.h"
#include "util/err.h"

enum ogx_job_kind {
	OGX_JOB_CLASSIFY = 1,
	OGX_JOB_GENERATE = 2,
};

#define OGX_JOB_CLASSIFY_TEXT "ogx-params-v1\ntask=classify\n"
#define OGX_JOB_GENERATE_PREFIX "ogx-generate-v1 "

/* The parameters of a generation job that change its output. */
struct ogx_job_generate {
	float temperature; /* 0: greedy */
	float top_p;       /* (0, 1] */
	uint64_t seed;
	uint32_t max_tokens;
	uint8_t tokenizer[OGX_DIGEST_LEN]; /* SHA-256 of the tokenizer file */
};

/*
 * A classification's input, output, params digests and job text: the image's
 * n_image bytes; n_out output words (int32 logits or binary32 probabilities,
 * in host order: hashed little-endian).
 */
void ogx_job_record_classify(struct ogx_record *r, const uint8_t *image, size_t n_image,
			     const void *out_words, size_t n_out);

/* A generation's: the prompt's and the generated token ids; -EINVAL when g is out of range. */
OGX_MUST_CHECK
int ogx_job_record_generate(struct ogx_record *r, const uint32_t *input, size_t n_input,
			    const uint32_t *output, size_t n_output,
			    const struct ogx_job_generate *g);

/* The digest of n words as little-endian 32-bit values. */
void ogx_job_digest_le32(uint8_t out[OGX_DIGEST_LEN], const void *words, size_t n);

/*
 * The recipe rule: r->job is the canonical text of a known job kind (byte for
 * byte what ogx_job_set_*() writes for the values it states) and r->params is
 * its SHA-256. -EBADMSG with a detail otherwise. kind and g may be NULL; g is
 * filled for a generation.
 */
OGX_MUST_CHECK
int ogx_job_check(const struct ogx_record *r, enum ogx_job_kind *kind,
		  struct ogx_job_generate *g);

const char *ogx_job_kind_name(enum ogx_job_kind kind);

#endif
