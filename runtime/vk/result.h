/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VkResult as the engine reports it: its name, and an errno with one line
 * of detail (ogx_fail()). Every file of vk/ may call these; they call
 * nothing of vk/.
 */
#ifndef OGX_VK_RESULT_H
#define OGX_VK_RESULT_H

#include <vulkan/vulkan.h>

/* "VK_ERROR_DEVICE_LOST"; "VK_ERROR_(other)" for a code not listed. */
const char *ogx_vk_result_name(VkResult r);

/*
 * -ENOMEM for the out-of-memory codes, -ETIMEDOUT for VK_TIMEOUT, else
 * -EIO, with the detail "vulkan: <what>: VK_ERROR_...".
 */
int ogx_vk_fail(VkResult r, const char *what);

#endif
