// SPDX-License-Identifier: GPL-2.0
/* Tests of runtime/model/idx: the MNIST file format, plain and gzip'd, and its bad inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "kselftest_harness.h"
#include "model/idx.h"
#include "util/err.h"
#include "util/file.h"

/* An idx3 file of 2 images of 2 x 3 pixels, values 0..11. */
static size_t make_images(uint8_t *buf)
{
	static const uint8_t hdr[] = { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3 };

	memcpy(buf, hdr, sizeof(hdr));
	for (int i = 0; i < 12; i++)
		buf[sizeof(hdr) + i] = (uint8_t)i;
	return sizeof(hdr) + 12;
}

/* gzip (RFC 1952) of in, as the data sets ship their files. */
static size_t gzip(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	z_stream zs = { 0 };
	size_t n;

	if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	n = deflate(&zs, Z_FINISH) == Z_STREAM_END ? zs.total_out : 0;
	deflateEnd(&zs);
	return n;
}

/* ogx_idx_parse() must fail with err and exactly msg. */
static int parse_fails(const uint8_t *buf, size_t len, unsigned int ndim, int err,
		       const char *msg)
{
	struct ogx_idx idx;
	int r = ogx_idx_parse(buf, len, ndim, &idx);

	if (r != err || strcmp(ogx_errmsg(r), msg)) {
		fprintf(stderr, "# got %d '%s', want %d '%s'\n", r, ogx_errmsg(r), err, msg);
		return 0;
	}
	return idx.data == NULL;
}

TEST(parse_plain_and_gzip)
{
	uint8_t raw[64], gz[256];
	size_t len = make_images(raw), glen = gzip(raw, len, gz, sizeof(gz));
	struct ogx_idx a, b;

	ASSERT_NE(0, glen);
	ASSERT_EQ(0, ogx_idx_parse(raw, len, 3, &a));
	ASSERT_EQ(0, ogx_idx_parse(gz, glen, 3, &b));
	EXPECT_EQ(2, a.count);
	EXPECT_EQ(6, a.item_size);
	EXPECT_EQ(3, a.dims[2]);
	EXPECT_EQ(11, a.data[11]);
	EXPECT_EQ(a.count, b.count);
	EXPECT_EQ(0, memcmp(a.data, b.data, 12));
	ogx_idx_free(&a);
	ogx_idx_free(&b);
}

TEST(malformed_headers)
{
	uint8_t buf[64];
	size_t len;

	len = make_images(buf);
	EXPECT_TRUE(parse_fails(buf, 3, 3, -EINVAL, "not an IDX file (3 bytes, header needs 4)"));
	buf[0] = 1;
	EXPECT_TRUE(parse_fails(buf, len, 3, -EINVAL, "not an IDX file (bad magic 0100)"));
	buf[0] = 0;
	buf[2] = 0x0d;	/* float elements */
	EXPECT_TRUE(parse_fails(buf, len, 3, -EINVAL,
				"IDX element type 0x0d unsupported (want 0x08, uint8)"));
	buf[2] = 8;
	EXPECT_TRUE(parse_fails(buf, len, 1, -EINVAL, "IDX has 3 dimensions, want 1"));
	EXPECT_TRUE(parse_fails(buf, 8, 3, -EINVAL, "IDX header truncated (8 bytes, want 16)"));
	buf[11] = 0;	/* rows = 0 */
	EXPECT_TRUE(parse_fails(buf, len, 3, -EINVAL, "IDX dimension 1 is zero"));
	buf[11] = 2;
	EXPECT_TRUE(parse_fails(buf, 2, 2, -EINVAL, "IDX with 2 dimensions not supported"));
}

TEST(malformed_sizes)
{
	uint8_t buf[64];
	size_t len = make_images(buf);

	EXPECT_TRUE(parse_fails(buf, len - 1, 3, -EINVAL, "IDX data is 11 bytes, dimensions say 12"));
	EXPECT_TRUE(parse_fails(buf, len + 1, 3, -EINVAL, "IDX data is 13 bytes, dimensions say 12"));
	/* 100000 images of 100 x 100: a 1 GB claim in a 28-byte file. */
	memcpy(buf + 4, "\x00\x01\x86\xa0\x00\x00\x00\x64\x00\x00\x00\x64", 12);
	EXPECT_TRUE(parse_fails(buf, len, 3, -EINVAL,
				"IDX dimensions absurd (over 536870912 bytes of data)"));
	memset(buf + 4, 0xff, 12);
	/* 2^32-1 cubed overflows 64 bits. */
	EXPECT_TRUE(parse_fails(buf, len, 3, -EINVAL,
				"IDX dimensions absurd (over 536870912 bytes of data)"));
}

