// SPDX-License-Identifier: GPL-2.0
/*
 * The discrete-GPU memory policy (runtime/vk/buffer.h) forced on whatever
 * device the machine has (lavapipe here) with OGX_VK_UPLOAD=staging: weights
 * copied from staging buffers into device-local memory the host never maps,
 * activations and the KV cache device-local and zero-filled by the device.
 * The Llama forward must still give the CPU's greedy tokens and the int8
 * classifier the CPU's bytes, with the validation layers on and silent. On
 * lavapipe every memory type is host-visible, so this checks the copies,
 * fills and barriers, not a discrete GPU's memory types.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "model/idx.h"
#include "model/llama.h"
#include "model/llama2c.h"
#include "model/mlp.h"
#include "model/mlp_gguf.h"
#include "model/mlp_quant.h"
#include "util/err.h"
#include "vk/buffer.h"
#include "vk/device.h"
#include "vk/llama.h"
#include "vk/mlp.h"

static const char *models_dir(void)
{
	const char *d = getenv("OGX_MODELS");

	return d && *d ? d : "../shared/models";
}

static uint32_t argmax_f32(const float *v, uint32_t n)
{
	uint32_t best = 0;

	for (uint32_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

FIXTURE(staged) {
	struct ogx_vk *vk;
};

FIXTURE_SETUP(staged)
{
	struct ogx_vk_opts o = { .validation = true, .no_cache = true, .upload = "staging" };
	int err = ogx_vk_open(&o, &self->vk);

	if (err)
		TH_LOG("%s", ogx_errmsg(err));
	ASSERT_EQ(0, err);
	ASSERT_TRUE(self->vk->staged);
}

FIXTURE_TEARDOWN(staged)
{
	unsigned errors = self->vk ? self->vk->validation_errors : 0;

	ogx_vk_close(self->vk);
	EXPECT_EQ(0, errors);
}

/* lavapipe is a CPU device: left alone it maps everything; the override and env choose. */
TEST(policy_choice)
{
	struct ogx_vk_opts o = { .no_cache = true };
	struct ogx_vk *vk;
	int err;

	unsetenv("OGX_VK_UPLOAD");
	ASSERT_EQ(0, ogx_vk_open(&o, &vk));
	if (!strcmp(vk->desc.type, "cpu"))
		EXPECT_FALSE(vk->staged);
	ogx_vk_close(vk);
	setenv("OGX_VK_UPLOAD", "staging", 1);
	ASSERT_EQ(0, ogx_vk_open(&o, &vk));
	EXPECT_TRUE(vk->staged);
	ogx_vk_close(vk);
	o.upload = "direct";		/* the option wins over the environment */
	ASSERT_EQ(0, ogx_vk_open(&o, &vk));
	EXPECT_FALSE(vk->staged);
	ogx_vk_close(vk);
	o.upload = NULL;
	setenv("OGX_VK_UPLOAD", "vram", 1);
	err = ogx_vk_open(&o, &vk);
	unsetenv("OGX_VK_UPLOAD");
	ASSERT_EQ(-EINVAL, err);
	ASSERT_STREQ("OGX_VK_UPLOAD=vram: want staging, direct or auto", ogx_errmsg(err));
	ASSERT_EQ(NULL, vk);
}

/*
 * stories260K greedy from BOS for 200 steps and a 37-token prompt prefilled
 * in batches: the CPU's tokens every step, from weights the host never saw
 * mapped on the device.
 */
