// SPDX-License-Identifier: GPL-2.0
/* The Vulkan device as a proof record describes it (record key 12). */
#include <stdio.h>
#include <string.h>

#include "proof/record.h"
#include "vk/describe.h"

void ogx_vk_record_device(const struct ogx_vk_desc *v, struct ogx_device *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->kind, sizeof(d->kind), "vulkan");
	snprintf(d->name, sizeof(d->name), "%.127s", v->name);
	d->has_ids = true;
	d->vendor_id = v->vendor_id;
	d->device_id = v->device_id;
	if (v->driver_name[0])
		snprintf(d->driver, sizeof(d->driver), "%.60s %.60s", v->driver_name,
			 v->driver_info);
	snprintf(d->drm, sizeof(d->drm), "%.63s", v->drm_node);
}
