// SPDX-License-Identifier: GPL-2.0
/*
 * The verifier's rules (proof/verify.h) and the job recipes (proof/job.h),
 * on records signed with a real key: a dishonest node signs every one of
 * these, so the signature never is what rejects them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "proof/job.h"
#include "proof/kmod_evidence.h"
#include "proof/verify.h"
#include "util/digest.h"
#include "util/err.h"

static struct ogx_key the_key;

static void key(void)
{
	uint8_t seed[32];

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x40 + i);
	if (sodium_init() < 0 || ogx_key_from_seed(&the_key, seed))
		abort();
}

/* A well-formed vanilla classification record, seq 0. */
static void classify(struct ogx_record *r, uint64_t seq)
{
	uint8_t image[784] = { 7 };
	int32_t logits[10] = { 1, -2, 3 };

	memset(r, 0, sizeof(*r));
	r->version = OGX_RECORD_VERSION;
	r->seq = seq;
	ogx_job_record_classify(r, image, sizeof(image), logits, 10);
	memset(r->model, 0x33, 32);
	strcpy(r->device.kind, "cpu");
	strcpy(r->device.name, "test cpu");
	memset(r->runtime, 0x44, 32);
}

/* Sign r and run the single-record rules; returns the verdict. */
static struct ogx_verdict judge(struct ogx_record *r, const struct ogx_verify_opts *o,
				uint8_t digest[32])
{
	struct ogx_verdict v;
	struct ogx_record back;
	uint8_t *buf;
	size_t len;

	if (!the_key.pk[0] && !the_key.pk[1])
		key();
	if (ogx_record_sign(r, &the_key, &buf, &len))
		abort();
	if (digest)
		ogx_record_digest(buf, len, digest);
	if (!ogx_verify_record(buf, len, o, &back, &v))
		ogx_record_free(&back);
	free(buf);
	return v;
}

#define EXPECT_RULE(v, outcome_, rule_, field_, detail_)                       \
	do {                                                                   \
		EXPECT_EQ(outcome_, (v).outcome);                              \
		EXPECT_STREQ(rule_, ogx_rule_name((v).rule));                  \
		EXPECT_STREQ(field_, (v).field ? (v).field : "-");             \
		EXPECT_STREQ(detail_, (v).detail);                             \
	} while (0)

TEST(a_good_record_verifies)
{
	struct ogx_record r;
	struct ogx_verdict v;

	classify(&r, 0);
	v = judge(&r, NULL, NULL);
	EXPECT_EQ(OGX_VERIFIED, v.outcome) TH_LOG("%s", v.detail);
	EXPECT_STREQ("vanilla", v.evidence);
}

TEST(zkml_is_refused_until_it_exists)
{
	struct ogx_record r;
	struct ogx_verdict v;

	classify(&r, 0);
	r.level = OGX_LEVEL_ZKML;
	v = judge(&r, NULL, NULL);
	EXPECT_RULE(v, OGX_FAILED, "zkml", "zk", "a level-1 (zkml) record without a zk proof");
	ASSERT_EQ(0, ogx_ext_add_bytes(&r.zk, 0, OGX_EXT_TEXT, "no-proof", 8));
	v = judge(&r, NULL, NULL);
	EXPECT_RULE(v, OGX_FAILED, "zkml", "zk", "this verifier has no ZKML proof verifier yet, "
		    "so no level-1 (zkml) record is accepted");
	ogx_record_free(&r);
}

TEST(tee_needs_kernel_evidence)
{
	struct ogx_record r;
	struct ogx_verdict v;
	uint8_t b[32] = { 0 };

	classify(&r, 0);
	r.level = OGX_LEVEL_TEE;
	v = judge(&r, NULL, NULL);
	EXPECT_RULE(v, OGX_FAILED, "tee", "kernel", "a level-2 (tee) record without kernel "
		    "evidence");
	/* A made-up kmod-tpm map: a label and not much else. */
	ASSERT_EQ(0, ogx_ext_add_bytes(&r.kernel, OGX_KEV_LABEL, OGX_EXT_TEXT, "kmod-tpm", 8));
	ASSERT_EQ(0, ogx_ext_add_bytes(&r.kernel, OGX_KEV_BOOT_ID, OGX_EXT_BYTES, b, 16));
	v = judge(&r, NULL, NULL);
	EXPECT_RULE(v, OGX_FAILED, "tee", "kernel", "kernel evidence: no seq");
	ogx_record_free(&r);
}

