// SPDX-License-Identifier: GPL-2.0
/*
 * MLP trainer; see mlp_train.h. One step is two phases separated by
 * barriers, run by every thread:
 *
 *   1. per sample (split by samples): forward, loss, dL/dlogits (dz) and
 *      dL/dhidden (dh), kept for the whole batch;
 *   2. per parameter row (split by rows): that row's gradient summed over the
 *      batch in sample order, then its Adam update.
 *
 * The first layer is stored transposed (one row per input pixel), so both
 * phases run along contiguous rows of hidden-width floats and skip the
 * zero pixels, which are about half of a Fashion-MNIST image.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model/mlp_train.h"
#include "util/err.h"

/*
 * The hot loops also get an AVX2 clone, picked at load time. AVX2 without
 * FMA (and the build's -ffp-contract=off) computes the same IEEE operations
 * in the same order, 8 lanes at a time: the weights are identical either way.
 */
#define HOT __attribute__((target_clones("avx2", "default")))

#define ADAM_B1 0.9
#define ADAM_B2 0.999
#define ADAM_EPS 1e-8

struct trainer {
	const struct ogx_mlp_train_opts *o;
	const uint8_t *images, *labels;
	size_t n;
	uint32_t n_in, n_hid, n_cls;
	unsigned int threads;
	pthread_barrier_t barrier;
	pthread_mutex_t gate_lock;	/* protects gate */
	pthread_cond_t gate_cond;
	int gate;			/* 0 until every thread exists, then 1 (go) or -1 */

	/* Parameters [w1t | b1 | w2t | b2] and their Adam moments, same layout. */
	float *p, *m, *v;
	size_t n_params, off_b1, off_w2t, off_b2;

	uint32_t *perm;		/* sample order of the current epoch */
	float *h, *dz, *dh;	/* per batch sample: hidden, dL/dlogits, dL/dhidden */
	float *grad;		/* per thread: one row's gradient */
	double *loss;		/* per sample position in the epoch */
	uint8_t *correct;
	struct ogx_mlp eval;	/* f32 snapshot for the per-epoch test */
	unsigned int *test_classes;
	int err[OGX_TRAIN_MAX_THREADS];
};

struct worker {
	struct trainer *t;
	unsigned int id;
};

