/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Storage buffers in host-visible, coherent memory, mapped for their whole
 * life. On unified-memory devices (lavapipe, integrated GPUs) that memory is
 * the device's own, so weights are written in place once and never copied
 * again; device-local host-visible memory is preferred where it exists.
 */
#ifndef OGX_VK_BUFFER_H
#define OGX_VK_BUFFER_H

#include <stddef.h>
#include <vulkan/vulkan.h>

struct ogx_vk;

struct ogx_vk_buf {
	VkBuffer buf;
	VkDeviceMemory mem;
	VkDeviceSize size;
	void *map;
};

/*
 * Allocate size bytes (what names the tensor or role, for errors): -ENOMEM
 * with a detail when the device cannot hold it.
 */
int ogx_vk_buf_alloc(struct ogx_vk *vk, size_t size, const char *what, struct ogx_vk_buf *b);

/* The same, filled with a copy of data. */
int ogx_vk_buf_upload(struct ogx_vk *vk, const void *data, size_t size, const char *what,
		      struct ogx_vk_buf *b);

void ogx_vk_buf_free(struct ogx_vk *vk, struct ogx_vk_buf *b);

#endif
