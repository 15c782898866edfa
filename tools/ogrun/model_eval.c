// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun model eval MODEL --images F --labels F [--limit N]: the accuracy of
 * an MLP classifier (f32 mnist-fc or int8 ogx-mlp-q8, by the file's
 * architecture) on an IDX test set.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/idx.h"
#include "model/mlp.h"
#include "model/mlp_gguf.h"
#include "model/store.h"
#include "ogrun.h"
#include "util/cli.h"
#include "util/err.h"

static int eval_usage(FILE *f)
{
	fprintf(f, "Usage: %s model eval REF --images IDX3 --labels IDX1 [--limit N]\n"
		   "Classifies the images (gzip'd or not) and prints the accuracy.\n", prog);
	return f == stdout ? 0 : 2;
}

/* What the command line asks for. */
struct eval_args {
	const char *ref, *images_path, *labels_path;
	unsigned long limit;
};

static int parse_eval_args(int argc, char **argv, struct eval_args *a)
{
	static const struct option opts[] = {
		{ "images", required_argument, NULL, 'i' },
		{ "labels", required_argument, NULL, 'l' },
		{ "limit", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': a->images_path = optarg; break;
		case 'l': a->labels_path = optarg; break;
		case 'n':
			if (model_parse_count("--limit", optarg, UINT32_MAX, &a->limit))
				return 2;
			break;
		case 'h': return eval_usage(stdout);
		default: return eval_usage(stderr);
		}
	}
	if (optind + 1 != argc || !a->images_path || !a->labels_path)
		return eval_usage(stderr);
	a->ref = argv[optind];
	return OGX_ARGS_OK;
}

/* Classify the first n images and print the accuracy; prints the error line. */
static int evaluate(const struct eval_args *a, const char *model_path, const struct ogx_mlp *m,
		    const struct ogx_idx *images, const struct ogx_idx *labels)
{
	size_t n = a->limit && a->limit < images->count ? a->limit : images->count, correct;
	char desc[128];
	int err;

	ogx_mlp_describe(m, desc, sizeof(desc));
	if (images->item_size != ogx_mlp_n_in(m))
		err = ogx_fail(-EINVAL, "model %s takes %u inputs, images have %zu pixels", desc,
			       ogx_mlp_n_in(m), images->item_size);
	else
		err = ogx_mlp_count_correct(m, images->data, labels->data, n, &correct);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, a->images_path, ogx_errmsg(err));
		return err;
	}
	printf("%s (%s): %zu of %zu correct, accuracy %.2f %%\n", model_path, desc, correct, n,
	       100.0 * correct / n);
	return 0;
}

static int run_eval(const struct eval_args *a)
{
	char model_path[PATH_MAX], id[OGX_MODEL_ID_LEN + 1];
	struct ogx_idx images, labels;
	struct ogx_mlp m;
	int err;

	if (model_resolve(a->ref, model_path, sizeof(model_path), id))
		return 1;
	err = ogx_mlp_load(model_path, &m);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, model_path, ogx_errmsg(err));
		return 1;
	}
	err = ogx_idx_load_set(a->images_path, a->labels_path, ogx_mlp_n_out(&m), &images,
			       &labels);
	if (err) {
		fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
		goto err_model;
	}
	err = evaluate(a, model_path, &m, &images, &labels);
	ogx_idx_free(&images);
	ogx_idx_free(&labels);
err_model:
	ogx_mlp_free(&m);
	return err ? 1 : 0;
}

int model_eval_main(int argc, char **argv)
{
	struct eval_args a = { 0 };
	int rc = parse_eval_args(argc, argv, &a);

	return rc == OGX_ARGS_OK ? run_eval(&a) : rc;
}
