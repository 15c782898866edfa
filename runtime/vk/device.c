// SPDX-License-Identifier: GPL-2.0
/*
 * Vulkan instance and device: selection, the compute queue, validation-layer
 * error counting (the test suite fails on any), the device description for
 * proof records, and the memory policy (buffer.h) decided at open. The
 * pipeline cache lives in cache.c, pipelines in pipeline.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <xf86drm.h>

#include "util/err.h"
#include "vk/cache.h"
#include "vk/device.h"
#include "vk/pipeline.h"
#include "vk/result.h"

/* A dispatch that runs longer than this is a hang, not a slow model. */
#define OGX_VK_FENCE_TIMEOUT_NS (120ull * 1000 * 1000 * 1000)

static const char *type_name(VkPhysicalDeviceType t)
{
	switch (t) {
	case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
	case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
	case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
	case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
	default: return "other";
	}
}

static int type_rank(VkPhysicalDeviceType t)
{
	switch (t) {
	case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
	case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
	case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
	case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
	default: return 0;
	}
}

#define NO_DEVICE_HINT "install a Vulkan driver (Debian: mesa-vulkan-drivers for the CPU " \
	"device lavapipe, or the GPU vendor's driver), check `vulkaninfo --summary`, or use --device cpu"

int ogx_vk_pick(const VkPhysicalDeviceType *types, unsigned n, const char *want)
{
	int best = -1;

	if (!n)
		return ogx_fail(-ENODEV, "no Vulkan device found; " NO_DEVICE_HINT);
	if (want && *want) {
		char *end;
		long i;

		errno = 0;
		i = strtol(want, &end, 10);
		if (errno || *end || end == want || i < 0)
			return ogx_fail(-EINVAL, "device '%s' is not a device number or 'cpu'", want);
		if (i >= (long)n)
			return ogx_fail(-ENODEV, "no Vulkan device %ld (there %s %u: 0..%u)", i,
					n == 1 ? "is" : "are", n, n - 1);
		return (int)i;
	}
	for (unsigned i = 0; i < n; i++)
		if (best < 0 || type_rank(types[i]) > type_rank(types[best]))
			best = (int)i;
	return best;
}

static VkBool32 VKAPI_PTR on_message(VkDebugUtilsMessageSeverityFlagBitsEXT sev,
				     VkDebugUtilsMessageTypeFlagsEXT type,
				     const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
	struct ogx_vk *vk = user;

	(void)type;
	if (sev & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
		vk->validation_errors++;
		fprintf(stderr, "vulkan validation: %s\n", data->pMessage);
	} else if (sev & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
		fprintf(stderr, "vulkan validation warning: %s\n", data->pMessage);
	}
	return VK_FALSE;
}

static bool has_layer(const char *name)
{
	uint32_t n = 0;
	VkLayerProperties *l;
	bool found = false;

	if (vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS || !n)
		return false;
	l = calloc(n, sizeof(*l));
	if (!l)
		return false;
	if (vkEnumerateInstanceLayerProperties(&n, l) == VK_SUCCESS)
		for (uint32_t i = 0; i < n; i++)
			found |= !strcmp(l[i].layerName, name);
	free(l);
	return found;
}

/*
 * One instance lives as long as the process. The loader unloads the drivers
 * when the last instance goes; drivers (Mesa's among them) keep process-wide
 * state from their first use, so each reload costs milliseconds and leaves
 * that state behind in an unmapped library, where LeakSanitizer can only
 * report it as a leak of an unknown module (make check SAN=1).
 */
static VkInstance pinned;

static void pin_drivers(void)
{
	VkApplicationInfo app = {
		.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
		.apiVersion = VK_API_VERSION_1_2,
	};
	VkInstanceCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
		.pApplicationInfo = &app,
	};

	if (vkCreateInstance(&ci, NULL, &pinned) != VK_SUCCESS)
		pinned = VK_NULL_HANDLE;
}

