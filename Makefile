# ogx — one GNU Makefile for everything userspace builds; the kernel module's
# Kbuild lives in Kbuild and kmod/Kbuild. Parts of the build that belong to one
# area (kmod, chain, vk, ...) are in mk/*.mk fragments, included below.
#
#   make            build every binary this machine can build
#   make check      install deps, build, run every test (TAP through prove)
#   make check SAN=1  the same tests under ASan + UBSan
#   make demo       the default job (train, classify 1,000 images, verify)
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
CFLAGS_ALL = -std=gnu11 $(WARN) $(CFLAGS) $(ARCHFLAGS) $(SANFLAGS) -MMD -MP $(CPPFLAGS_ALL)
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

.PHONY: all deps check check-unit check-e2e demo bench fuzz fuzz-smoke install clean style

all: deps-stamp $(TOOLS:%=$(B)/%) $(ALL_TARGETS)

deps: deps-stamp
deps-stamp: build/.deps-stamp
build/.deps-stamp: tools/deps tools/install-deps $(wildcard mk/*.deps)
	@mkdir -p build
	tools/install-deps $(wildcard mk/*.deps)
	@touch $@

$(B)/obj/%.o: %.c | build/.deps-stamp
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

$(HARNESS): | build/.deps-stamp
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

check: all $(UNIT_BIN) $(CHECK_TARGETS) fuzz-smoke
	$(TEST_ENV) prove --exec '' $(UNIT_BIN) $(E2E)

check-unit: all $(UNIT_BIN)
	$(TEST_ENV) prove --exec '' $(UNIT_BIN)

check-e2e: all
	$(TEST_ENV) prove --exec '' $(E2E)

demo: all
	$(TEST_ENV) tools/demo

bench: all $(BENCH_BIN)
	@mkdir -p build/bench
	set -e; for b in $(BENCH_BIN); do $(TEST_ENV) OGX_BENCH_JSON=build/bench/$$(basename $$b).json $$b; done

# libFuzzer targets: runtime rebuilt with clang and the fuzzer instrumentation.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/*_fuzz.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror $(CPPFLAGS_ALL) \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 300
FUZZ_RUNTIME_OBJ := $(RUNTIME_SRC:%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: %.c | build/.deps-stamp
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
