// SPDX-License-Identifier: GPL-2.0
/* See verify.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "proof/job.h"
#include "proof/kmod_evidence.h"
#include "proof/verify.h"
#include "util/err.h"
#include "util/hex.h"

static const char *const rule_names[] = {
	[OGX_RULE_NONE] = "none",
	[OGX_RULE_SCHEMA] = "schema",
	[OGX_RULE_SIGNATURE] = "signature",
	[OGX_RULE_NODE] = "node",
	[OGX_RULE_RECIPE] = "recipe",
	[OGX_RULE_EVIDENCE] = "evidence",
	[OGX_RULE_ZKML] = "zkml",
	[OGX_RULE_TEE] = "tee",
	[OGX_RULE_CHAIN_START] = "chain-start",
	[OGX_RULE_CHAIN_EPOCH] = "chain-epoch",
	[OGX_RULE_CHAIN_GAP] = "chain-gap",
	[OGX_RULE_CHAIN_DUPLICATE] = "chain-duplicate",
	[OGX_RULE_CHAIN_FORK] = "chain-fork",
	[OGX_RULE_CHAIN_ORDER] = "chain-order",
	[OGX_RULE_CHAIN_PREV] = "chain-prev",
	[OGX_RULE_DIGEST] = "digest",
	[OGX_RULE_SPOOL] = "spool",
	[OGX_RULE_BATCH] = "batch",
};

const char *ogx_rule_name(enum ogx_rule rule)
{
	if ((size_t)rule < sizeof(rule_names) / sizeof(rule_names[0]) && rule_names[rule])
		return rule_names[rule];
	return "unknown";
}

static void vset(struct ogx_verdict *v, enum ogx_outcome outcome, enum ogx_rule rule,
		 const char *field, const char *fmt, va_list ap)
{
	v->outcome = outcome;
	v->rule = rule;
	v->field = field;
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
}

void ogx_verdict_fail(struct ogx_verdict *v, enum ogx_rule rule, const char *field,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(v, OGX_FAILED, rule, field, fmt, ap);
	va_end(ap);
}

static void unchecked(struct ogx_verdict *v, enum ogx_rule rule, const char *field,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void unchecked(struct ogx_verdict *v, enum ogx_rule rule, const char *field,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(v, OGX_UNCHECKED, rule, field, fmt, ap);
	va_end(ap);
}

int ogx_require_parse(const char *s, uint32_t *require)
{
	char name[16];
	uint32_t level;
	size_t n;
	int err;

	*require = 0;
	do {
		n = strcspn(s, ",");
		if (!n || n >= sizeof(name))
			return ogx_fail(-EINVAL, "--require: want a level name (vanilla, zkml, tee), "
					"or several joined by commas");
		memcpy(name, s, n);
		name[n] = '\0';
		if ((err = ogx_level_parse(name, &level)))
			return err;
		*require |= OGX_REQUIRE(level);
		s += n;
		if (*s == ',' && !*++s)
			return ogx_fail(-EINVAL, "--require: a level name after the last comma");
	} while (*s);
	return 0;
}

void ogx_kmod_checker_close(struct ogx_kmod_checker *c)
{
	if (c->have)
		ogx_kmod_close(&c->kmod);
	c->have = false;
}

static void checker_open(struct ogx_kmod_checker *c)
{
	struct ogx_info info;
	int err;

	c->tried = true;
	err = ogx_kmod_open(&c->kmod, NULL);
	if (err) {
		snprintf(c->why, sizeof(c->why), "%s", ogx_errmsg(err));
		return;
	}
	err = ogx_kmod_info(&c->kmod, &info);
	if (err) {
		snprintf(c->why, sizeof(c->why), "%s: INFO: %s", OGX_KMOD_DEV, strerror(-err));
		ogx_kmod_close(&c->kmod);
		return;
	}
	memcpy(c->boot_id, info.boot_id, OGX_BOOT_ID_SIZE);
	c->have = true;
}

/*
 * Level 2: the kernel evidence's form, and that its event is this record's
 * (both checkable by anyone); its MAC only through /dev/ogx on the boot that
 * made it; a kmod-tpm anchor (the PCR) by nobody yet, for want of a quote.
 */
static void level_tee(const struct ogx_record *r, const struct ogx_verify_opts *o,
		      struct ogx_verdict *v)
{
	struct ogx_kmod_checker *c = o->kmod;
	struct ogx_kmod_evidence ev;
	const char *label;
	char why[200];
	int err;