void ogx_mlp_train_defaults(struct ogx_mlp_train_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->hidden = 128;
	o->epochs = 12;
	o->batch = 128;
	o->lr = 2e-3f;
	o->seed = 1;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [-a, a), from the top 53 bits. */
static float uniform(uint64_t *s, double a)
{
	return (float)(((splitmix64(s) >> 11) * 0x1.0p-53 * 2 - 1) * a);
}

static void shuffle(uint32_t *v, size_t n, uint64_t *s)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(((unsigned __int128)splitmix64(s) * i) >> 64);
		uint32_t tmp = v[i - 1];

		v[i - 1] = v[j];
		v[j] = tmp;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

HOT static void forward_backward(struct trainer *t, size_t pos, size_t b, size_t batch_len)
{
	uint32_t H = t->n_hid, C = t->n_cls, idx = t->perm[pos];
	const uint8_t *x = t->images + (size_t)idx * t->n_in;
	const float *w1t = t->p, *b1 = t->p + t->off_b1, *w2t = t->p + t->off_w2t,
		    *b2 = t->p + t->off_b2;
	float *h = t->h + b * H, *dz = t->dz + b * C, *dh = t->dh + b * H;
	float zmax, sum = 0;
	unsigned int label = t->labels[idx], best = 0;

	memcpy(h, b1, H * sizeof(float));
	for (uint32_t i = 0; i < t->n_in; i++) {
		const float *w = w1t + (size_t)i * H;
		float xs = x[i] * (1.0f / 255);

		if (!x[i])
			continue;
		for (uint32_t k = 0; k < H; k++)
			h[k] += xs * w[k];
	}
	for (uint32_t k = 0; k < H; k++)
		h[k] = h[k] > 0 ? h[k] : 0;
	memcpy(dz, b2, C * sizeof(float));
	for (uint32_t k = 0; k < H; k++) {
		if (h[k] == 0)
			continue;
		for (uint32_t c = 0; c < C; c++)
			dz[c] += h[k] * w2t[(size_t)k * C + c];
	}
	for (uint32_t c = 1; c < C; c++)
		if (dz[c] > dz[best])
			best = c;
	zmax = dz[best];
	for (uint32_t c = 0; c < C; c++)
		sum += expf(dz[c] - zmax);
	t->loss[pos] = log(sum) - (dz[label] - zmax);
	t->correct[pos] = best == label;
	/* dz = (softmax - onehot) / batch: the mean loss's gradient. */
	for (uint32_t c = 0; c < C; c++)
		dz[c] = (expf(dz[c] - zmax) / sum - (c == label)) / batch_len;
	for (uint32_t k = 0; k < H; k++) {
		float g = 0;

		if (h[k] > 0)
			for (uint32_t c = 0; c < C; c++)
				g += w2t[(size_t)k * C + c] * dz[c];
		dh[k] = g;
	}
}

/* Gradient of parameter row r (see the layout in struct trainer), summed over the batch. */
HOT static void row_gradient(struct trainer *t, size_t r, size_t start, size_t batch_len, float *g,
			 size_t *off, size_t *len)
{
	uint32_t H = t->n_hid, C = t->n_cls;

	if (r < t->n_in) {
		*off = r * H;
		*len = H;
		memset(g, 0, H * sizeof(float));
		for (size_t b = 0; b < batch_len; b++) {
			uint8_t px = t->images[(size_t)t->perm[start + b] * t->n_in + r];
			const float *dh = t->dh + b * H;
			float xs = px * (1.0f / 255);

			if (!px)
				continue;
			for (uint32_t k = 0; k < H; k++)
				g[k] += xs * dh[k];
		}
	} else if (r == t->n_in) {
		*off = t->off_b1;
		*len = H;
		memset(g, 0, H * sizeof(float));
		for (size_t b = 0; b < batch_len; b++)
			for (uint32_t k = 0; k < H; k++)
				g[k] += t->dh[b * H + k];
	} else if (r <= (size_t)t->n_in + H) {
		size_t k = r - t->n_in - 1;

		*off = t->off_w2t + k * C;
		*len = C;
		memset(g, 0, C * sizeof(float));
		for (size_t b = 0; b < batch_len; b++) {
			float hk = t->h[b * H + k];

			for (uint32_t c = 0; hk != 0 && c < C; c++)
				g[c] += hk * t->dz[b * C + c];
		}
	} else {
		*off = t->off_b2;
		*len = C;
		memset(g, 0, C * sizeof(float));
		for (size_t b = 0; b < batch_len; b++)
			for (uint32_t c = 0; c < C; c++)
				g[c] += t->dz[b * C + c];
	}
}

HOT static void adam(struct trainer *t, size_t off, size_t len, const float *g, float lr_t,
		 float eps_t)
{
	float *p = t->p + off, *m = t->m + off, *v = t->v + off;
	const float b1 = ADAM_B1, b2 = ADAM_B2;

	for (size_t k = 0; k < len; k++) {
		m[k] = b1 * m[k] + (1 - b1) * g[k];
		v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k];
		p[k] -= lr_t * m[k] / (sqrtf(v[k]) + eps_t);
	}
}

/* The f32 model of the current parameters: the first layer transposed back. */
static void snapshot(const struct trainer *t, struct ogx_mlp *m)
{
	struct ogx_mlp_layer *l1 = &m->layer[0], *l2 = &m->layer[1];

	for (uint32_t k = 0; k < t->n_hid; k++)
		for (uint32_t i = 0; i < t->n_in; i++)
			l1->w[(size_t)k * t->n_in + i] = t->p[(size_t)i * t->n_hid + k];
	memcpy(l1->b, t->p + t->off_b1, t->n_hid * sizeof(float));
	for (uint32_t c = 0; c < t->n_cls; c++)
		for (uint32_t k = 0; k < t->n_hid; k++)
			l2->w[(size_t)c * t->n_hid + k] = t->p[t->off_w2t + (size_t)k * t->n_cls + c];
	memcpy(l2->b, t->p + t->off_b2, t->n_cls * sizeof(float));
}

