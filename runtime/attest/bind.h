/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The binding of a hardware report to a node: the 64 bytes a node puts in an
 * SEV-SNP report's report_data, a TDX report's REPORTDATA or a Nitro
 * document's user_data, and that a verifier recomputes. One recipe, used by
 * the node (tsm.c's caller) and by every verifier:
 *
 *	report_data = SHA-512("ogx/tee-report-data/v1" || 0x00 || node || context)
 *
 * node is the node's Ed25519 public key (32 bytes); context is 32 bytes of
 * what the report answers: the verifier's nonce for a fresh report, or the
 * node's ogx.ko log head (the chain head, Documentation/kmod.md) for one
 * that anchors a log. Both lengths are fixed, so no two (node, context)
 * pairs share an input. Documentation/attestation.md, "The binding".
 */
#ifndef OGX_ATTEST_BIND_H
#define OGX_ATTEST_BIND_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define OGX_BIND_TAG "ogx/tee-report-data/v1"
#define OGX_BIND_LEN 64
#define OGX_BIND_NODE_LEN 32
#define OGX_BIND_CONTEXT_LEN 32

void ogx_attest_binding(uint8_t out[OGX_BIND_LEN], const uint8_t node[OGX_BIND_NODE_LEN],
			const uint8_t context[OGX_BIND_CONTEXT_LEN]);

/*
 * 0 when data (len bytes; what names the field: "report_data",
 * "user_data") is the binding of node and context; -EACCES with detail
 * otherwise (-EACCES also when len is not 64).
 */
OGX_MUST_CHECK
int ogx_attest_binding_check(const uint8_t *data, size_t len, const char *what,
			     const uint8_t node[OGX_BIND_NODE_LEN],
			     const uint8_t context[OGX_BIND_CONTEXT_LEN]);

#endif
