// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun run -m MODEL -i INPUT [--level vanilla] [--labels FILE] [--limit N]
 *           [--batch N] [--key FILE] [--spool DIR] [--save DIR] [--device N|cpu] [-q]
 *
 * Runs classification jobs and writes one signed proof record per job to the
 * spool. INPUT is one image (784 raw uint8 pixels) or an IDX image file
 * (gzip'd or not), which is one job per image. Records of up to --batch jobs
 * are made durable together (group commit: one fdatasync), and a job is
 * reported only after its record is durable.
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/idx.h"
#include "model/mlp.h"
#include "model/mlp_gguf.h"
#include "ogrun.h"
#include "proof/kmod_evidence.h"
#include "proof/signer.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/file.h"
#include "util/cli.h"
#include "util/hex.h"
#include "proof/job.h"
#include "vk/describe.h"
#include "vk/device.h"
#include "vk/mlp.h"

#define MAX_CLASSES 64

struct run_opts {
	const char *model, *input, *labels, *key, *spool, *save;
	uint32_t level;
	struct ogx_kmod *kmod; /* --level tee: /dev/ogx, the kernel evidence */
	const char *device;    /* --device N|cpu */
	struct ogx_vk_mlp *vm; /* the model on the Vulkan engine, or NULL: CPU */
	size_t limit, batch;
	int quiet;
};

struct job {
	size_t index;
	unsigned int cls;
	uint8_t id[OGX_DIGEST_LEN];
	uint64_t seq;
	const char *evidence; /* its record's evidence label */
};

static int usage(FILE *f)
{
	fprintf(f,
		"Usage: %s run -m MODEL -i INPUT [options]\n"
		"  -m, --model MODEL   classifier (store name, id, id prefix or path; mnist-fc f32\n"
		"                      or ogx-mlp-q8 GGUF)\n"
		"  -i, --input FILE    784 raw uint8 pixels, or an IDX image file (one job each)\n"
		"      --level LEVEL   vanilla (default), or tee: with ogx.ko's kernel evidence\n"
		"                      (kmod-sw, or kmod-tpm with a PCR); zkml needs its prover\n"
		"      --labels FILE   IDX labels: report accuracy\n"
		"      --limit N       at most N jobs\n"
		"      --batch N       jobs per group commit (default 64)\n"
		"      --key FILE      node key (default $OGX_HOME/node.key)\n"
		"      --spool DIR     spool (default $OGX_HOME/spool)\n"
		"      --save DIR      also write each job's record, input and output there\n"
		"      --device N|cpu  Vulkan device N (int8 models) or the CPU; default: a GPU\n"
		"                      when there is one, else the CPU ($OGX_VK_DEVICE likewise)\n"
		"  -q, --quiet         no line per job, only the summary\n", prog);
	return f == stdout ? 0 : 2;
}

static int parse_size(const char *opt, const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || errno || v == 0 || v > SIZE_MAX || *s == '-') {
		fprintf(stderr, "%s: run: %s: '%s' is not a positive number\n", prog, opt, s);
		return -EINVAL;
	}
	*out = (size_t)v;
	return 0;
}

static int save_job(const char *dir, uint64_t seq, const char *leaf, const void *data,
		    size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%" PRIu64 ".%s", dir, seq, leaf);
	return ogx_write_file_atomic(path, data, len, 0644, 0);
}

/* --save: the job's record, input and output, named by its seq. */
static int save_job_files(const char *dir, const struct ogx_record *r, const void *input,
			  size_t in_len, const void *output, size_t out_len)
{
	uint8_t *rec;
	size_t len;
	int err;

	err = ogx_record_encode(r, true, &rec, &len);
	if (err)
		return err;
	err = save_job(dir, r->seq, "cbor", rec, len);
	free(rec);
	if (err)
		return err;
	err = save_job(dir, r->seq, "input", input, in_len);
	if (err)
		return err;
	return save_job(dir, r->seq, "output", output, out_len);
}

