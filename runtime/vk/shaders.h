/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The compute shaders embedded in libogx: every shaders/<name>.comp, compiled
 * to SPIR-V by glslc when libogx is built. Looked up by name (the .comp's base
 * name), never read from disk.
 */
#ifndef OGX_VK_SHADERS_H
#define OGX_VK_SHADERS_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct ogx_vk_shader {
	const char *name;
	const uint32_t *code;
	size_t size;	/* bytes */
};

/* Fill *out with the embedded shader called name: 0, or -ENOENT. */
OGX_MUST_CHECK
int ogx_vk_shader_find(const char *name, struct ogx_vk_shader *out);

#endif
