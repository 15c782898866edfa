// SPDX-License-Identifier: GPL-2.0
/* Compute pipelines from SPIR-V with specialization constants; see pipeline.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "vk/device.h"
#include "vk/pipeline.h"
#include "vk/result.h"
#include "vk/shaders.h"

#define SPIRV_MAGIC 0x07230203u
#define SPIRV_OP_CAPABILITY 17u

/* SPIR-V capabilities (spirv.h numbering) the engine can't assume everywhere. */
static int check_capability(struct ogx_vk *vk, const char *name, uint32_t cap)
{
	VkPhysicalDeviceFeatures f;
	const char *what = NULL;

	vkGetPhysicalDeviceFeatures(vk->phys, &f);
	switch (cap) {
	case 10: /* Float64 */
		if (!f.shaderFloat64)
			what = "Float64";
		break;
	case 11: /* Int64 */
		if (!f.shaderInt64)
			what = "Int64";
		break;
	case 22: /* Int16 */
		if (!f.shaderInt16)
			what = "Int16";
		break;
	case 9: /* Float16 */
	case 39: /* Int8 */
	case 4448: /* StorageBuffer16BitAccess */
	case 4464: /* StorageBuffer8BitAccess */
		/* The engine enables none of these device features. */
		what = cap == 9 ? "Float16" : cap == 39 ? "Int8" : cap == 4448 ?
		       "StorageBuffer16BitAccess" : "StorageBuffer8BitAccess";
		break;
	default:
		break;
	}
	if (what)
		return ogx_fail(-ENOTSUP, "vulkan: shader '%s' does not compile for %s: it needs "
				"the %s capability, which is not enabled on this device",
				name, vk->desc.name, what);
	return 0;
}

static int check_spirv(struct ogx_vk *vk, const char *name, const uint32_t *code, size_t size)
{
	size_t n = size / 4, i = 5;

	if (size < 20 || size % 4 || code[0] != SPIRV_MAGIC)
		return ogx_fail(-EINVAL, "vulkan: shader '%s' is not SPIR-V (%zu bytes, bad header)",
				name, size);
	if (code[1] > 0x00010500u)
		return ogx_fail(-ENOTSUP, "vulkan: shader '%s' is SPIR-V %u.%u, newer than %s "
				"accepts", name, (code[1] >> 16) & 0xff, (code[1] >> 8) & 0xff,
				vk->desc.name);
	while (i < n) {
		uint32_t words = code[i] >> 16, op = code[i] & 0xffff;
		int err;

		if (!words || i + words > n)
			return ogx_fail(-EINVAL, "vulkan: shader '%s' is truncated SPIR-V at word %zu",
					name, i);
		if (op == SPIRV_OP_CAPABILITY && words == 2) {
			err = check_capability(vk, name, code[i + 1]);
			if (err)
				return err;
		}
		i += words;
	}
	return 0;
}

static void pipe_free(struct ogx_vk *vk, struct ogx_vk_pipe *p)
{
	if (p->pipeline)
		vkDestroyPipeline(vk->dev, p->pipeline, NULL);
	if (p->layout)
		vkDestroyPipelineLayout(vk->dev, p->layout, NULL);
	if (p->dsl)
		vkDestroyDescriptorSetLayout(vk->dev, p->dsl, NULL);
	if (p->module)
		vkDestroyShaderModule(vk->dev, p->module, NULL);
	free(p);
}

int ogx_vk_pipe_from_code(struct ogx_vk *vk, const char *name, const uint32_t *code,
			  size_t size, unsigned nbind, const void *spec, size_t spec_size,
			  struct ogx_vk_pipe **out)
{
	unsigned nspec = (unsigned)(spec_size / 4);
	VkDescriptorSetLayoutBinding b[OGX_VK_MAX_BIND];
	VkSpecializationMapEntry map[OGX_VK_MAX_SPEC];
	VkPushConstantRange push = {
		.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
		.size = OGX_VK_PUSH_WORDS * 4,
	};
	struct ogx_vk_pipe *p;
	VkResult r;
	int err;

