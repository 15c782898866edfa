// SPDX-License-Identifier: GPL-2.0
/*
 * Proof record v2: golden vectors, round trips, and every way a record can be
 * malformed (the schema rule; the other rules are verify_test.c's). The golden files in tests/vectors/ are also checked by an
 * independent implementation (python3-cbor2 + python3-nacl) in
 * tests/e2e/record-independent.t. OGX_UPDATE_VECTORS=1 rewrites them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "proof/record.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

static void fill(uint8_t *p, size_t n, uint8_t start)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

static void test_key(struct ogx_key *key)
{
	uint8_t seed[32];

	fill(seed, 32, 0x01);
	if (sodium_init() < 0 || ogx_key_from_seed(key, seed))
		abort();
}

/* The fields of the golden VANILLA record. */
static void vanilla(struct ogx_record *r)
{
	memset(r, 0, sizeof(*r));
	r->version = OGX_RECORD_VERSION;
	r->level = OGX_LEVEL_VANILLA;
	r->seq = 41;
	fill(r->prev, 32, 0x10);
	fill(r->model, 32, 0x30);
	fill(r->input, 32, 0x50);
	fill(r->output, 32, 0x70);
	fill(r->params, 32, 0x90);
	r->time_ns = 1795000000123456789ull;
	r->infer_ns = 123456;
	r->job_ns = 234567;
	strcpy(r->device.kind, "cpu");
	strcpy(r->device.name, "x86_64 avx2 fma");
	fill(r->runtime, 32, 0xb0);
	r->epoch = 0;
	strcpy(r->job, "ogx-params-v1\ntask=classify\n");
	ogx_sha256(r->params, r->job, strlen(r->job));
}

/* A TEE-shaped record: device ids, driver, and kernel evidence. */
static void tee(struct ogx_record *r)
{
	uint8_t head[32];

	vanilla(r);
	r->level = OGX_LEVEL_TEE;
	r->seq = 0x1234567;
	r->epoch = 2;
	strcpy(r->job, "ogx-generate-v1 temperature=0 top_p=1 seed=0 max_tokens=16 tokenizer="
	       "0101010101010101010101010101010101010101010101010101010101010101");
	ogx_sha256(r->params, r->job, strlen(r->job));
	strcpy(r->device.kind, "vulkan");
	strcpy(r->device.name, "llvmpipe (LLVM 15.0.6, 256 bits)");
	r->device.has_ids = true;
	r->device.vendor_id = 0x10005;
	r->device.device_id = 0;
	strcpy(r->device.driver, "llvmpipe Mesa 22.3.6");
	fill(head, 32, 0xd0);
	if (ogx_ext_add_uint(&r->kernel, 0, 7) ||
	    ogx_ext_add_bytes(&r->kernel, 1, OGX_EXT_BYTES, head, 32) ||
	    ogx_ext_add_bytes(&r->kernel, 6, OGX_EXT_TEXT, "kmod-sw", 7))
		abort();
}

static void check_golden(struct __test_metadata *_metadata, const char *name,
			 const uint8_t *buf, size_t len)
{
	char path[512];
	uint8_t *want;
	size_t wlen;

	snprintf(path, sizeof(path), "%s/tests/vectors/%s", getenv("OGX_SRC") ?: ".", name);
	if (getenv("OGX_UPDATE_VECTORS"))
		ASSERT_EQ(0, ogx_write_file_atomic(path, buf, len, 0644, 0));
	ASSERT_EQ(0, ogx_read_file(path, 1 << 20, &want, &wlen)) TH_LOG("%s", path);
	ASSERT_EQ(wlen, len);
	ASSERT_EQ(0, memcmp(want, buf, len));
	free(want);
}

