// SPDX-License-Identifier: GPL-2.0
/* Tests of runtime/util: hex, atomic file writes, digests. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

TEST_HARNESS_MAIN
