/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The chain binding: which spool holds a node key's chain, in which epoch.
 * A key signs one chain: seq 0, 1, 2, ... each record linked to the one
 * before. Two spools for one key would sign two records for one seq (a fork,
 * what a network punishes as equivocation), so the signer binds the key to
 * one spool, by the spool's id (Documentation/spool.md), in a small file
 * beside the key: KEY.chain. A signer refuses any other spool. When the
 * chain cannot go on (the spool was damaged after records were acknowledged,
 * or is lost), the operator starts a new epoch explicitly (`ogrun chain
 * new`): its records state the epoch, start unlinked (prev all zero) at a seq
 * after every seq the key may have signed, and the binding moves to the new
 * epoch's spool. Documentation/proof-record.md, "Chains and epochs".
 *
 * KEY.chain, text, written atomically (0600, like the key):
 *	ogx-chain v1
 *	node HEX          the key's public key
 *	epoch N           the epoch being signed
 *	start S           the seq the epoch's first record takes
 *	spool HEX         the id of the spool that holds the epoch
 *	path DIR          where that spool was (for messages; a moved spool is found by id)
 */
#ifndef OGX_PROOF_BINDING_H
#define OGX_PROOF_BINDING_H

#include <limits.h>
#include <stdint.h>

#include "proof/key.h"
#include "proof/spool.h"
#include "util/err.h"

struct ogx_binding {
	uint8_t node[OGX_PK_LEN];
	uint64_t epoch;
	uint64_t start;
	uint8_t spool[OGX_SPOOL_ID_LEN];
	char path[PATH_MAX];
};

/* KEY.chain for key_path, into out (PATH_MAX). -ENAMETOOLONG. */
OGX_MUST_CHECK
int ogx_binding_path(const char *key_path, char *out);

/* Read key_path's binding. -ENOENT when there is none; -EBADMSG with detail when malformed. */
OGX_MUST_CHECK
int ogx_binding_load(const char *key_path, struct ogx_binding *b);

/* Write it (temp file, fsync, rename, directory fsync). */
OGX_MUST_CHECK
int ogx_binding_save(const char *key_path, const struct ogx_binding *b);

#endif
