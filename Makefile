# ogx — one GNU Makefile for everything userspace builds; the kernel module's
# Kbuild lives in Kbuild and kmod/Kbuild. Parts of the build that belong to one
# area (kmod, chain, vk, ...) are in mk/*.mk fragments, included below.
#
#   make            build every binary (installs nothing: names what is missing)
#   make deps       install the Debian packages the build needs
#   make check      install what the tests need, build, run every test (TAP through prove)
#   make check SAN=1  the same tests under ASan + UBSan
#   make demo       install what the demo needs, then the default job (train,
#                   classify 1,000 images, verify)
#   make bench      benchmarks: tables on stdout, JSON under build/bench/
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (default 300)
#   make install PREFIX=/usr/local

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SECONDARY:

# Where the small pretrained models live (never inside the repository).
OGX_MODELS ?= $(abspath ../shared/models)
PREFIX ?= /usr/local

ifeq ($(SAN),1)
B := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
B := build
SANFLAGS :=
endif

CC ?= gcc
OPT ?= -O2
CFLAGS ?= $(OPT) -g
ARCHFLAGS ?=
WARN := -Wall -Wextra -Werror
CPPFLAGS_ALL := -Iruntime -isystem kmod/uapi -D_GNU_SOURCE
# Determinism of every float result (the CPU engine's bits equal the Vulkan
# engine's and llama2.c's, whatever the build flags): no contraction of a*b+c
# into FMA (the kernels that want FMA ask for it, by intrinsics or fmaf()), no
# fast-math reassociation. After $(CFLAGS), so that `make CFLAGS=...` cannot
# take them away (tests/e2e/... and `make check-native` check it).
DETERMINISM := -ffp-contract=off -fno-fast-math
CFLAGS_ALL = -std=gnu11 $(WARN) $(CFLAGS) $(ARCHFLAGS) $(SANFLAGS) $(DETERMINISM) -MMD -MP \
	$(CPPFLAGS_ALL)
LDLIBS_ALL = -lsodium -lcbor -luring -lz -lm -lpthread $(EXTRA_LDLIBS)
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

