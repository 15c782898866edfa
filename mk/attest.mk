# attest: hardware TEE reports (runtime/attest: SEV-SNP, Nitro, configfs-tsm),
# checked by `ogverify report` (Documentation/attestation.md).
EXTRA_LDLIBS += -lcrypto
