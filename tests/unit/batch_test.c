// SPDX-License-Identifier: GPL-2.0
/* Tests of proof/merkle (RFC 6962 trees, inclusion proofs) and chain/batch. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "kselftest_harness.h"
#include "chain/abi.h"
#include "chain/batch.h"
#include "proof/merkle.h"
#include "util/err.h"

static void h2(uint8_t out[32], uint8_t tag, const uint8_t *a, const uint8_t *b)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &tag, 1);
	crypto_hash_sha256_update(&st, a, 32);
	if (b)
		crypto_hash_sha256_update(&st, b, 32);
	crypto_hash_sha256_final(&st, out);
}

static void leaves(uint8_t (*d)[32], size_t n)
{
	for (size_t i = 0; i < n; i++)
		crypto_hash_sha256(d[i], (const uint8_t *)&i, sizeof(i));
}

TEST(merkle_small_trees_by_hand)
{
	uint8_t d[3][32], l0[32], l1[32], l2[32], n01[32], want[32], root[32];

	ASSERT_LE(0, sodium_init());
	leaves(d, 3);
	ogx_merkle_root(d, 0, root);
	crypto_hash_sha256(want, NULL, 0);
	ASSERT_EQ(0, memcmp(want, root, 32));
	h2(l0, 0, d[0], NULL);
	h2(l1, 0, d[1], NULL);
	h2(l2, 0, d[2], NULL);
	ogx_merkle_root(d, 1, root);
	ASSERT_EQ(0, memcmp(l0, root, 32));
	h2(n01, 1, l0, l1);
	ogx_merkle_root(d, 2, root);
	ASSERT_EQ(0, memcmp(n01, root, 32));
	/* Three leaves split 2 + 1: the odd leaf is promoted, not duplicated. */
	h2(want, 1, n01, l2);
	ogx_merkle_root(d, 3, root);
	ASSERT_EQ(0, memcmp(want, root, 32));
}

TEST(merkle_inclusion_proofs_all_sizes)
{
	uint8_t d[70][32], root[32], path[OGX_MERKLE_MAX_PATH][32], bad[32];
	size_t n, i, len;

	leaves(d, 70);
	for (n = 1; n <= 70; n++) {
		ogx_merkle_root(d, n, root);
		for (i = 0; i < n; i++) {
			ASSERT_EQ(0, ogx_merkle_path(d, n, i, path, &len));
			ASSERT_EQ(0, ogx_merkle_verify(d[i], i, n, path, len, root));
			/* The same proof fails for another leaf or position. */
			ASSERT_EQ(-EBADMSG, ogx_merkle_verify(d[(i + 1) % 70], i, n, path, len,
							      root));
			if (n > 1)
				ASSERT_EQ(-EBADMSG, ogx_merkle_verify(d[i], (i + 1) % n, n, path,
								      len, root));
		}
	}
	ASSERT_EQ(-EINVAL, ogx_merkle_path(d, 5, 5, path, &len));
	memset(bad, 0, 32);
	ASSERT_EQ(-EBADMSG, ogx_merkle_verify(bad, 7, 5, path, 0, root));
	ASSERT_STREQ("inclusion proof: leaf 7 of a tree of 5", ogx_errmsg(-EBADMSG));
}

FIXTURE(batch) {
	struct ogx_key op;
	struct ogx_batch b;
	const uint8_t *recs[3];
	size_t lens[3];
	uint8_t digests[3][32];
	uint8_t *enc;
	size_t len;
};

FIXTURE_SETUP(batch)
{
	static const char *const text[] = { "record zero", "record one", "record two!" };
	uint8_t seed[32] = { 7 };

	ASSERT_LE(0, sodium_init());
	self->op.sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	ASSERT_NE(NULL, self->op.sk);
	crypto_sign_seed_keypair(self->op.pk, self->op.sk, seed);
	memset(&self->b, 0, sizeof(self->b));
	self->b.version = OGX_BATCH_VERSION;
	memset(self->b.node, 0xab, 32);
	self->b.first_seq = 10;
	self->b.last_seq = 12;
	self->b.count = 3;
	for (int i = 0; i < 3; i++) {
		self->recs[i] = (const uint8_t *)text[i];
		self->lens[i] = strlen(text[i]);
		crypto_hash_sha256(self->digests[i], self->recs[i], self->lens[i]);
	}
	ogx_merkle_root(self->digests, 3, self->b.root);
	self->b.da = OGX_DA_CALLDATA;
	self->b.n_records = 3;
	self->b.records = self->recs;
	self->b.record_lens = self->lens;
	ASSERT_EQ(0, ogx_batch_sign(&self->b, &self->op, &self->enc, &self->len));
}

FIXTURE_TEARDOWN(batch)
{
	free(self->enc);
	sodium_free(self->op.sk);
}

TEST_F(batch, roundtrip_and_verify)
{
	struct ogx_batch d;

	ASSERT_EQ(0, ogx_batch_decode(self->enc, self->len, &d));
	ASSERT_EQ(10, d.first_seq);
	ASSERT_EQ(12, d.last_seq);
	ASSERT_EQ(3, d.n_records);
	ASSERT_EQ(self->lens[1], d.record_lens[1]);
	ASSERT_EQ(0, memcmp(self->recs[1], d.records[1], d.record_lens[1]));
	ASSERT_EQ(0, ogx_batch_verify_sig(&d));
	ASSERT_EQ(0, ogx_batch_check_root(&d, self->digests, 3));
	ASSERT_EQ(-EBADMSG, ogx_batch_check_root(&d, self->digests, 2));
	ASSERT_STREQ("batch: 2 records for a count of 3", ogx_errmsg(-EBADMSG));
	ogx_batch_free(&d);
}

