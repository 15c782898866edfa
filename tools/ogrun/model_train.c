// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun model train --data DIR -o FILE: trains the default model, a
 * 784-H-10 MLP classifier, on an MNIST-style data set (Debian's
 * dataset-fashion-mnist by default), quantizes it to ogx-mlp-q8 with the
 * activation scales calibrated on training images, and writes it. With
 * t10k-* files in DIR, it reports the f32 and int8 test accuracy.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model/idx.h"
#include "model/mlp.h"
#include "model/mlp_gguf.h"
#include "model/mlp_quant.h"
#include "model/mlp_train.h"
#include "ogrun.h"
#include "util/err.h"

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"
#define N_CLASSES 10
/* Calibration: the first images of the training set, in file order. */
#define CALIB_COUNT 10000

static int train_usage(FILE *f)
{
	fprintf(f, "Usage: %s model train [--data DIR] -o FILE [--epochs N] [--hidden H] "
		   "[--seed S]\n"
		   "         [--threads T] [--limit N] [--f32 FILE]\n"
		   "DIR holds {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (default %s).\n"
		   "--limit trains on the first N images; --f32 also writes the float model.\n",
		prog, DEFAULT_DATA);
	return f == stdout ? 0 : 2;
}

/* DIR/NAME.gz, else DIR/NAME; 0 when neither exists. */
static int find_data(char *path, size_t size, const char *dir, const char *name)
{
	snprintf(path, size, "%s/%s.gz", dir, name);
	if (!access(path, R_OK))
		return 1;
	snprintf(path, size, "%s/%s", dir, name);
	return !access(path, R_OK);
}

static int load_set(const char *dir, const char *which, struct ogx_idx *images,
		    struct ogx_idx *labels, int required)
{
	char ipath[PATH_MAX], lpath[PATH_MAX], name[64];
	int err;

