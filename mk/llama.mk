# Llama CPU reference (runtime/model/{llama,attention,matvec*,sampler}.c): its
# portable kernels give the same bits whatever the build flags because the
# Makefile's DETERMINISM (-ffp-contract=off, for every object) forbids FMA
# contraction; the AVX2 and AVX-512 kernels use FMA explicitly, through
# intrinsics, and the portable quantized kernels through fmaf().

# ogx beside llama.cpp on the same files (tests/bench/compare-llamacpp.sh):
# llama.cpp is built beside the project by whoever runs it, never by make.
.PHONY: bench-llamacpp
bench-llamacpp: all $(B)/bench/llama_tg_bench
	@test -n "$(LLAMA_CPP_BIN_DIR)" || \
		{ echo "make bench-llamacpp LLAMA_CPP_BIN_DIR=DIR (llama-bench and llama-cli)"; exit 2; }
	$(TEST_ENV) tests/bench/compare-llamacpp.sh $(LLAMA_CPP_BIN_DIR)