TEST_F(batch, root_only_mode)
{
	struct ogx_batch d;
	uint8_t *enc;
	size_t len;

	self->b.da = OGX_DA_ROOT;
	self->b.n_records = 0;
	ASSERT_EQ(0, ogx_batch_sign(&self->b, &self->op, &enc, &len));
	ASSERT_LT(len, self->len);
	ASSERT_EQ(0, ogx_batch_decode(enc, len, &d));
	ASSERT_EQ(0, d.n_records);
	ASSERT_EQ(0, ogx_batch_verify_sig(&d));
	ASSERT_EQ(0, ogx_batch_check_root(&d, self->digests, 3));
	free(enc);
}

TEST_F(batch, tampering_is_detected)
{
	struct ogx_batch d;
	size_t i;

	/* A changed byte in any record's payload breaks the signature. */
	for (i = 0; i < self->len; i++) {
		uint8_t *copy = malloc(self->len);

		memcpy(copy, self->enc, self->len);
		copy[i] ^= 0x01;
		if (!ogx_batch_decode(copy, self->len, &d)) {
			ASSERT_EQ(-EBADMSG, ogx_batch_verify_sig(&d));
			ogx_batch_free(&d);
		}
		free(copy);
	}
}

TEST_F(batch, decoder_is_strict)
{
	/* version 0 in a one-byte head (0x18 0x01) instead of the shortest form. */
	static const uint8_t nonmin[] = { 0xaa, 0x00, 0x18, 0x01 };
	static const uint8_t v2[] = { 0xaa, 0x00, 0x02 };
	uint8_t *buf = malloc(self->len + 1);
	struct ogx_batch d;

	memcpy(buf, self->enc, self->len);
	buf[self->len] = 0;
	ASSERT_EQ(-EBADMSG, ogx_batch_decode(buf, self->len + 1, &d));
	ASSERT_STREQ("batch: bytes after the batch", ogx_errmsg(-EBADMSG));
	ASSERT_EQ(-EBADMSG, ogx_batch_decode(buf, self->len - 1, &d));
	ASSERT_STREQ("batch: byte string runs past the end", ogx_errmsg(-EBADMSG));
	ASSERT_EQ(-EBADMSG, ogx_batch_decode(nonmin, sizeof(nonmin), &d));
	ASSERT_STREQ("batch: integer not in shortest form", ogx_errmsg(-EBADMSG));
	ASSERT_EQ(-ENOTSUP, ogx_batch_decode(v2, sizeof(v2), &d));
	ASSERT_STREQ("batch: version 2, this reads version 1", ogx_errmsg(-ENOTSUP));
	free(buf);
}

/* submit(uint64,bytes32,uint32,bytes): layout by hand, and the decoder's strictness. */
TEST(abi_submit)
{
	static const uint8_t data[33] = { 1, 2, 3 };
	uint8_t root[32], root2[32], *enc;
	const uint8_t *d;
	uint64_t seq;
	uint32_t count;
	size_t len, dlen;

	memset(root, 0xee, 32);
	ASSERT_EQ(0, ogx_abi_submit_encode(1000, root, 50, data, sizeof(data), &enc, &len));
	ASSERT_EQ(4 + 5 * 32 + 64, len);
	ASSERT_EQ(0x03, enc[4 + 30]); /* 1000 = 0x03e8 */
	ASSERT_EQ(0xe8, enc[4 + 31]);
	ASSERT_EQ(0x80, enc[4 + 3 * 32 + 31]);
	ASSERT_EQ(33, enc[4 + 4 * 32 + 31]);
	ASSERT_EQ(0, ogx_abi_submit_decode(enc, len, &seq, root2, &count, &d, &dlen));
	ASSERT_EQ(1000, seq);
	ASSERT_EQ(50, count);
	ASSERT_EQ(33, dlen);
	ASSERT_EQ(0, memcmp(root, root2, 32));
	ASSERT_EQ(0, memcmp(data, d, 33));
	enc[len - 1] = 1;
	ASSERT_EQ(-EBADMSG, ogx_abi_submit_decode(enc, len, &seq, root2, &count, &d, &dlen));
	ASSERT_STREQ("submit(uint64,bytes32,uint32,bytes): padding is not zero",
		     ogx_errmsg(-EBADMSG));
	enc[len - 1] = 0;
	enc[4 + 2 * 32] = 1; /* count wider than uint32 */
	ASSERT_EQ(-EBADMSG, ogx_abi_submit_decode(enc, len, &seq, root2, &count, &d, &dlen));
	ASSERT_STREQ("submit(uint64,bytes32,uint32,bytes): arguments not in the canonical layout",
		     ogx_errmsg(-EBADMSG));
	enc[0] ^= 1;
	ASSERT_EQ(-EBADMSG, ogx_abi_submit_decode(enc, len, &seq, root2, &count, &d, &dlen));
	free(enc);
}

TEST_HARNESS_MAIN