TEST(golden_vanilla)
{
	struct ogx_key key;
	struct ogx_record r, back;
	uint8_t *buf, digest[32];
	char hex[65];
	size_t len;

	test_key(&key);
	vanilla(&r);
	ASSERT_EQ(0, ogx_record_sign(&r, &key, &buf, &len));
	check_golden(_metadata, "record-v2-vanilla.cbor", buf, len);
	ASSERT_EQ(0, ogx_record_decode(buf, len, &back));
	ASSERT_EQ(0, ogx_record_verify(&back));
	ASSERT_EQ(41, back.seq);
	ASSERT_EQ(0, memcmp(back.node, key.pk, 32));
	ASSERT_STREQ("x86_64 avx2 fma", back.device.name);
	ASSERT_FALSE(back.device.has_ids);
	ASSERT_FALSE(back.kernel.present);
	ogx_record_digest(buf, len, digest);
	ogx_hex(hex, digest, 32);
	TH_LOG("vanilla record %zu bytes, id %s", len, hex);
	free(buf);
	ogx_key_free(&key);
}

TEST(golden_tee)
{
	struct ogx_key key;
	struct ogx_record r, back;
	uint8_t *buf, *again;
	size_t len, alen;

	test_key(&key);
	tee(&r);
	ASSERT_EQ(0, ogx_record_sign(&r, &key, &buf, &len));
	check_golden(_metadata, "record-v2-tee.cbor", buf, len);
	ASSERT_EQ(0, ogx_record_decode(buf, len, &back));
	ASSERT_EQ(0, ogx_record_verify(&back));
	ASSERT_TRUE(back.device.has_ids);
	ASSERT_EQ(0x10005, back.device.vendor_id);
	ASSERT_EQ(3, back.kernel.n);
	ASSERT_EQ(OGX_EXT_TEXT, back.kernel.e[2].type);
	ASSERT_EQ(0, memcmp("kmod-sw", back.kernel.e[2].data, 7));
	ASSERT_EQ(0, ogx_record_encode(&back, true, &again, &alen));
	ASSERT_EQ(len, alen);
	ASSERT_EQ(0, memcmp(buf, again, len));
	free(again);
	free(buf);
	ogx_record_free(&r);
	ogx_record_free(&back);
	ogx_key_free(&key);
}

/* Any single flipped byte: the decoder refuses it or the signature fails. */
TEST(every_flipped_byte_is_rejected)
{
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	struct ogx_key key;
	struct ogx_record r, back;
	uint8_t *buf;
	size_t len;

	test_key(&key);
	tee(&r);
	ASSERT_EQ(0, ogx_record_sign(&r, &key, &buf, &len));
	for (size_t i = 0; i < len; i++) {
		for (size_t m = 0; m < sizeof(masks); m++) {
			int err;

			buf[i] ^= masks[m];
			err = ogx_record_decode(buf, len, &back);
			if (!err) {
				err = ogx_record_verify(&back);
				ogx_record_free(&back);
			}
			EXPECT_EQ(-EBADMSG, err) TH_LOG("byte %zu mask %02x accepted", i, masks[m]);
			buf[i] ^= masks[m];
		}
	}
	free(buf);
	ogx_record_free(&r);
	ogx_key_free(&key);
}

TEST(wrong_key_fails_verification)
{
	struct ogx_key key;
	struct ogx_record r, back;
	uint8_t *buf;
	size_t len;

	test_key(&key);
	vanilla(&r);
	ASSERT_EQ(0, ogx_record_sign(&r, &key, &buf, &len));
	ASSERT_EQ(0, ogx_record_decode(buf, len, &back));
	back.node[0] ^= 1;
	ASSERT_EQ(-EBADMSG, ogx_record_verify(&back));
	ASSERT_STREQ("signature does not verify", ogx_errmsg(-EBADMSG));
	free(buf);
	ogx_key_free(&key);
}

/* A record with one field's bytes replaced: decode must fail with msg. */
static void expect_bad(struct __test_metadata *_metadata, const uint8_t *buf, size_t len,
		       const char *msg)
{
	struct ogx_record back;

	ogx_clearerr();
	ASSERT_EQ(-EBADMSG, ogx_record_decode(buf, len, &back));
	ASSERT_STREQ(msg, ogx_errmsg(-EBADMSG));
}

static size_t signed_vanilla(uint8_t *out)
{
	struct ogx_key key;
	struct ogx_record r;
	uint8_t *buf;
	size_t len;

	test_key(&key);
	vanilla(&r);
	if (ogx_record_sign(&r, &key, &buf, &len))
		abort();
	memcpy(out, buf, len);
	free(buf);
	ogx_key_free(&key);
	return len;
}