	if (!r->kernel.present) {
		ogx_verdict_fail(v, OGX_RULE_TEE, "kernel",
				 "a level-2 (tee) record without kernel evidence");
		return;
	}
	err = ogx_kmod_evidence_check(r, &ev);
	if (err) {
		ogx_verdict_fail(v, OGX_RULE_TEE, "kernel", "%s", ogx_errmsg(err));
		return;
	}
	label = ev.tpm ? OGX_KEV_LABEL_TPM : OGX_KEV_LABEL_SW;
	if (c && !c->tried)
		checker_open(c);
	if (!c) {
		snprintf(why, sizeof(why), "kernel MACs are not checked by this command");
	} else if (!c->have) {
		c->unavailable++;
		snprintf(why, sizeof(why), "%s", c->why);
	} else if (memcmp(ev.boot_id, c->boot_id, OGX_BOOT_ID_SIZE)) {
		c->other_boot++;
		snprintf(why, sizeof(why), "the evidence is of another boot than %s's "
			 "(its MAC key is gone)", OGX_KMOD_DEV);
	} else {
		err = ogx_kmod_evidence_verify(&c->kmod, &ev);
		if (err) {
			ogx_verdict_fail(v, OGX_RULE_TEE, "kernel", "%s", ogx_errmsg(err));
			return;
		}
		c->checked++;
		if (!ev.tpm)
			return; /* kmod-sw: everything it claims is checked */
		snprintf(why, sizeof(why), "event MAC verified through %s, but its TPM anchor "
			 "(PCR %u) is not checkable without a quote", OGX_KMOD_DEV, ev.pcr);
	}
	if (o->require & OGX_REQUIRE(OGX_LEVEL_TEE))
		ogx_verdict_fail(v, OGX_RULE_TEE, "kernel", "tee (%s): not checkable here (%s), "
				 "and tee is required", label, why);
	else
		unchecked(v, OGX_RULE_TEE, "kernel", "tee (%s): not checkable here (%s)", label,
			  why);
}

/* Evidence belongs to one level; the level's own evidence must be there. */
static void level_rules(const struct ogx_record *r, const struct ogx_verify_opts *o,
			struct ogx_verdict *v)
{
	if (r->kernel.present && r->level != OGX_LEVEL_TEE) {
		ogx_verdict_fail(v, OGX_RULE_EVIDENCE, "kernel", "kernel evidence on a level-%u "
				 "(%s) record: only tee records carry it", r->level,
				 ogx_level_name(r->level));
		return;
	}
	if (r->zk.present && r->level != OGX_LEVEL_ZKML) {
		ogx_verdict_fail(v, OGX_RULE_EVIDENCE, "zk", "a zk proof on a level-%u (%s) "
				 "record: only zkml records carry it", r->level,
				 ogx_level_name(r->level));
		return;
	}
	snprintf(v->evidence, sizeof(v->evidence), "%s", ogx_evidence_label(r));
	switch (r->level) {
	case OGX_LEVEL_VANILLA:
		return;
	case OGX_LEVEL_ZKML:
		if (!r->zk.present)
			ogx_verdict_fail(v, OGX_RULE_ZKML, "zk", "a level-1 (zkml) record without "
					 "a zk proof");
		else
			ogx_verdict_fail(v, OGX_RULE_ZKML, "zk", "this verifier has no ZKML proof "
					 "verifier yet, so no level-1 (zkml) record is accepted");
		return;
	case OGX_LEVEL_TEE:
		level_tee(r, o, v);
		return;
	}
	ogx_verdict_fail(v, OGX_RULE_SCHEMA, "level", "level %u unknown", r->level);
}

static const uint8_t zero_digest[OGX_DIGEST_LEN];

/* What one record alone says of its place in a chain. */
static void chain_start(const struct ogx_record *r, struct ogx_verdict *v)
{
	bool zero_prev = !memcmp(r->prev, zero_digest, OGX_DIGEST_LEN);

	if (r->seq == 0 && r->epoch != 0)
		ogx_verdict_fail(v, OGX_RULE_CHAIN_START, "epoch", "seq 0 in epoch %" PRIu64
				 ": a later epoch starts after the seqs of the ones before it",
				 r->epoch);
	else if (r->seq == 0 && !zero_prev)
		ogx_verdict_fail(v, OGX_RULE_CHAIN_START, "prev",
				 "seq 0 with a non-zero prev (the first record links to nothing)");
	else if (r->seq > 0 && r->epoch == 0 && zero_prev)
		ogx_verdict_fail(v, OGX_RULE_CHAIN_START, "prev", "seq %" PRIu64 " of epoch 0 "
				 "with an all-zero prev: only seq 0 and the first record of a later "
				 "epoch link to nothing", r->seq);
}

int ogx_verify_record(const uint8_t *buf, size_t len, const struct ogx_verify_opts *o,
		      struct ogx_record *r, struct ogx_verdict *v)
{
	static const struct ogx_verify_opts none;
	char h[2 * OGX_PK_LEN + 1];
	int err;

