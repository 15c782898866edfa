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
#include "util/err.h"

static int quantize_usage(FILE *f)
{
	fprintf(f, "Usage: %s model quantize REF -o OUT.gguf --calib IMAGES.idx[.gz] "
		   "[--count N]\n"
		   "Calibrates on the first N images (default: all of them).\n", prog);
	return f == stdout ? 0 : 2;
}

int model_quantize_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "calib", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *out_path = NULL, *calib_path = NULL;
	char in_path[PATH_MAX], id[OGX_MODEL_ID_LEN + 1];
	unsigned long count = 0;
	struct ogx_mlp f, q;
	struct ogx_idx calib;
	char desc[128];
	size_t n;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_path = optarg;
			break;
		case 'c':
			calib_path = optarg;
			break;
		case 'n':
			if (model_parse_count("--count", optarg, UINT32_MAX, &count))
				return 2;
			break;
		case 'h':
			return quantize_usage(stdout);
		default:
			return quantize_usage(stderr);
		}
	}
	if (optind + 1 != argc || !out_path || !calib_path)
		return quantize_usage(stderr);
	if (model_resolve(argv[optind], in_path, sizeof(in_path), id))
		return 1;
	err = ogx_mlp_load(in_path, &f);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, in_path, ogx_errmsg(err));
		return 1;
	}
	err = ogx_idx_load(calib_path, 3, &calib);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, calib_path, ogx_errmsg(err));
		ogx_mlp_free(&f);
		return 1;
	}
	n = count && count < calib.count ? count : calib.count;
	if (calib.item_size != ogx_mlp_n_in(&f))
		err = ogx_fail(-EINVAL, "model takes %u inputs, images have %zu pixels",
			       ogx_mlp_n_in(&f), calib.item_size);
	else
		err = ogx_mlp_quantize(&f, calib.data, n, &q);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, in_path, ogx_errmsg(err));
		goto out;
	}
	err = ogx_mlp_save(&q, out_path);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, out_path, ogx_errmsg(err));
	} else {
		ogx_mlp_describe(&q, desc, sizeof(desc));
		printf("%s: %s, calibrated on %zu images of %s\n", out_path, desc, n, calib_path);
		for (unsigned int l = 0; l + 1 < q.n_layers; l++)
			printf("  fc%u output scale %.6g (largest activation %.4g -> 255)\n", l + 1,
			       q.layer[l].out_scale, q.layer[l].out_scale * 255);
	}
	ogx_mlp_free(&q);
out:
	ogx_idx_free(&calib);
	ogx_mlp_free(&f);
	return err ? 1 : 0;
}
