/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Vulkan device the engine runs on: instance, device selection, the one
 * compute queue, the pipeline cache persisted per device UUID, and the
 * description of the device that goes into proof records.
 *
 * Selection: OGX_VK_DEVICE=N (or ogx_vk_opts.device) picks device N as listed
 * by ogx_vk_list(); otherwise a discrete GPU is preferred, then an integrated
 * one, then a virtual one, then a CPU implementation (Mesa lavapipe).
 */
#ifndef OGX_VK_DEVICE_H
#define OGX_VK_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <vulkan/vulkan.h>

#include "util/err.h"

struct ogx_vk_desc {
	char name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
	const char *type;		/* "discrete", "integrated", "virtual", "cpu", "other" */
	uint32_t vendor_id, device_id;
	uint32_t api_version, driver_version;
	char driver_name[VK_MAX_DRIVER_NAME_SIZE];
	char driver_info[VK_MAX_DRIVER_INFO_SIZE];
	uint8_t uuid[VK_UUID_SIZE];
	char drm_node[64];		/* render node matched via libdrm, or "" */
	char drm_driver[32];		/* kernel driver of that node, or "" */
};

struct ogx_vk_opts {
	const char *device;		/* "N", or NULL: $OGX_VK_DEVICE, else best */
	bool validation;		/* also when $OGX_VK_VALIDATION=1 */
	bool no_cache;			/* don't load/save the pipeline cache */
	const char *upload;		/* "staging", "direct", "auto"; NULL: $OGX_VK_UPLOAD */
};

struct ogx_vk_pipe;

struct ogx_vk {
	VkInstance inst;
	VkDebugUtilsMessengerEXT messenger;
	VkPhysicalDevice phys;
	VkDevice dev;
	VkQueue queue;
	uint32_t qfamily;
	VkCommandPool cmdpool;
	VkFence fence;
	VkPipelineCache cache;
	char *cache_path;
	VkPhysicalDeviceProperties props;
	VkPhysicalDeviceMemoryProperties mem;
	struct ogx_vk_desc desc;
	int index;
	uint32_t subgroup_size;
	bool subgroup_arith;		/* subgroupAdd & co. in compute */
	bool row_per_invocation;	/* mat-vec split for CPU devices (matvec.glsl) */
	bool streams_apart;		/* joint step: KV store, attention per stream (tests) */
	bool validation;
	bool staged;			/* weights staged into device-local memory (buffer.h) */
	unsigned validation_errors;	/* error messages from the layers */
	struct ogx_vk_pipe *pipes;	/* created pipelines, kept for reuse */
	unsigned long submits, dispatches;	/* counters for benchmarks */
};

/* Number of Vulkan devices and the description of each (descs may be NULL). */
OGX_MUST_CHECK
int ogx_vk_list(struct ogx_vk_desc *descs, unsigned max, unsigned *n);

/*
 * Index of the device to use among n devices of the given types: want "N"
 * selects N, NULL or "" the best type. -ENODEV (with detail) when there is
 * none, -EINVAL for a malformed or out-of-range want.
 */
OGX_MUST_CHECK
int ogx_vk_pick(const VkPhysicalDeviceType *types, unsigned n, const char *want);

/*
 * Which engine a job runs on for a --device argument: 1 Vulkan, 0 the CPU
 * backend. "cpu" is the CPU; a number is that Vulkan device; without one
 * ($OGX_VK_DEVICE, same forms, stands in), Vulkan only when a device other
 * than a CPU implementation exists: on a host whose only Vulkan device is
 * lavapipe, the CPU backend is the faster engine.
 */
OGX_MUST_CHECK
int ogx_vk_engine_choice(const char *device);

/* Open the selected device. On failure, 0 is not returned and *out is NULL. */
OGX_MUST_CHECK
int ogx_vk_open(const struct ogx_vk_opts *opts, struct ogx_vk **out);

/* Save the pipeline cache and release everything. NULL is fine. */
void ogx_vk_close(struct ogx_vk *vk);

/* Submit one recorded command buffer and wait for it (with a time limit). */
OGX_MUST_CHECK
int ogx_vk_submit_wait(struct ogx_vk *vk, VkCommandBuffer cb);

#endif