	memset(v, 0, sizeof(*v));
	if (!o)
		o = &none;
	err = ogx_record_decode(buf, len, r);
	if (err) {
		ogx_verdict_fail(v, OGX_RULE_SCHEMA, "record", "%s", ogx_errmsg(err));
		return err;
	}
	if ((err = ogx_record_verify(r))) {
		ogx_verdict_fail(v, OGX_RULE_SIGNATURE, "signature",
				 "the signature does not verify under the record's node key");
		return 0;
	}
	if (o->node && memcmp(o->node, r->node, OGX_PK_LEN)) {
		ogx_hex(h, r->node, OGX_PK_LEN);
		ogx_verdict_fail(v, OGX_RULE_NODE, "node", "signed by node %.16s..., not the "
				 "expected node", h);
		return 0;
	}
	if ((err = ogx_job_check(r, NULL, NULL))) {
		ogx_verdict_fail(v, OGX_RULE_RECIPE, "job", "%s", ogx_errmsg(err));
		return 0;
	}
	level_rules(r, o, v);
	if (v->outcome == OGX_FAILED)
		return 0;
	if (v->outcome == OGX_UNCHECKED) {
		/* A broken chain start outranks evidence not checkable here. */
		struct ogx_verdict c = *v;

		c.outcome = OGX_VERIFIED;
		chain_start(r, &c);
		if (c.outcome == OGX_FAILED)
			*v = c;
		return 0;
	}
	chain_start(r, v);
	return 0;
}

static void advance(struct ogx_chain_state *st, const struct ogx_record *r,
		    const uint8_t digest[OGX_DIGEST_LEN])
{
	if (!st->have)
		st->first_seq = r->seq;
	st->have = true;
	memcpy(st->node, r->node, OGX_PK_LEN);
	st->epoch = r->epoch;
	st->seq = r->seq;
	memcpy(st->digest, digest, OGX_DIGEST_LEN);
}

static void new_epoch(struct ogx_chain_state *st, const struct ogx_record *r,
		      struct ogx_verdict *v)
{
	if (r->epoch != st->epoch + 1)
		ogx_verdict_fail(v, OGX_RULE_CHAIN_EPOCH, "epoch", "epoch %" PRIu64 " follows epoch %"
				 PRIu64 " (epochs %" PRIu64 "..%" PRIu64 " missing)", r->epoch,
				 st->epoch, st->epoch + 1, r->epoch - 1);
	else if (memcmp(r->prev, zero_digest, OGX_DIGEST_LEN))
		ogx_verdict_fail(v, OGX_RULE_CHAIN_EPOCH, "prev", "the first record of epoch %"
				 PRIu64 " has a non-zero prev (an epoch starts unlinked)", r->epoch);
	else if (r->seq <= st->seq)
		ogx_verdict_fail(v, OGX_RULE_CHAIN_EPOCH, "seq", "epoch %" PRIu64 " starts at seq %"
				 PRIu64 ", not after seq %" PRIu64 " of epoch %" PRIu64
				 " (a seq is never signed twice)", r->epoch, r->seq, st->seq,
				 st->epoch);
	else if (r->seq != st->seq + 1)
		ogx_verdict_fail(v, OGX_RULE_CHAIN_GAP, "seq", "records seq %" PRIu64 "..%" PRIu64
				 " missing (epoch %" PRIu64 " ended at seq %" PRIu64 ", epoch %"
				 PRIu64 " starts at seq %" PRIu64 ")", st->seq + 1, r->seq - 1,
				 st->epoch, st->seq, r->epoch, r->seq);
}

