/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compute pipelines made from the embedded shaders, specialised per shape
 * with specialization constants, created once per (shader, constants) and
 * kept on the device for reuse. The constants are given as one struct of
 * 32-bit members (uint32_t, float) in constant_id order: ids 0..size/4 - 1
 * (spec.h holds the engine's). Every pipeline binds
 * nbind storage buffers (set 0, bindings 0..nbind-1) and up to
 * OGX_VK_PUSH_WORDS words of push constants.
 */
#ifndef OGX_VK_PIPELINE_H
#define OGX_VK_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include <vulkan/vulkan.h>

#include "util/err.h"

#define OGX_VK_PUSH_WORDS 8
#define OGX_VK_MAX_SPEC 16
/* The joint step's KV store and attention: 3 buffers and 2 caches for each of 8 streams. */
#define OGX_VK_MAX_BIND 19

struct ogx_vk;

struct ogx_vk_pipe {
	struct ogx_vk_pipe *next;
	char name[48];
	uint32_t spec[OGX_VK_MAX_SPEC];
	unsigned nspec, nbind;
	VkShaderModule module;
	VkDescriptorSetLayout dsl;
	VkPipelineLayout layout;
	VkPipeline pipeline;
};

/* The pipeline for the embedded shader name with the spec_size bytes of constants at spec. */
OGX_MUST_CHECK
int ogx_vk_pipe_get(struct ogx_vk *vk, const char *name, unsigned nbind,
		    const void *spec, size_t spec_size, struct ogx_vk_pipe **out);

/*
 * The same from SPIR-V code given by the caller. The header and the
 * capabilities it declares are checked before the driver sees it, so a shader
 * that cannot run on this device is a clear error, not a driver crash.
 */
OGX_MUST_CHECK
int ogx_vk_pipe_from_code(struct ogx_vk *vk, const char *name, const uint32_t *code,
			  size_t size, unsigned nbind, const void *spec, size_t spec_size,
			  struct ogx_vk_pipe **out);

void ogx_vk_pipes_destroy(struct ogx_vk *vk);

#endif