/* A kmod-sw map whose event is the record's: checkable by form, its MAC by nobody here. */
static void fill_event(struct ogx_record *r, bool tpm)
{
	struct ogx_extend x = { .type = OGX_EVENT_JOB };
	struct ogx_info info = { .pcr = tpm ? 16 : 0 };

	ogx_kmod_event_of(&x, r, NULL);
	memcpy(x.exe, r->runtime, 32);
	x.seq = 5;
	x.time_ns = 1000;
	/* digest as the kernel computes it: ogx_kmod_evidence_check() recomputes it */
	ogx_kmod_event_digest(r, x.seq, x.time_ns, x.type, x.flags, x.exe, x.pipeline, x.digest);
	if (tpm)
		info.flags |= OGX_INFO_F_TPM;
	if (ogx_kmod_evidence_fill(r, &info, &x))
		abort();
}

TEST(tee_evidence_not_checkable_here_is_never_passed)
{
	struct ogx_verify_opts o = { 0 };
	struct ogx_record r;
	struct ogx_verdict v;

	classify(&r, 0);
	r.level = OGX_LEVEL_TEE;
	fill_event(&r, false);
	v = judge(&r, &o, NULL);
	EXPECT_RULE(v, OGX_UNCHECKED, "tee", "kernel", "tee (kmod-sw): not checkable here "
		    "(kernel MACs are not checked by this command)");
	EXPECT_STREQ("tee/kmod-sw", v.evidence);
	o.require = OGX_REQUIRE(OGX_LEVEL_TEE);
	v = judge(&r, &o, NULL);
	EXPECT_RULE(v, OGX_FAILED, "tee", "kernel", "tee (kmod-sw): not checkable here "
		    "(kernel MACs are not checked by this command), and tee is required");
	/* The event must be the record's: change the output after the event was made. */
	r.output[0] ^= 1;
	v = judge(&r, NULL, NULL);
	EXPECT_RULE(v, OGX_FAILED, "tee", "kernel",
		    "kernel evidence: digest is not the record's event");
	ogx_record_free(&r);
}

TEST(evidence_on_the_wrong_level)
{
	struct ogx_record r;
	struct ogx_verdict v;

	classify(&r, 0);
	fill_event(&r, false);
	v = judge(&r, NULL, NULL);
	EXPECT_RULE(v, OGX_FAILED, "evidence", "kernel", "kernel evidence on a level-0 (vanilla) "
		    "record: only tee records carry it");
	ogx_record_free(&r);
	classify(&r, 0);
	r.level = OGX_LEVEL_TEE;
	fill_event(&r, false);
	ASSERT_EQ(0, ogx_ext_add_uint(&r.zk, 0, 1));
	v = judge(&r, NULL, NULL);
	EXPECT_RULE(v, OGX_FAILED, "evidence", "zk", "a zk proof on a level-2 (tee) record: only "
		    "zkml records carry it");
	ogx_record_free(&r);
}

TEST(recipes)
{
	struct ogx_job_generate g = { .temperature = 0.7f, .top_p = 0.9f, .seed = 42,
				      .max_tokens = 16 };
	struct ogx_job_generate back;
	enum ogx_job_kind kind;
	struct ogx_record r;
	struct ogx_verdict v;
	uint32_t ids[3] = { 1, 2, 0x01020304 };
	uint8_t want[32];

	memset(g.tokenizer, 0xab, 32);
	classify(&r, 0);
	ASSERT_EQ(0, ogx_job_record_generate(&r, ids, 1, ids + 1, 2, &g));
	EXPECT_STREQ("ogx-generate-v1 temperature=0.699999988 top_p=0.899999976 seed=42 "
		     "max_tokens=16 tokenizer=abababababababababababababababababababababababab"
		     "abababababababab", r.job);
	ASSERT_EQ(0, ogx_job_check(&r, &kind, &back));
	EXPECT_EQ(OGX_JOB_GENERATE, kind);
	EXPECT_EQ(42, back.seed);
	EXPECT_EQ(0, memcmp(&back, &g, sizeof(g)));
	/* token ids little-endian */
	ogx_sha256(want, "\x02\0\0\0\x04\x03\x02\x01", 8);
	EXPECT_EQ(0, memcmp(want, r.output, 32));
	/* greedy: top_p and seed do not change the output, so they are not in the text */
	g.temperature = 0;
	ASSERT_EQ(0, ogx_job_record_generate(&r, ids, 1, ids + 1, 2, &g));
	EXPECT_EQ(0, strncmp(r.job, "ogx-generate-v1 temperature=0 top_p=1 seed=0 max_tokens=16 ",
			     strlen("ogx-generate-v1 temperature=0 top_p=1 seed=0 max_tokens=16 ")));
	v = judge(&r, NULL, NULL);
	EXPECT_EQ(OGX_VERIFIED, v.outcome) TH_LOG("%s", v.detail);
	/* a greedy job that states a seed: not canonical */
	memcpy(r.job + strlen("ogx-generate-v1 temperature=0 top_p=1 seed="), "7", 1);
	ogx_sha256(r.params, r.job, strlen(r.job));
	v = judge(&r, NULL, NULL);
	EXPECT_EQ(OGX_FAILED, v.outcome);
	EXPECT_STREQ("recipe", ogx_rule_name(v.rule));
	EXPECT_EQ(0, strncmp(v.detail, "job: not in canonical form (want \"ogx-generate-v1 "
			     "temperature=0 top_p=1 seed=0 ", 70)) TH_LOG("%s", v.detail);
	/* params that is not the digest of the job text */
	classify(&r, 0);
	r.params[5] ^= 1;
	v = judge(&r, NULL, NULL);
	EXPECT_RULE(v, OGX_FAILED, "recipe", "job", "params is not the SHA-256 of the job text");
	/* an unknown job */
	classify(&r, 0);
	strcpy(r.job, "ogx-params-v1\ntask=detect\n");
	ogx_sha256(r.params, r.job, strlen(r.job));
	v = judge(&r, NULL, NULL);
	EXPECT_RULE(v, OGX_FAILED, "recipe", "job", "job: unknown kind of job \"ogx-params-v1\\n"
		    "task=detect\\n\"");
	/* out of range */
	g.temperature = -1;
	EXPECT_EQ(-EINVAL, ogx_job_record_generate(&r, ids, 1, ids + 1, 2, &g));
	EXPECT_STREQ("temperature -1: want a finite value >= 0", ogx_errmsg(-EINVAL));
	g.temperature = NAN;
	EXPECT_EQ(-EINVAL, ogx_job_record_generate(&r, ids, 1, ids + 1, 2, &g));
	g.temperature = 1;
	g.max_tokens = 0;
	EXPECT_EQ(-EINVAL, ogx_job_record_generate(&r, ids, 1, ids + 1, 2, &g));
	EXPECT_STREQ("max_tokens 0: a job generates at least one token", ogx_errmsg(-EINVAL));
}

