# attest: runtime/attest (TPM quotes of ogx.ko's PCR, AK enrolment), `ogrun
# attest`, `ogverify enroll` and `ogverify quote` (Documentation/attestation.md).
#
#   make check-attest   only the attestation tests (unit + e2e against swtpm)
EXTRA_LDLIBS += -ltss2-esys -ltss2-mu -ltss2-tctildr -ltss2-rc -lcrypto

ATTEST_E2E := $(sort $(wildcard tests/e2e/attest-*.t))

# Test helpers (tests/e2e/attest-*.t): attest_pcr extends a software TPM's
# PCR with the digests of an ogx.ko event log, as the module does;
# attest_forge re-signs altered enrolment records with the node's key.
ATTEST_HELPERS := $(B)/tests/attest_pcr $(B)/tests/attest_forge
$(B)/tests/attest_pcr: $(B)/obj/tests/e2e/attest_pcr.o $(B)/libogx.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
$(B)/tests/attest_forge: $(B)/obj/tests/e2e/attest_forge.o $(B)/libogx.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
CHECK_TARGETS += $(ATTEST_HELPERS)

.PHONY: check-attest
check-attest: all $(B)/tests/attest_test $(ATTEST_HELPERS)
	$(TEST_ENV) prove --exec '' $(B)/tests/attest_test $(ATTEST_E2E)