TEST_F(staged, llama_stories260k_matches_cpu)
{
	const uint32_t steps = 200, np = 37;
	uint32_t tc = 1, tg = 1, prompt[37], vocab;
	unsigned long submits;
	struct ogx_vk_llama *gpu;
	struct ogx_llama2c ck;
	struct ogx_llama cpu;
	char path[512];
	double worst = 0;
	const float *lg;
	float *lc = NULL;
	int err;

	snprintf(path, sizeof(path), "%s/stories260K/stories260K.bin", models_dir());
	err = ogx_llama2c_open(&ck, path);
	if (err)
		TH_LOG("%s: %s", path, ogx_errmsg(err));
	ASSERT_EQ(0, err);
	vocab = ck.w.cfg.vocab_size;
	ASSERT_EQ(0, ogx_llama_init(&cpu, &ck.w, 1));
	submits = self->vk->submits;
	err = ogx_vk_llama_init(self->vk, &ck.w, &gpu);
	if (err)
		TH_LOG("%s", ogx_errmsg(err));
	ASSERT_EQ(0, err);
	ASSERT_EQ(submits + 1, self->vk->submits);	/* all copies and fills at once */
	for (uint32_t pos = 0; pos < steps; pos++) {
		uint32_t nc, ng;

		lc = ogx_llama_forward(&cpu, tc, pos, 1);
		ASSERT_EQ(0, ogx_vk_llama_forward(gpu, tg, pos, &lg, &ng));
		nc = argmax_f32(lc, vocab);
		ASSERT_EQ(argmax_f32(lg, vocab), ng);
		for (uint32_t i = 0; i < vocab; i++)
			worst = fmax(worst, fabs(lc[i] - lg[i]));
		if (nc != ng)
			TH_LOG("step %u: cpu %u, vulkan %u", pos, nc, ng);
		ASSERT_EQ(nc, ng);
		tc = nc;
		tg = ng;
	}
	TH_LOG("%u tokens equal; largest logit difference %.3g", steps, worst);
	ASSERT_LT(worst, 1e-3);
	ogx_vk_llama_free(gpu);
	ogx_llama_fini(&cpu);

	/* A fresh model: prompt batches (device-local batch activations), then steps. */
	for (uint32_t i = 0; i < np; i++)
		prompt[i] = i ? 3 + (i * 37) % (vocab - 3) : 1;
	ASSERT_EQ(0, ogx_llama_init(&cpu, &ck.w, 1));
	ASSERT_EQ(0, ogx_vk_llama_init(self->vk, &ck.w, &gpu));
	ASSERT_EQ(8, ogx_vk_llama_batch(gpu));
	for (uint32_t i = 0; i < np; i++)
		lc = ogx_llama_forward(&cpu, prompt[i], i, 1);
	ASSERT_EQ(0, ogx_vk_llama_prefill(gpu, prompt, np - 1, 0));
	ASSERT_EQ(0, ogx_vk_llama_forward(gpu, prompt[np - 1], np - 1, &lg, &tg));
	for (uint32_t i = 0; i < vocab; i++)
		ASSERT_LT(fabs(lc[i] - lg[i]), 1e-3);
	tc = argmax_f32(lc, vocab);
	ASSERT_EQ(tc, tg);
	for (uint32_t pos = np; pos < np + 60; pos++) {
		lc = ogx_llama_forward(&cpu, tc, pos, 1);
		ASSERT_EQ(0, ogx_vk_llama_forward(gpu, tg, pos, NULL, &tg));
		tc = argmax_f32(lc, vocab);
		ASSERT_EQ(tc, tg);
	}
	ogx_vk_llama_free(gpu);
	ogx_llama_fini(&cpu);
	ogx_llama2c_close(&ck);
}