TEST(malformed_records)
{
	uint8_t buf[1024], b2[1100];
	size_t len = signed_vanilla(buf);

	expect_bad(_metadata, buf, 0, "truncated in record");
	expect_bad(_metadata, buf, len - 1, "truncated in signature");
	expect_bad(_metadata, buf, 20, "truncated in node");
	memcpy(b2, buf, len);
	b2[len] = 0x00;
	expect_bad(_metadata, b2, len + 1, "record: 1 bytes after the end");
	/* Not a map at all. */
	expect_bad(_metadata, (const uint8_t *)"\x83\x01\x02\x03", 4, "record: want a map");
	/* Indefinite-length map. */
	expect_bad(_metadata, (const uint8_t *)"\xbf\x00\x01\xff", 4,
		   "record: unexpected CBOR item (indefinite length, tag, float or simple value)");
	/* A tag in front. */
	expect_bad(_metadata, (const uint8_t *)"\xd8\x18\xa0", 3,
		   "record: unexpected CBOR item (indefinite length, tag, float or simple value)");
	/* Reserved additional info 28: not well-formed. */
	expect_bad(_metadata, (const uint8_t *)"\x1c", 1, "malformed CBOR in record");
	/* An absurd entry count is refused before anything is read. */
	expect_bad(_metadata, (const uint8_t *)"\xbb\x00\x00\x00\x01\x00\x00\x00\x00", 9,
		   "record: 4294967296 entries, at most 20");
	/* Version 1 (the format before epoch and job): byte 2 is the version value. */
	memcpy(b2, buf, len);
	ASSERT_EQ(0x02, b2[2]);
	b2[2] = 0x01;
	expect_bad(_metadata, b2, len, "version 1 not supported (want 2)");
	/* Level 3. */
	memcpy(b2, buf, len);
	ASSERT_EQ(0x01, b2[3]);
	b2[4] = 0x03;
	expect_bad(_metadata, b2, len, "level 3 unknown");
	/* Keys out of order: swap key 0 for key 1. */
	memcpy(b2, buf, len);
	b2[1] = 0x01;
	expect_bad(_metadata, b2, len, "record: key 1 out of order or repeated");
	/* node as a 31-byte string. */
	memcpy(b2, buf, len);
	ASSERT_EQ(0x02, b2[5]);
	ASSERT_EQ(0x58, b2[6]);
	b2[7] = 31;
	expect_bad(_metadata, b2, len, "node: want a 32-byte string");
	/* Non-shortest integer: seq 41 as 0x19 0x00 0x29 instead of 0x18 0x29. */
	{
		size_t seq_at = 1 + 2 + 2 + 1 + 2 + 32; /* head, version, level, node */
		size_t n = 0;

		ASSERT_EQ(0x03, buf[seq_at]);
		ASSERT_EQ(0x18, buf[seq_at + 1]);
		memcpy(b2, buf, seq_at + 1);
		n = seq_at + 1;
		b2[n++] = 0x19;
		b2[n++] = 0x00;
		b2[n++] = 0x29;
		memcpy(b2 + n, buf + seq_at + 3, len - seq_at - 3);
		n += len - seq_at - 3;
		expect_bad(_metadata, b2, n,
			   "record: not in deterministic CBOR encoding (RFC 8949 4.2.1)");
	}
	/* Missing the signature: drop the last entry and fix the count. */
	memcpy(b2, buf, len);
	b2[0] -= 1;
	expect_bad(_metadata, b2, len - 67, "record: missing key 20 (signature)");
	/* Unknown key 19 in place of the signature key. */
	memcpy(b2, buf, len);
	ASSERT_EQ(0x14, b2[len - 67]);
	b2[len - 67] = 0x13;
	expect_bad(_metadata, b2, len, "record: unknown key 19");
	/* Oversized input. */
	{
		uint8_t *big = calloc(1, OGX_RECORD_MAX + 1);

		ASSERT_NE(NULL, big);
		expect_bad(_metadata, big, OGX_RECORD_MAX + 1, "record of 65537 bytes exceeds 65536");
		free(big);
	}
}