static int create_instance(struct ogx_vk *vk, bool validation)
{
	static pthread_once_t pin_once = PTHREAD_ONCE_INIT;

	static const char *layer = "VK_LAYER_KHRONOS_validation";
	static const char *ext = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
	VkApplicationInfo app = {
		.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
		.pApplicationName = "ogx",
		.pEngineName = "ogx",
		.apiVersion = VK_API_VERSION_1_2,
	};
	VkDebugUtilsMessengerCreateInfoEXT dbg = {
		.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
		.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT |
				   VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT,
		.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
			       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
			       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
		.pfnUserCallback = on_message,
		.pUserData = vk,
	};
	VkInstanceCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
		.pApplicationInfo = &app,
	};
	VkResult r;

	pthread_once(&pin_once, pin_drivers);
	if (validation) {
		if (!has_layer(layer))
			return ogx_fail(-ENOENT, "vulkan: validation requested but %s is not "
					"installed (Debian: vulkan-validationlayers)", layer);
		ci.enabledLayerCount = 1;
		ci.ppEnabledLayerNames = &layer;
		ci.enabledExtensionCount = 1;
		ci.ppEnabledExtensionNames = &ext;
		ci.pNext = &dbg;
	}
	r = vkCreateInstance(&ci, NULL, &vk->inst);
	if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
		return ogx_fail(-ENODEV, "no Vulkan device found; " NO_DEVICE_HINT);
	if (r != VK_SUCCESS)
		return ogx_vk_fail(r, "vkCreateInstance");
	if (validation) {
		PFN_vkCreateDebugUtilsMessengerEXT mk = (PFN_vkCreateDebugUtilsMessengerEXT)
			vkGetInstanceProcAddr(vk->inst, "vkCreateDebugUtilsMessengerEXT");

		if (!mk || mk(vk->inst, &dbg, NULL, &vk->messenger) != VK_SUCCESS)
			return ogx_fail(-EIO, "vulkan: cannot install the validation messenger");
		vk->validation = true;
	}
	return 0;
}

static bool has_device_ext(VkPhysicalDevice p, const char *name)
{
	uint32_t n = 0;
	VkExtensionProperties *e;
	bool found = false;

	if (vkEnumerateDeviceExtensionProperties(p, NULL, &n, NULL) != VK_SUCCESS || !n)
		return false;
	e = calloc(n, sizeof(*e));
	if (!e)
		return false;
	if (vkEnumerateDeviceExtensionProperties(p, NULL, &n, e) == VK_SUCCESS)
		for (uint32_t i = 0; i < n; i++)
			found |= !strcmp(e[i].extensionName, name);
	free(e);
	return found;
}

/* The render node whose char device is major:minor, found with libdrm. */
static void describe_drm(struct ogx_vk_desc *d, int64_t major, int64_t minor)
{
	drmDevicePtr devs[64];
	int n = drmGetDevices2(0, devs, 64);

	for (int i = 0; i < n; i++) {
		const char *node;
		struct stat st;

		if (!(devs[i]->available_nodes & (1 << DRM_NODE_RENDER)))
			continue;
		node = devs[i]->nodes[DRM_NODE_RENDER];
		if (stat(node, &st) || major(st.st_rdev) != major || minor(st.st_rdev) != minor)
			continue;
		snprintf(d->drm_node, sizeof(d->drm_node), "%s", node);
		int fd = open(node, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			drmVersionPtr v = drmGetVersion(fd);

			if (v) {
				snprintf(d->drm_driver, sizeof(d->drm_driver), "%s", v->name);
				drmFreeVersion(v);
			}
			close(fd);
		}
	}
	if (n > 0)
		drmFreeDevices(devs, n);
}

static void describe(VkPhysicalDevice p, struct ogx_vk_desc *d)
{
	VkPhysicalDeviceDrmPropertiesEXT drm = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRM_PROPERTIES_EXT,
	};
	VkPhysicalDeviceDriverProperties drv = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
	};
	VkPhysicalDeviceIDProperties id = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES,
		.pNext = &drv,
	};
	VkPhysicalDeviceProperties2 p2 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
		.pNext = &id,
	};
	bool has_drm = has_device_ext(p, VK_EXT_PHYSICAL_DEVICE_DRM_EXTENSION_NAME);

	if (has_drm)
		drv.pNext = &drm;
	vkGetPhysicalDeviceProperties2(p, &p2);
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", p2.properties.deviceName);
	d->type = type_name(p2.properties.deviceType);
	d->vendor_id = p2.properties.vendorID;
	d->device_id = p2.properties.deviceID;
	d->api_version = p2.properties.apiVersion;
	d->driver_version = p2.properties.driverVersion;
	snprintf(d->driver_name, sizeof(d->driver_name), "%s", drv.driverName);
	snprintf(d->driver_info, sizeof(d->driver_info), "%s", drv.driverInfo);
	memcpy(d->uuid, id.deviceUUID, VK_UUID_SIZE);
	if (has_drm && drm.hasRender)
		describe_drm(d, drm.renderMajor, drm.renderMinor);
}