/* All 10,000 MNIST test images: the same int32 logits, byte for byte, as the CPU. */
TEST_F_TIMEOUT(staged, mlp_q8_bit_exact, 600)
{
	struct ogx_mlp f, q;
	struct ogx_idx images;
	struct ogx_vk_mlp *vm;
	char path[512];
	int32_t *cpu, *gpu;
	size_t n, n_out;
	int err;

	snprintf(path, sizeof(path), "%s/mnist-fc/mnist-fc-f32.gguf", models_dir());
	err = ogx_mlp_load(path, &f);
	if (err)
		TH_LOG("%s: %s", path, ogx_errmsg(err));
	ASSERT_EQ(0, err);
	snprintf(path, sizeof(path), "%s/mnist-fc/t10k-images-idx3-ubyte.gz", models_dir());
	ASSERT_EQ(0, ogx_idx_load(path, 3, &images));
	ASSERT_EQ(10000, images.count);
	ASSERT_EQ(0, ogx_mlp_quantize(&f, images.data, 1000, &q));
	n = images.count;
	n_out = ogx_mlp_n_out(&q);
	cpu = malloc(n * n_out * 4);
	gpu = malloc(n * n_out * 4);
	ASSERT_EQ(0, ogx_mlp_q8_forward(&q, images.data, n, cpu));
	ASSERT_EQ(0, ogx_vk_mlp_init(self->vk, &q, 64, &vm));
	memset(gpu, 0x5a, n * n_out * 4);
	ASSERT_EQ(0, ogx_vk_mlp_q8_forward(vm, images.data, n, gpu));
	for (size_t i = 0; i < n; i++)
		if (memcmp(cpu + i * n_out, gpu + i * n_out, n_out * 4)) {
			TH_LOG("image %zu differs", i);
			break;
		}
	ASSERT_EQ(0, memcmp(cpu, gpu, n * n_out * 4));
	ogx_vk_mlp_free(vm);
	free(cpu);
	free(gpu);
	ogx_mlp_free(&f);
	ogx_mlp_free(&q);
	ogx_idx_free(&images);
}

/* Copy len bytes of a device-only buffer to off in a readback buffer. */
static void copy_back(struct __test_metadata *_metadata, struct ogx_vk *vk,
		      const struct ogx_vk_buf *from, const struct ogx_vk_buf *to,
		      VkDeviceSize off, VkDeviceSize len)
{
	VkCommandBufferAllocateInfo cai = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.commandPool = vk->cmdpool,
		.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
		.commandBufferCount = 1,
	};
	VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
	VkMemoryBarrier mb = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
		.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
		.dstAccessMask = VK_ACCESS_HOST_READ_BIT,
	};
	VkCommandBuffer cb;

	ASSERT_EQ(VK_SUCCESS, vkAllocateCommandBuffers(vk->dev, &cai, &cb));
	ASSERT_EQ(VK_SUCCESS, vkBeginCommandBuffer(cb, &bi));
	vkCmdCopyBuffer(cb, from->buf, to->buf, 1,
			&(VkBufferCopy){ .dstOffset = off, .size = len });
	vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1,
			     &mb, 0, NULL, 0, NULL);
	ASSERT_EQ(VK_SUCCESS, vkEndCommandBuffer(cb));
	ASSERT_EQ(0, ogx_vk_submit_wait(vk, cb));
	vkFreeCommandBuffers(vk->dev, vk->cmdpool, 1, &cb);
}

/*
 * What lands where: weights and scratch are not mapped (device-only), what
 * the host reads back is; the device's fill and copy give the bytes.
 */
TEST_F(staged, weights_and_scratch_are_device_only)
{
	static const uint32_t w[5] = { 1, 2, 3, 4, 5 };
	struct ogx_vk_buf bw, bs, out;
	struct ogx_vk_upload up;
	unsigned long submits;
	uint8_t *o;

	ogx_vk_upload_begin(self->vk, &up);
	ASSERT_EQ(0, ogx_vk_buf_weights(&up, w, sizeof(w), "w", &bw));
	ASSERT_EQ(0, ogx_vk_buf_scratch(&up, 64, "scratch", &bs));
	ASSERT_EQ(NULL, bw.map);
	ASSERT_EQ(NULL, bs.map);
	ASSERT_EQ(1, up.nstaging);
	submits = self->vk->submits;
	ASSERT_EQ(0, ogx_vk_upload_end(&up));
	ASSERT_EQ(submits + 1, self->vk->submits);
	ASSERT_EQ(NULL, up.staging);
	ASSERT_EQ(0, ogx_vk_buf_readback(self->vk, 96, "out", &out));
	ASSERT_NE(NULL, out.map);
	o = out.map;
	memset(o, 0xff, 96);
	/* Copy both back where the host can look: the weights, zero padding, zeros. */
	copy_back(_metadata, self->vk, &bw, &out, 0, 32);
	copy_back(_metadata, self->vk, &bs, &out, 32, 64);
	ASSERT_EQ(0, memcmp(o, w, sizeof(w)));
	for (size_t i = sizeof(w); i < 96; i++)
		ASSERT_EQ(0, o[i]);
	ogx_vk_buf_free(self->vk, &bw);
	ogx_vk_buf_free(self->vk, &bs);
	ogx_vk_buf_free(self->vk, &out);
}

