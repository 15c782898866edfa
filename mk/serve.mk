# serve: runtime/serve (io_uring HTTP server) and `ogrun serve`.
#
#   make check-serve    only the server's tests (e2e with curl, the openai npm
#                       client, x402 payloads signed with micro-eth-signer, wrk)
EXTRA_LDLIBS += -lhttp_parser -ljansson -lsecp256k1 -lnettle -lsystemd

SERVE_E2E := $(sort $(wildcard tests/e2e/serve-*.t))

.PHONY: check-serve
check-serve: all $(NPM_STAMP)
	$(TEST_ENV) prove --exec '' $(SERVE_E2E)

# Requests/s and latency of /v1/infer with and without proof records (wrk);
# part of make bench.
.PHONY: bench-serve
bench-serve: all
	@mkdir -p build/bench
	$(TEST_ENV) OGX_BENCH_JSON=build/bench/serve_bench.json tests/bench/serve-bench.sh
bench: bench-serve
