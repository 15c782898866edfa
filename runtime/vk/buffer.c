// SPDX-License-Identifier: GPL-2.0
/* Host-visible storage buffers; see buffer.h. */
#include <string.h>

#include "util/err.h"
#include "vk/buffer.h"
#include "vk/device.h"

static int pick_memory(struct ogx_vk *vk, uint32_t bits, VkMemoryPropertyFlags want)
{
	for (uint32_t i = 0; i < vk->mem.memoryTypeCount; i++)
		if ((bits & (1u << i)) &&
		    (vk->mem.memoryTypes[i].propertyFlags & want) == want)
			return (int)i;
	return -1;
}

int ogx_vk_buf_alloc(struct ogx_vk *vk, size_t size, const char *what, struct ogx_vk_buf *b)
{
	const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
					   VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
	VkBufferCreateInfo bci = {
		.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
		/* Round up: zero-sized buffers are invalid, odd sizes trip word loads. */
		.size = size ? (size + 15) & ~(size_t)15 : 16,
		.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
			 VK_BUFFER_USAGE_TRANSFER_DST_BIT,
		.sharingMode = VK_SHARING_MODE_EXCLUSIVE,
	};
	VkMemoryRequirements req;
	VkDeviceSize heap;
	VkResult r;
	int type;

	memset(b, 0, sizeof(*b));
	r = vkCreateBuffer(vk->dev, &bci, NULL, &b->buf);
	if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
		return ogx_fail(-ENOMEM, "vulkan: out of device memory: '%s' needs %llu bytes "
				"on %s", what, (unsigned long long)bci.size, vk->desc.name);
	if (r != VK_SUCCESS)
		return ogx_vk_fail(r, what);
	vkGetBufferMemoryRequirements(vk->dev, b->buf, &req);
	type = pick_memory(vk, req.memoryTypeBits, host | VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
	if (type < 0)
		type = pick_memory(vk, req.memoryTypeBits, host);
	if (type < 0) {
		ogx_vk_buf_free(vk, b);
		return ogx_fail(-ENOTSUP, "vulkan: %s has no host-visible memory for '%s'",
				vk->desc.name, what);
	}
	heap = vk->mem.memoryHeaps[vk->mem.memoryTypes[type].heapIndex].size;
	if (req.size > heap) {
		ogx_vk_buf_free(vk, b);
		return ogx_fail(-ENOMEM, "vulkan: out of device memory: '%s' needs %llu bytes "
				"on %s, whose memory heap has %llu", what,
				(unsigned long long)req.size, vk->desc.name,
				(unsigned long long)heap);
	}
	VkMemoryAllocateInfo mai = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
		.allocationSize = req.size,
		.memoryTypeIndex = (uint32_t)type,
	};
	r = vkAllocateMemory(vk->dev, &mai, NULL, &b->mem);
	if (r == VK_SUCCESS)
		r = vkBindBufferMemory(vk->dev, b->buf, b->mem, 0);
	if (r == VK_SUCCESS)
		r = vkMapMemory(vk->dev, b->mem, 0, VK_WHOLE_SIZE, 0, &b->map);
	if (r != VK_SUCCESS) {
		ogx_vk_buf_free(vk, b);
		if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
			return ogx_fail(-ENOMEM, "vulkan: out of device memory: '%s' needs "
					"%llu bytes on %s", what, (unsigned long long)req.size,
					vk->desc.name);
		return ogx_vk_fail(r, what);
	}
	b->size = bci.size;
	return 0;
}

int ogx_vk_buf_upload(struct ogx_vk *vk, const void *data, size_t size, const char *what,
		      struct ogx_vk_buf *b)
{
	int err = ogx_vk_buf_alloc(vk, size, what, b);

	if (err)
		return err;
	memcpy(b->map, data, size);
	memset((char *)b->map + size, 0, b->size - size);
	return 0;
}

void ogx_vk_buf_free(struct ogx_vk *vk, struct ogx_vk_buf *b)
{
	if (b->map)
		vkUnmapMemory(vk->dev, b->mem);
	if (b->buf)
		vkDestroyBuffer(vk->dev, b->buf, NULL);
	if (b->mem)
		vkFreeMemory(vk->dev, b->mem, NULL);
	memset(b, 0, sizeof(*b));
}
