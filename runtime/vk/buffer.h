/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Storage buffers and where their memory lives (Documentation/vulkan.md,
 * "Memory").
 *
 * On a unified-memory device (a CPU implementation such as lavapipe, or a
 * device whose largest device-local heap has a host-visible coherent memory
 * type: integrated GPUs, resizable BAR) every buffer is host-visible memory
 * mapped for its whole life: weights are written in place once and never
 * copied again. Otherwise (a discrete GPU) weights go to device-local memory
 * through staging buffers copied in one submission, activations and the KV
 * cache are device-local and never mapped, and only the small buffers the
 * host writes (inputs, parameters) or reads (results) are host-visible.
 * OGX_VK_UPLOAD=staging|direct (or ogx_vk_opts.upload) forces one policy;
 * vk->staged records the choice, made when the device is opened (device.c).
 */
#ifndef OGX_VK_BUFFER_H
#define OGX_VK_BUFFER_H

#include <stddef.h>
#include <vulkan/vulkan.h>

#include "util/err.h"

struct ogx_vk;

struct ogx_vk_buf {
	VkBuffer buf;
	VkDeviceMemory mem;
	VkDeviceSize size;
	void *map;		/* NULL for device-local memory the host cannot see */
};

/*
 * A host-visible, mapped buffer of size bytes for what the host writes
 * (what names the tensor or role, for errors): -ENOMEM with a detail when
 * the device cannot hold it.
 */
OGX_MUST_CHECK
int ogx_vk_buf_alloc(struct ogx_vk *vk, size_t size, const char *what, struct ogx_vk_buf *b);

/* The same, filled with a copy of data. */
OGX_MUST_CHECK
int ogx_vk_buf_upload(struct ogx_vk *vk, const void *data, size_t size, const char *what,
		      struct ogx_vk_buf *b);

/* A zeroed host-visible buffer the host reads results from (cached where it can be). */
OGX_MUST_CHECK
int ogx_vk_buf_readback(struct ogx_vk *vk, size_t size, const char *what, struct ogx_vk_buf *b);

void ogx_vk_buf_free(struct ogx_vk *vk, struct ogx_vk_buf *b);

/*
 * A batch of buffers made at model load: weights and zeroed scratch. On the
 * staging policy the copies and fills are recorded into one command buffer
 * and submitted once by ogx_vk_upload_end(), which then frees the staging
 * memory (earlier, in one more submission, when the staged bytes would pass
 * flush_at: the staging peak stays bounded). Errors are kept: the first one is returned by the
 * call that hit it and again by ogx_vk_upload_end(), which must always be
 * called.
 */
struct ogx_vk_upload {
	struct ogx_vk *vk;
	VkCommandBuffer cb;		/* recording, or VK_NULL_HANDLE */
	struct ogx_vk_buf *staging;
	unsigned nstaging, cap;
	VkDeviceSize staged;		/* bytes in staging since the last flush */
	VkDeviceSize flush_at;		/* OGX_VK_STAGING_FLUSH; tests lower it */
	int err;
};

#define OGX_VK_STAGING_FLUSH ((VkDeviceSize)256 << 20)

void ogx_vk_upload_begin(struct ogx_vk *vk, struct ogx_vk_upload *up);

/*
 * Weights of size bytes: *dst is where the host writes them (zeroed, valid
 * until ogx_vk_upload_end()), the mapped buffer itself or a staging copy.
 */
OGX_MUST_CHECK
int ogx_vk_buf_weights_map(struct ogx_vk_upload *up, size_t size, const char *what,
			   struct ogx_vk_buf *b, void **dst);

/* Weights from data. */
OGX_MUST_CHECK
int ogx_vk_buf_weights(struct ogx_vk_upload *up, const void *data, size_t size,
		       const char *what, struct ogx_vk_buf *b);

/* Zeroed scratch only the device touches (activations, KV cache). */
OGX_MUST_CHECK
int ogx_vk_buf_scratch(struct ogx_vk_upload *up, size_t size, const char *what,
		       struct ogx_vk_buf *b);

/* Submit what is recorded, wait, free the staging memory: the first error. */
OGX_MUST_CHECK
int ogx_vk_upload_end(struct ogx_vk_upload *up);

#endif
