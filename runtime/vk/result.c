// SPDX-License-Identifier: GPL-2.0
/* VkResult codes as errors; see result.h. */
#include "util/err.h"
#include "vk/result.h"

const char *ogx_vk_result_name(VkResult r)
{
	switch (r) {
#define R(x) case x: return #x
	R(VK_SUCCESS); R(VK_NOT_READY); R(VK_TIMEOUT); R(VK_INCOMPLETE);
	R(VK_ERROR_OUT_OF_HOST_MEMORY); R(VK_ERROR_OUT_OF_DEVICE_MEMORY);
	R(VK_ERROR_INITIALIZATION_FAILED); R(VK_ERROR_DEVICE_LOST);
	R(VK_ERROR_MEMORY_MAP_FAILED); R(VK_ERROR_LAYER_NOT_PRESENT);
	R(VK_ERROR_EXTENSION_NOT_PRESENT); R(VK_ERROR_FEATURE_NOT_PRESENT);
	R(VK_ERROR_INCOMPATIBLE_DRIVER); R(VK_ERROR_TOO_MANY_OBJECTS);
	R(VK_ERROR_FORMAT_NOT_SUPPORTED); R(VK_ERROR_FRAGMENTED_POOL);
	R(VK_ERROR_OUT_OF_POOL_MEMORY); R(VK_ERROR_INVALID_SHADER_NV);
	R(VK_ERROR_UNKNOWN);
#undef R
	default: return "VK_ERROR_(other)";
	}
}

int ogx_vk_fail(VkResult r, const char *what)
{
	int err = -EIO;

	if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
		err = -ENOMEM;
	else if (r == VK_TIMEOUT)
		err = -ETIMEDOUT;
	return ogx_fail(err, "vulkan: %s: %s", what, ogx_vk_result_name(r));
}
