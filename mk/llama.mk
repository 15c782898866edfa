# Llama CPU reference (runtime/model/{llama,attention,matvec*,sampler}.c): no
# contraction of a*b+c into FMA even when ARCHFLAGS allows it, so that the
# portable kernels give the same bits whatever the build flags (the AVX2 and
# AVX-512 kernels use FMA explicitly, through intrinsics, and the portable
# quantized kernels through fmaf()).
LLAMA_OBJ := $(addprefix $(B)/obj/runtime/model/,llama.o attention.o matvec.o matvec_multi.o \
	matvec_avx512.o sampler.o)
$(LLAMA_OBJ): OPT += -ffp-contract=off
