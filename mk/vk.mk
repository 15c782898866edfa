# Vulkan engine: shaders/*.comp are compiled to SPIR-V with glslc at build time
# and embedded into libogx (runtime/vk/shaders.c .incbin's them), so the binary
# never looks a shader up at run time. A .comp file is one pipeline; shared
# code lives in shaders/*.glsl and is #included (glslc -MD tracks it).

VK_COMP := $(sort $(wildcard shaders/*.comp))
VK_SPV := $(VK_COMP:shaders/%.comp=build/shaders/%.spv)
VK_SHADER_LIST := build/gen/vk_shader_list.h
GLSLC ?= glslc
GLSLC_FLAGS := --target-env=vulkan1.2 -O -Werror

CPPFLAGS_ALL += -isystem /usr/include/libdrm -Ibuild/gen
EXTRA_LDLIBS += -lvulkan -ldrm

build/shaders/%.spv: shaders/%.comp | build/.deps-checked
	@mkdir -p $(dir $@)
	$(GLSLC) $(GLSLC_FLAGS) -MD -MF $@.d -o $@ $<

# The list of embedded shaders, rewritten only when the set of names changes.
$(VK_SHADER_LIST): FORCE_VK_LIST
	@mkdir -p $(dir $@)
	@printf 'OGX_SHADER(%s)\n' $(VK_COMP:shaders/%.comp=%) > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
.PHONY: FORCE_VK_LIST

$(B)/obj/runtime/vk/shaders.o build/fuzz/obj/runtime/vk/shaders.o: $(VK_SPV) $(VK_SHADER_LIST)

-include $(wildcard build/shaders/*.spv.d)
