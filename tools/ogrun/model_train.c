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
#include "util/cli.h"
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

/* --f32's file when asked for, then the int8 model's; prints the error line. */
static int save_models(const struct ogx_mlp *f, const struct ogx_mlp *q, const char *f32_path,
		       const char *out_path)
{
	const char *path = f32_path;
	int err;

	if (f32_path) {
		err = ogx_mlp_save(f, f32_path);
		if (err)
			goto fail;
	}
	path = out_path;
	err = ogx_mlp_save(q, out_path);
	if (err)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(err));
	return err;
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
		goto err_f32;
	}
	printf("quantized to int8: activation scales calibrated on the first %zu training "
	       "images\n", calib);
	if (test->count) {
		err = report("f32 ", &f, test, test_labels);
		if (err)
			goto err_q8;
		err = report("int8", &q, test, test_labels);
		if (err)
			goto err_q8;
	}
	err = save_models(&f, &q, f32_path, out_path);
	if (err)
		goto err_q8;
	ogx_mlp_describe(&q, desc, sizeof(desc));
	printf("wrote %s (%s) in %.1f s in all\n", out_path, desc, now() - t0);
err_q8:
	ogx_mlp_free(&q);
err_f32:
	ogx_mlp_free(&f);
	return err;
}

/* What the command line asks for. */
struct train_args {
	const char *dir, *out_path, *f32_path;
	unsigned long limit;
	struct ogx_mlp_train_opts o;
};

/* One numeric option into a; 2 (printed) when its value is out of range. */
static int train_count(struct train_args *a, int c, const char *arg)
{
	unsigned long v;

	switch (c) {
	case 'e':
		if (model_parse_count("--epochs", arg, 1000, &v))
			return 2;
		a->o.epochs = (unsigned int)v;
		return 0;
	case 'H':
		if (model_parse_count("--hidden", arg, OGX_MLP_MAX_WIDTH, &v))
			return 2;
		a->o.hidden = (unsigned int)v;
		return 0;
	case 's':
		if (model_parse_count("--seed", arg, ULONG_MAX, &v))
			return 2;
		a->o.seed = v;
		return 0;
	case 't':
		if (model_parse_count("--threads", arg, OGX_TRAIN_MAX_THREADS, &v))
			return 2;
		a->o.threads = (unsigned int)v;
		return 0;
	default: /* 'n' */
		return model_parse_count("--limit", arg, UINT32_MAX, &a->limit) ? 2 : 0;
	}
}

static int parse_train_args(int argc, char **argv, struct train_args *a)
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
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->dir = optarg; break;
		case 'o': a->out_path = optarg; break;
		case 'f': a->f32_path = optarg; break;
		case 'e': case 'H': case 's': case 't': case 'n':
			if (train_count(a, c, optarg))
				return 2;
			break;
		case 'h': return train_usage(stdout);
		default: return train_usage(stderr);
		}
	}
	if (optind != argc || !a->out_path)
		return train_usage(stderr);
	return OGX_ARGS_OK;
}

static int run_train(struct train_args *a)
{
	struct ogx_idx train, train_labels, test, test_labels;
	struct ogx_mlp_train_opts *o = &a->o;
	size_t n;
	int err;

	if (load_set(a->dir, "train", &train, &train_labels, 1))
		return 1;
	err = load_set(a->dir, "t10k", &test, &test_labels, 0);
	if (err)
		goto err_train;
	n = a->limit && a->limit < train.count ? a->limit : train.count;
	if (test.count && test.item_size != train.item_size) {
		fprintf(stderr, "%s: %s: test images have %zu pixels, training images %zu\n", prog,
			a->dir, test.item_size, train.item_size);
		err = -EINVAL;
		goto err_test;
	}
	o->test_images = test.data;
	o->test_labels = test_labels.data;
	o->n_test = test.count;
	o->progress = print_epoch;
	printf("training %zu-%u-%u on %zu images of %s: %u epoch%s, batch %u, Adam lr %g "
	       "(cosine), seed %llu\n", train.item_size, o->hidden, N_CLASSES, n, a->dir,
	       o->epochs, o->epochs == 1 ? "" : "s", o->batch, o->lr,
	       (unsigned long long)o->seed);
	err = train_and_write(o, &train, &train_labels, n, &test, &test_labels, a->out_path,
			      a->f32_path);
err_test:
	ogx_idx_free(&test);
	ogx_idx_free(&test_labels);
err_train:
	ogx_idx_free(&train);
	ogx_idx_free(&train_labels);
	return err ? 1 : 0;
}

int model_train_main(int argc, char **argv)
{
	struct train_args a = { .dir = DEFAULT_DATA };
	int rc;

	ogx_mlp_train_defaults(&a.o);
	rc = parse_train_args(argc, argv, &a);
	return rc == OGX_ARGS_OK ? run_train(&a) : rc;
}
