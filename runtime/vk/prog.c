// SPDX-License-Identifier: GPL-2.0
/* Recorded programs of dispatches; see prog.h. */
#include <string.h>

#include "util/err.h"
#include "vk/device.h"
#include "vk/result.h"
#include "vk/prog.h"

int ogx_vk_prog_begin(struct ogx_vk *vk, unsigned max_dispatch, struct ogx_vk_prog *prog)
{
	VkDescriptorPoolSize size = {
		.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
		.descriptorCount = (max_dispatch ? max_dispatch : 1) * OGX_VK_MAX_BIND,
	};
	VkDescriptorPoolCreateInfo dpci = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
		.maxSets = max_dispatch ? max_dispatch : 1,
		.poolSizeCount = 1,
		.pPoolSizes = &size,
	};
	VkCommandBufferAllocateInfo cai = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.commandPool = vk->cmdpool,
		.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
		.commandBufferCount = 1,
	};
	VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
	VkResult r;

	memset(prog, 0, sizeof(*prog));
	prog->vk = vk;
	prog->max_sets = dpci.maxSets;
	r = vkCreateDescriptorPool(vk->dev, &dpci, NULL, &prog->pool);
	if (r != VK_SUCCESS)
		return ogx_vk_fail(r, "vkCreateDescriptorPool");
	r = vkAllocateCommandBuffers(vk->dev, &cai, &prog->cb);
	if (r == VK_SUCCESS)
		r = vkBeginCommandBuffer(prog->cb, &bi);
	if (r != VK_SUCCESS) {
		ogx_vk_prog_free(prog);
		return ogx_vk_fail(r, "vkBeginCommandBuffer");
	}
	return 0;
}

void ogx_vk_prog_barrier(struct ogx_vk_prog *prog)
{
	prog->pending_barrier = true;
}

static void emit_barrier(struct ogx_vk_prog *prog)
{
	VkMemoryBarrier mb = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
		.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
		.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
	};

	vkCmdPipelineBarrier(prog->cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
			     VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
	prog->nbarrier++;
	prog->pending_barrier = false;
}

void ogx_vk_prog_dispatch(struct ogx_vk_prog *prog, const struct ogx_vk_pipe *pipe,
			  const struct ogx_vk_bind *binds, const uint32_t *push, unsigned npush,
			  uint32_t gx, uint32_t gy, uint32_t gz)
{
	VkDescriptorBufferInfo info[OGX_VK_MAX_BIND];
	VkWriteDescriptorSet w[OGX_VK_MAX_BIND];
	VkDescriptorSetAllocateInfo ai = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
		.descriptorPool = prog->pool,
		.descriptorSetCount = 1,
		.pSetLayouts = &pipe->dsl,
	};
	uint32_t words[OGX_VK_PUSH_WORDS] = { 0 };
	VkDescriptorSet set;
	VkResult r;

	if (prog->err)
		return;
	if (prog->nsets >= prog->max_sets || npush > OGX_VK_PUSH_WORDS) {
		prog->err = ogx_fail(-EINVAL, "vulkan: program holds more dispatches than "
				     "reserved (%u)", prog->max_sets);
		return;
	}
	r = vkAllocateDescriptorSets(prog->vk->dev, &ai, &set);
	if (r != VK_SUCCESS) {
		prog->err = ogx_vk_fail(r, "vkAllocateDescriptorSets");
		return;
	}
	prog->nsets++;
	for (unsigned i = 0; i < pipe->nbind; i++) {
		info[i] = (VkDescriptorBufferInfo){
			.buffer = binds[i].buf->buf,
			.offset = binds[i].off,
			.range = binds[i].len ? binds[i].len : VK_WHOLE_SIZE,
		};
		w[i] = (VkWriteDescriptorSet){
			.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
			.dstSet = set,
			.dstBinding = i,
			.descriptorCount = 1,
			.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
			.pBufferInfo = &info[i],
		};
	}
	vkUpdateDescriptorSets(prog->vk->dev, pipe->nbind, w, 0, NULL);
	if (prog->pending_barrier)
		emit_barrier(prog);
	vkCmdBindPipeline(prog->cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipe->pipeline);
	vkCmdBindDescriptorSets(prog->cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipe->layout, 0, 1,
				&set, 0, NULL);
	if (npush)
		memcpy(words, push, npush * 4);
	vkCmdPushConstants(prog->cb, pipe->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
			   sizeof(words), words);
	vkCmdDispatch(prog->cb, gx, gy, gz);
	prog->ndispatch++;
}

int ogx_vk_prog_end(struct ogx_vk_prog *prog)
{
	VkResult r;

	if (prog->err)
		return prog->err;
	/* The host reads results after the fence: make shader writes visible to it. */
	VkMemoryBarrier mb = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
		.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
		.dstAccessMask = VK_ACCESS_HOST_READ_BIT,
	};
	vkCmdPipelineBarrier(prog->cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
			     VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
	r = vkEndCommandBuffer(prog->cb);
	if (r != VK_SUCCESS)
		return prog->err = ogx_vk_fail(r, "vkEndCommandBuffer");
	prog->ended = true;
	return 0;
}

int ogx_vk_prog_run(struct ogx_vk_prog *prog)
{
	int err;

	if (!prog->ended)
		return ogx_fail(-EINVAL, "vulkan: program run before it was ended");
	err = ogx_vk_submit_wait(prog->vk, prog->cb);
	if (!err)
		prog->vk->dispatches += prog->ndispatch;
	return err;
}

void ogx_vk_prog_free(struct ogx_vk_prog *prog)
{
	struct ogx_vk *vk = prog->vk;

	if (!vk)
		return;
	if (prog->cb)
		vkFreeCommandBuffers(vk->dev, vk->cmdpool, 1, &prog->cb);
	if (prog->pool)
		vkDestroyDescriptorPool(vk->dev, prog->pool, NULL);
	memset(prog, 0, sizeof(*prog));
}