static void end_of_epoch(struct trainer *t, unsigned int id, unsigned int e, double t0)
{
	const struct ogx_mlp_train_opts *o = t->o;
	struct ogx_mlp_train_epoch ep = { .epoch = e + 1, .epochs = o->epochs, .test_acc = -1 };
	size_t lo = o->n_test * id / t->threads, hi = o->n_test * (id + 1) / t->threads;
	size_t right = 0;

	if (id == 0) {
		ep.seconds = now() - t0;
		if (o->n_test)
			snapshot(t, &t->eval);
	}
	pthread_barrier_wait(&t->barrier);
	if (o->n_test && hi > lo) {
		int err = ogx_mlp_classify(&t->eval, o->test_images + lo * t->n_in, hi - lo,
					   t->test_classes + lo);
		if (err)
			t->err[id] = err;
	}
	pthread_barrier_wait(&t->barrier);
	if (id)
		return;
	for (size_t i = 0; i < t->n; i++) {
		ep.loss += t->loss[i];
		ep.train_acc += t->correct[i];
	}
	ep.loss /= t->n;
	ep.train_acc /= t->n;
	for (size_t i = 0; i < o->n_test; i++)
		right += t->test_classes[i] == o->test_labels[i];
	if (o->n_test)
		ep.test_acc = (double)right / o->n_test;
	if (o->progress)
		o->progress(&ep, o->ctx);
}

static void *train_thread(void *arg)
{
	struct worker *w = arg;
	struct trainer *t = w->t;
	const struct ogx_mlp_train_opts *o = t->o;
	size_t B = o->batch, steps_per_epoch = (t->n + B - 1) / B;
	size_t rows = (size_t)t->n_in + 1 + t->n_hid + 1, step = 0;
	float *g = t->grad + (size_t)w->id * (t->n_hid > t->n_cls ? t->n_hid : t->n_cls);
	uint64_t rng = o->seed ^ 0x53485546464c45ULL;	/* shuffling stream */
	double total = (double)steps_per_epoch * o->epochs, t0 = 0;
	int gate;

	/* Nobody waits on the barrier unless every thread was created. */
	pthread_mutex_lock(&t->gate_lock);
	while (!t->gate)
		pthread_cond_wait(&t->gate_cond, &t->gate_lock);
	gate = t->gate;
	pthread_mutex_unlock(&t->gate_lock);
	if (gate < 0)
		return NULL;
	for (unsigned int e = 0; e < o->epochs; e++) {
		if (w->id == 0) {
			t0 = now();
			shuffle(t->perm, t->n, &rng);
		}
		pthread_barrier_wait(&t->barrier);
		for (size_t start = 0; start < t->n; start += B) {
			size_t len = t->n - start < B ? t->n - start : B;
			size_t lo = len * w->id / t->threads, hi = len * (w->id + 1) / t->threads;
			/* Cosine decay of the step size, with Adam's bias correction. */
			double lr = o->lr * 0.5 * (1 + cos(M_PI * step / total));
			double c1 = 1 - pow(ADAM_B1, step + 1), c2 = 1 - pow(ADAM_B2, step + 1);
			float lr_t = (float)(lr * sqrt(c2) / c1), eps_t = (float)(ADAM_EPS * sqrt(c2));

			for (size_t b = lo; b < hi; b++)
				forward_backward(t, start + b, b, len);
			pthread_barrier_wait(&t->barrier);
			for (size_t r = w->id; r < rows; r += t->threads) {
				size_t off, n;

				row_gradient(t, r, start, len, g, &off, &n);
				adam(t, off, n, g, lr_t, eps_t);
			}
			pthread_barrier_wait(&t->barrier);
			step++;
		}
		end_of_epoch(t, w->id, e, t0);
	}
	return NULL;
}

static void trainer_free(struct trainer *t)
{
	free(t->p);
	free(t->m);
	free(t->v);
	free(t->perm);
	free(t->h);
	free(t->dz);
	free(t->dh);
	free(t->grad);
	free(t->loss);
	free(t->correct);
	free(t->test_classes);
	ogx_mlp_free(&t->eval);
}

