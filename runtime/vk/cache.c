// SPDX-License-Identifier: GPL-2.0
/* The on-disk pipeline cache; see cache.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"
#include "vk/cache.h"
#include "vk/device.h"
#include "vk/result.h"

#define OGX_VK_CACHE_MAX (256u << 20)

static char *cache_dir(void)
{
	const char *home = getenv("OGX_HOME"), *xdg = getenv("XDG_CACHE_HOME");
	char *dir = NULL;
	int n = -1;

	if (home && *home)
		n = asprintf(&dir, "%s/cache", home);
	else if (xdg && *xdg)
		n = asprintf(&dir, "%s/ogx", xdg);
	else if ((home = getenv("HOME")) && *home)
		n = asprintf(&dir, "%s/.cache/ogx", home);
	return n < 0 ? NULL : dir;
}

int ogx_vk_cache_open(struct ogx_vk *vk, bool persist)
{
	VkPipelineCacheCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO };
	uint8_t *data = NULL;
	size_t len = 0;
	VkResult r;

	if (persist) {
		char *dir = cache_dir(), uuid[2 * VK_UUID_SIZE + 1];

		ogx_hex(uuid, vk->desc.uuid, VK_UUID_SIZE);
		if (dir && asprintf(&vk->cache_path, "%s/vk-%s.bin", dir, uuid) < 0)
			vk->cache_path = NULL;
		free(dir);
		if (vk->cache_path && !ogx_read_file(vk->cache_path, OGX_VK_CACHE_MAX, &data, &len)) {
			ci.initialDataSize = len;
			ci.pInitialData = data;
		}
	}
	r = vkCreatePipelineCache(vk->dev, &ci, NULL, &vk->cache);
	if (r != VK_SUCCESS && data) {
		/* A cache the driver refuses is dropped, not fatal. */
		ci.initialDataSize = 0;
		ci.pInitialData = NULL;
		r = vkCreatePipelineCache(vk->dev, &ci, NULL, &vk->cache);
	}
	free(data);
	if (r != VK_SUCCESS)
		return ogx_vk_fail(r, "vkCreatePipelineCache");
	return 0;
}

void ogx_vk_cache_close(struct ogx_vk *vk)
{
	size_t len = 0;
	void *data;

	if (!vk->cache)
		return;
	if (vk->cache_path &&
	    vkGetPipelineCacheData(vk->dev, vk->cache, &len, NULL) == VK_SUCCESS && len &&
	    (data = malloc(len))) {
		if (vkGetPipelineCacheData(vk->dev, vk->cache, &len, data) == VK_SUCCESS) {
			char *dir = strdup(vk->cache_path), *slash = dir ? strrchr(dir, '/') : NULL;

			/* Best effort: a read-only home only loses the speed-up. */
			if (slash) {
				*slash = '\0';
				if (ogx_mkdirs(dir, 0700) ||
				    ogx_write_file_atomic(vk->cache_path, data, len, 0600, 0))
					ogx_clearerr(); /* no stale detail for a later error */
			}
			free(dir);
		}
		free(data);
	}
	vkDestroyPipelineCache(vk->dev, vk->cache, NULL);
	vk->cache = VK_NULL_HANDLE;
}