/* One job: infer, hash, sign, append. out gets the output bytes. */
static int run_one(struct ogx_signer *p, const struct ogx_mlp *m, const uint8_t *pixels,
		   const struct ogx_record *proto, const struct run_opts *o, struct job *j,
		   uint64_t *compute_ns, uint64_t *proof_ns)
{
	uint32_t n_in = ogx_mlp_n_in(m), n_out = ogx_mlp_n_out(m);
	union {
		int32_t logits[MAX_CLASSES];
		float probs[MAX_CLASSES];
	} out;
	float x[OGX_MLP_MAX_WIDTH];
	struct ogx_record r = *proto;
	uint64_t t0 = ogx_mono_ns(), t1;
	size_t out_len = n_out * 4;
	int err;

	r.time_ns = ogx_now_ns();
	if (o->vm) {
		err = ogx_vk_mlp_q8_forward(o->vm, pixels, 1, out.logits);
		j->cls = ogx_argmax_i32(out.logits, n_out);
	} else if (m->kind == OGX_MLP_Q8) {
		err = ogx_mlp_q8_forward(m, pixels, 1, out.logits);
		j->cls = ogx_argmax_i32(out.logits, n_out);
	} else {
		for (uint32_t k = 0; k < n_in; k++)
			x[k] = pixels[k] / 255.0f;
		err = ogx_mlp_f32_forward(m, x, 1, out.probs);
		j->cls = ogx_argmax_f32(out.probs, n_out);
	}
	if (err)
		return err;
	t1 = ogx_mono_ns();
	r.infer_ns = t1 - t0;
	ogx_job_record_classify(&r, pixels, n_in, &out, out_len / 4);
	r.job_ns = ogx_mono_ns() - t0;
	if (o->kmod) {
		err = ogx_kmod_evidence_add(o->kmod, &r, NULL);
		if (err)
			goto err_record;
	}
	err = ogx_signer_add(p, &r, j->id);
	if (err)
		goto err_record;
	j->seq = r.seq;
	j->evidence = ogx_evidence_label(&r);
	*compute_ns += t1 - t0;
	*proof_ns += ogx_mono_ns() - t1;
	if (o->save)
		err = save_job_files(o->save, &r, pixels, n_in, &out, out_len);
err_record:
	ogx_record_free(&r);
	return err;
}

static void print_job(const struct job *j, const struct ogx_idx *labels)
{
	char h[2 * OGX_DIGEST_LEN + 1];

	ogx_hex(h, j->id, OGX_DIGEST_LEN);
	printf("job %zu: class %u", j->index, j->cls);
	if (labels)
		printf(" (label %u%s)", labels->data[j->index],
		       labels->data[j->index] == j->cls ? "" : ", wrong");
	printf("  record %s seq %" PRIu64 "\n", h, j->seq);
}

