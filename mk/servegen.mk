# Generation throughput of ogrun serve at 1 and 8 concurrent streams, beside
# llama.cpp's llama-server on the same GGUF files when LLAMA_SERVER names a
# llama-server binary built outside this repository (never built or fetched
# here); part of make bench. SERVE_GEN_THREADS, SERVE_GEN_ROUNDS tune it.
.PHONY: bench-serve-gen
bench-serve-gen: all
	@mkdir -p build/bench
	$(TEST_ENV) LLAMA_SERVER=$(LLAMA_SERVER) OGX_BENCH_JSON=build/bench/serve_gen_bench.json \
		tests/bench/serve-gen-bench.sh
bench: bench-serve-gen

# The same on Vulkan device SERVE_GEN_DEVICE (default 0; lavapipe here):
# ogrun serve --device N alone, JSON in build/bench/serve_gen_vk_bench.json.
# Not part of make bench (on lavapipe the 15M shape takes minutes a round).
SERVE_GEN_DEVICE ?= 0
.PHONY: bench-serve-gen-vk
bench-serve-gen-vk: all
	@mkdir -p build/bench
	$(TEST_ENV) SERVE_GEN_DEVICE=$(SERVE_GEN_DEVICE) \
		OGX_BENCH_JSON=build/bench/serve_gen_vk_bench.json tests/bench/serve-gen-bench.sh