TEST(chain_start)
{
	struct ogx_record r;
	struct ogx_verdict v;

	classify(&r, 0);
	memset(r.prev, 1, 32);
	v = judge(&r, NULL, NULL);
	EXPECT_RULE(v, OGX_FAILED, "chain-start", "prev", "seq 0 with a non-zero prev (the first "
		    "record links to nothing)");
	classify(&r, 5);
	v = judge(&r, NULL, NULL);
	EXPECT_RULE(v, OGX_FAILED, "chain-start", "prev", "seq 5 of epoch 0 with an all-zero prev: "
		    "only seq 0 and the first record of a later epoch link to nothing");
	r.epoch = 1; /* the first record of epoch 1 */
	v = judge(&r, NULL, NULL);
	EXPECT_EQ(OGX_VERIFIED, v.outcome) TH_LOG("%s", v.detail);
	classify(&r, 0);
	r.epoch = 1;
	v = judge(&r, NULL, NULL);
	EXPECT_RULE(v, OGX_FAILED, "chain-start", "epoch", "seq 0 in epoch 1: a later epoch starts "
		    "after the seqs of the ones before it");
}

TEST(expected_node)
{
	struct ogx_verify_opts o = { 0 };
	struct ogx_record r;
	struct ogx_verdict v;
	uint8_t other[32];

	memset(other, 9, 32);
	o.node = other;
	classify(&r, 0);
	v = judge(&r, &o, NULL);
	EXPECT_EQ(OGX_FAILED, v.outcome);
	EXPECT_STREQ("node", ogx_rule_name(v.rule));
}

/* Link a list of records; returns the rule names of the verdicts, space separated. */
static void link_all(struct ogx_record *rs, size_t n, char *out, size_t size)
{
	struct ogx_chain_state st = { 0 };
	struct ogx_verdict v;
	uint8_t d[32];

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		judge(&rs[i], NULL, d);
		ogx_verify_link(&st, &rs[i], d, &v);
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? " " : "",
			 v.outcome == OGX_VERIFIED ? "ok" : ogx_rule_name(v.rule));
	}
}

/* rs[i] links to rs[i - 1] (signed first); seqs as given. */
static void chain(struct ogx_record *rs, const uint64_t *seqs, size_t n)
{
	uint8_t d[32];

	for (size_t i = 0; i < n; i++) {
		classify(&rs[i], seqs[i]);
		rs[i].input[0] = (uint8_t)i;
		if (i)
			memcpy(rs[i].prev, d, 32);
		judge(&rs[i], NULL, d);
	}
}

