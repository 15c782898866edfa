// SPDX-License-Identifier: GPL-2.0
/* Storage buffers, their memory, and the load-time upload batch; see buffer.h. */
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "vk/buffer.h"
#include "vk/device.h"
#include "vk/result.h"

#define DL VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT
#define HV VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT
#define HC VK_MEMORY_PROPERTY_HOST_COHERENT_BIT
#define CACHED VK_MEMORY_PROPERTY_HOST_CACHED_BIT

/* Memory type preferences, best first: a type with all of want, none of avoid. */
struct mem_pref {
	VkMemoryPropertyFlags want, avoid;
};

/* What the host writes: device-local if the host can also map it (BAR), else host memory. */
static const struct mem_pref host_prefs[] = { { DL | HV | HC, 0 }, { HV | HC, 0 }, { 0 } };
/* What the host reads: cached, so reading it back is not a crawl over uncached memory. */
static const struct mem_pref readback_prefs[] = { { HV | HC | CACHED, 0 }, { HV | HC, 0 },
						  { 0 } };
/* Staging: plain host memory, not the scarce BAR window. */
static const struct mem_pref staging_prefs[] = { { HV | HC, DL }, { HV | HC, 0 }, { 0 } };
/* Device-only: memory the host cannot see first (VRAM proper rather than the BAR window). */
static const struct mem_pref device_prefs[] = { { DL, HV }, { DL, 0 }, { 0 } };

static int pick_memory(struct ogx_vk *vk, uint32_t bits, const struct mem_pref *p)
{
	for (uint32_t i = 0; i < vk->mem.memoryTypeCount; i++) {
		VkMemoryPropertyFlags f = vk->mem.memoryTypes[i].propertyFlags;

		if ((bits & (1u << i)) && (f & p->want) == p->want && !(f & p->avoid))
			return (int)i;
	}
	return -1;
}

static int out_of_memory(struct ogx_vk *vk, const char *kind, const char *what,
			 VkDeviceSize size)
{
	return ogx_fail(-ENOMEM, "vulkan: out of %s memory: '%s' needs %llu bytes on %s", kind,
			what, (unsigned long long)size, vk->desc.name);
}

/*
 * A buffer of size bytes in the first memory type of prefs that fits, mapped
 * when map. kind ("device", "staging") names the memory in errors.
 */
