/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules a verifier applies to records: the one definition, used by every
 * command that accepts a record (ogverify record|spool|batch|chain, ogsubmit
 * check and run), so that all of them accept the same records and reject the
 * same ones under the same rule name. Documentation/proof-record.md
 * ("Checks a verifier makes") lists the rules and the message and exit-status
 * contract built on them.
 *
 *	ogx_verify_record()   one record: schema, signature, node, recipe,
 *	                      level and evidence, the start of a chain
 *	ogx_verify_link()     consecutive records of one node: epochs, seq + 1,
 *	                      prev, forks and duplicates
 *	ogx_verdict_print()   the one line a failing or unchecked record gets
 *
 * A verdict is VERIFIED only when everything the record's level claims was
 * checked here; evidence this verifier cannot check makes it UNCHECKED (never
 * "passed"), and FAILED when the caller requires that level.
 */
#ifndef OGX_PROOF_VERIFY_H
#define OGX_PROOF_VERIFY_H

#include <stdbool.h>
#include <stdio.h>

#include "proof/kmod.h"
#include "proof/record.h"
#include "util/err.h"

/* The rules, by the name every verifier prints ("FAILED chain-prev"). */
enum ogx_rule {
	OGX_RULE_NONE = 0,
	OGX_RULE_SCHEMA,	/* the strict decode: form, types, keys, version, level values */
	OGX_RULE_SIGNATURE,	/* Ed25519 by the record's node key */
	OGX_RULE_NODE,		/* signed by the expected node / the same node as its neighbours */
	OGX_RULE_RECIPE,	/* the job text is a known job's canonical text; params its digest */
	OGX_RULE_EVIDENCE,	/* evidence attached to a level that takes none of that kind */
	OGX_RULE_ZKML,		/* level 1: a succinct proof that verifies */
	OGX_RULE_TEE,		/* level 2: kernel evidence, its event, its MAC */
	OGX_RULE_CHAIN_START,	/* seq 0 / epoch starts have an all-zero prev, nothing else does */
	OGX_RULE_CHAIN_EPOCH,	/* epochs go up by one, each after every seq of the one before */
	OGX_RULE_CHAIN_GAP,	/* no seq is missing */
	OGX_RULE_CHAIN_DUPLICATE, /* the same record twice */
	OGX_RULE_CHAIN_FORK,	/* two different records for one (node, seq): equivocation */
	OGX_RULE_CHAIN_ORDER,	/* seq goes back */
	OGX_RULE_CHAIN_PREV,	/* prev is the digest of the record before */
	OGX_RULE_DIGEST,	/* a digest is that of the bytes the verifier was given */
	OGX_RULE_SPOOL,		/* the spool's frames (Documentation/spool.md) */
	OGX_RULE_BATCH,		/* a batch's operator signature, root and range */
};

const char *ogx_rule_name(enum ogx_rule rule);

enum ogx_outcome {
	OGX_VERIFIED = 0,	/* every claim of the record's level checked */
	OGX_UNCHECKED = 1,	/* no rule broken, but its level's evidence not checkable here */
	OGX_FAILED = 2,		/* a rule broken (or unchecked evidence the caller requires) */
};

struct ogx_verdict {
	enum ogx_outcome outcome;
	enum ogx_rule rule;	/* FAILED / UNCHECKED: which rule */
	const char *field;	/* the record field the rule is about ("prev", "kernel", ...) */
	char evidence[24];	/* what the level rests on: ogx_evidence_label() */
	char detail[400];
};

/*
 * Kernel MACs (TEE records) can be checked only through /dev/ogx, on the boot
 * that made them (the MAC key never leaves the kernel). Opened at the first
 * TEE record that needs it; counts what it could and could not check.
 */
struct ogx_kmod_checker {
	bool tried, have;
	struct ogx_kmod kmod;
	uint8_t boot_id[OGX_BOOT_ID_SIZE];
	char why[160];		/* why MACs are not checkable here, when !have */
	uint64_t checked, other_boot, unavailable;
};

void ogx_kmod_checker_close(struct ogx_kmod_checker *c);

#define OGX_REQUIRE(level) (1u << (level))

/* "--require tee" (a level name, or several joined by commas) as OGX_REQUIRE bits. */
OGX_MUST_CHECK
int ogx_require_parse(const char *s, uint32_t *require);