/*
 * Staging past flush_at is submitted and freed before more is staged: the
 * copies of every flush land.
 */
TEST_F(staged, staging_flushes_in_parts)
{
	uint32_t w[3][40];
	struct ogx_vk_buf b[3], out;
	struct ogx_vk_upload up;
	unsigned long submits;

	for (unsigned i = 0; i < 3; i++)
		for (unsigned j = 0; j < 40; j++)
			w[i][j] = i * 1000 + j;
	ogx_vk_upload_begin(self->vk, &up);
	up.flush_at = 200;		/* each 160-byte tensor in its own submission */
	submits = self->vk->submits;
	for (unsigned i = 0; i < 3; i++) {
		ASSERT_EQ(0, ogx_vk_buf_weights(&up, w[i], sizeof(w[i]), "w", &b[i]));
		ASSERT_EQ(1, up.nstaging);
	}
	ASSERT_EQ(0, ogx_vk_upload_end(&up));
	ASSERT_EQ(submits + 3, self->vk->submits);
	ASSERT_EQ(0, ogx_vk_buf_readback(self->vk, sizeof(w), "out", &out));
	for (unsigned i = 0; i < 3; i++)
		copy_back(_metadata, self->vk, &b[i], &out, i * sizeof(w[i]), sizeof(w[i]));
	ASSERT_EQ(0, memcmp(out.map, w, sizeof(w)));
	for (unsigned i = 0; i < 3; i++)
		ogx_vk_buf_free(self->vk, &b[i]);
	ogx_vk_buf_free(self->vk, &out);
}

/*
 * A tensor larger than any heap fails at its staging buffer, with the
 * tensor's name and size; the upload keeps the error, and ends cleanly.
 */
TEST_F(staged, staging_out_of_memory)
{
	static const uint32_t small[4];
	const size_t huge = (size_t)1 << 50;
	struct ogx_vk_buf b, ok;
	struct ogx_vk_upload up;
	char want[512];
	int err;

	ogx_vk_upload_begin(self->vk, &up);
	ASSERT_EQ(0, ogx_vk_buf_weights(&up, small, sizeof(small), "output_norm", &ok));
	err = ogx_vk_buf_weights(&up, small, huge, "blk.0.ffn_up.weight", &b);
	ASSERT_EQ(-ENOMEM, err);
	snprintf(want, sizeof(want), "vulkan: out of staging memory: 'blk.0.ffn_up.weight' "
		 "needs %llu bytes on %s", (unsigned long long)huge, self->vk->desc.name);
	ASSERT_STREQ(want, ogx_errmsg(err));
	ASSERT_EQ(NULL, b.buf);
	/* Later calls and the end report the same error; nothing was submitted. */
	ASSERT_EQ(-ENOMEM, ogx_vk_buf_scratch(&up, 16, "x", &b));
	ASSERT_EQ(-ENOMEM, ogx_vk_upload_end(&up));
	ASSERT_EQ(NULL, up.staging);
	ogx_vk_buf_free(self->vk, &ok);
}

TEST_HARNESS_MAIN
