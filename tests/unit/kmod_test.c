// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the ogx.ko client's pure parts (no module needed): log
 * replay, and the kernel evidence of a record — form, digest, chain links,
 * presence in a log — on events made here the way the kernel makes them.
 * tests/kmod/ runs the same code against the real module under qemu.
 */
#include <endian.h>
#include <string.h>

#include "kselftest_harness.h"
#include "proof/kmod.h"
#include "proof/kmod_evidence.h"
#include "util/digest.h"
#include "util/err.h"

/* One event as ogx.ko would append it after head (updated). */
static void make_event(struct ogx_event *e, uint64_t seq, const struct ogx_record *r,
		       uint8_t head[32])
{
	uint8_t buf[64];

	memset(e, 0, sizeof(*e));
	e->seq = htole64(seq);
	e->time_ns = htole64(1700000000000000000ULL + seq);
	e->type = htole32(OGX_EVENT_JOB);
	memcpy(e->exe, r->runtime, 32);
	memcpy(e->model, r->model, 32);
	memcpy(e->input, r->input, 32);
	memcpy(e->output, r->output, 32);
	memcpy(e->params, r->params, 32);
	ogx_sha256(e->digest, e, offsetof(struct ogx_event, digest));
	memcpy(buf, head, 32);
	memcpy(buf + 32, e->digest, 32);
	ogx_sha256(head, buf, 64);
	memcpy(e->head, head, 32);
}

static void make_record(struct ogx_record *r, uint8_t fill)
{
	memset(r, 0, sizeof(*r));
	memset(r->model, fill, 32);
	memset(r->input, fill + 1, 32);
	memset(r->output, fill + 2, 32);
	memset(r->params, fill + 3, 32);
	memset(r->runtime, 0xee, 32);
}

/* The kernel map ogx_kmod_evidence_add() would write for event e. */
static void make_evidence(struct ogx_ext *m, const struct ogx_event *e, const char *label)
{
	static const uint8_t boot[16] = { 1, 2, 3 };
	uint8_t mac[32] = { 9 };

	memset(m, 0, sizeof(*m));
	ogx_cannot_fail(ogx_ext_add_bytes(m, OGX_KEV_LABEL, OGX_EXT_TEXT, label, strlen(label)));
	ogx_cannot_fail(ogx_ext_add_bytes(m, OGX_KEV_BOOT_ID, OGX_EXT_BYTES, boot, 16));
	ogx_cannot_fail(ogx_ext_add_uint(m, OGX_KEV_SEQ, le64toh(e->seq)));
	ogx_cannot_fail(ogx_ext_add_uint(m, OGX_KEV_TIME, le64toh(e->time_ns)));
	ogx_cannot_fail(ogx_ext_add_uint(m, OGX_KEV_TYPE, le32toh(e->type)));
	ogx_cannot_fail(ogx_ext_add_uint(m, OGX_KEV_FLAGS, le32toh(e->flags)));
	ogx_cannot_fail(ogx_ext_add_bytes(m, OGX_KEV_EXE, OGX_EXT_BYTES, e->exe, 32));
	ogx_cannot_fail(ogx_ext_add_bytes(m, OGX_KEV_PIPELINE, OGX_EXT_BYTES, e->pipeline, 32));
	ogx_cannot_fail(ogx_ext_add_bytes(m, OGX_KEV_DIGEST, OGX_EXT_BYTES, e->digest, 32));
	ogx_cannot_fail(ogx_ext_add_bytes(m, OGX_KEV_HEAD, OGX_EXT_BYTES, e->head, 32));
	ogx_cannot_fail(ogx_ext_add_bytes(m, OGX_KEV_MAC, OGX_EXT_BYTES, mac, 32));
	if (!strcmp(label, OGX_KEV_LABEL_TPM))
		ogx_cannot_fail(ogx_ext_add_uint(m, OGX_KEV_PCR, 23));
}

TEST(open_missing_device)
{
	struct ogx_kmod k;

	ASSERT_EQ(-ENOENT, ogx_kmod_open(&k, "/nonexistent/ogx"));
	ASSERT_NE(NULL, strstr(ogx_errmsg(-ENOENT), "not present (is ogx.ko loaded?)"));
}