	snprintf(name, sizeof(name), "%s-images-idx3-ubyte", which);
	if (!find_data(ipath, sizeof(ipath), dir, name))
		goto missing;
	snprintf(name, sizeof(name), "%s-labels-idx1-ubyte", which);
	if (!find_data(lpath, sizeof(lpath), dir, name))
		goto missing;
	err = ogx_idx_load_set(ipath, lpath, N_CLASSES, images, labels);
	if (err)
		fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
	return err;
missing:
	memset(images, 0, sizeof(*images));
	memset(labels, 0, sizeof(*labels));
	if (!required)
		return 0;
	fprintf(stderr, "%s: %s: no %s[.gz]\n", prog, dir, name);
	return -ENOENT;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void print_epoch(const struct ogx_mlp_train_epoch *e, void *ctx)
{
	(void)ctx;
	printf("  epoch %2u/%u   loss %.4f   train %6.2f %%", e->epoch, e->epochs, e->loss,
	       100 * e->train_acc);
	if (e->test_acc >= 0)
		printf("   test %6.2f %%", 100 * e->test_acc);
	printf("   %5.1f s\n", e->seconds);
	fflush(stdout);
}

static int report(const char *what, const struct ogx_mlp *m, const struct ogx_idx *images,
		  const struct ogx_idx *labels)
{
	size_t correct;
	int err = ogx_mlp_count_correct(m, images->data, labels->data, images->count, &correct);

	if (err) {
		fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
		return err;
	}
	printf("  %s test accuracy %.2f %% (%zu of %zu)\n", what, 100.0 * correct / images->count,
	       correct, images->count);
	return 0;
}

static int train_and_write(const struct ogx_mlp_train_opts *o, const struct ogx_idx *train,
			   const struct ogx_idx *train_labels, size_t n,
			   const struct ogx_idx *test, const struct ogx_idx *test_labels,
			   const char *out_path, const char *f32_path)
{
	struct ogx_mlp f, q;
	double t0 = now(), t1;
	size_t calib = n < CALIB_COUNT ? n : CALIB_COUNT;
	char desc[128];
	int err;

	err = ogx_mlp_train(train->data, train_labels->data, n, (uint32_t)train->item_size,
			    N_CLASSES, o, &f);
	if (err) {
		fprintf(stderr, "%s: training: %s\n", prog, ogx_errmsg(err));
		return err;
	}
	t1 = now();
	printf("trained in %.1f s\n", t1 - t0);
	err = ogx_mlp_quantize(&f, train->data, calib, &q);
	if (err) {
		fprintf(stderr, "%s: quantizing: %s\n", prog, ogx_errmsg(err));
		ogx_mlp_free(&f);
		return err;
	}
	printf("quantized to int8: activation scales calibrated on the first %zu training "
	       "images\n", calib);
	if (test->count) {
		err = report("f32 ", &f, test, test_labels);
		if (!err)
			err = report("int8", &q, test, test_labels);
	}
	if (!err && f32_path) {
		err = ogx_mlp_save(&f, f32_path);
		if (err)
			fprintf(stderr, "%s: %s: %s\n", prog, f32_path, ogx_errmsg(err));
	}
	if (!err) {
		err = ogx_mlp_save(&q, out_path);
		if (err)
			fprintf(stderr, "%s: %s: %s\n", prog, out_path, ogx_errmsg(err));
	}
	if (!err) {
		ogx_mlp_describe(&q, desc, sizeof(desc));
		printf("wrote %s (%s) in %.1f s in all\n", out_path, desc, now() - t0);
	}
	ogx_mlp_free(&q);
	ogx_mlp_free(&f);
	return err;
}

int model_train_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "epochs", required_argument, NULL, 'e' },
		{ "hidden", required_argument, NULL, 'H' },
		{ "seed", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, 'n' },
		{ "f32", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = DEFAULT_DATA, *out_path = NULL, *f32_path = NULL;
	struct ogx_idx train, train_labels, test, test_labels;
	struct ogx_mlp_train_opts o;
	unsigned long v, limit = 0;
	size_t n;
	int c, err;

	ogx_mlp_train_defaults(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'f':
			f32_path = optarg;
			break;
		case 'e':
			if (model_parse_count("--epochs", optarg, 1000, &v))
				return 2;
			o.epochs = (unsigned int)v;
			break;
		case 'H':
			if (model_parse_count("--hidden", optarg, OGX_MLP_MAX_WIDTH, &v))
				return 2;
			o.hidden = (unsigned int)v;
			break;
		case 's':
			if (model_parse_count("--seed", optarg, ULONG_MAX, &v))
				return 2;
			o.seed = v;
			break;
		case 't':
			if (model_parse_count("--threads", optarg, OGX_TRAIN_MAX_THREADS, &v))
				return 2;
			o.threads = (unsigned int)v;
			break;
		case 'n':
			if (model_parse_count("--limit", optarg, UINT32_MAX, &limit))
				return 2;
			break;
		case 'h':
			return train_usage(stdout);
		default:
			return train_usage(stderr);
		}
	}
	if (optind != argc || !out_path)
		return train_usage(stderr);
	if (load_set(dir, "train", &train, &train_labels, 1))
		return 1;
	err = load_set(dir, "t10k", &test, &test_labels, 0);
	if (err)
		goto out;
	n = limit && limit < train.count ? limit : train.count;
	if (test.count && test.item_size != train.item_size) {
		fprintf(stderr, "%s: %s: test images have %zu pixels, training images %zu\n", prog,
			dir, test.item_size, train.item_size);
		err = -EINVAL;
		goto out;
	}
	o.test_images = test.data;
	o.test_labels = test_labels.data;
	o.n_test = test.count;
	o.progress = print_epoch;
	printf("training %zu-%u-%u on %zu images of %s: %u epoch%s, batch %u, Adam lr %g "
	       "(cosine), seed %llu\n", train.item_size, o.hidden, N_CLASSES, n, dir, o.epochs,
	       o.epochs == 1 ? "" : "s", o.batch, o.lr, (unsigned long long)o.seed);
	err = train_and_write(&o, &train, &train_labels, n, &test, &test_labels, out_path,
			      f32_path);
out:
	ogx_idx_free(&train);
	ogx_idx_free(&train_labels);
	ogx_idx_free(&test);
	ogx_idx_free(&test_labels);
	return err ? 1 : 0;
}
