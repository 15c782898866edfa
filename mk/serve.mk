# serve: runtime/serve (io_uring HTTP server) and `ogrun serve`.
#
#   make check-serve    only the server's tests (e2e with curl, the openai npm
#                       client, x402 payloads signed with micro-eth-signer, wrk)
EXTRA_LDLIBS += -lhttp_parser -ljansson -lsecp256k1 -lnettle -lsystemd

SERVE_E2E := $(sort $(wildcard tests/e2e/serve-*.t))

.PHONY: check-serve
check-serve: all $(NPM_STAMP)
	$(TEST_ENV) prove --exec '' $(SERVE_E2E)