static int parse_run_args(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "input", required_argument, NULL, 'i' },
		{ "level", required_argument, NULL, 'L' },
		{ "labels", required_argument, NULL, 'l' },
		{ "limit", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "key", required_argument, NULL, 'k' },
		{ "spool", required_argument, NULL, 's' },
		{ "save", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c, err;

	o->batch = 64;
	while ((c = getopt_long(argc, argv, "m:i:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'i': o->input = optarg; break;
		case 'l': o->labels = optarg; break;
		case 'k': o->key = optarg; break;
		case 's': o->spool = optarg; break;
		case 'S': o->save = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'd': o->device = optarg; break;
		case 'L':
			err = ogx_level_parse(optarg, &o->level);
			if (err) {
				fprintf(stderr, "%s: run: --level: %s\n", prog, ogx_errmsg(err));
				return 2;
			}
			break;
		case 'n':
			if (parse_size("--limit", optarg, &o->limit))
				return 2;
			break;
		case 'b':
			if (parse_size("--batch", optarg, &o->batch))
				return 2;
			break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: run: unexpected argument '%s'\n", prog, argv[optind]);
		return 2;
	}
	if (!o->model || !o->input) {
		fprintf(stderr, "%s: run: -m MODEL and -i INPUT are required\n", prog);
		return usage(stderr);
	}
	return OGX_ARGS_OK;
}

/*
 * Images from INPUT: an IDX file, or one raw image of n_in bytes. A regular
 * file only: /dev/zero would be read up to OGX_IDX_MAX_BYTES before it is
 * refused.
 */
static int load_images(const char *path, uint32_t n_in, struct ogx_idx *img)
{
	uint8_t *buf;
	size_t len;
	int err = ogx_read_regular_file(path, OGX_IDX_MAX_BYTES, &buf, &len);

	if (err)
		return err;
	if (len == n_in) {
		memset(img, 0, sizeof(*img));
		img->data = buf;
		img->count = 1;
		img->item_size = n_in;
		return 0;
	}
	err = ogx_idx_parse(buf, len, 3, img);
	free(buf);
	if (err)
		return ogx_fail(err, "want %u raw uint8 pixels or an IDX image file, have %zu bytes "
				"that are neither (%s)", n_in, len, ogx_errmsg(err));
	if (img->item_size != n_in) {
		err = ogx_fail(-EINVAL, "images are %ux%u = %zu pixels; the model takes %u",
			       img->dims[1], img->dims[2], img->item_size, n_in);
		ogx_idx_free(img);
		return err;
	}
	return 0;
}

/* What a run has open; run_classify() unwinds it in reverse. */
struct run_state {
	struct ogx_kmod kmod;
	struct ogx_mlp m;
	struct ogx_idx img, lab;
	struct ogx_record proto; /* every record's model and device */
	struct ogx_signer p;
	struct ogx_vk *vk;
	struct job *jobs; /* the batch waiting for its group commit */
	const char *model_ref;
	char spool[PATH_MAX], model_path[PATH_MAX], model_id[2 * OGX_DIGEST_LEN + 1];
	uint64_t compute_ns, proof_ns, sync_ns;
	size_t n, done, correct;
	const char *evidence;
};

/* The model, the images and labels, the --save folder; prints the error line. */
static int load_inputs(struct run_opts *o, struct run_state *s)
{
	const char *what;
	int err;

	if (model_resolve(o->model, s->model_path, sizeof(s->model_path), s->model_id))
		return -ENOENT;
	s->model_ref = o->model;
	o->model = what = s->model_path;
	err = ogx_mlp_load(o->model, &s->m);
	if (err)
		goto fail;
	if (ogx_mlp_n_out(&s->m) > MAX_CLASSES) {
		fprintf(stderr, "%s: %s: %u classes, at most %d\n", prog, o->model,
			ogx_mlp_n_out(&s->m), MAX_CLASSES);
		return -EINVAL;
	}
	err = ogx_sha256_file(s->proto.model, o->model);
	if (err)
		goto fail;
	what = o->input;
	err = load_images(o->input, ogx_mlp_n_in(&s->m), &s->img);
	if (err)
		goto fail;
	if (s->img.count == 0) {
		err = ogx_fail(-EINVAL, "no images");
		goto fail;
	}
	what = o->labels;
	if (o->labels) {
		err = ogx_idx_load(o->labels, 1, &s->lab);
		if (err)
			goto fail;
		if (s->lab.count < s->img.count) {
			err = ogx_fail(-EINVAL, "%zu labels for %zu images", s->lab.count,
				       s->img.count);
			goto fail;
		}
	}
	what = o->save;
	if (o->save) {
		err = ogx_mkdirs(o->save, 0755);
		if (err)
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "%s: %s: %s\n", prog, what, ogx_errmsg(err));
	return err;
}

/* The batch's job slots, the Vulkan engine if chosen, --save's params file. */
static int open_engine(struct run_opts *o, struct run_state *s)
{
	char path[PATH_MAX];
	int err;

	s->jobs = calloc(o->batch, sizeof(*s->jobs));
	if (!s->jobs) {
		fprintf(stderr, "%s: run: %s\n", prog, strerror(ENOMEM));
		return -ENOMEM;
	}
	s->proto.level = o->level;
	ogx_device_cpu(&s->proto.device);
	if (ogx_vk_engine_choice(o->device)) {
		struct ogx_vk_opts vo = { .device = o->device };

		err = ogx_vk_open(&vo, &s->vk);
		if (err)
			goto err_vulkan;
		err = ogx_vk_mlp_init(s->vk, &s->m, 1, &o->vm);
		if (err)
			goto err_vulkan;
		ogx_vk_record_device(&s->vk->desc, &s->proto.device);
	}
	if (!o->save)
		return 0;
	snprintf(path, sizeof(path), "%s/params", o->save);
	err = ogx_write_file_atomic(path, OGX_JOB_CLASSIFY_TEXT,
				    sizeof(OGX_JOB_CLASSIFY_TEXT) - 1, 0644, 0);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(err));
	return err;

err_vulkan:
	fprintf(stderr, "%s: %s: %s\n", prog, s->vk ? o->model : "vulkan", ogx_errmsg(err));
	return err;
}

/* Group commit, then (only then) report the jobs of the batch. */
static int commit_batch(const struct run_opts *o, struct run_state *s, size_t pending)
{
	uint64_t t0 = ogx_mono_ns();
	int err = ogx_signer_commit(&s->p);

	s->sync_ns += ogx_mono_ns() - t0;
	if (err) {
		fprintf(stderr, "%s: %s: fdatasync: %s\n", prog, s->spool, ogx_errmsg(err));
		return err;
	}
	s->evidence = s->jobs[pending - 1].evidence;
	for (size_t k = 0; k < pending; k++) {
		if (s->lab.data && s->lab.data[s->jobs[k].index] == s->jobs[k].cls)
			s->correct++;
		if (!o->quiet)
			print_job(&s->jobs[k], s->lab.data ? &s->lab : NULL);
	}
	s->done += pending;
	return 0;
}

static int run_jobs(const struct run_opts *o, struct run_state *s)
{
	size_t pending = 0;
	int err;

	for (size_t i = 0; i < s->n; i++) {
		struct job *j = &s->jobs[pending];

		j->index = i;
		err = run_one(&s->p, &s->m, s->img.data + i * s->img.item_size, &s->proto, o, j,
			      &s->compute_ns, &s->proof_ns);
		if (err) {
			fprintf(stderr, "%s: job %zu: %s\n", prog, i, ogx_errmsg(err));
			return err;
		}
		if (++pending < o->batch && i + 1 < s->n)
			continue;
		err = commit_batch(o, s, pending);
		if (err)
			return err;
		pending = 0;
	}
	return 0;
}

static void print_summary(const struct run_state *s, uint64_t total_ns)
{
	const struct ogx_signer *p = &s->p;
	size_t done = s->done;
	char id[2 * OGX_DIGEST_LEN + 1];

	ogx_hex(id, s->proto.model, OGX_DIGEST_LEN);
	printf("%zu job%s on %s (%s, %u inputs, %u classes, id %.16s...), device %s: %s\n",
	       done, done == 1 ? "" : "s", s->model_ref, s->m.kind == OGX_MLP_Q8 ? "int8" : "f32",
	       ogx_mlp_n_in(&s->m), ogx_mlp_n_out(&s->m), id, s->proto.device.kind,
	       s->proto.device.name);
	if (s->lab.data)
		printf("  accuracy  %.2f %% (%zu of %zu correct)\n", 100.0 * s->correct / done,
		       s->correct, done);
	printf("  records   %zu written to %s (seq %" PRIu64 "..%" PRIu64 "), level %s, "
	       "%" PRIu64 " group commits\n", done, s->spool, p->next_seq - done, p->next_seq - 1,
	       s->evidence, p->commits);
	printf("  time      %.3f ms per job: compute %.3f, proof %.3f (hash, sign, append), "
	       "fdatasync %.3f\n", total_ns / 1e6 / done, s->compute_ns / 1e6 / done,
	       s->proof_ns / 1e6 / done, s->sync_ns / 1e6 / done);
}

static int run_classify(struct run_opts *o, struct run_state *s)
{
	uint64_t t_start;
	int err, rc = 1;

	if (o->level == OGX_LEVEL_TEE) {
		/* ogx.ko's evidence (kmod-sw, or kmod-tpm); never a record without it. */
		err = ogx_kmod_open(&s->kmod, NULL);
		if (err) {
			fprintf(stderr, "%s: run: level tee: %s\n", prog, ogx_errmsg(err));
			return 1;
		}
		o->kmod = &s->kmod;
	}
	if (load_inputs(o, s))
		goto err_inputs;
	/* tee's evidence comes from o->kmod, which run_one() adds to every record. */
	if (open_signer(&s->p, o->key, o->spool, o->level,
			OGX_LEVELS(OGX_LEVEL_VANILLA) | (o->kmod ? OGX_LEVELS(OGX_LEVEL_TEE) : 0),
			s->spool, sizeof(s->spool)))
		goto err_inputs;
	s->n = o->limit && o->limit < s->img.count ? o->limit : s->img.count;
	if (open_engine(o, s))
		goto err_engine;
	t_start = ogx_mono_ns();
	if (run_jobs(o, s))
		goto err_engine;
	print_summary(s, ogx_mono_ns() - t_start);
	rc = 0;
err_engine:
	ogx_vk_mlp_free(o->vm);
	ogx_vk_close(s->vk);
	free(s->jobs);
	ogx_signer_close(&s->p);
err_inputs:
	ogx_idx_free(&s->img);
	ogx_idx_free(&s->lab);
	ogx_mlp_free(&s->m);
	ogx_kmod_close(&s->kmod);
	return rc;
}

int run_main(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct run_state s = { .kmod = { .fd = -1 } };
	int rc = parse_run_args(argc, argv, &o);

	return rc == OGX_ARGS_OK ? run_classify(&o, &s) : rc;
}