TEST(replay)
{
	struct ogx_record r;
	struct ogx_event log[3];
	uint8_t head[32] = { 0 }, h[32] = { 0 };

	make_record(&r, 1);
	for (int i = 0; i < 3; i++)
		make_event(&log[i], i, &r, head);
	ASSERT_EQ(0, ogx_kmod_replay(log, 3, 0, h));
	ASSERT_EQ(0, memcmp(h, head, 32));
	memset(h, 0, 32);
	ASSERT_EQ(-EBADMSG, ogx_kmod_replay(log, 3, 1, h));
	ASSERT_NE(NULL, strstr(ogx_errmsg(-EBADMSG), "seq 0 where 1 was due"));
	memset(h, 0, 32);
	log[1].output[5] ^= 1;
	ASSERT_EQ(-EBADMSG, ogx_kmod_replay(log, 3, 0, h));
	ASSERT_NE(NULL, strstr(ogx_errmsg(-EBADMSG), "seq 1: digest mismatch"));
	log[1].output[5] ^= 1;
	memset(h, 0, 32);
	log[2].head[0] ^= 1;
	ASSERT_EQ(-EBADMSG, ogx_kmod_replay(log, 3, 0, h));
	ASSERT_NE(NULL, strstr(ogx_errmsg(-EBADMSG), "seq 2: chain head mismatch"));
}

TEST(evidence_form)
{
	struct ogx_kmod_evidence ev;
	struct ogx_record r;
	struct ogx_event e;
	uint8_t head[32] = { 0 };

	make_record(&r, 1);
	make_event(&e, 0, &r, head);
	make_evidence(&r.kernel, &e, OGX_KEV_LABEL_SW);
	ASSERT_EQ(0, ogx_kmod_evidence_check(&r, &ev));
	ASSERT_FALSE(ev.tpm);
	ASSERT_EQ(0, ev.seq);
	ASSERT_EQ(0, memcmp(ev.digest, e.digest, 32));
	ogx_record_free(&r);

	make_record(&r, 1);
	make_evidence(&r.kernel, &e, OGX_KEV_LABEL_TPM);
	ASSERT_EQ(0, ogx_kmod_evidence_check(&r, &ev));
	ASSERT_TRUE(ev.tpm);
	ASSERT_EQ(23, ev.pcr);
	ogx_record_free(&r);

	make_record(&r, 1);
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_check(&r, &ev));
	ASSERT_STREQ("no kernel evidence", ogx_errmsg(-EBADMSG));
	make_evidence(&r.kernel, &e, "tdx");
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_check(&r, &ev));
	ASSERT_STREQ("kernel evidence: unknown label 'tdx'", ogx_errmsg(-EBADMSG));
	ogx_record_free(&r);

	/* A missing key, a wrong type, a wrong size, an extra entry. */
	make_record(&r, 1);
	make_evidence(&r.kernel, &e, OGX_KEV_LABEL_SW);
	r.kernel.e[10].key = 12;
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_check(&r, &ev));
	ASSERT_STREQ("kernel evidence: no mac", ogx_errmsg(-EBADMSG));
	r.kernel.e[10].key = OGX_KEV_MAC;
	r.kernel.e[2].type = OGX_EXT_TEXT;
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_check(&r, &ev));
	ASSERT_STREQ("kernel evidence: seq has the wrong type", ogx_errmsg(-EBADMSG));
	r.kernel.e[2].type = OGX_EXT_UINT;
	r.kernel.e[9].len = 31;
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_check(&r, &ev));
	ASSERT_STREQ("kernel evidence: head is 31 bytes, want 32", ogx_errmsg(-EBADMSG));
	r.kernel.e[9].len = 32;
	r.kernel.e[5].u = 2;
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_check(&r, &ev));
	ASSERT_STREQ("kernel evidence: flags 2 out of range", ogx_errmsg(-EBADMSG));
	r.kernel.e[5].u = 0;
	ASSERT_EQ(0, ogx_ext_add_uint(&r.kernel, 12, 1));
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_check(&r, &ev));
	ASSERT_STREQ("kernel evidence: 12 entries, want 11", ogx_errmsg(-EBADMSG));
	ogx_record_free(&r);
}