TEST(malformed_gzip)
{
	uint8_t raw[64], gz[256], bad[256];
	size_t len = make_images(raw), glen = gzip(raw, len, gz, sizeof(gz));
	struct ogx_idx idx;
	int err;

	ASSERT_NE(0, glen);
	EXPECT_TRUE(parse_fails(gz, glen - 10, 3, -EINVAL, "gzip stream truncated"));
	memcpy(bad, gz, glen);
	memcpy(bad + glen, "xyz", 3);
	EXPECT_TRUE(parse_fails(bad, glen + 3, 3, -EINVAL,
				"3 trailing bytes after the gzip stream"));
	/* A wrong CRC-32 in the trailer. */
	memcpy(bad, gz, glen);
	bad[glen - 8] ^= 1;
	EXPECT_TRUE(parse_fails(bad, glen, 3, -EINVAL,
				"gzip stream corrupt (incorrect data check)"));
	/* A corrupt deflate stream: the exact words are zlib's. */
	memcpy(bad, gz, glen);
	bad[10] = 0xff;
	err = ogx_idx_parse(bad, glen, 3, &idx);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_EQ(0, strncmp(ogx_errmsg(err), "gzip stream corrupt (", 21));
	/* Well-formed gzip around a bad IDX header. */
	raw[2] = 9;
	glen = gzip(raw, len, gz, sizeof(gz));
	EXPECT_TRUE(parse_fails(gz, glen, 3, -EINVAL,
				"IDX element type 0x09 unsupported (want 0x08, uint8)"));
}

FIXTURE(files) {
	char dir[64], images[128], labels[128];
};

FIXTURE_SETUP(files)
{
	uint8_t buf[64];
	size_t len = make_images(buf);
	static const uint8_t labels[] = { 0, 0, 8, 1, 0, 0, 0, 2, 3, 9 };

	strcpy(self->dir, "/tmp/ogx-idx-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->images, sizeof(self->images), "%s/images", self->dir);
	snprintf(self->labels, sizeof(self->labels), "%s/labels", self->dir);
	ASSERT_EQ(0, ogx_write_file_atomic(self->images, buf, len, 0644, 0));
	ASSERT_EQ(0, ogx_write_file_atomic(self->labels, labels, sizeof(labels), 0644, 0));
}

FIXTURE_TEARDOWN(files)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	ASSERT_EQ(0, system(cmd));
}

TEST_F(files, load_set)
{
	struct ogx_idx im, lb;

	ASSERT_EQ(0, ogx_idx_load_set(self->images, self->labels, 10, &im, &lb));
	EXPECT_EQ(2, im.count);
	EXPECT_EQ(9, lb.data[1]);
	ogx_idx_free(&im);
	ogx_idx_free(&lb);
}

TEST_F(files, load_set_errors)
{
	static const uint8_t three[] = { 0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3 };
	char want[400], missing[160];
	struct ogx_idx im, lb;
	int err;

	err = ogx_idx_load_set(self->images, self->labels, 9, &im, &lb);
	snprintf(want, sizeof(want), "%s: label 9 of item 1 is not below 9", self->labels);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ(want, ogx_errmsg(err));
	EXPECT_EQ(NULL, im.data);

	err = ogx_idx_load_set(self->labels, self->labels, 10, &im, &lb);
	snprintf(want, sizeof(want), "%s: IDX has 1 dimensions, want 3", self->labels);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ(want, ogx_errmsg(err));

	snprintf(missing, sizeof(missing), "%s/nothing", self->dir);
	err = ogx_idx_load_set(self->images, missing, 10, &im, &lb);
	snprintf(want, sizeof(want), "%s: No such file or directory", missing);
	EXPECT_EQ(-ENOENT, err);
	EXPECT_STREQ(want, ogx_errmsg(err));

	ASSERT_EQ(0, ogx_write_file_atomic(self->labels, three, sizeof(three), 0644, 0));
	err = ogx_idx_load_set(self->images, self->labels, 10, &im, &lb);
	snprintf(want, sizeof(want), "%s has 2 images but %s has 3 labels", self->images,
		 self->labels);
	EXPECT_EQ(-EINVAL, err);
	EXPECT_STREQ(want, ogx_errmsg(err));
}

TEST_HARNESS_MAIN
