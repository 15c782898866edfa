// SPDX-License-Identifier: GPL-2.0
/* The signer (records into the spool, chain continued across opens) and the chain checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
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
	memset(r, 0, sizeof(*r));
	memset(r->input, tag, sizeof(r->input));
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
		ogx_record_digest(data, len, id);
		ASSERT_EQ(0, ogx_verify_record(data, len, &r));
		ASSERT_EQ(0, ogx_verify_link(&st, &r, id));
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
		ASSERT_EQ(0, ogx_verify_record(buf, len, &back));
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

/* Records built by hand to exercise each chain failure. */
static void rec(struct ogx_record *r, uint64_t seq, const uint8_t *prev, uint8_t node)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	if (prev)
		memcpy(r->prev, prev, 32);
	memset(r->node, node, 32);
}

TEST(link_failures)
{
	struct ogx_chain_state st = { 0 };
	struct ogx_record r;
	uint8_t d0[32], d1[32], bogus[32];

	memset(d0, 0xa0, 32);
	memset(d1, 0xa1, 32);
	memset(bogus, 0xee, 32);
	rec(&r, 0, bogus, 1);
	ASSERT_EQ(-EBADMSG, ogx_verify_link(&st, &r, d0));
	ASSERT_STREQ("chain break at seq 0: prev is not zero", ogx_errmsg(-EBADMSG));
	rec(&r, 0, NULL, 1);
	ASSERT_EQ(0, ogx_verify_link(&st, &r, d0));
	rec(&r, 1, d0, 1);
	ASSERT_EQ(0, ogx_verify_link(&st, &r, d1));
	rec(&r, 1, d0, 1);
	ASSERT_EQ(-EBADMSG, ogx_verify_link(&st, &r, d1));
	ASSERT_STREQ("duplicate or reordered seq 1 after 1", ogx_errmsg(-EBADMSG));
	rec(&r, 3, d1, 1);
	ASSERT_EQ(-EBADMSG, ogx_verify_link(&st, &r, d1));
	ASSERT_STREQ("gap: seq 3 follows 1 (records 2..2 missing)", ogx_errmsg(-EBADMSG));
	rec(&r, 2, bogus, 1);
	ASSERT_EQ(-EBADMSG, ogx_verify_link(&st, &r, d1));
	ASSERT_STREQ("chain break at seq 2: prev eeeeeeeeeeeeeeee... is not the digest of seq 1 "
		     "(a1a1a1a1a1a1a1a1...)", ogx_errmsg(-EBADMSG));
	rec(&r, 2, d1, 2);
	ASSERT_EQ(-EBADMSG, ogx_verify_link(&st, &r, d1));
	ASSERT_STREQ("seq 2: node key 0202020202020202... differs from the records before it",
		     ogx_errmsg(-EBADMSG));
	/* A window that starts later is accepted as such. */
	memset(&st, 0, sizeof(st));
	rec(&r, 7, bogus, 1);
	ASSERT_EQ(0, ogx_verify_link(&st, &r, d0));
}

TEST_HARNESS_MAIN
