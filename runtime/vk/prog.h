/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A program: a sequence of dispatches recorded once into one command buffer,
 * with its descriptor sets built once, then submitted as a whole as often as
 * needed (one submission per forward step). Values that change between runs
 * (a token position) live in a small buffer the host writes before each run,
 * not in the recording. The caller places barriers only between dependent
 * dispatches.
 */
#ifndef OGX_VK_PROG_H
#define OGX_VK_PROG_H

#include <stdbool.h>
#include <stdint.h>
#include <vulkan/vulkan.h>

#include "util/err.h"
#include "vk/buffer.h"
#include "vk/pipeline.h"

struct ogx_vk;

struct ogx_vk_prog {
	struct ogx_vk *vk;
	VkDescriptorPool pool;
	VkCommandBuffer cb;
	unsigned max_sets, nsets;
	unsigned ndispatch, nbarrier;
	bool pending_barrier;	/* a barrier was asked for since the last dispatch */
	bool ended;
	int err;		/* first recording error, reported by ogx_vk_prog_end() */
};

/* A binding: a whole buffer (len 0), or len bytes from off. */
struct ogx_vk_bind {
	const struct ogx_vk_buf *buf;
	VkDeviceSize off, len;
};

/* Start recording a program of at most max_dispatch dispatches. */
OGX_MUST_CHECK
int ogx_vk_prog_begin(struct ogx_vk *vk, unsigned max_dispatch, struct ogx_vk_prog *prog);

/*
 * Record a dispatch of groups workgroups of pipe over binds[0..pipe->nbind)
 * with push constants (up to OGX_VK_PUSH_WORDS words). Errors are kept and
 * returned by ogx_vk_prog_end(), so recording code can stay linear.
 */
void ogx_vk_prog_dispatch(struct ogx_vk_prog *prog, const struct ogx_vk_pipe *pipe,
			  const struct ogx_vk_bind *binds, const uint32_t *push, unsigned npush,
			  uint32_t gx, uint32_t gy, uint32_t gz);

/* The next dispatch reads what earlier ones wrote. */
void ogx_vk_prog_barrier(struct ogx_vk_prog *prog);

OGX_MUST_CHECK
int ogx_vk_prog_end(struct ogx_vk_prog *prog);

/* Submit the recorded program and wait for it. */
OGX_MUST_CHECK
int ogx_vk_prog_run(struct ogx_vk_prog *prog);

void ogx_vk_prog_free(struct ogx_vk_prog *prog);

#endif
