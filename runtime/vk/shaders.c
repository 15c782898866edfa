// SPDX-License-Identifier: GPL-2.0
/*
 * The SPIR-V of every shaders/<name>.comp, pulled into .rodata with .incbin at
 * compile time (mk/vk.mk builds build/shaders/<name>.spv first and writes the
 * list of names into vk_shader_list.h).
 */
#include <errno.h>
#include <string.h>

#include "vk/shaders.h"

#define OGX_SHADER(n)                                                           \
	__asm__(".pushsection .rodata\n"                                        \
		".balign 4\n"                                                   \
		".global ogx_spv_" #n "\n.hidden ogx_spv_" #n "\n"              \
		"ogx_spv_" #n ":\n"                                             \
		".incbin \"build/shaders/" #n ".spv\"\n"                        \
		".global ogx_spv_" #n "_end\n.hidden ogx_spv_" #n "_end\n"      \
		"ogx_spv_" #n "_end:\n"                                         \
		".popsection\n");                                               \
	extern const uint32_t ogx_spv_##n[], ogx_spv_##n##_end[];
#include "vk_shader_list.h"
#undef OGX_SHADER

static const char *const names[] = {
#define OGX_SHADER(n) #n,
#include "vk_shader_list.h"
#undef OGX_SHADER
};

static const uint32_t *const starts[] = {
#define OGX_SHADER(n) ogx_spv_##n,
#include "vk_shader_list.h"
#undef OGX_SHADER
};

static const uint32_t *const ends[] = {
#define OGX_SHADER(n) ogx_spv_##n##_end,
#include "vk_shader_list.h"
#undef OGX_SHADER
};

int ogx_vk_shader_find(const char *name, struct ogx_vk_shader *out)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(names[i], name))
			continue;
		out->name = names[i];
		out->code = starts[i];
		out->size = (size_t)((const char *)ends[i] - (const char *)starts[i]);
		return 0;
	}
	return -ENOENT;
}
