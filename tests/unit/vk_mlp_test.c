// SPDX-License-Identifier: GPL-2.0
/*
 * The integer classifier on Vulkan against the CPU reference, on the real
 * model: mnist-fc quantized to ogx-mlp-q8 (calibrated on the first 1,000
 * test images), then all 10,000 MNIST test images through both engines. The
 * int32 logits must be the same bytes: same digest, same classes. Runs with
 * the validation layers on; any error message fails the test.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "model/idx.h"
#include "model/mlp.h"
#include "model/mlp_gguf.h"
#include "model/mlp_quant.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/hex.h"
#include "vk/device.h"
#include "vk/mlp.h"

static const char *models_dir(void)
{
	const char *d = getenv("OGX_MODELS");

	return d && *d ? d : "../shared/models";
}

FIXTURE(mnist) {
	struct ogx_vk *vk;
	struct ogx_mlp f, q;
	struct ogx_idx images;
};

FIXTURE_SETUP(mnist)
{
	struct ogx_vk_opts o = { .validation = true, .no_cache = true };
	char path[512];
	int err;

	ASSERT_EQ(0, ogx_vk_open(&o, &self->vk));
	snprintf(path, sizeof(path), "%s/mnist-fc/mnist-fc-f32.gguf", models_dir());
	err = ogx_mlp_load(path, &self->f);
	if (err)
		TH_LOG("%s: %s", path, ogx_errmsg(err));
	ASSERT_EQ(0, err);
	snprintf(path, sizeof(path), "%s/mnist-fc/t10k-images-idx3-ubyte.gz", models_dir());
	err = ogx_idx_load(path, 3, &self->images);
	if (err)
		TH_LOG("%s: %s", path, ogx_errmsg(err));
	ASSERT_EQ(0, err);
	ASSERT_EQ(10000, self->images.count);
	ASSERT_EQ(0, ogx_mlp_quantize(&self->f, self->images.data, 1000, &self->q));
}

FIXTURE_TEARDOWN(mnist)
{
	unsigned errors = self->vk ? self->vk->validation_errors : 0;

	ogx_mlp_free(&self->f);
	ogx_mlp_free(&self->q);
	ogx_idx_free(&self->images);
	ogx_vk_close(self->vk);
	EXPECT_EQ(0, errors);
}

/* 10,000 images on lavapipe: ~10 s alone, well past the 30 s default on a loaded machine. */
TEST_F_TIMEOUT(mnist, q8_all_test_images_bit_exact, 600)
{
	size_t n = self->images.count, n_out = ogx_mlp_n_out(&self->q);
	int32_t *cpu = malloc(n * n_out * 4), *gpu = malloc(n * n_out * 4);
	uint8_t dc[32], dg[32];
	char hex[65];
	struct ogx_vk_mlp *vm;

	ASSERT_EQ(0, ogx_mlp_q8_forward(&self->q, self->images.data, n, cpu));
	ASSERT_EQ(0, ogx_vk_mlp_init(self->vk, &self->q, 64, &vm));
	memset(gpu, 0x5a, n * n_out * 4);
	ASSERT_EQ(0, ogx_vk_mlp_q8_forward(vm, self->images.data, n, gpu));
	ogx_sha256(dc, cpu, n * n_out * 4);
	ogx_sha256(dg, gpu, n * n_out * 4);
	ogx_hex(hex, dg, 32);
	TH_LOG("logits of %zu images: sha256 %s", n, hex);
	for (size_t i = 0; i < n; i++)
		if (memcmp(cpu + i * n_out, gpu + i * n_out, n_out * 4)) {
			TH_LOG("image %zu differs", i);
			break;
		}
	ASSERT_EQ(0, memcmp(dc, dg, 32));
	/* Batch 1 gives the same bytes as batch 64. */
	ASSERT_EQ(0, ogx_vk_mlp_q8_forward(vm, self->images.data + 9999 * 784, 1, gpu));
	ASSERT_EQ(0, memcmp(cpu + 9999 * n_out, gpu, n_out * 4));
	ogx_vk_mlp_free(vm);
	free(cpu);
	free(gpu);
}

TEST_F(mnist, f32_model_is_refused)
{
	struct ogx_vk_mlp *vm;
	int err = ogx_vk_mlp_init(self->vk, &self->f, 1, &vm);

	ASSERT_EQ(-ENOTSUP, err);
	ASSERT_STREQ("the Vulkan engine runs integer (ogx-mlp-q8) classifiers; quantize this f32 "
		     "model first (ogrun model quantize)", ogx_errmsg(err));
	ASSERT_EQ(NULL, vm);
}

TEST_HARNESS_MAIN
