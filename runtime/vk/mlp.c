// SPDX-License-Identifier: GPL-2.0
/* The integer classifier on Vulkan; see mlp.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "vk/buffer.h"
#include "vk/device.h"
#include "vk/mlp.h"
#include "vk/ops.h"
#include "vk/prog.h"

struct vk_mlp_layer {
	struct ogx_vk_buf w, bias, mult, shift;
};

struct ogx_vk_mlp {
	struct ogx_vk *vk;
	unsigned n_layers;
	uint32_t dims[OGX_MLP_MAX_LAYERS + 1];
	uint32_t max_batch;
	struct vk_mlp_layer layer[OGX_MLP_MAX_LAYERS];
	struct ogx_vk_buf act[OGX_MLP_MAX_LAYERS + 1];	/* act[0] input, act[l + 1] out */
	struct ogx_vk_buf params;
	struct ogx_vk_prog prog;
};

/* Rows of int8 zero-padded to 16 bytes, as the shader reads them. */
static int upload_weights(struct ogx_vk_upload *up, const struct ogx_mlp_layer *l, unsigned i,
			  struct ogx_vk_buf *b)
{
	size_t stride = ((size_t)l->n_in + 15) & ~(size_t)15;
	char what[32];
	int8_t *dst;
	int err;

	snprintf(what, sizeof(what), "fc%u.weight", i + 1);
	err = ogx_vk_buf_weights_map(up, stride * l->n_out, what, b, (void **)&dst);
	if (err)
		return err;
	for (uint32_t r = 0; r < l->n_out; r++)
		memcpy(dst + r * stride, l->wq + (size_t)r * l->n_in, l->n_in);
	return 0;
}

/*
 * Weights and the hidden activations go where buffer.h's policy puts them;
 * act[0] (the host writes the images) and the last act (the host reads the
 * logits) are host-visible.
 */
static int upload(struct ogx_vk_mlp *vm, const struct ogx_mlp *m)
{
	struct ogx_vk *vk = vm->vk;
	struct ogx_vk_upload up;
	int err = 0;

	ogx_vk_upload_begin(vk, &up);
	for (unsigned i = 0; !err && i < m->n_layers; i++) {
		const struct ogx_mlp_layer *l = &m->layer[i];
		struct vk_mlp_layer *d = &vm->layer[i];
		int hidden = i + 1 < m->n_layers;

		err = upload_weights(&up, l, i, &d->w);
		err = err ?: ogx_vk_buf_weights(&up, l->bq, l->n_out * 4, "bias", &d->bias);
		if (hidden) {
			err = err ?: ogx_vk_buf_weights(&up, l->mult, l->n_out * 4, "mult",
							&d->mult);
			err = err ?: ogx_vk_buf_weights(&up, l->shift, l->n_out * 4, "shift",
							&d->shift);
		}
	}
	for (unsigned i = 0; !err && i <= m->n_layers; i++) {
		size_t size = ((size_t)vm->max_batch * vm->dims[i] + 16) * 4;

		if (i == 0)
			err = ogx_vk_buf_alloc(vk, size, "input", &vm->act[i]);
		else if (i == m->n_layers)
			err = ogx_vk_buf_readback(vk, size, "logits", &vm->act[i]);
		else
			err = ogx_vk_buf_scratch(&up, size, "activations", &vm->act[i]);
	}
	err = err ?: ogx_vk_buf_alloc(vk, 16, "params", &vm->params);
	/* Always: it frees the staging memory, also after an error. */
	return ogx_vk_upload_end(&up) ?: err;
}

static int record(struct ogx_vk_mlp *vm)
{
	struct ogx_vk_prog *p = &vm->prog;
	int err = ogx_vk_prog_begin(vm->vk, vm->n_layers, p);

	for (unsigned i = 0; !err && i < vm->n_layers; i++) {
		struct vk_mlp_layer *d = &vm->layer[i];

		if (i)
			ogx_vk_prog_barrier(p);
		err = ogx_vk_op_mlp_q8(p, vm->dims[i], vm->dims[i + 1], i + 1 < vm->n_layers,
				       vm->max_batch, &d->w, &vm->act[i], &d->bias, &d->mult,
				       &d->shift, &vm->act[i + 1], &vm->params);
	}
	return err ?: ogx_vk_prog_end(p);
}

int ogx_vk_mlp_init(struct ogx_vk *vk, const struct ogx_mlp *m, uint32_t max_batch,
		    struct ogx_vk_mlp **out)
{
	struct ogx_vk_mlp *vm;
	int err;

	*out = NULL;
	if (m->kind != OGX_MLP_Q8)
		return ogx_fail(-ENOTSUP, "the Vulkan engine runs integer (ogx-mlp-q8) classifiers; "
				"quantize this f32 model first (ogrun model quantize)");
	err = ogx_mlp_check(m);
	if (err)
		return err;
	if (!max_batch || max_batch > 65535)
		return ogx_fail(-EINVAL, "classifier batch %u is not within 1..65535", max_batch);
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->vk = vk;
	vm->n_layers = m->n_layers;
	vm->max_batch = max_batch;
	for (unsigned i = 0; i < m->n_layers; i++)
		vm->dims[i] = m->layer[i].n_in;
	vm->dims[m->n_layers] = m->layer[m->n_layers - 1].n_out;
	err = upload(vm, m);
	err = err ?: record(vm);
	if (err) {
		ogx_vk_mlp_free(vm);
		return err;
	}
	*out = vm;
	return 0;
}

int ogx_vk_mlp_q8_forward(struct ogx_vk_mlp *vm, const uint8_t *x, size_t n, int32_t *logits)
{
	uint32_t n_in = vm->dims[0], n_out = vm->dims[vm->n_layers];

	while (n) {
		uint32_t b = n < vm->max_batch ? (uint32_t)n : vm->max_batch;
		uint32_t *in = vm->act[0].map;
		int err;

		for (size_t i = 0; i < (size_t)b * n_in; i++)
			in[i] = x[i];
		((uint32_t *)vm->params.map)[0] = b;
		err = ogx_vk_prog_run(&vm->prog);
		if (err)
			return err;
		memcpy(logits, vm->act[vm->n_layers].map, (size_t)b * n_out * 4);
		x += (size_t)b * n_in;
		logits += (size_t)b * n_out;
		n -= b;
	}
	return 0;
}

void ogx_vk_mlp_counts(const struct ogx_vk_mlp *vm, unsigned *dispatches)
{
	*dispatches = vm->prog.ndispatch;
}

void ogx_vk_mlp_free(struct ogx_vk_mlp *vm)
{
	if (!vm)
		return;
	ogx_vk_prog_free(&vm->prog);
	for (unsigned i = 0; i < vm->n_layers; i++) {
		ogx_vk_buf_free(vm->vk, &vm->layer[i].w);
		ogx_vk_buf_free(vm->vk, &vm->layer[i].bias);
		ogx_vk_buf_free(vm->vk, &vm->layer[i].mult);
		ogx_vk_buf_free(vm->vk, &vm->layer[i].shift);
	}
	for (unsigned i = 0; i <= vm->n_layers; i++)
		ogx_vk_buf_free(vm->vk, &vm->act[i]);
	ogx_vk_buf_free(vm->vk, &vm->params);
	free(vm);
}
