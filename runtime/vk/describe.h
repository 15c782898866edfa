/* SPDX-License-Identifier: GPL-2.0 */
/* The Vulkan device as a proof record describes it (record key 12). */
#ifndef OGX_VK_DESCRIBE_H
#define OGX_VK_DESCRIBE_H

#include "vk/device.h"

struct ogx_device;

void ogx_vk_record_device(const struct ogx_vk_desc *v, struct ogx_device *d);

#endif