	*out = NULL;
	if (nbind > OGX_VK_MAX_BIND || spec_size > OGX_VK_MAX_SPEC * 4 || spec_size % 4)
		return ogx_fail(-EINVAL, "vulkan: shader '%s': too many bindings or constants", name);
	for (p = vk->pipes; p; p = p->next)
		if (!strcmp(p->name, name) && p->nspec == nspec && p->nbind == nbind &&
		    !memcmp(p->spec, spec, spec_size)) {
			*out = p;
			return 0;
		}
	err = check_spirv(vk, name, code, size);
	if (err)
		return err;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	snprintf(p->name, sizeof(p->name), "%s", name);
	memcpy(p->spec, spec, spec_size);
	p->nspec = nspec;
	p->nbind = nbind;

	VkShaderModuleCreateInfo smci = {
		.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
		.codeSize = size,
		.pCode = code,
	};
	r = vkCreateShaderModule(vk->dev, &smci, NULL, &p->module);
	if (r != VK_SUCCESS)
		goto vkfail;
	for (unsigned i = 0; i < nbind; i++)
		b[i] = (VkDescriptorSetLayoutBinding){
			.binding = i,
			.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
			.descriptorCount = 1,
			.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
		};
	VkDescriptorSetLayoutCreateInfo dci = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
		.bindingCount = nbind,
		.pBindings = b,
	};
	r = vkCreateDescriptorSetLayout(vk->dev, &dci, NULL, &p->dsl);
	if (r != VK_SUCCESS)
		goto vkfail;
	VkPipelineLayoutCreateInfo lci = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
		.setLayoutCount = 1,
		.pSetLayouts = &p->dsl,
		.pushConstantRangeCount = 1,
		.pPushConstantRanges = &push,
	};
	r = vkCreatePipelineLayout(vk->dev, &lci, NULL, &p->layout);
	if (r != VK_SUCCESS)
		goto vkfail;
	for (unsigned i = 0; i < nspec; i++)
		map[i] = (VkSpecializationMapEntry){ .constantID = i, .offset = i * 4, .size = 4 };
	VkSpecializationInfo si = {
		.mapEntryCount = nspec,
		.pMapEntries = map,
		.dataSize = nspec * 4,
		.pData = p->spec,
	};
	VkComputePipelineCreateInfo cci = {
		.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
		.stage = {
			.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
			.stage = VK_SHADER_STAGE_COMPUTE_BIT,
			.module = p->module,
			.pName = "main",
			.pSpecializationInfo = nspec ? &si : NULL,
		},
		.layout = p->layout,
	};
	r = vkCreateComputePipelines(vk->dev, vk->cache, 1, &cci, NULL, &p->pipeline);
	if (r != VK_SUCCESS)
		goto vkfail;
	p->next = vk->pipes;
	vk->pipes = p;
	*out = p;
	return 0;
vkfail:
	pipe_free(vk, p);
	return ogx_fail(r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY ?
			-ENOMEM : -EIO, "vulkan: shader '%s' failed to compile for %s: %s",
			name, vk->desc.name, ogx_vk_result_name(r));
}

int ogx_vk_pipe_get(struct ogx_vk *vk, const char *name, unsigned nbind,
		    const void *spec, size_t spec_size, struct ogx_vk_pipe **out)
{
	struct ogx_vk_shader s;

	if (ogx_vk_shader_find(name, &s)) {
		*out = NULL;
		return ogx_fail(-ENOENT, "vulkan: no shader '%s' in this build", name);
	}
	return ogx_vk_pipe_from_code(vk, name, s.code, s.size, nbind, spec, spec_size, out);
}

void ogx_vk_pipes_destroy(struct ogx_vk *vk)
{
	while (vk->pipes) {
		struct ogx_vk_pipe *p = vk->pipes;

		vk->pipes = p->next;
		pipe_free(vk, p);
	}
}