/* CBOR text strings are UTF-8: a record is never written, nor read, otherwise. */
TEST(text_must_be_utf8)
{
	static const char *bad[] = { "\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
				     "caf\xc3" };
	struct ogx_key key;
	struct ogx_record r;
	uint8_t *buf, b2[1024];
	uint8_t *at;
	size_t len;

	test_key(&key);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vanilla(&r);
		snprintf(r.device.name, sizeof(r.device.name), "cpu %s", bad[i]);
		ogx_clearerr();
		ASSERT_EQ(-EINVAL, ogx_record_sign(&r, &key, &buf, &len));
		ASSERT_STREQ("device name: not valid UTF-8", ogx_errmsg(-EINVAL));
	}
	vanilla(&r);
	strcpy(r.device.name, "Intel\xc2\xae Xeon\xc2\xae \xe2\x80\x94 \xf0\x9f\x96\xa5");
	ASSERT_EQ(0, ogx_record_sign(&r, &key, &buf, &len));
	free(buf);
	vanilla(&r);
	/* Read: a valid record whose name then gets a 0xff byte. */
	ASSERT_EQ(0, ogx_record_sign(&r, &key, &buf, &len));
	memcpy(b2, buf, len);
	at = memmem(b2, len, "avx2", 4);
	ASSERT_NE(NULL, at);
	at[0] = 0xff;
	expect_bad(_metadata, b2, len, "device name: not valid UTF-8");
	free(buf);
	/* A text evidence entry and the job text too. */
	vanilla(&r);
	ASSERT_EQ(0, ogx_ext_add_bytes(&r.payment, 1, OGX_EXT_TEXT, "ex\xff" "ct", 5));
	ASSERT_EQ(-EINVAL, ogx_record_sign(&r, &key, &buf, &len));
	ASSERT_STREQ("payment: key 1: not valid UTF-8", ogx_errmsg(-EINVAL));
	ogx_record_free(&r);
	vanilla(&r);
	r.job[3] = (char)0xff;
	ASSERT_EQ(-EINVAL, ogx_record_sign(&r, &key, &buf, &len));
	ASSERT_STREQ("job: not valid UTF-8", ogx_errmsg(-EINVAL));
	vanilla(&r);
	r.job[0] = '\0';
	ASSERT_EQ(-EINVAL, ogx_record_sign(&r, &key, &buf, &len));
	ASSERT_STREQ("job: empty (every record names its job: proof/job.h)", ogx_errmsg(-EINVAL));
	ogx_key_free(&key);
}

/* v2's keys 17 (epoch) and 18 (job) are required. */
TEST(epoch_and_job_are_required)
{
	uint8_t buf[1024], b2[1024];
	size_t len = signed_vanilla(buf), job_at, job_len;
	uint8_t *at;

	/* key 17 (0x11), epoch 0 (0x00), then key 18 (0x12) and the job text */
	at = memmem(buf, len, "\x11\x00\x12", 3);
	ASSERT_NE(NULL, at);
	job_at = (size_t)(at - buf) + 2;
	job_len = len - 67 - job_at; /* up to the signature's key */
	/* Drop the job: the count goes down by one. */
	memcpy(b2, buf, job_at);
	memcpy(b2 + job_at, buf + job_at + job_len, len - job_at - job_len);
	b2[0] -= 1;
	expect_bad(_metadata, b2, len - job_len, "record: missing key 18 (job)");
	/* Drop the epoch. */
	memcpy(b2, buf, job_at - 2);
	memcpy(b2 + job_at - 2, buf + job_at, len - job_at);
	b2[0] -= 1;
	expect_bad(_metadata, b2, len - 2, "record: missing key 17 (epoch)");
}

TEST(levels)
{
	uint32_t l;

	ASSERT_EQ(0, ogx_level_parse("TEE", &l));
	ASSERT_EQ(OGX_LEVEL_TEE, l);
	ASSERT_EQ(0, ogx_level_parse("vanilla", &l));
	ASSERT_EQ(OGX_LEVEL_VANILLA, l);
	ASSERT_EQ(-EINVAL, ogx_level_parse("gold", &l));
	ASSERT_STREQ("unknown level 'gold' (want vanilla, zkml or tee)", ogx_errmsg(-EINVAL));
	ASSERT_STREQ("zkml", ogx_level_name(OGX_LEVEL_ZKML));
}

TEST_HARNESS_MAIN