static int enumerate(VkInstance inst, VkPhysicalDevice **out, uint32_t *n)
{
	VkResult r = vkEnumeratePhysicalDevices(inst, n, NULL);

	*out = NULL;
	if (r != VK_SUCCESS)
		return ogx_vk_fail(r, "vkEnumeratePhysicalDevices");
	if (!*n)
		return 0;
	*out = calloc(*n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	r = vkEnumeratePhysicalDevices(inst, n, *out);
	if (r != VK_SUCCESS && r != VK_INCOMPLETE) {
		free(*out);
		*out = NULL;
		return ogx_vk_fail(r, "vkEnumeratePhysicalDevices");
	}
	return 0;
}

int ogx_vk_list(struct ogx_vk_desc *descs, unsigned max, unsigned *n)
{
	struct ogx_vk vk = { 0 };
	VkPhysicalDevice *phys;
	uint32_t count = 0;
	int err = create_instance(&vk, false);

	*n = 0;
	if (err == -ENODEV)
		return 0;
	if (err)
		return err;
	err = enumerate(vk.inst, &phys, &count);
	if (!err) {
		for (uint32_t i = 0; descs && i < count && i < max; i++)
			describe(phys[i], &descs[i]);
		*n = count;
		free(phys);
	}
	vkDestroyInstance(vk.inst, NULL);
	return err;
}

int ogx_vk_engine_choice(const char *device)
{
	struct ogx_vk_desc d[16];
	unsigned n = 0;

	if (!device || !*device)
		device = getenv("OGX_VK_DEVICE");
	if (device && !strcmp(device, "cpu"))
		return 0;
	if (device && *device)
		return 1;
	if (ogx_vk_list(d, 16, &n))
		return 0;
	for (unsigned i = 0; i < n && i < 16; i++)
		if (strcmp(d[i].type, "cpu"))
			return 1;
	return 0;
}

static int open_device(struct ogx_vk *vk)
{
	VkQueueFamilyProperties q[16];
	uint32_t nq = 16;
	float prio = 1.0f;
	VkPhysicalDeviceSubgroupProperties sg = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES,
	};
	VkPhysicalDeviceProperties2 p2 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
		.pNext = &sg,
	};
	VkDeviceQueueCreateInfo qci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
		.queueCount = 1,
		.pQueuePriorities = &prio,
	};
	VkDeviceCreateInfo dci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
		.queueCreateInfoCount = 1,
		.pQueueCreateInfos = &qci,
	};
	VkCommandPoolCreateInfo pci = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
		.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
	};
	VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
	VkResult r;
	bool found = false;

	vkGetPhysicalDeviceProperties(vk->phys, &vk->props);
	vkGetPhysicalDeviceMemoryProperties(vk->phys, &vk->mem);
	vkGetPhysicalDeviceProperties2(vk->phys, &p2);
	vk->subgroup_size = sg.subgroupSize;
	vk->row_per_invocation = vk->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
	if (getenv("OGX_VK_MATVEC"))
		vk->row_per_invocation = !strcmp(getenv("OGX_VK_MATVEC"), "rows");
	vk->subgroup_arith = (sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
			     (sg.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
	vkGetPhysicalDeviceQueueFamilyProperties(vk->phys, &nq, q);
	for (uint32_t i = 0; i < nq && !found; i++)
		if (q[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
			vk->qfamily = i;
			found = true;
		}
	if (!found)
		return ogx_fail(-ENODEV, "vulkan: %s has no compute queue", vk->desc.name);
	qci.queueFamilyIndex = vk->qfamily;
	r = vkCreateDevice(vk->phys, &dci, NULL, &vk->dev);
	if (r != VK_SUCCESS)
		return ogx_vk_fail(r, "vkCreateDevice");
	vkGetDeviceQueue(vk->dev, vk->qfamily, 0, &vk->queue);
	pci.queueFamilyIndex = vk->qfamily;
	r = vkCreateCommandPool(vk->dev, &pci, NULL, &vk->cmdpool);
	if (r != VK_SUCCESS)
		return ogx_vk_fail(r, "vkCreateCommandPool");
	r = vkCreateFence(vk->dev, &fci, NULL, &vk->fence);
	if (r != VK_SUCCESS)
		return ogx_vk_fail(r, "vkCreateFence");
	return 0;
}

/*
 * A device-local heap the host can map whole: the device shares the host's
 * memory (a CPU implementation, an integrated GPU, resizable BAR).
 */
static bool unified(const struct ogx_vk *vk)
{
	const VkMemoryPropertyFlags shared = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT |
					     VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
					     VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
	const VkPhysicalDeviceMemoryProperties *m = &vk->mem;
	int big = -1;

	if (vk->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU)
		return true;
	for (uint32_t h = 0; h < m->memoryHeapCount; h++)
		if ((m->memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) &&
		    (big < 0 || m->memoryHeaps[h].size > m->memoryHeaps[big].size))
			big = (int)h;
	if (big < 0)
		return true;	/* no device-local memory: everything is host memory anyway */
	for (uint32_t i = 0; i < m->memoryTypeCount; i++)
		if (m->memoryTypes[i].heapIndex == (uint32_t)big &&
		    (m->memoryTypes[i].propertyFlags & shared) == shared)
			return true;
	return false;
}

/*
 * Where buffers live (buffer.h): staged into device-local memory or mapped
 * whole, from the memory properties or want ("staging", "direct", "auto";
 * NULL or "" mean auto).
 */
static int mem_policy(struct ogx_vk *vk, const char *want)
{
	if (!want || !*want || !strcmp(want, "auto"))
		vk->staged = !unified(vk);
	else if (!strcmp(want, "staging"))
		vk->staged = true;
	else if (!strcmp(want, "direct"))
		vk->staged = false;
	else
		return ogx_fail(-EINVAL, "OGX_VK_UPLOAD=%s: want staging, direct or auto", want);
	return 0;
}

int ogx_vk_open(const struct ogx_vk_opts *opts, struct ogx_vk **out)
{
	static const struct ogx_vk_opts none;
	VkPhysicalDeviceType types[64];
	VkPhysicalDevice *phys = NULL;
	struct ogx_vk *vk;
	const char *want, *env;
	uint32_t n = 0;
	int err;

	*out = NULL;
	if (!opts)
		opts = &none;
	vk = calloc(1, sizeof(*vk));
	if (!vk)
		return -ENOMEM;
	env = getenv("OGX_VK_VALIDATION");
	err = create_instance(vk, opts->validation || (env && !strcmp(env, "1")));
	if (err)
		goto fail;
	err = enumerate(vk->inst, &phys, &n);
	if (err)
		goto fail;
	if (n > 64)
		n = 64;
	for (uint32_t i = 0; i < n; i++) {
		VkPhysicalDeviceProperties p;

		vkGetPhysicalDeviceProperties(phys[i], &p);
		types[i] = p.deviceType;
	}
	want = opts->device ? opts->device : getenv("OGX_VK_DEVICE");
	err = ogx_vk_pick(types, n, want);
	if (err < 0)
		goto fail;
	vk->index = err;
	vk->phys = phys[err];
	describe(vk->phys, &vk->desc);
	err = open_device(vk);
	if (err)
		goto fail;
	err = mem_policy(vk, opts->upload ? opts->upload : getenv("OGX_VK_UPLOAD"));
	if (err)
		goto fail;
	err = ogx_vk_cache_open(vk, !opts->no_cache);
	if (err)
		goto fail;
	free(phys);
	*out = vk;
	return 0;
fail:
	free(phys);
	ogx_vk_close(vk);
	return err;
}

int ogx_vk_submit_wait(struct ogx_vk *vk, VkCommandBuffer cb)
{
	VkSubmitInfo si = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.commandBufferCount = 1,
		.pCommandBuffers = &cb,
	};
	VkResult r = vkResetFences(vk->dev, 1, &vk->fence);

	if (r != VK_SUCCESS)
		return ogx_vk_fail(r, "vkResetFences");
	r = vkQueueSubmit(vk->queue, 1, &si, vk->fence);
	if (r != VK_SUCCESS)
		return ogx_vk_fail(r, "vkQueueSubmit");
	vk->submits++;
	r = vkWaitForFences(vk->dev, 1, &vk->fence, VK_TRUE, OGX_VK_FENCE_TIMEOUT_NS);
	if (r == VK_TIMEOUT)
		return ogx_fail(-ETIMEDOUT, "vulkan: %s did not finish the work in %llu s",
				vk->desc.name, OGX_VK_FENCE_TIMEOUT_NS / 1000000000ull);
	if (r != VK_SUCCESS)
		return ogx_vk_fail(r, "vkWaitForFences");
	return 0;
}

void ogx_vk_close(struct ogx_vk *vk)
{
	if (!vk)
		return;
	if (vk->dev) {
		vkDeviceWaitIdle(vk->dev);
		ogx_vk_pipes_destroy(vk);
		ogx_vk_cache_close(vk);
		if (vk->fence)
			vkDestroyFence(vk->dev, vk->fence, NULL);
		if (vk->cmdpool)
			vkDestroyCommandPool(vk->dev, vk->cmdpool, NULL);
		vkDestroyDevice(vk->dev, NULL);
	}
	if (vk->messenger) {
		PFN_vkDestroyDebugUtilsMessengerEXT rm = (PFN_vkDestroyDebugUtilsMessengerEXT)
			vkGetInstanceProcAddr(vk->inst, "vkDestroyDebugUtilsMessengerEXT");

		if (rm)
			rm(vk->inst, vk->messenger, NULL);
	}
	if (vk->inst)
		vkDestroyInstance(vk->inst, NULL);
	free(vk->cache_path);
	free(vk);
}
