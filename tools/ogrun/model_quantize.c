// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun model quantize REF -o OUT.gguf --calib IMAGES [--count N]: an
 * f32 MLP classifier (mnist-fc layout) to the integer-exact ogx-mlp-q8,
 * with the activation scales calibrated on the first N images of an IDX file.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "model/idx.h"
#include "model/mlp.h"
#include "model/mlp_gguf.h"
#include "model/store.h"
#include "model/mlp_quant.h"
#include "ogrun.h"
#include "util/cli.h"
#include "util/err.h"

static int quantize_usage(FILE *f)
{
	fprintf(f, "Usage: %s model quantize REF -o OUT.gguf --calib IMAGES.idx[.gz] "
		   "[--count N]\n"
		   "Calibrates on the first N images (default: all of them).\n", prog);
	return f == stdout ? 0 : 2;
}

/* What the command line asks for. */
struct quantize_args {
	const char *ref, *out_path, *calib_path;
	unsigned long count;
};

static int parse_quantize_args(int argc, char **argv, struct quantize_args *a)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "calib", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': a->out_path = optarg; break;
		case 'c': a->calib_path = optarg; break;
		case 'n':
			if (model_parse_count("--count", optarg, UINT32_MAX, &a->count))
				return 2;
			break;
		case 'h': return quantize_usage(stdout);
		default: return quantize_usage(stderr);
		}
	}
	if (optind + 1 != argc || !a->out_path || !a->calib_path)
		return quantize_usage(stderr);
	a->ref = argv[optind];
	return OGX_ARGS_OK;
}

/* The quantized model f calibrated on the first n images; prints the error line. */
static int quantize(const char *in_path, const struct ogx_mlp *f, const struct ogx_idx *calib,
		    size_t n, struct ogx_mlp *q)
{
	int err;

	if (calib->item_size != ogx_mlp_n_in(f))
		err = ogx_fail(-EINVAL, "model takes %u inputs, images have %zu pixels",
			       ogx_mlp_n_in(f), calib->item_size);
	else
		err = ogx_mlp_quantize(f, calib->data, n, q);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, in_path, ogx_errmsg(err));
	return err;
}

static void print_scales(const struct quantize_args *a, const struct ogx_mlp *q, size_t n)
{
	char desc[128];

	ogx_mlp_describe(q, desc, sizeof(desc));
	printf("%s: %s, calibrated on %zu images of %s\n", a->out_path, desc, n, a->calib_path);
	for (unsigned int l = 0; l + 1 < q->n_layers; l++)
		printf("  fc%u output scale %.6g (largest activation %.4g -> 255)\n", l + 1,
		       q->layer[l].out_scale, q->layer[l].out_scale * 255);
}

static int run_quantize(const struct quantize_args *a)
{
	char in_path[PATH_MAX], id[OGX_MODEL_ID_LEN + 1];
	struct ogx_mlp f, q;
	struct ogx_idx calib;
	size_t n;
	int err;

	if (model_resolve(a->ref, in_path, sizeof(in_path), id))
		return 1;
	err = ogx_mlp_load(in_path, &f);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, in_path, ogx_errmsg(err));
		return 1;
	}
	err = ogx_idx_load(a->calib_path, 3, &calib);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, a->calib_path, ogx_errmsg(err));
		goto err_model;
	}
	n = a->count && a->count < calib.count ? a->count : calib.count;
	err = quantize(in_path, &f, &calib, n, &q);
	if (err)
		goto err_calib;
	err = ogx_mlp_save(&q, a->out_path);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, a->out_path, ogx_errmsg(err));
	else
		print_scales(a, &q, n);
	ogx_mlp_free(&q);
err_calib:
	ogx_idx_free(&calib);
err_model:
	ogx_mlp_free(&f);
	return err ? 1 : 0;
}

int model_quantize_main(int argc, char **argv)
{
	struct quantize_args a = { 0 };
	int rc = parse_quantize_args(argc, argv, &a);

	return rc == OGX_ARGS_OK ? run_quantize(&a) : rc;
}
