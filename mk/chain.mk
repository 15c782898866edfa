# chain: runtime/chain (Keccak-256, RLP, EIP-1559 transactions, JSON-RPC),
# ogsubmit, and their tests against a local anvil node.
#
#   make check-chain     only the chain tests (unit + e2e against anvil)
#   make node_modules    the npm test tools (anvil, micro-eth-signer), from the lock
EXTRA_LDLIBS += -lsecp256k1 -lnettle -ljansson -lcurl -lsystemd

CHAIN_E2E := $(sort $(wildcard tests/e2e/chain-*.t))

# npm ci when node_modules is missing or older than the lock. --ignore-scripts:
# anvil's binary comes in its per-platform package, and its postinstall would
# only fetch what is already there. Debian 12's own npm (9.2) reads lockfile
# version 3; Debian's npm package conflicts with NodeSource's nodejs (which
# bundles npm), so it is installed only when there is no npm at all.
NPM_STAMP := node_modules/.package-lock.json
$(NPM_STAMP): package.json package-lock.json | build/.deps-checked
	@command -v npm >/dev/null || { \
		sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm; }
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# Test helper: signed records into a spool (tests/e2e/chain-*.t).
CHAIN_HELPERS := $(B)/tests/chain_spoolgen
$(B)/tests/chain_spoolgen: $(B)/obj/tests/e2e/chain_spoolgen.o $(B)/libogx.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
CHECK_TARGETS += $(CHAIN_HELPERS)

.PHONY: node_modules check-chain
node_modules: $(NPM_STAMP)

CHECK_TARGETS += $(NPM_STAMP)

check-chain: all $(B)/tests/chain_test $(B)/tests/batch_test $(NPM_STAMP) $(CHAIN_HELPERS)
	$(TEST_ENV) prove --exec '' $(B)/tests/chain_test $(B)/tests/batch_test $(CHAIN_E2E)


# tests/bench/chain_bench.c runs ogsubmit against anvil.
bench: $(NPM_STAMP)