struct ogx_verify_opts {
	const uint8_t *node;		/* NULL, or the key every record must be signed by */
	uint32_t require;		/* OGX_REQUIRE(level)s whose evidence must be checked here */
	struct ogx_kmod_checker *kmod;	/* NULL: kernel MACs are not checked */
};

/*
 * Decode buf strictly and apply every rule that needs only this record.
 * Returns 0 when r holds the decoded record (free it with ogx_record_free()),
 * whatever the verdict; -EBADMSG when it could not be decoded (rule schema).
 * v tells the outcome.
 */
OGX_MUST_CHECK
int ogx_verify_record(const uint8_t *buf, size_t len, const struct ogx_verify_opts *o,
		      struct ogx_record *r, struct ogx_verdict *v);

struct ogx_chain_state {
	bool have;			/* a previous record was seen */
	uint8_t node[OGX_PK_LEN];	/* the node all records must share */
	uint64_t epoch, seq;		/* the previous record's */
	uint8_t digest[OGX_DIGEST_LEN];	/* its digest */
	uint64_t first_seq;		/* the first record's seq (a window when > 0) */
};

/*
 * Check that r (whose encoding has digest) follows the state: same node;
 * within an epoch seq + 1 and prev = the digest before it; a new epoch one
 * more than the last, starting after every seq before it with an all-zero
 * prev (the seqs between are a gap). The first record of a state starts a
 * window. On success and after a gap or a broken prev the state moves to r
 * (so one break gives one report); after a duplicate, fork or reordering it
 * stays. v->outcome is OGX_FAILED on a break, else OGX_VERIFIED.
 */
void ogx_verify_link(struct ogx_chain_state *st, const struct ogx_record *r,
		     const uint8_t digest[OGX_DIGEST_LEN], struct ogx_verdict *v);

/*
 * One record of a stream (a spool, a batch): ogx_verify_record(), then,
 * unless it could not be decoded or its signature failed (it then says
 * nothing of the chain), ogx_verify_link() against st. v is the record's own
 * failure if any, else its link's, else its own verdict. digest receives the
 * record's digest. Returns as ogx_verify_record(). Every command that walks
 * records in order uses this, so all of them judge a stream alike.
 */
OGX_MUST_CHECK
int ogx_verify_next(struct ogx_chain_state *st, const uint8_t *buf, size_t len,
		    const struct ogx_verify_opts *o, struct ogx_record *r,
		    uint8_t digest[OGX_DIGEST_LEN], struct ogx_verdict *v);

/* Set v to FAILED under rule, for the caller's own checks (files, spool, batch). */
void ogx_verdict_fail(struct ogx_verdict *v, enum ogx_rule rule, const char *field,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * The one line for a record that did not verify at its level, on f:
 *	"PROG: WHERE: seq N: FAILED rule [field]: detail"
 *	"PROG: WHERE: seq N: UNCHECKED tee [kernel]: tee (kmod-sw): not checkable here: ..."
 * r NULL (the record could not be decoded): "index I" / "record I" instead of
 * the seq (pos names it: "index", "record").
 */
void ogx_verdict_print(FILE *f, const char *prog, const char *where,
		       const struct ogx_record *r, const char *pos, uint64_t index,
		       const struct ogx_verdict *v);

/* Counts of outcomes, and the exit status they give (0, 1 or 3: proof-record.md). */
struct ogx_verify_tally {
	uint64_t verified, unchecked, failed;
};

void ogx_tally_add(struct ogx_verify_tally *t, const struct ogx_verdict *v);

/*
 * Tally v and print its line (ogx_verdict_print()): every FAILED one, the
 * first OGX_UNCHECKED_LINES UNCHECKED ones (then one line saying the rest
 * are counted in the summary, not listed).
 */
#define OGX_UNCHECKED_LINES 10
void ogx_verdict_report(struct ogx_verify_tally *t, FILE *f, const char *prog,
			const char *where, const struct ogx_record *r, const char *pos,
			uint64_t index, const struct ogx_verdict *v);
int ogx_tally_exit(const struct ogx_verify_tally *t);

#define OGX_EXIT_OK 0
#define OGX_EXIT_FAILED 1
#define OGX_EXIT_USAGE 2
#define OGX_EXIT_UNCHECKED 3

#endif