static int buf_make(struct ogx_vk *vk, size_t size, const char *what, const char *kind,
		    const struct mem_pref *prefs, int map, struct ogx_vk_buf *b)
{
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
	int type = -1;

	memset(b, 0, sizeof(*b));
	r = vkCreateBuffer(vk->dev, &bci, NULL, &b->buf);
	if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
		return out_of_memory(vk, kind, what, bci.size);
	if (r != VK_SUCCESS)
		return ogx_vk_fail(r, what);
	vkGetBufferMemoryRequirements(vk->dev, b->buf, &req);
	for (const struct mem_pref *p = prefs; type < 0 && p->want; p++)
		type = pick_memory(vk, req.memoryTypeBits, p);
	if (type < 0) {
		ogx_vk_buf_free(vk, b);
		return ogx_fail(-ENOTSUP, "vulkan: %s has no %s memory for '%s'", vk->desc.name,
				map ? "host-visible" : "device-local", what);
	}
	heap = vk->mem.memoryHeaps[vk->mem.memoryTypes[type].heapIndex].size;
	if (req.size > heap) {
		ogx_vk_buf_free(vk, b);
		return ogx_fail(-ENOMEM, "vulkan: out of %s memory: '%s' needs %llu bytes "
				"on %s, whose memory heap has %llu", kind, what,
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
	if (r == VK_SUCCESS && map)
		r = vkMapMemory(vk->dev, b->mem, 0, VK_WHOLE_SIZE, 0, &b->map);
	if (r != VK_SUCCESS) {
		ogx_vk_buf_free(vk, b);
		if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
			return out_of_memory(vk, kind, what, req.size);
		return ogx_vk_fail(r, what);
	}
	b->size = bci.size;
	return 0;
}

int ogx_vk_buf_alloc(struct ogx_vk *vk, size_t size, const char *what, struct ogx_vk_buf *b)
{
	int err = buf_make(vk, size, what, "device", host_prefs, 1, b);

	if (!err)
		memset(b->map, 0, b->size);
	return err;
}

int ogx_vk_buf_upload(struct ogx_vk *vk, const void *data, size_t size, const char *what,
		      struct ogx_vk_buf *b)
{
	int err = buf_make(vk, size, what, "device", host_prefs, 1, b);

	if (err)
		return err;
	memcpy(b->map, data, size);
	memset((char *)b->map + size, 0, b->size - size);
	return 0;
}

int ogx_vk_buf_readback(struct ogx_vk *vk, size_t size, const char *what, struct ogx_vk_buf *b)
{
	int err = buf_make(vk, size, what, "device", readback_prefs, 1, b);

	if (!err)
		memset(b->map, 0, b->size);
	return err;
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

void ogx_vk_upload_begin(struct ogx_vk *vk, struct ogx_vk_upload *up)
{
	memset(up, 0, sizeof(*up));
	up->vk = vk;
	up->flush_at = OGX_VK_STAGING_FLUSH;
}

static void drop_staging(struct ogx_vk_upload *up)
{
	for (unsigned i = 0; i < up->nstaging; i++)
		ogx_vk_buf_free(up->vk, &up->staging[i]);
	up->nstaging = 0;
	up->staged = 0;
	if (up->cb)
		vkFreeCommandBuffers(up->vk->dev, up->vk->cmdpool, 1, &up->cb);
	up->cb = VK_NULL_HANDLE;
}

/* The command buffer being recorded, started on first use. */
static VkCommandBuffer recording(struct ogx_vk_upload *up)
{
	VkCommandBufferAllocateInfo cai = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.commandPool = up->vk->cmdpool,
		.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
		.commandBufferCount = 1,
	};
	VkCommandBufferBeginInfo bi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
		.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
	};
	VkResult r;

	if (up->cb)
		return up->cb;
	r = vkAllocateCommandBuffers(up->vk->dev, &cai, &up->cb);
	if (r != VK_SUCCESS) {
		up->cb = VK_NULL_HANDLE;
		up->err = ogx_vk_fail(r, "vkAllocateCommandBuffers");
		return VK_NULL_HANDLE;
	}
	r = vkBeginCommandBuffer(up->cb, &bi);
	if (r != VK_SUCCESS) {
		up->err = ogx_vk_fail(r, "vkBeginCommandBuffer");
		drop_staging(up);
	}
	return up->cb;
}

/* Submit the copies and fills recorded so far, wait, free their staging memory. */
static int flush(struct ogx_vk_upload *up)
{
	/* Later submissions' shaders read what the copies and fills wrote. */
	VkMemoryBarrier mb = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
		.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
		.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
	};
	VkResult r;
	int err;

	if (!up->cb)
		return 0;
	vkCmdPipelineBarrier(up->cb, VK_PIPELINE_STAGE_TRANSFER_BIT,
			     VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
	r = vkEndCommandBuffer(up->cb);
	err = r == VK_SUCCESS ? ogx_vk_submit_wait(up->vk, up->cb) :
				ogx_vk_fail(r, "vkEndCommandBuffer");
	drop_staging(up);
	return err;
}

static int keep(struct ogx_vk_upload *up, int err)
{
	if (err && !up->err)
		up->err = err;
	return err;
}

/*
 * A device-local buffer b and the upload's command buffer that fills it:
 * NULL with up->err set (and b freed) when either cannot be had.
 */
static VkCommandBuffer device_target(struct ogx_vk_upload *up, size_t size, const char *what,
				     struct ogx_vk_buf *b)
{
	VkCommandBuffer cb;

	if (keep(up, buf_make(up->vk, size, what, "device", device_prefs, 0, b)))
		return NULL;
	cb = recording(up);
	if (!cb)
		ogx_vk_buf_free(up->vk, b);
	return cb;
}

/* Where the host writes weights of size bytes: zeroed when zero, else only the padding. */
static int weights_map(struct ogx_vk_upload *up, size_t size, const char *what,
		       struct ogx_vk_buf *b, void **dst, int zero)
{
	struct ogx_vk *vk = up->vk;
	struct ogx_vk_buf *s;
	VkCommandBuffer cb;
	int err;

	memset(b, 0, sizeof(*b));
	*dst = NULL;
	if (up->err)
		return up->err;
	if (!vk->staged) {
		err = buf_make(vk, size, what, "device", host_prefs, 1, b);
		if (err)
			return keep(up, err);
		s = b;
		goto out;
	}
	if (up->staged && up->staged + size > up->flush_at) {
		err = flush(up);
		if (err)
			return keep(up, err);
	}
	if (up->nstaging == up->cap) {
		unsigned cap = up->cap ? 2 * up->cap : 16;
		struct ogx_vk_buf *n = realloc(up->staging, cap * sizeof(*n));

		if (!n)
			return keep(up, -ENOMEM);
		up->staging = n;
		up->cap = cap;
	}
	/* Staging first: host memory, written now, freed once the copy has run. */
	s = &up->staging[up->nstaging];
	err = buf_make(vk, size, what, "staging", staging_prefs, 1, s);
	if (err)
		return keep(up, err);
	up->nstaging++;
	up->staged += s->size;
	cb = device_target(up, size, what, b);
	if (!cb)
		return up->err;
	vkCmdCopyBuffer(cb, s->buf, b->buf, 1, &(VkBufferCopy){ .size = b->size });
out:
	memset((char *)s->map + (zero ? 0 : size), 0, s->size - (zero ? 0 : size));
	*dst = s->map;
	return 0;
}

int ogx_vk_buf_weights_map(struct ogx_vk_upload *up, size_t size, const char *what,
			   struct ogx_vk_buf *b, void **dst)
{
	return weights_map(up, size, what, b, dst, 1);
}

int ogx_vk_buf_weights(struct ogx_vk_upload *up, const void *data, size_t size,
		       const char *what, struct ogx_vk_buf *b)
{
	void *dst;
	int err = weights_map(up, size, what, b, &dst, 0);

	if (!err)
		memcpy(dst, data, size);
	return err;
}

int ogx_vk_buf_scratch(struct ogx_vk_upload *up, size_t size, const char *what,
		       struct ogx_vk_buf *b)
{
	struct ogx_vk *vk = up->vk;
	VkCommandBuffer cb;

	memset(b, 0, sizeof(*b));
	if (up->err)
		return up->err;
	if (!vk->staged)
		return keep(up, ogx_vk_buf_alloc(vk, size, what, b));
	cb = device_target(up, size, what, b);
	if (!cb)
		return up->err;
	vkCmdFillBuffer(cb, b->buf, 0, VK_WHOLE_SIZE, 0);
	return 0;
}

int ogx_vk_upload_end(struct ogx_vk_upload *up)
{
	int err = up->err;

	if (!err)
		err = flush(up);
	drop_staging(up);
	free(up->staging);
	up->staging = NULL;
	up->cap = 0;
	return err;
}