void ogx_verify_link(struct ogx_chain_state *st, const struct ogx_record *r,
		     const uint8_t digest[OGX_DIGEST_LEN], struct ogx_verdict *v)
{
	char a[2 * OGX_DIGEST_LEN + 1], b[2 * OGX_DIGEST_LEN + 1];

	memset(v, 0, sizeof(*v));
	if (!st->have) {
		advance(st, r, digest);
		return;
	}
	if (memcmp(r->node, st->node, OGX_PK_LEN)) {
		ogx_hex(a, r->node, OGX_PK_LEN);
		ogx_verdict_fail(v, OGX_RULE_NODE, "node", "a record of node %.16s... among "
				 "another node's records", a);
		return;
	}
	if (r->epoch < st->epoch) {
		ogx_verdict_fail(v, OGX_RULE_CHAIN_EPOCH, "epoch", "epoch %" PRIu64 " after epoch %"
				 PRIu64 ": epochs never go back", r->epoch, st->epoch);
		return;
	}
	if (r->epoch > st->epoch) {
		new_epoch(st, r, v);
		if (v->outcome == OGX_VERIFIED || v->rule == OGX_RULE_CHAIN_GAP)
			advance(st, r, digest);
		return;
	}
	if (r->seq == st->seq) {
		if (!memcmp(digest, st->digest, OGX_DIGEST_LEN))
			ogx_verdict_fail(v, OGX_RULE_CHAIN_DUPLICATE, "seq", "seq %" PRIu64
					 " twice (the same record)", r->seq);
		else
			ogx_verdict_fail(v, OGX_RULE_CHAIN_FORK, "seq", "two different records for "
					 "seq %" PRIu64 " of epoch %" PRIu64 ": the node signed the "
					 "seq twice (equivocation)", r->seq, r->epoch);
		return;
	}
	if (r->seq < st->seq) {
		ogx_verdict_fail(v, OGX_RULE_CHAIN_ORDER, "seq", "seq %" PRIu64 " after seq %"
				 PRIu64 " (a duplicate, fork or reordering)", r->seq, st->seq);
		return;
	}
	if (r->seq != st->seq + 1) {
		ogx_verdict_fail(v, OGX_RULE_CHAIN_GAP, "seq", "seq %" PRIu64 " follows seq %"
				 PRIu64 " (records %" PRIu64 "..%" PRIu64 " missing)", r->seq,
				 st->seq, st->seq + 1, r->seq - 1);
	} else if (memcmp(r->prev, st->digest, OGX_DIGEST_LEN)) {
		ogx_hex(a, r->prev, OGX_DIGEST_LEN);
		ogx_hex(b, st->digest, OGX_DIGEST_LEN);
		ogx_verdict_fail(v, OGX_RULE_CHAIN_PREV, "prev", "prev %.16s... is not the digest "
				 "of seq %" PRIu64 " (%.16s...)", a, st->seq, b);
	}
	advance(st, r, digest);
}

int ogx_verify_next(struct ogx_chain_state *st, const uint8_t *buf, size_t len,
		    const struct ogx_verify_opts *o, struct ogx_record *r,
		    uint8_t digest[OGX_DIGEST_LEN], struct ogx_verdict *v)
{
	struct ogx_verdict l;
	int err;

	ogx_record_digest(buf, len, digest);
	err = ogx_verify_record(buf, len, o, r, v);
	if (err || (v->outcome == OGX_FAILED && v->rule == OGX_RULE_SIGNATURE))
		return err;
	ogx_verify_link(st, r, digest, &l);
	if (v->outcome != OGX_FAILED && l.outcome == OGX_FAILED) {
		char evidence[sizeof(v->evidence)];

		memcpy(evidence, v->evidence, sizeof(evidence));
		*v = l;
		memcpy(v->evidence, evidence, sizeof(evidence));
	}
	return 0;
}

void ogx_verdict_print(FILE *f, const char *prog, const char *where,
		       const struct ogx_record *r, const char *pos, uint64_t index,
		       const struct ogx_verdict *v)
{
	if (v->outcome == OGX_VERIFIED)
		return;
	fprintf(f, "%s: %s: ", prog, where);
	if (r)
		fprintf(f, "seq %" PRIu64 ": ", r->seq);
	else
		fprintf(f, "%s %" PRIu64 ": ", pos, index);
	fprintf(f, "%s %s [%s]: %s\n", v->outcome == OGX_FAILED ? "FAILED" : "UNCHECKED",
		ogx_rule_name(v->rule), v->field ? v->field : "-", v->detail);
}

void ogx_tally_add(struct ogx_verify_tally *t, const struct ogx_verdict *v)
{
	switch (v->outcome) {
	case OGX_VERIFIED:
		t->verified++;
		break;
	case OGX_UNCHECKED:
		t->unchecked++;
		break;
	case OGX_FAILED:
		t->failed++;
		break;
	}
}

void ogx_verdict_report(struct ogx_verify_tally *t, FILE *f, const char *prog,
			const char *where, const struct ogx_record *r, const char *pos,
			uint64_t index, const struct ogx_verdict *v)
{
	ogx_tally_add(t, v);
	if (v->outcome == OGX_UNCHECKED && t->unchecked > OGX_UNCHECKED_LINES) {
		if (t->unchecked == OGX_UNCHECKED_LINES + 1)
			fprintf(f, "%s: %s: further records whose level's evidence is not checkable "
				"here are counted in the summary, not listed\n", prog, where);
		return;
	}
	ogx_verdict_print(f, prog, where, r, pos, index, v);
}

int ogx_tally_exit(const struct ogx_verify_tally *t)
{
	if (t->failed)
		return OGX_EXIT_FAILED;
	return t->unchecked ? OGX_EXIT_UNCHECKED : OGX_EXIT_OK;
}
