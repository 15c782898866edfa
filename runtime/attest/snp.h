/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SEV-SNP attestation reports (SEV-SNP Firmware ABI, "ATTESTATION_REPORT
 * Structure"): the 1184 bytes a guest gets from its firmware, signed with
 * the chip's VCEK (ECDSA P-384, SHA-384, over bytes 0x000..0x29f). The VCEK is
 * certified by the ASK, the ASK by the ARK, AMD's root per product line
 * (RSA-PSS 4096); this verifier knows the ARKs of Milan and Genoa by their
 * SHA-256 (snp.c says where they come from). The VCEK and the ASK + ARK
 * chain come with the report (the host's extended report, or AMD's KDS:
 * https://kdsintf.amd.com/vcek/v1/{Milan,Genoa}/...).
 */
#ifndef OGX_ATTEST_SNP_H
#define OGX_ATTEST_SNP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attest/cert.h"
#include "util/err.h"

#define OGX_SNP_REPORT_SIZE 1184
#define OGX_SNP_SIGNED_SIZE 0x2a0	/* the bytes the signature covers */

struct ogx_snp_report {
	uint32_t version, guest_svn, vmpl, sig_algo;
	uint64_t policy, current_tcb, platform_info, reported_tcb, committed_tcb, launch_tcb;
	uint8_t family_id[16], image_id[16];
	uint8_t report_data[64];
	uint8_t measurement[48];
	uint8_t host_data[32];
	uint8_t id_key_digest[48], author_key_digest[48];
	uint8_t report_id[32], report_id_ma[32];
	uint8_t chip_id[64];
	uint8_t sig_r[48], sig_s[48];	/* big-endian (the report holds them little-endian) */
};

/*
 * Parse the report's bytes: 1184 of them, version 2 to 5, signature
 * algorithm 1 (ECDSA P-384 with SHA-384), and every byte the signature does
 * not cover zero but r and s (the high 24 bytes of r and s, the reserved
 * tail). -EBADMSG with detail.
 */
OGX_MUST_CHECK
int ogx_snp_parse(struct ogx_snp_report *r, const uint8_t *buf, size_t len);

/* The pinned AMD roots: ARK-Milan and ARK-Genoa. */
extern const struct ogx_attest_roots ogx_snp_amd_roots;

struct ogx_snp_verify {
	/* In. */
	const uint8_t *vcek;	/* the VCEK certificate, DER or PEM */
	size_t vcek_len;
	const uint8_t *chain;	/* the ASK and the ARK, PEM (AMD KDS's cert_chain) */
	size_t chain_len;
	time_t at;		/* the time the certificates must be valid at */
	const struct ogx_attest_roots *roots;	/* NULL: ogx_snp_amd_roots */
	/* Out. */
	struct ogx_snp_report report;
	enum ogx_attest_step failed;	/* OGX_ATTEST_OK when 0 was returned */
	const char *root;		/* the root the chain ended in ("ARK-Milan") */
	char product[32];		/* the VCEK's productName ("Milan-B0"), "" if none */
	int tcb_checked;		/* how many of the VCEK's TCB extensions were compared */
	bool chip_id_checked;		/* the VCEK's hwID was compared with chip_id */
};

/*
 * Parse buf, check the chain ARK (pinned, self-signed) -> ASK -> VCEK at
 * v->at, the report's signature under the VCEK's P-384 key, and that the
 * VCEK's TCB extensions (blSPL, teeSPL, snpSPL, ucodeSPL) and hwID are the
 * report's reported_tcb and chip_id wherever the certificate carries them
 * (the Milan/Genoa TCB_VERSION layout), and that the guest policy does not
 * allow debugging (bit 19: the host could read and write the guest). 0, or
 * -errno with detail and v->failed naming the step: -EBADMSG format,
 * -EKEYREJECTED chain or signature, -EPROTO tcb or policy. The binding is
 * the caller's (bind.h).
 */
OGX_MUST_CHECK
int ogx_snp_verify(struct ogx_snp_verify *v, const uint8_t *buf, size_t len);

#endif