static int trainer_init(struct trainer *t, uint32_t *dims)
{
	const struct ogx_mlp_train_opts *o = t->o;
	uint64_t rng = o->seed;
	size_t H = t->n_hid, C = t->n_cls, width = H > C ? H : C;
	double a1 = sqrt(6.0 / t->n_in), a2 = sqrt(6.0 / (H + C));
	int err;

	t->off_b1 = (size_t)t->n_in * H;
	t->off_w2t = t->off_b1 + H;
	t->off_b2 = t->off_w2t + H * C;
	t->n_params = t->off_b2 + C;
	t->p = calloc(t->n_params, sizeof(float));
	t->m = calloc(t->n_params, sizeof(float));
	t->v = calloc(t->n_params, sizeof(float));
	t->perm = malloc(t->n * sizeof(uint32_t));
	t->h = malloc(o->batch * H * sizeof(float));
	t->dz = malloc(o->batch * C * sizeof(float));
	t->dh = malloc(o->batch * H * sizeof(float));
	t->grad = malloc(t->threads * width * sizeof(float));
	t->loss = malloc(t->n * sizeof(double));
	t->correct = malloc(t->n);
	t->test_classes = malloc((o->n_test ? o->n_test : 1) * sizeof(unsigned int));
	if (!t->p || !t->m || !t->v || !t->perm || !t->h || !t->dz || !t->dh || !t->grad ||
	    !t->loss || !t->correct || !t->test_classes)
		return -ENOMEM;
	err = ogx_mlp_alloc(&t->eval, OGX_MLP_F32, 2, dims);
	if (err)
		return err;
	/* He-uniform for the ReLU layer, Glorot-uniform for the output layer. */
	for (size_t i = 0; i < t->off_b1; i++)
		t->p[i] = uniform(&rng, a1);
	for (size_t i = t->off_w2t; i < t->off_b2; i++)
		t->p[i] = uniform(&rng, a2);
	for (size_t i = 0; i < t->n; i++)
		t->perm[i] = (uint32_t)i;
	return 0;
}

int ogx_mlp_train(const uint8_t *images, const uint8_t *labels, size_t n, uint32_t n_in,
		  uint32_t n_classes, const struct ogx_mlp_train_opts *o, struct ogx_mlp *out)
{
	struct trainer t = { .o = o, .images = images, .labels = labels, .n = n,
			     .n_in = n_in, .n_hid = o->hidden, .n_cls = n_classes,
			     .gate_lock = PTHREAD_MUTEX_INITIALIZER,
			     .gate_cond = PTHREAD_COND_INITIALIZER };
	struct worker workers[OGX_TRAIN_MAX_THREADS];
	pthread_t tids[OGX_TRAIN_MAX_THREADS];
	uint32_t dims[3] = { n_in, o->hidden, n_classes };
	unsigned int started = 1;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int err;

	memset(out, 0, sizeof(*out));
	if (!n || n > UINT32_MAX)
		return ogx_fail(-EINVAL, "%zu training images (want 1 to 2^32-1)", n);
	if (!o->epochs || !o->batch || o->batch > 65536)
		return ogx_fail(-EINVAL, "epochs %u, batch %u: want both >= 1, batch <= 65536",
				o->epochs, o->batch);
	if (!(o->lr > 0) || n_classes < 2)
		return ogx_fail(-EINVAL, "need a positive step size and >= 2 classes");
	for (size_t i = 0; i < n; i++)
		if (labels[i] >= n_classes)
			return ogx_fail(-EINVAL, "label %u of image %zu is not below %u", labels[i],
					i, n_classes);
	t.threads = o->threads ? o->threads : cpus > 0 ? (unsigned int)cpus : 1;
	if (t.threads > OGX_TRAIN_MAX_THREADS)
		t.threads = OGX_TRAIN_MAX_THREADS;
	err = ogx_mlp_alloc(out, OGX_MLP_F32, 2, dims);
	if (!err)
		err = trainer_init(&t, dims);
	if (!err)
		err = -pthread_barrier_init(&t.barrier, NULL, t.threads);
	if (err)
		goto out;
	for (unsigned int i = 0; i < t.threads; i++)
		workers[i] = (struct worker){ .t = &t, .id = i };
	for (; started < t.threads; started++) {
		err = -pthread_create(&tids[started], NULL, train_thread, &workers[started]);
		if (err)
			break;
	}
	pthread_mutex_lock(&t.gate_lock);
	t.gate = started == t.threads ? 1 : -1;
	pthread_cond_broadcast(&t.gate_cond);
	pthread_mutex_unlock(&t.gate_lock);
	if (t.gate > 0)
		train_thread(&workers[0]);
	for (unsigned int i = 1; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_barrier_destroy(&t.barrier);
	for (unsigned int i = 0; !err && i < t.threads; i++)
		err = t.err[i];
	if (!err)
		snapshot(&t, out);
out:
	trainer_free(&t);
	if (err)
		ogx_mlp_free(out);
	return err;
}
