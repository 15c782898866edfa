// SPDX-License-Identifier: GPL-2.0
/* The signer: records into the spool, the chain continued across opens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "proof/job.h"
#include "proof/signer.h"
#include "proof/spool.h"
#include "proof/verify.h"
#include "util/err.h"

FIXTURE(node) {
	char dir[64], key[128], key2[128], spool[128];
};

FIXTURE_SETUP(node)
{
	struct ogx_key k;

	ASSERT_LE(0, sodium_init());
	strcpy(self->dir, "/tmp/ogx-signer-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->key, sizeof(self->key), "%s/a.key", self->dir);
	snprintf(self->key2, sizeof(self->key2), "%s/b.key", self->dir);
	snprintf(self->spool, sizeof(self->spool), "%s/spool", self->dir);
	ASSERT_EQ(0, ogx_key_generate(self->key, &k));
	ogx_key_free(&k);
	ASSERT_EQ(0, ogx_key_generate(self->key2, &k));
	ogx_key_free(&k);
}

FIXTURE_TEARDOWN(node)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	ASSERT_EQ(0, system(cmd));
}

static void job(struct ogx_record *r, uint8_t tag)
{
	uint8_t image[784];
	int32_t logits[10] = { tag };

	memset(r, 0, sizeof(*r));
	memset(image, tag, sizeof(image));
	ogx_job_record_classify(r, image, sizeof(image), logits, 10);
	ogx_device_cpu(&r->device);
}

TEST_F(node, chain_continues_across_opens)
{
	struct ogx_chain_state st = { 0 };
	struct ogx_spool_iter *it;
	struct ogx_signer p;
	struct ogx_record r;
	uint8_t id[32], last_id[32];
	const uint8_t *data;
	uint64_t index, n = 0;
	size_t len;
	int ret;

	for (int round = 0; round < 3; round++) {
		ASSERT_EQ(0, ogx_signer_open(&p, self->key, self->spool));
		ASSERT_EQ(round * 4, p.next_seq);
		for (int i = 0; i < 4; i++) {
			job(&r, (uint8_t)(round * 4 + i));
			ASSERT_EQ(0, ogx_signer_add(&p, &r, id));
			ASSERT_EQ(round * 4 + i, r.seq);
			if (round || i)
				ASSERT_EQ(0, memcmp(r.prev, last_id, 32));
			memcpy(last_id, id, 32);
		}
		ASSERT_EQ(0, ogx_signer_commit(&p));
		ASSERT_EQ(1, p.commits);
		ogx_signer_close(&p);
	}
	/* Every record verifies and links to the one before it. */
	ASSERT_EQ(0, ogx_spool_iter_open(&it, self->spool, 0, 0));
	while ((ret = ogx_spool_iter_next(it, &index, &data, &len)) == 1) {
		struct ogx_verdict v;

		ogx_record_digest(data, len, id);
		ASSERT_EQ(0, ogx_verify_record(data, len, NULL, &r, &v));
		ASSERT_EQ(OGX_VERIFIED, v.outcome) TH_LOG("%s", v.detail);
		ogx_verify_link(&st, &r, id, &v);
		ASSERT_EQ(OGX_VERIFIED, v.outcome) TH_LOG("%s", v.detail);
		ASSERT_EQ(index, r.seq);
		ogx_record_free(&r);
		n++;
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(12, n);
	ogx_spool_iter_close(it);
}

TEST_F(node, another_nodes_spool_is_refused)
{
	struct ogx_signer p;
	struct ogx_record r;
	uint8_t id[32];
	char want[256];

	ASSERT_EQ(0, ogx_signer_open(&p, self->key, self->spool));
	job(&r, 1);
	ASSERT_EQ(0, ogx_signer_add(&p, &r, id));
	ASSERT_EQ(0, ogx_signer_commit(&p));
	ogx_signer_close(&p);
	ASSERT_EQ(-EPERM, ogx_signer_open(&p, self->key2, self->spool));
	snprintf(want, sizeof(want), "spool %s holds another node's records; use a spool per key",
		 self->spool);
	ASSERT_STREQ(want, ogx_errmsg(-EPERM));
}

/* ogx_signer_sign: the chain moves on; the bytes are the caller's to append (the server). */
TEST_F(node, sign_without_append)
{
	struct ogx_signer p;
	struct ogx_record r, back;
	struct iovec iov[3];
	uint8_t id[3][32], digest[32];
	uint64_t first;

	ASSERT_EQ(0, ogx_signer_open(&p, self->key, self->spool));
	for (int i = 0; i < 3; i++) {
		uint8_t *buf;
		size_t len;

		job(&r, (uint8_t)i);
		ASSERT_EQ(0, ogx_signer_sign(&p, &r, id[i], &buf, &len));
		ASSERT_EQ((uint64_t)i, r.seq);
		struct ogx_verdict v;

		ASSERT_EQ(0, ogx_verify_record(buf, len, NULL, &back, &v));
		ASSERT_EQ(OGX_VERIFIED, v.outcome) TH_LOG("%s", v.detail);
		ASSERT_EQ(0, memcmp(back.prev, i ? id[i - 1] : (uint8_t[32]){ 0 }, 32));
		ogx_record_free(&back);
		ogx_record_digest(buf, len, digest);
		ASSERT_EQ(0, memcmp(digest, id[i], 32));
		iov[i] = (struct iovec){ buf, len };
	}
	ASSERT_EQ(0, ogx_spool_next_index(p.spool)); /* nothing written yet */
	ASSERT_EQ(0, ogx_spool_append_sync(p.spool, iov, 3, &first));
	for (int i = 0; i < 3; i++)
		free(iov[i].iov_base);
	ogx_signer_close(&p);
	/* and a reopen continues from the last of them */
	ASSERT_EQ(0, ogx_signer_open(&p, self->key, self->spool));
	ASSERT_EQ(3, p.next_seq);
	ASSERT_EQ(0, memcmp(p.prev, id[2], 32));
	ogx_signer_close(&p);
}

TEST_F(node, a_second_writer_is_refused)
{
	struct ogx_signer p, q;

	ASSERT_EQ(0, ogx_signer_open(&p, self->key, self->spool));
	ASSERT_EQ(-EBUSY, ogx_signer_open(&q, self->key, self->spool));
	ogx_signer_close(&p);
}

TEST_HARNESS_MAIN
