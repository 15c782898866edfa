/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VkPipelineCache, persisted on disk per device so that a second start
 * skips shader compilation: $OGX_HOME/cache/vk-<device uuid>.bin, else
 * $XDG_CACHE_HOME/ogx/..., else ~/.cache/ogx/.... A missing, foreign or
 * corrupt file only costs the compile (the driver validates the header).
 */
#ifndef OGX_VK_CACHE_H
#define OGX_VK_CACHE_H

#include <stdbool.h>

#include "util/err.h"

struct ogx_vk;

/* Create vk->cache, seeded from disk when persist is set. */
OGX_MUST_CHECK
int ogx_vk_cache_open(struct ogx_vk *vk, bool persist);

/* Write the cache back (atomically) if it is persisted, and destroy it. */
void ogx_vk_cache_close(struct ogx_vk *vk);

#endif