TEST(chain_rules)
{
	struct ogx_record rs[6], fork;
	char got[128];
	uint8_t d[32];

	chain(rs, (uint64_t[]){ 0, 1, 2, 3 }, 4);
	link_all(rs, 4, got, sizeof(got));
	EXPECT_STREQ("ok ok ok ok", got);
	/* a gap */
	chain(rs, (uint64_t[]){ 0, 1, 3 }, 3);
	link_all(rs, 3, got, sizeof(got));
	EXPECT_STREQ("ok ok chain-gap", got);
	/* the same record twice */
	chain(rs, (uint64_t[]){ 0, 1, 2 }, 3);
	rs[3] = rs[2];
	link_all(rs, 4, got, sizeof(got));
	EXPECT_STREQ("ok ok ok chain-duplicate", got);
	/* a fork: another record with the same seq and prev */
	chain(rs, (uint64_t[]){ 0, 1, 2 }, 3);
	fork = rs[2];
	fork.output[0] ^= 1;
	rs[3] = fork;
	link_all(rs, 4, got, sizeof(got));
	EXPECT_STREQ("ok ok ok chain-fork", got);
	/* a broken prev */
	chain(rs, (uint64_t[]){ 0, 1, 2 }, 3);
	rs[2].prev[0] ^= 1;
	link_all(rs, 3, got, sizeof(got));
	EXPECT_STREQ("ok ok chain-prev", got);
	/* reordered */
	chain(rs, (uint64_t[]){ 0, 1, 2 }, 3);
	rs[3] = rs[1];
	link_all(rs, 4, got, sizeof(got));
	EXPECT_STREQ("ok ok ok chain-order", got);
	/* a new epoch: unlinked, after every seq before it; a gap between is reported */
	chain(rs, (uint64_t[]){ 0, 1 }, 2);
	classify(&rs[2], 2);
	rs[2].epoch = 1;
	classify(&rs[3], 3);
	rs[3].epoch = 1;
	judge(&rs[2], NULL, d);
	memcpy(rs[3].prev, d, 32);
	link_all(rs, 4, got, sizeof(got));
	EXPECT_STREQ("ok ok ok ok", got);
	rs[2].seq = 5; /* seqs 2..4 are lost */
	judge(&rs[2], NULL, d);
	rs[3].seq = 6;
	memcpy(rs[3].prev, d, 32);
	link_all(rs, 4, got, sizeof(got));
	EXPECT_STREQ("ok ok chain-gap ok", got);
	rs[2].seq = 1; /* an epoch that signs a seq again */
	link_all(rs, 3, got, sizeof(got));
	EXPECT_STREQ("ok ok chain-epoch", got);
	rs[2].seq = 2;
	rs[2].epoch = 2; /* epoch 1 skipped */
	link_all(rs, 3, got, sizeof(got));
	EXPECT_STREQ("ok ok chain-epoch", got);
	rs[2].epoch = 1;
	rs[2].prev[0] = 1; /* an epoch start that links */
	link_all(rs, 3, got, sizeof(got));
	EXPECT_STREQ("ok ok chain-epoch", got);
	/* epochs never go back */
	rs[2].prev[0] = 0;
	rs[1].epoch = 0;
	rs[0].epoch = 0;
	chain(rs, (uint64_t[]){ 0 }, 1);
	classify(&rs[1], 1);
	rs[1].epoch = 1;
	classify(&rs[2], 2);
	link_all(rs, 3, got, sizeof(got));
	EXPECT_STREQ("ok ok chain-epoch", got);
}

TEST(another_node_in_the_chain)
{
	struct ogx_chain_state st = { 0 };
	struct ogx_record r;
	struct ogx_verdict v;
	uint8_t d[32];

	classify(&r, 0);
	judge(&r, NULL, d);
	ogx_verify_link(&st, &r, d, &v);
	EXPECT_EQ(OGX_VERIFIED, v.outcome);
	r.node[0] ^= 1; /* what a record of another node looks like to the link */
	ogx_verify_link(&st, &r, d, &v);
	EXPECT_EQ(OGX_FAILED, v.outcome);
	EXPECT_STREQ("node", ogx_rule_name(v.rule));
}

TEST(require_parse)
{
	uint32_t req;

	ASSERT_EQ(0, ogx_require_parse("tee", &req));
	EXPECT_EQ(OGX_REQUIRE(OGX_LEVEL_TEE), req);
	ASSERT_EQ(0, ogx_require_parse("zkml,tee", &req));
	EXPECT_EQ(OGX_REQUIRE(OGX_LEVEL_TEE) | OGX_REQUIRE(OGX_LEVEL_ZKML), req);
	EXPECT_EQ(-EINVAL, ogx_require_parse("gold", &req));
	EXPECT_EQ(-EINVAL, ogx_require_parse("tee,", &req));
	EXPECT_EQ(-EINVAL, ogx_require_parse("", &req));
}

TEST(exit_status)
{
	struct ogx_verify_tally t = { 0 };

	EXPECT_EQ(0, ogx_tally_exit(&t));
	t.unchecked = 1;
	EXPECT_EQ(3, ogx_tally_exit(&t));
	t.failed = 1;
	EXPECT_EQ(1, ogx_tally_exit(&t));
}

TEST_HARNESS_MAIN