RUNTIME_SRC := $(shell find runtime -name '*.c' | sort)
RUNTIME_OBJ := $(RUNTIME_SRC:%.c=$(B)/obj/%.o)
TOOLS := ogrun ogverify ogsubmit
UNIT_SRC := $(sort $(wildcard tests/unit/*_test.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
BENCH_SRC := $(sort $(wildcard tests/bench/*_bench.c))
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(B)/bench/%)
E2E := $(sort $(wildcard tests/e2e/*.t))

# Test-only headers from Debian's kernel source package, extracted at build
# time and never committed.
KSRC_TAR ?= $(firstword $(wildcard /usr/src/linux-source-6.1.tar.xz))
HARNESS := build/include/kselftest_harness.h

# Fragments append to these.
CHECK_TARGETS :=
ALL_TARGETS :=
EXTRA_LDLIBS :=
-include $(sort $(wildcard mk/*.mk))

.PHONY: all deps check-deps demo-deps check check-run check-unit check-e2e check-native \
	check-layers demo \
	bench fuzz fuzz-smoke install clean style

all: $(TOOLS:%=$(B)/%) $(ALL_TARGETS)

# Debian packages: the build's (tools/deps, mk/*.deps), the tests' on top
# (*.check-deps), the demo's (tools/demo.deps). Only `make deps`, `make
# check` and `make demo` install; plain `make` checks once and names what is
# missing.
BUILD_DEPS := tools/deps $(sort $(wildcard mk/*.deps))
CHECK_DEPS := $(BUILD_DEPS) tools/check.deps $(sort $(wildcard mk/*.check-deps))
DEMO_DEPS := $(BUILD_DEPS) tools/demo.deps

deps: build/.deps-stamp
check-deps: build/.check-deps-stamp
demo-deps: build/.demo-deps-stamp
build/.deps-stamp: $(BUILD_DEPS) tools/install-deps
	@mkdir -p build
	tools/install-deps $(BUILD_DEPS)
	@touch $@ build/.deps-checked
build/.check-deps-stamp: $(CHECK_DEPS) tools/install-deps
	@mkdir -p build
	tools/install-deps $(CHECK_DEPS)
	@touch $@ build/.deps-stamp build/.deps-checked
build/.demo-deps-stamp: $(DEMO_DEPS) tools/install-deps
	@mkdir -p build
	tools/install-deps $(DEMO_DEPS)
	@touch $@ build/.deps-stamp build/.deps-checked
build/.deps-checked: $(BUILD_DEPS) tools/install-deps
	@mkdir -p build
	@tools/install-deps --check $(BUILD_DEPS)
	@touch $@

$(B)/obj/%.o: %.c | build/.deps-checked
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(B)/libogx.a: $(RUNTIME_OBJ)
	@rm -f $@
	ar rcs $@ $^

define tool_rule
$(1)_SRC := $$(sort $$(wildcard tools/$(1)/*.c))
$(B)/$(1): $$($(1)_SRC:%.c=$(B)/obj/%.o) $(B)/libogx.a
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ $$(LDLIBS_ALL)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

$(HARNESS): | build/.deps-checked
	@mkdir -p build/include build/ksrc
	tar -xJf $(KSRC_TAR) -C build/ksrc --strip-components=1 --wildcards \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/kselftest.h' \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	cp build/ksrc/tools/testing/selftests/kselftest.h build/include/
	cp build/ksrc/tools/testing/selftests/kselftest_harness.h build/include/

$(B)/obj/tests/%.o: tests/%.c $(HARNESS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Ibuild/include -Wno-unused-parameter -Wno-sign-compare -c -o $@ $<

$(B)/tests/%_test: $(B)/obj/tests/unit/%_test.o $(B)/libogx.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(B)/bench/%_bench: $(B)/obj/tests/bench/%_bench.o $(B)/libogx.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# Environment every test gets: where the binaries, sources and models are.
TEST_ENV = OGX_BUILD=$(abspath $(B)) OGX_SRC=$(CURDIR) OGX_MODELS=$(OGX_MODELS) \
	OGX_SAN=$(SAN)

# make check: the packages first, then everything else in a make that starts after them.
check: check-deps
	$(MAKE) --no-print-directory check-run

check-run: all $(UNIT_BIN) $(CHECK_TARGETS) fuzz-smoke check-native check-layers
	$(TEST_ENV) prove --exec '' $(UNIT_BIN) $(E2E)

# The layer table of Documentation/architecture.md, and no file cycle in a folder.
check-layers: all $(UNIT_BIN)
	tools/layers --table Documentation/architecture.md --prefix runtime=ogx_ $(B)/obj

check-unit: all $(UNIT_BIN)
	$(TEST_ENV) prove --exec '' $(UNIT_BIN)

check-e2e: all
	$(TEST_ENV) prove --exec '' $(E2E)

demo: demo-deps
	$(MAKE) --no-print-directory all
	$(TEST_ENV) tools/demo

# The CPU engine built with the widest flags a user may choose still gives
# the bits of the default build and of the Vulkan engine: the tests that
# compare them, built in build/native with CFLAGS="-O3 -march=native"
# (DETERMINISM stays on: CFLAGS cannot remove it).
NATIVE_TESTS := vk_mlp_test vk_upload_test qdot_test mlp_test llama_test sampler_test
check-native:
	$(MAKE) --no-print-directory B=build/native SAN= CFLAGS="-O3 -march=native -g" \
		$(NATIVE_TESTS:%=build/native/tests/%)
	OGX_BUILD=$(abspath build/native) OGX_SRC=$(CURDIR) OGX_MODELS=$(OGX_MODELS) \
		prove --exec '' $(NATIVE_TESTS:%=build/native/tests/%)

bench: all $(BENCH_BIN)
	@mkdir -p build/bench
	set -e; for b in $(BENCH_BIN); do $(TEST_ENV) OGX_BENCH_JSON=build/bench/$$(basename $$b).json $$b; done

# libFuzzer targets: runtime rebuilt with clang and the fuzzer instrumentation.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/*_fuzz.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror $(DETERMINISM) $(CPPFLAGS_ALL) \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 300
FUZZ_RUNTIME_OBJ := $(RUNTIME_SRC:%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: %.c | build/.deps-checked
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

build/fuzz/%_fuzz: tests/fuzz/%_fuzz.c $(FUZZ_RUNTIME_OBJ)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS_ALL)

fuzz: $(FUZZ_BIN)
	set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f); mkdir -p build/fuzz/corpus-$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build/fuzz/corpus-$$n \
			$$(test -d tests/fuzz/corpus/$$n && echo tests/fuzz/corpus/$$n) 2>&1 | tail -12; \
		test $${PIPESTATUS[0]} -eq 0; done

# In `make check`, each fuzzer runs briefly so that a target that crashes at
# once, or no longer builds, fails the suite.
fuzz-smoke:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10 SAN=

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(TOOLS:%=$(B)/%) $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
