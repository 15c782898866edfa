# tee_report: hardware TEE reports (runtime/attest/{snp,nitro,cert,bind,tsm}.c:
# SEV-SNP, Nitro, configfs-tsm), checked by `ogverify report`, fetched by `ogrun
# tee-report` (Documentation/attestation.md, "Hardware reports").
#
#   make check-tee-report   only their tests (unit + e2e)
EXTRA_LDLIBS += -lcrypto

.PHONY: check-tee-report
check-tee-report: all $(B)/tests/tee_report_test
	$(TEST_ENV) prove --exec '' $(B)/tests/tee_report_test tests/e2e/tee-report.t
