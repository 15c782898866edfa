// SPDX-License-Identifier: GPL-2.0
/* Tests of runtime/util: hex, atomic file writes, digests. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "kselftest_harness.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

TEST(hex_roundtrip)
{
	uint8_t in[4] = { 0x00, 0xab, 0x7f, 0xff }, out[4];
	char s[9];

	ogx_hex(s, in, 4);
	ASSERT_STREQ("00ab7fff", s);
	ASSERT_EQ(0, ogx_unhex(out, 4, "00AB7fff"));
	ASSERT_EQ(0, memcmp(in, out, 4));
	ASSERT_EQ(-EINVAL, ogx_unhex(out, 4, "00ab7ff"));
	ASSERT_EQ(-EINVAL, ogx_unhex(out, 4, "00ab7fgf"));
}

TEST(sha256_known_answer)
{
	uint8_t d[32];
	char s[65];

	ogx_sha256(d, "abc", 3);
	ogx_hex(s, d, 32);
	ASSERT_STREQ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", s);
	ogx_sha256(d, NULL, 0);
	ogx_hex(s, d, 32);
	ASSERT_STREQ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", s);
	/* FIPS 180-2's two-block message */
	ogx_sha256(d, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	ogx_hex(s, d, 32);
	ASSERT_STREQ("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", s);
}

/*
 * nettle (the implementation, with SHA-NI or assembly picked at run time)
 * against libsodium's portable C as an independent reference: every length
 * around the block and padding boundaries, one-shot and streamed in pieces.
 */
TEST(sha256_matches_reference)
{
	static uint8_t msg[1000];
	uint8_t want[32], got[32];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 131 + 7);
	for (size_t len = 0; len <= sizeof(msg); len += len < 200 ? 1 : 37) {
		crypto_hash_sha256(want, msg, len);
		ogx_sha256(got, msg, len);
		ASSERT_EQ(0, memcmp(want, got, 32)) TH_LOG("one-shot, %zu bytes", len);
		for (size_t cut = 1; cut < 70 && cut < len; cut += 9) {
			struct ogx_sha256_ctx c;

			ogx_sha256_init(&c);
			for (size_t o = 0; o < len; o += cut)
				ogx_sha256_update(&c, msg + o, len - o < cut ? len - o : cut);
			ogx_sha256_final(&c, got);
			ASSERT_EQ(0, memcmp(want, got, 32)) TH_LOG("%zu bytes in %zu-byte pieces", len, cut);
		}
	}
}

FIXTURE(tmpdir) {
	char dir[64];
};

FIXTURE_SETUP(tmpdir)
{
	strcpy(self->dir, "/tmp/ogx-util-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
}

FIXTURE_TEARDOWN(tmpdir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	ASSERT_EQ(0, system(cmd));
}

TEST_F(tmpdir, atomic_write_excl_refuses_overwrite)
{
	char p[128];
	uint8_t *data;
	size_t len;
	struct stat st;

	snprintf(p, sizeof(p), "%s/f", self->dir);
	ASSERT_EQ(0, ogx_write_file_atomic(p, "one", 3, 0600, 1));
	ASSERT_EQ(-EEXIST, ogx_write_file_atomic(p, "two", 3, 0600, 1));
	ASSERT_EQ(0, ogx_read_file(p, 100, &data, &len));
	ASSERT_EQ(3, len);
	ASSERT_EQ(0, memcmp(data, "one", 3));
	free(data);
	ASSERT_EQ(0, stat(p, &st));
	ASSERT_EQ(0600, st.st_mode & 0777);
	ASSERT_EQ(0, ogx_write_file_atomic(p, "three", 5, 0644, 0));
	ASSERT_EQ(-EFBIG, ogx_read_file(p, 4, &data, &len));
	ASSERT_STREQ("larger than 4 bytes", ogx_errmsg(-EFBIG));
}

/* Inputs sized before they are read: /dev/zero would be read up to max. */
TEST_F(tmpdir, read_regular_file_only)
{
	char p[128];
	uint8_t *data;
	size_t len;

	ASSERT_EQ(-EINVAL, ogx_read_regular_file("/dev/zero", 1 << 30, &data, &len));
	ASSERT_STREQ("not a regular file (a character device)", ogx_errmsg(-EINVAL));
	ASSERT_EQ(-EINVAL, ogx_read_regular_file(self->dir, 100, &data, &len));
	ASSERT_STREQ("not a regular file (a directory)", ogx_errmsg(-EINVAL));
	snprintf(p, sizeof(p), "%s/fifo", self->dir);
	ASSERT_EQ(0, mkfifo(p, 0600));
	/* no writer: refused, not waited for */
	ASSERT_EQ(-EINVAL, ogx_read_regular_file(p, 100, &data, &len));
	ASSERT_STREQ("not a regular file (a pipe)", ogx_errmsg(-EINVAL));
	snprintf(p, sizeof(p), "%s/f", self->dir);
	ASSERT_EQ(0, ogx_write_file_atomic(p, "three", 5, 0644, 0));
	ASSERT_EQ(-EFBIG, ogx_read_regular_file(p, 4, &data, &len));
	ASSERT_STREQ("larger than 4 bytes", ogx_errmsg(-EFBIG));
	ASSERT_EQ(0, ogx_read_regular_file(p, 5, &data, &len));
	ASSERT_EQ(5, len);
	ASSERT_EQ(0, memcmp(data, "three", 5));
	free(data);
	snprintf(p, sizeof(p), "%s/none", self->dir);
	ASSERT_EQ(-ENOENT, ogx_read_regular_file(p, 5, &data, &len));
}

TEST_F(tmpdir, mkdirs_nested)
{
	char p[128];
	struct stat st;

	snprintf(p, sizeof(p), "%s/a/b/c", self->dir);
	ASSERT_EQ(0, ogx_mkdirs(p, 0700));
	ASSERT_EQ(0, stat(p, &st));
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_EQ(0, ogx_mkdirs(p, 0700));
}

TEST_F(tmpdir, mkdirs_parent)
{
	char p[PATH_MAX], d[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/x/y/node.key", self->dir);
	snprintf(d, sizeof(d), "%s/x/y", self->dir);
	ASSERT_EQ(0, ogx_mkdirs_parent(p, 0700));
	ASSERT_EQ(0, stat(d, &st));
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_EQ(0700, st.st_mode & 0777);
	ASSERT_EQ(-1, stat(p, &st)); /* the file itself is not made */
	ASSERT_EQ(0, ogx_mkdirs_parent("node.key", 0700)); /* "." */
}

TEST_HARNESS_MAIN