/* What every answer and verifier names: the evidence, never a bare "tee". */
TEST(evidence_labels)
{
	struct ogx_info info = { .pcr = 23 };
	struct ogx_extend x = { .type = OGX_EVENT_JOB };
	struct ogx_record r;
	struct ogx_event e;
	uint8_t head[32] = { 0 };

	make_record(&r, 1);
	ASSERT_STREQ("vanilla", ogx_evidence_label(&r));
	r.level = OGX_LEVEL_ZKML;
	ASSERT_STREQ("zkml", ogx_evidence_label(&r));
	r.level = OGX_LEVEL_TEE;
	ASSERT_STREQ("tee/none", ogx_evidence_label(&r));
	make_event(&e, 0, &r, head);
	make_evidence(&r.kernel, &e, OGX_KEV_LABEL_SW);
	ASSERT_STREQ("tee/kmod-sw", ogx_evidence_label(&r));
	ogx_record_free(&r);
	make_record(&r, 1);
	r.level = OGX_LEVEL_TEE;
	make_evidence(&r.kernel, &e, OGX_KEV_LABEL_TPM);
	ASSERT_STREQ("tee/kmod-tpm", ogx_evidence_label(&r));
	ogx_record_free(&r);
	make_record(&r, 1);
	r.level = OGX_LEVEL_TEE;
	make_evidence(&r.kernel, &e, "tdx");
	ASSERT_STREQ("tee/unknown", ogx_evidence_label(&r));
	ogx_record_free(&r);

	/* A node's label is the module's INFO, and the records it fills agree. */
	ASSERT_STREQ("vanilla", ogx_evidence_label_node(OGX_LEVEL_VANILLA, NULL));
	ASSERT_STREQ("tee/kmod-sw", ogx_evidence_label_node(OGX_LEVEL_TEE, &info));
	make_record(&r, 1);
	r.level = OGX_LEVEL_TEE;
	ASSERT_EQ(0, ogx_kmod_evidence_fill(&r, &info, &x));
	ASSERT_STREQ(ogx_evidence_label_node(OGX_LEVEL_TEE, &info), ogx_evidence_label(&r));
	ogx_record_free(&r);
	info.flags = OGX_INFO_F_TPM;
	ASSERT_STREQ("tee/kmod-tpm", ogx_evidence_label_node(OGX_LEVEL_TEE, &info));
	make_record(&r, 1);
	r.level = OGX_LEVEL_TEE;
	ASSERT_EQ(0, ogx_kmod_evidence_fill(&r, &info, &x));
	ASSERT_STREQ(ogx_evidence_label_node(OGX_LEVEL_TEE, &info), ogx_evidence_label(&r));
	ogx_record_free(&r);
}

TEST(evidence_binds_record)
{
	struct ogx_kmod_evidence ev;
	struct ogx_record r;
	struct ogx_event e;
	uint8_t head[32] = { 0 };

	make_record(&r, 1);
	make_event(&e, 0, &r, head);
	make_evidence(&r.kernel, &e, OGX_KEV_LABEL_SW);
	r.output[0] ^= 1;	/* the record claims another output */
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_check(&r, &ev));
	ASSERT_STREQ("kernel evidence: digest is not the record's event", ogx_errmsg(-EBADMSG));
	r.output[0] ^= 1;
	r.runtime[0] ^= 1;	/* another executable than the kernel measured */
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_check(&r, &ev));
	ASSERT_NE(NULL, strstr(ogx_errmsg(-EBADMSG), "another executable"));
	ogx_record_free(&r);
}

TEST(evidence_chain)
{
	struct ogx_kmod_evidence ev[4];
	struct ogx_record r[4];
	struct ogx_event log[4];
	uint8_t head[32] = { 0 };

	for (int i = 0; i < 4; i++) {
		make_record(&r[i], 10 * i);
		make_event(&log[i], i, &r[i], head);
		make_evidence(&r[i].kernel, &log[i], OGX_KEV_LABEL_SW);
		ASSERT_EQ(0, ogx_kmod_evidence_check(&r[i], &ev[i]));
	}
	ASSERT_EQ(0, ogx_kmod_evidence_follows(&ev[0], &ev[1]));
	ASSERT_EQ(1, ogx_kmod_evidence_follows(&ev[1], &ev[3]));	/* a gap */
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_follows(&ev[2], &ev[1]));
	ASSERT_STREQ("kernel evidence: seq 1 after seq 2", ogx_errmsg(-EBADMSG));
	ev[2].head[3] ^= 1;
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_follows(&ev[1], &ev[2]));
	ASSERT_STREQ("kernel evidence: seq 2 does not chain to seq 1", ogx_errmsg(-EBADMSG));
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_in_log(&ev[2], log, 4));
	ASSERT_STREQ("kernel evidence: seq 2 differs from the log", ogx_errmsg(-EBADMSG));
	ev[2].head[3] ^= 1;
	ASSERT_EQ(0, ogx_kmod_evidence_in_log(&ev[2], log, 4));
	ASSERT_EQ(-EBADMSG, ogx_kmod_evidence_in_log(&ev[3], log, 3));
	ASSERT_STREQ("kernel evidence: seq 3 is not in the log", ogx_errmsg(-EBADMSG));
	ev[3].boot_id[0] ^= 1;	/* a new boot: a new chain */
	ASSERT_EQ(1, ogx_kmod_evidence_follows(&ev[2], &ev[3]));
	for (int i = 0; i < 4; i++)
		ogx_record_free(&r[i]);
}

TEST_HARNESS_MAIN
