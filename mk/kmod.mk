# ogx.ko and its tests under qemu.
#
#   make kmod [KDIR=/usr/src/linux-headers-X]  build ogx.ko for the running
#       kernel, or KDIR's; the output is build/kmod/<kernel release>/ogx.ko
#       (sources are copied there: Kbuild of 6.1/6.12 builds in the source
#       directory, and each kernel needs its own objects)
#   make check-kmod   boot Debian's 6.1 and 6.12 kernels under qemu and run
#       tests/kmod/ inside each (TAP through prove)
#   make bench-kmod   the EXTEND benchmark inside the guest

KMOD_SRC := $(sort $(wildcard kmod/*.c kmod/*.h)) kmod/Kbuild kmod/uapi/linux/ogx.h
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(wildcard /usr/src/linux-headers-6.1.*-amd64))
# Every kernel tests/kmod/ boots: the newest 6.1 and 6.12 Debian 12 kernels
# (generic flavour) whose headers and image are both installed.
kmod_newest = $(shell for d in $$(ls -d $(1) 2>/dev/null | grep -v -e -rt- -e -cloud- | sort -V -r); do \
	test -f /boot/vmlinuz-$$(basename $$d | sed s/^linux-headers-//) && { echo $$d; break; }; done)
KMOD_KDIRS := $(call kmod_newest,/usr/src/linux-headers-6.1.*-amd64) \
	$(call kmod_newest,/usr/src/linux-headers-6.12.*+deb12-amd64)
kmod_release = $(patsubst linux-headers-%,%,$(notdir $(1)))

.PHONY: kmod kmod-all check-kmod bench-kmod

kmod: build/kmod/$(call kmod_release,$(KDIR))/ogx.ko

kmod-all: $(foreach k,$(KMOD_KDIRS),build/kmod/$(call kmod_release,$(k))/ogx.ko)

build/kmod/%/ogx.ko: $(KMOD_SRC) | build/.deps-checked
	@mkdir -p $(@D)/uapi/linux
	cp $(filter kmod/%.c kmod/%.h kmod/Kbuild,$(KMOD_SRC)) $(@D)/
	cp kmod/uapi/linux/ogx.h $(@D)/uapi/linux/
	set -o pipefail; $(MAKE) -C $(firstword $(wildcard /lib/modules/$*/build /usr/src/linux-headers-$*)) \
		M=$(abspath $(@D)) W=1 modules 2>&1 | tee $(@D)/build.log
	@! grep -E 'warning:|error:' $(@D)/build.log
	@test -f $@

KMOD_TEST_SRC := $(sort $(wildcard tests/kmod/*_test.c))
KMOD_TEST_BIN := $(KMOD_TEST_SRC:tests/kmod/%.c=$(B)/tests/kmod/%) $(B)/tests/kmod/extend_bench

$(B)/tests/kmod/%: tests/kmod/%.c tests/kmod/fixture.h $(HARNESS) $(B)/libogx.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Ibuild/include -Wno-unused-parameter -Wno-sign-compare \
		-o $@ $< $(B)/libogx.a $(LDLIBS_ALL)

check-kmod: kmod-all $(KMOD_TEST_BIN) $(B)/ogrun $(B)/ogsubmit $(B)/ogverify
	$(TEST_ENV) OGX_KMOD_KDIRS="$(KMOD_KDIRS)" prove --exec '' tests/kmod/run.t

bench-kmod: kmod-all $(KMOD_TEST_BIN)
	$(TEST_ENV) OGX_KMOD_KDIRS="$(KMOD_KDIRS)" OGX_KMOD_BENCH=1 tests/kmod/run.t

CHECK_TARGETS += check-kmod
