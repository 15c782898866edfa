// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of runtime/model/gguf*: the real mnist-fc model, a write/read round
 * trip of every metadata and tensor type, f16 and (de)quantization against
 * known values, and one malformed file per error the reader can report, each
 * built byte by byte here and checked for its exact errno and message.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "model/gguf.h"
#include "model/gguf_write.h"
#include "util/err.h"
#include "util/file.h"

/* ---- a byte builder for hand-made (mostly broken) files ---- */

struct bb {
	uint8_t d[8192];
	size_t n;
};

static void b_raw(struct bb *b, const void *p, size_t n)
{
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void b_u32(struct bb *b, uint32_t v)
{
	b_raw(b, &v, 4);
}

static void b_u64(struct bb *b, uint64_t v)
{
	b_raw(b, &v, 8);
}

static void b_str(struct bb *b, const char *s)
{
	b_u64(b, strlen(s));
	b_raw(b, s, strlen(s));
}

static void b_hdr(struct bb *b, uint32_t version, uint64_t n_tensors, uint64_t n_kv)
{
	b->n = 0;
	b_raw(b, "GGUF", 4);
	b_u32(b, version);
	b_u64(b, n_tensors);
	b_u64(b, n_kv);
}

static void b_tinfo(struct bb *b, const char *name, uint32_t n_dims, const uint64_t *ne,
		    uint32_t type, uint64_t offset)
{
	b_str(b, name);
	b_u32(b, n_dims);
	for (uint32_t i = 0; i < n_dims; i++)
		b_u64(b, ne[i]);
	b_u32(b, type);
	b_u64(b, offset);
}

static void b_pad(struct bb *b, size_t align)
{
	while (b->n % align)
		b->d[b->n++] = 0;
}

static void b_zeros(struct bb *b, size_t n)
{
	memset(b->d + b->n, 0, n);
	b->n += n;
}

/* Open b from memory; returns the error and leaves its message in msg. */
static int try_open(const struct bb *b, char *msg, size_t size)
{
	struct ogx_gguf *g = NULL;
	int err;

	ogx_clearerr();
	err = ogx_gguf_open_mem(b->d, b->n, &g);
	snprintf(msg, size, "%s", err ? ogx_errmsg(err) : "");
	if (!err)
		ogx_gguf_close(g);
	return err;
}

#define EXPECT_BAD(b, e, m) do {					\
		char _msg[512];						\
		ASSERT_EQ(e, try_open(b, _msg, sizeof(_msg)));		\
		ASSERT_STREQ(m, _msg);					\
	} while (0)

/* A valid one-tensor file: header, one string key, tensor 'a' F32 [4]. */
static void b_valid(struct bb *b)
{
	static const uint64_t ne[] = { 4 };

	b_hdr(b, 3, 1, 1);
	b_str(b, "general.architecture");
	b_u32(b, OGX_GGUF_STRING);
	b_str(b, "t");
	b_tinfo(b, "a", 1, ne, OGX_GGML_F32, 0);
	b_pad(b, 32);
	b_zeros(b, 16);
}

/* ---- the real model ---- */

TEST(mnist_fc)
{
	char path[512], arch[32];
	const char *models = getenv("OGX_MODELS");
	struct ogx_gguf *g;
	const struct ogx_gguf_tensor *t;
	static const struct {
		const char *name;
		uint32_t n_dims;
		uint64_t ne0, ne1;
	} want[] = {
		{ "fc1.weight", 2, 784, 500 },
		{ "fc1.bias", 1, 500, 1 },
		{ "fc2.weight", 2, 500, 10 },
		{ "fc2.bias", 1, 10, 1 },
	};

	ASSERT_NE(NULL, models);
	snprintf(path, sizeof(path), "%s/mnist-fc/mnist-fc-f32.gguf", models);
	ASSERT_EQ(0, ogx_gguf_open(path, &g));
	EXPECT_EQ(3, g->version);
	EXPECT_EQ(32, g->alignment);
	EXPECT_EQ(4, g->n_tensors);
	ASSERT_EQ(0, ogx_gguf_get_strz(g, "general.architecture", arch, sizeof(arch)));
	EXPECT_STREQ("mnist-fc", arch);
	for (size_t i = 0; i < 4; i++) {
		t = ogx_gguf_find_tensor(g, want[i].name);
		ASSERT_NE(NULL, t);
		EXPECT_STREQ(want[i].name, g->tensors[i].name);
		EXPECT_EQ(OGX_GGML_F32, t->type);
		EXPECT_EQ(want[i].n_dims, t->n_dims);
		EXPECT_EQ(want[i].ne0, t->ne[0]);
		EXPECT_EQ(want[i].ne1, t->ne[1]);
		EXPECT_EQ(want[i].ne0 * want[i].ne1 * 4, t->size);
		EXPECT_EQ(0, (uintptr_t)t->data % 32);
	}
	EXPECT_EQ(NULL, ogx_gguf_find_tensor(g, "fc3.weight"));
	t = ogx_gguf_find_tensor(g, "fc2.bias");
	float b[10];

	ASSERT_EQ(0, ogx_gguf_tensor_to_f32(t, b));
	EXPECT_EQ(0, memcmp(b, t->data, sizeof(b)));
	ogx_gguf_close(g);
}

/* ---- writer -> reader round trip ---- */

FIXTURE(tmp) {
	char dir[64];
	char path[128];
};

FIXTURE_SETUP(tmp)
{
	strcpy(self->dir, "/tmp/ogx-gguf-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/m.gguf", self->dir);
}

FIXTURE_TEARDOWN(tmp)
{
	char cmd[128];

	/* no ASSERT here: a failing teardown would be run again */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("could not remove %s", self->dir);
}

TEST_F(tmp, roundtrip_every_type)
{
	struct ogx_gguf_writer w;
	struct ogx_gguf *g;
	struct ogx_gguf_value arr, e, inner;
	const struct ogx_gguf_tensor *t;
	uint8_t u8 = 200;
	int8_t i8 = -100;
	uint16_t u16 = 60000;
	int16_t i16 = -30000;
	int64_t i64 = -5000000000LL, si;
	double f64 = 3.25, d;
	uint64_t u;
	uint32_t u32;
	int32_t i32;
	float f32;
	bool bo;
	const char *s;
	size_t len;
	static const int32_t ints[] = { -1, 2, -3 };
	static const char *const words[] = { "alpha", "", "gamma" };
	/* A nested array: array of 2 arrays of strings, encoded by hand. */
	struct bb nested = { .n = 0 };

	b_u32(&nested, OGX_GGUF_ARRAY);
	b_u64(&nested, 2);
	b_u32(&nested, OGX_GGUF_STRING);
	b_u64(&nested, 1);
	b_str(&nested, "x");
	b_u32(&nested, OGX_GGUF_STRING);
	b_u64(&nested, 2);
	b_str(&nested, "yy");
	b_str(&nested, "zzz");

	/* tensors of each type */
	static const float f32d[6] = { 1, -2, 3.5f, 0, 1e-3f, -7 };
	uint16_t f16d[4] = { 0x3c00, 0xc000, 0x7bff, 0x0001 };
	int8_t i8d[5] = { -128, -1, 0, 1, 127 };
	int16_t i16d[3] = { -32768, 0, 32767 };
	int32_t i32d[2] = { INT32_MIN, INT32_MAX };
	float src[64], back[64];
	uint8_t q8[2 * 34], q4[2 * 18];

	for (int i = 0; i < 64; i++)
		src[i] = sinf((float)i) * 3;
	ASSERT_EQ(0, ogx_quant_row(OGX_GGML_Q8_0, src, q8, 64));
	ASSERT_EQ(0, ogx_quant_row(OGX_GGML_Q4_0, src, q4, 64));

	ogx_gguf_writer_init(&w);
	ogx_gguf_writer_alignment(&w, 64);
	ogx_gguf_writer_str(&w, "general.architecture", "test-arch");
	ogx_gguf_writer_kv(&w, "t.u8", OGX_GGUF_U8, &u8);
	ogx_gguf_writer_kv(&w, "t.i8", OGX_GGUF_I8, &i8);
	ogx_gguf_writer_kv(&w, "t.u16", OGX_GGUF_U16, &u16);
	ogx_gguf_writer_kv(&w, "t.i16", OGX_GGUF_I16, &i16);
	ogx_gguf_writer_u32(&w, "t.u32", 4000000000u);
	ogx_gguf_writer_i32(&w, "t.i32", -2000000000);
	ogx_gguf_writer_f32(&w, "t.f32", 0.5f);
	ogx_gguf_writer_bool(&w, "t.bool", true);
	ogx_gguf_writer_u64(&w, "t.u64", 1ULL << 40);
	ogx_gguf_writer_kv(&w, "t.i64", OGX_GGUF_I64, &i64);
	ogx_gguf_writer_kv(&w, "t.f64", OGX_GGUF_F64, &f64);
	ogx_gguf_writer_array(&w, "t.ints", OGX_GGUF_I32, ints, 3);
	ogx_gguf_writer_strings(&w, "t.words", words, 3);
	ogx_gguf_writer_raw(&w, "t.nested", OGX_GGUF_ARRAY, nested.d, nested.n);
	ogx_gguf_writer_tensor(&w, "f32", OGX_GGML_F32, 2, (uint64_t[]){ 3, 2 }, f32d);
	ogx_gguf_writer_tensor(&w, "f16", OGX_GGML_F16, 1, (uint64_t[]){ 4 }, f16d);
	ogx_gguf_writer_tensor(&w, "q8", OGX_GGML_Q8_0, 2, (uint64_t[]){ 32, 2 }, q8);
	ogx_gguf_writer_tensor(&w, "q4", OGX_GGML_Q4_0, 1, (uint64_t[]){ 64 }, q4);
	ogx_gguf_writer_tensor(&w, "i8", OGX_GGML_I8, 1, (uint64_t[]){ 5 }, i8d);
	ogx_gguf_writer_tensor(&w, "i16", OGX_GGML_I16, 1, (uint64_t[]){ 3 }, i16d);
	ogx_gguf_writer_tensor(&w, "i32", OGX_GGML_I32, 4, (uint64_t[]){ 1, 2, 1, 1 }, i32d);
	ASSERT_EQ(0, ogx_gguf_writer_write(&w, self->path, 0644));
	ogx_gguf_writer_free(&w);

	ASSERT_EQ(0, ogx_gguf_open(self->path, &g));
	EXPECT_EQ(64, g->alignment);
	EXPECT_EQ(16, g->n_kv);
	EXPECT_EQ(7, g->n_tensors);
	ASSERT_EQ(0, ogx_gguf_get_u32(g, "t.u8", &u32));
	EXPECT_EQ(200, u32);
	ASSERT_EQ(0, ogx_gguf_get_i32(g, "t.i8", &i32));
	EXPECT_EQ(-100, i32);
	ASSERT_EQ(0, ogx_gguf_get_u32(g, "t.u16", &u32));
	EXPECT_EQ(60000, u32);
	ASSERT_EQ(0, ogx_gguf_get_i32(g, "t.i16", &i32));
	EXPECT_EQ(-30000, i32);
	ASSERT_EQ(0, ogx_gguf_get_u32(g, "t.u32", &u32));
	EXPECT_EQ(4000000000u, u32);
	ASSERT_EQ(0, ogx_gguf_get_i32(g, "t.i32", &i32));
	EXPECT_EQ(-2000000000, i32);
	ASSERT_EQ(0, ogx_gguf_get_f32(g, "t.f32", &f32));
	EXPECT_EQ(0.5f, f32);
	ASSERT_EQ(0, ogx_gguf_get_bool(g, "t.bool", &bo));
	EXPECT_TRUE(bo);
	ASSERT_EQ(0, ogx_gguf_get_u64(g, "t.u64", &u));
	EXPECT_EQ(1ULL << 40, u);
	ASSERT_EQ(0, ogx_gguf_value_i64(&ogx_gguf_find_kv(g, "t.i64")->v, &si));
	EXPECT_EQ(-5000000000LL, si);
	ASSERT_EQ(0, ogx_gguf_value_f64(&ogx_gguf_find_kv(g, "t.f64")->v, &d));
	EXPECT_EQ(3.25, d);
	ASSERT_EQ(0, ogx_gguf_get_f32(g, "t.f64", &f32));
	EXPECT_EQ(3.25f, f32);
	ASSERT_EQ(0, ogx_gguf_get_str(g, "general.architecture", &s, &len));
	EXPECT_EQ(9, len);
	EXPECT_EQ(0, memcmp(s, "test-arch", 9));

	ASSERT_EQ(0, ogx_gguf_get_array(g, "t.ints", &arr));
	EXPECT_EQ(OGX_GGUF_I32, arr.elem_type);
	ASSERT_EQ(3, arr.n);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, ogx_gguf_array_elem(&arr, i, &e));
		ASSERT_EQ(0, ogx_gguf_value_i64(&e, &si));
		EXPECT_EQ(ints[i], si);
	}
	EXPECT_EQ(-ERANGE, ogx_gguf_array_elem(&arr, 3, &e));
	ASSERT_EQ(0, ogx_gguf_get_array(g, "t.words", &arr));
	ASSERT_EQ(3, arr.n);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, ogx_gguf_array_elem(&arr, i, &e));
		ASSERT_EQ(OGX_GGUF_STRING, e.type);
		ASSERT_EQ(strlen(words[i]), e.n);
		EXPECT_EQ(0, memcmp(words[i], e.p, e.n));
	}
	ASSERT_EQ(0, ogx_gguf_get_array(g, "t.nested", &arr));
	ASSERT_EQ(OGX_GGUF_ARRAY, arr.elem_type);
	ASSERT_EQ(2, arr.n);
	ASSERT_EQ(0, ogx_gguf_array_elem(&arr, 1, &inner));
	ASSERT_EQ(2, inner.n);
	ASSERT_EQ(0, ogx_gguf_array_elem(&inner, 1, &e));
	ASSERT_EQ(3, e.n);
	EXPECT_EQ(0, memcmp("zzz", e.p, 3));

	t = ogx_gguf_find_tensor(g, "f32");
	ASSERT_NE(NULL, t);
	EXPECT_EQ(2, t->n_dims);
	EXPECT_EQ(3, t->ne[0]);
	EXPECT_EQ(2, t->ne[1]);
	EXPECT_EQ(0, memcmp(f32d, t->data, sizeof(f32d)));
	t = ogx_gguf_find_tensor(g, "f16");
	ASSERT_EQ(0, ogx_gguf_tensor_to_f32(t, back));
	EXPECT_EQ(1.0f, back[0]);
	EXPECT_EQ(-2.0f, back[1]);
	EXPECT_EQ(65504.0f, back[2]);
	EXPECT_EQ(ldexpf(1, -24), back[3]);
	t = ogx_gguf_find_tensor(g, "q8");
	EXPECT_EQ(OGX_GGML_Q8_0, t->type);
	EXPECT_EQ(68, t->size);
	EXPECT_EQ(0, memcmp(q8, t->data, sizeof(q8)));
	ASSERT_EQ(0, ogx_gguf_tensor_to_f32(t, back));
	for (int i = 0; i < 64; i++)
		EXPECT_LT(fabsf(back[i] - src[i]), 3.0f / 127);
	t = ogx_gguf_find_tensor(g, "q4");
	EXPECT_EQ(36, t->size);
	EXPECT_EQ(0, memcmp(q4, t->data, sizeof(q4)));
	ASSERT_EQ(0, ogx_gguf_tensor_to_f32(t, back));
	for (int i = 0; i < 64; i++)
		EXPECT_LT(fabsf(back[i] - src[i]), 3.0f / 8 * 1.01f);
	t = ogx_gguf_find_tensor(g, "i8");
	EXPECT_EQ(0, memcmp(i8d, t->data, sizeof(i8d)));
	EXPECT_EQ(-EINVAL, ogx_gguf_tensor_to_f32(t, back));
	t = ogx_gguf_find_tensor(g, "i16");
	EXPECT_EQ(0, memcmp(i16d, t->data, sizeof(i16d)));
	t = ogx_gguf_find_tensor(g, "i32");
	EXPECT_EQ(4, t->n_dims);
	EXPECT_EQ(0, memcmp(i32d, t->data, sizeof(i32d)));
	for (uint64_t i = 0; i < g->n_tensors; i++)
		EXPECT_EQ(0, (uintptr_t)g->tensors[i].data % 64);

	/* getter errors */
	EXPECT_EQ(-ENOENT, ogx_gguf_get_u32(g, "nope", &u32));
	EXPECT_STREQ("no metadata key 'nope'", ogx_errmsg(-ENOENT));
	EXPECT_EQ(-EINVAL, ogx_gguf_get_u32(g, "t.i8", &u32));
	EXPECT_STREQ("metadata 't.i8' is i8, want a non-negative integer", ogx_errmsg(-EINVAL));
	EXPECT_EQ(-EINVAL, ogx_gguf_get_u32(g, "t.u64", &u32));
	EXPECT_STREQ("metadata 't.u64' = 1099511627776 does not fit a u32", ogx_errmsg(-EINVAL));
	EXPECT_EQ(-EINVAL, ogx_gguf_get_str(g, "t.u8", &s, &len));
	EXPECT_STREQ("metadata 't.u8' is u8, want string", ogx_errmsg(-EINVAL));
	EXPECT_EQ(-EINVAL, ogx_gguf_get_f32(g, "t.i32", &f32));
	EXPECT_EQ(-EINVAL, ogx_gguf_get_bool(g, "t.u8", &bo));
	EXPECT_EQ(-EINVAL, ogx_gguf_get_array(g, "t.u8", &arr));
	EXPECT_EQ(-ENAMETOOLONG, ogx_gguf_get_strz(g, "general.architecture", (char[4]){ 0 }, 4));
	ogx_gguf_close(g);
}

TEST_F(tmp, writer_to_mem_matches_file_and_default_alignment)
{
	struct ogx_gguf_writer w;
	struct ogx_gguf *g;
	uint8_t *mem, *file;
	size_t mlen, flen;
	float x[3] = { 1, 2, 3 };

	ogx_gguf_writer_init(&w);
	ogx_gguf_writer_str(&w, "general.architecture", "m");
	ogx_gguf_writer_tensor(&w, "x", OGX_GGML_F32, 1, (uint64_t[]){ 3 }, x);
	ogx_gguf_writer_tensor(&w, "y", OGX_GGML_F32, 1, (uint64_t[]){ 3 }, x);
	ASSERT_EQ(0, ogx_gguf_writer_to_mem(&w, &mem, &mlen));
	ASSERT_EQ(0, ogx_gguf_writer_write(&w, self->path, 0600));
	ogx_gguf_writer_free(&w);
	ASSERT_EQ(0, ogx_read_file(self->path, 1 << 20, &file, &flen));
	ASSERT_EQ(mlen, flen);
	EXPECT_EQ(0, memcmp(mem, file, mlen));
	ASSERT_EQ(0, ogx_gguf_open_mem(mem, mlen, &g));
	EXPECT_EQ(32, g->alignment);
	EXPECT_EQ(32, ogx_gguf_find_tensor(g, "y")->offset);
	ogx_gguf_close(g);
	free(mem);
	free(file);
}

TEST(writer_errors_stick)
{
	struct ogx_gguf_writer w;
	uint8_t *mem;
	size_t len;
	float x[40] = { 0 };

	ogx_gguf_writer_init(&w);
	ogx_gguf_writer_u32(&w, "k", 1);
	EXPECT_EQ(-EEXIST, ogx_gguf_writer_u32(&w, "k", 2));
	EXPECT_STREQ("duplicate metadata key 'k'", ogx_errmsg(-EEXIST));
	EXPECT_EQ(-EEXIST, ogx_gguf_writer_to_mem(&w, &mem, &len));
	ogx_gguf_writer_free(&w);

	ogx_gguf_writer_init(&w);
	EXPECT_EQ(-EINVAL, ogx_gguf_writer_tensor(&w, "q", OGX_GGML_Q8_0, 1, (uint64_t[]){ 40 }, x));
	EXPECT_STREQ("tensor 'q': rows are not whole Q8_0 blocks", ogx_errmsg(-EINVAL));
	ogx_gguf_writer_free(&w);

	ogx_gguf_writer_init(&w);
	ogx_gguf_writer_tensor(&w, "a", OGX_GGML_F32, 1, (uint64_t[]){ 4 }, x);
	EXPECT_EQ(-EEXIST, ogx_gguf_writer_tensor(&w, "a", OGX_GGML_F32, 1, (uint64_t[]){ 4 }, x));
	ogx_gguf_writer_free(&w);

	ogx_gguf_writer_init(&w);
	EXPECT_EQ(-EINVAL, ogx_gguf_writer_alignment(&w, 48));
	ogx_gguf_writer_free(&w);
}

/* ---- f16 and quantization ---- */

TEST(f16_conversions)
{
	EXPECT_EQ(0x3c00, ogx_f32_to_f16(1.0f));
	EXPECT_EQ(0xc000, ogx_f32_to_f16(-2.0f));
	EXPECT_EQ(0x2e66, ogx_f32_to_f16(0.1f));
	EXPECT_EQ(0x7bff, ogx_f32_to_f16(65504.0f));
	EXPECT_EQ(0x7bff, ogx_f32_to_f16(65519.0f));
	EXPECT_EQ(0x7c00, ogx_f32_to_f16(65520.0f));
	EXPECT_EQ(0x0001, ogx_f32_to_f16(ldexpf(1, -24)));
	EXPECT_EQ(0x0000, ogx_f32_to_f16(ldexpf(1, -25)));	/* tie to even: 0 */
	EXPECT_EQ(0x0002, ogx_f32_to_f16(ldexpf(3, -25)));	/* tie to even: 2 */
	EXPECT_EQ(0x0400, ogx_f32_to_f16(ldexpf(1, -14)));
	EXPECT_EQ(0x3c00, ogx_f32_to_f16(1.0f + ldexpf(1, -11)));	/* tie to even */
	EXPECT_EQ(0x3c02, ogx_f32_to_f16(1.0f + ldexpf(3, -11)));	/* tie to even */
	EXPECT_EQ(0x7e00, ogx_f32_to_f16(NAN) & 0x7fff);
	/* Every non-NaN half survives half -> float -> half. */
	for (uint32_t h = 0; h < 0x10000; h++) {
		if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
			continue;
		ASSERT_EQ(h, ogx_f32_to_f16(ogx_f16_to_f32((uint16_t)h)));
	}
}

TEST(dequant_known_blocks)
{
	struct ogx_block_q8_0 q8 = { .d = 0x3800 };	/* 0.5 */
	struct ogx_block_q4_0 q4 = { .d = 0x4000 };	/* 2.0 */
	float y[32];

	for (int j = 0; j < 32; j++)
		q8.qs[j] = (int8_t)(j - 16);
	ASSERT_EQ(0, ogx_dequant_row(OGX_GGML_Q8_0, &q8, y, 32));
	for (int j = 0; j < 32; j++)
		EXPECT_EQ((j - 16) * 0.5f, y[j]);
	for (int j = 0; j < 16; j++)
		q4.qs[j] = (uint8_t)(j | (15 - j) << 4);
	ASSERT_EQ(0, ogx_dequant_row(OGX_GGML_Q4_0, &q4, y, 32));
	for (int j = 0; j < 16; j++) {
		EXPECT_EQ((j - 8) * 2.0f, y[j]);
		EXPECT_EQ((15 - j - 8) * 2.0f, y[j + 16]);
	}
	EXPECT_EQ(-EINVAL, ogx_dequant_row(OGX_GGML_Q8_0, &q8, y, 31));
	EXPECT_EQ(-EINVAL, ogx_dequant_row(OGX_GGML_I32, &q8, y, 1));
}

/* ---- malformed files: one per error ---- */

TEST(bad_magic)
{
	struct bb b;

	b_valid(&b);
	b.d[3] = 'X';
	EXPECT_BAD(&b, -EBADMSG, "bad magic (not a GGUF file)");
}

TEST(unsupported_version)
{
	struct bb b;

	b_valid(&b);
	b.d[4] = 1;
	EXPECT_BAD(&b, -ENOTSUP, "unsupported GGUF version 1 (want 2 or 3)");
	b.d[4] = 4;
	EXPECT_BAD(&b, -ENOTSUP, "unsupported GGUF version 4 (want 2 or 3)");
	b.d[4] = 2;	/* v2 has the same layout */
	EXPECT_BAD(&b, 0, "");
}

TEST(truncated_everywhere)
{
	struct bb b;

	b_valid(&b);
	EXPECT_BAD(&b, 0, "");
	b.n = 0;
	EXPECT_BAD(&b, -EBADMSG, "truncated header (at byte 0 of 0)");
	b.n = 2;
	EXPECT_BAD(&b, -EBADMSG, "truncated header (at byte 0 of 2)");
	b_valid(&b);
	b.n = 20;
	EXPECT_BAD(&b, -EBADMSG, "truncated header (at byte 16 of 20)");
	b.n = 70;	/* inside the tensor name's length */
	EXPECT_BAD(&b, -EBADMSG, "truncated tensor info 1 of 1 (at byte 65 of 70)");
	b.n = 73;	/* before the tensor name's byte */
	EXPECT_BAD(&b, -EBADMSG, "absurd string length 1 in tensor info 1 of 1 (0 bytes left)");
	b.n = 80;	/* inside the dimensions */
	EXPECT_BAD(&b, -EBADMSG, "truncated tensor info 'a' (at byte 78 of 80)");
	b.n = 96;	/* inside the offset */
	EXPECT_BAD(&b, -EBADMSG, "truncated tensor info 'a' (at byte 90 of 96)");
	b.n = 98;	/* infos complete, data section absent */
	EXPECT_BAD(&b, -EBADMSG, "tensor 'a' truncated (want 16 bytes, have 0)");
	b.n = 128 + 8;
	EXPECT_BAD(&b, -EBADMSG, "tensor 'a' truncated (want 16 bytes, have 8)");

	/* metadata only: header, then general.architecture = "t" (bytes 24..65) */
	b_valid(&b);
	memcpy(b.d + 8, &(uint64_t){ 0 }, 8);
	b.n = 37;	/* inside the key */
	EXPECT_BAD(&b, -EBADMSG, "absurd string length 20 in metadata key 1 of 1 (5 bytes left)");
	b.n = 55;	/* inside the value's type tag */
	EXPECT_BAD(&b, -EBADMSG, "truncated metadata 'general.architecture' (at byte 52 of 55)");
	b.n = 60;	/* inside the value's length */
	EXPECT_BAD(&b, -EBADMSG, "truncated metadata 'general.architecture' (at byte 56 of 60)");
	b.n = 64;	/* before the value's byte */
	EXPECT_BAD(&b, -EBADMSG,
		   "absurd string length 1 in metadata 'general.architecture' (0 bytes left)");
	b.n = 65;
	EXPECT_BAD(&b, 0, "");
}

TEST(absurd_counts)
{
	struct bb b;

	b_valid(&b);
	memcpy(b.d + 16, &(uint64_t){ 1ULL << 40 }, 8);
	EXPECT_BAD(&b, -EBADMSG, "absurd metadata count 1099511627776 (120 bytes left)");
	b_valid(&b);
	memcpy(b.d + 8, &(uint64_t){ 5 }, 8);
	EXPECT_BAD(&b, -EBADMSG, "absurd tensor count 5 (120 bytes left)");
	b_valid(&b);
	memcpy(b.d + 24, &(uint64_t){ UINT64_MAX }, 8);
	EXPECT_BAD(&b, -EBADMSG,
		   "absurd string length 18446744073709551615 in metadata key 1 of 1 (112 bytes left)");
}

TEST(absurd_array_and_value_types)
{
	struct bb b;

	b_hdr(&b, 3, 0, 1);
	b_str(&b, "k");
	b_u32(&b, OGX_GGUF_ARRAY);
	b_u32(&b, OGX_GGUF_U32);
	b_u64(&b, 1ULL << 62);
	EXPECT_BAD(&b, -EBADMSG, "absurd array length 4611686018427387904 in metadata 'k' (0 bytes left)");
	b_hdr(&b, 3, 0, 1);
	b_str(&b, "k");
	b_u32(&b, 13);
	b_zeros(&b, 8);
	EXPECT_BAD(&b, -EBADMSG, "unknown value type 13 in metadata 'k'");
	b_hdr(&b, 3, 0, 1);
	b_str(&b, "k");
	b_u32(&b, OGX_GGUF_ARRAY);
	b_u32(&b, 99);
	b_u64(&b, 0);
	EXPECT_BAD(&b, -EBADMSG, "unknown array element type 99 in metadata 'k'");
	/* arrays of arrays nested 9 deep */
	b_hdr(&b, 3, 0, 1);
	b_str(&b, "k");
	b_u32(&b, OGX_GGUF_ARRAY);
	for (int i = 0; i < 9; i++) {
		b_u32(&b, OGX_GGUF_ARRAY);
		b_u64(&b, 1);
	}
	b_u32(&b, OGX_GGUF_U8);
	b_u64(&b, 0);
	b_zeros(&b, 64);
	EXPECT_BAD(&b, -EBADMSG, "arrays nested deeper than 8 in metadata 'k'");
	/* duplicate and malformed keys */
	b_hdr(&b, 3, 0, 2);
	for (int i = 0; i < 2; i++) {
		b_str(&b, "k");
		b_u32(&b, OGX_GGUF_U8);
		b_zeros(&b, 1);
	}
	EXPECT_BAD(&b, -EBADMSG, "duplicate metadata key 'k'");
	b_hdr(&b, 3, 0, 1);
	b_str(&b, "");
	b_u32(&b, OGX_GGUF_U8);
	b_zeros(&b, 1);
	EXPECT_BAD(&b, -EBADMSG, "bad length 0 of metadata key 1 of 1");
	b_hdr(&b, 3, 0, 1);
	b_u64(&b, 3);
	b_raw(&b, "a\0b", 3);
	b_u32(&b, OGX_GGUF_U8);
	b_zeros(&b, 1);
	EXPECT_BAD(&b, -EBADMSG, "metadata key 1 of 1 contains a NUL byte");
}

TEST(bad_alignment_key)
{
	struct bb b;

	b_hdr(&b, 3, 0, 1);
	b_str(&b, "general.alignment");
	b_u32(&b, OGX_GGUF_U32);
	b_u32(&b, 48);
	EXPECT_BAD(&b, -EBADMSG, "bad general.alignment 48 (want a power of two from 8 to 65536)");
	b_hdr(&b, 3, 0, 1);
	b_str(&b, "general.alignment");
	b_u32(&b, OGX_GGUF_U64);
	b_u64(&b, 32);
	EXPECT_BAD(&b, -EBADMSG, "general.alignment is u64, want u32");
}

/* One tensor 'a' with the given shape/type/offset and `data` bytes of data. */
static void b_one(struct bb *b, uint32_t n_dims, const uint64_t *ne, uint32_t type,
		  uint64_t offset, size_t data)
{
	b_hdr(b, 3, 1, 0);
	b_tinfo(b, "a", n_dims, ne, type, offset);
	b_pad(b, 32);
	b_zeros(b, data);
}

TEST(bad_tensor_infos)
{
	struct bb b;

	b_one(&b, 5, (uint64_t[]){ 1, 1, 1, 1, 1 }, OGX_GGML_F32, 0, 32);
	EXPECT_BAD(&b, -EBADMSG, "tensor 'a' has 5 dimensions (want 1 to 4)");
	b_one(&b, 0, NULL, OGX_GGML_F32, 0, 32);
	EXPECT_BAD(&b, -EBADMSG, "tensor 'a' has 0 dimensions (want 1 to 4)");
	b_one(&b, 2, (uint64_t[]){ 1ULL << 32, 1ULL << 32 }, OGX_GGML_F32, 0, 32);
	EXPECT_BAD(&b, -EBADMSG, "tensor 'a' element count overflows");
	b_one(&b, 2, (uint64_t[]){ 1ULL << 31, 1ULL << 31 }, OGX_GGML_F32, 0, 32);
	EXPECT_BAD(&b, -EBADMSG, "tensor 'a' size overflows");
	b_one(&b, 1, (uint64_t[]){ 0 }, OGX_GGML_F32, 0, 32);
	EXPECT_BAD(&b, -EBADMSG, "tensor 'a' has bad dimension 0: 0");
	b_one(&b, 1, (uint64_t[]){ 1ULL << 63 }, OGX_GGML_F32, 0, 32);
	EXPECT_BAD(&b, -EBADMSG, "tensor 'a' has bad dimension 0: 9223372036854775808");
	b_one(&b, 1, (uint64_t[]){ 4 }, 99, 0, 32);
	EXPECT_BAD(&b, -EBADMSG, "unknown tensor type 99 for 'a'");
	b_one(&b, 1, (uint64_t[]){ 256 }, 12, 0, 256);
	EXPECT_BAD(&b, -ENOTSUP, "unsupported tensor type Q4_K (12) for 'a'");
	b_one(&b, 1, (uint64_t[]){ 40 }, OGX_GGML_Q8_0, 0, 128);
	EXPECT_BAD(&b, -EBADMSG, "tensor 'a' rows of 40 are not whole Q8_0 blocks of 32");
	b_one(&b, 1, (uint64_t[]){ 4 }, OGX_GGML_F32, 4, 64);
	EXPECT_BAD(&b, -EBADMSG, "tensor 'a' offset 4 is not aligned to 32");
	b_one(&b, 1, (uint64_t[]){ 4 }, OGX_GGML_F32, 1ULL << 40, 64);
	EXPECT_BAD(&b, -EBADMSG, "tensor 'a' truncated (want 16 bytes, have 0)");
	b_one(&b, 1, (uint64_t[]){ 4 }, OGX_GGML_F32, UINT64_MAX - 31, 64);
	EXPECT_BAD(&b, -EBADMSG, "tensor 'a' truncated (want 16 bytes, have 0)");
	b_one(&b, 1, (uint64_t[]){ 32 }, OGX_GGML_Q4_0, 0, 10);
	EXPECT_BAD(&b, -EBADMSG, "tensor 'a' truncated (want 18 bytes, have 10)");

	b_hdr(&b, 3, 1, 0);
	b_str(&b, "this-name-is-longer-than-sixty-four-bytes-which-the-gguf-spec-forbids");
	EXPECT_BAD(&b, -EBADMSG, "bad name length 69 in tensor info 1 of 1 (want 1 to 64)");
	b_hdr(&b, 3, 1, 0);
	b_u64(&b, 2);
	b_raw(&b, "a", 2);
	b_zeros(&b, 40);
	EXPECT_BAD(&b, -EBADMSG, "name of tensor info 1 of 1 contains a NUL byte");
}

TEST(overlapping_and_duplicate_tensors)
{
	struct bb b;

	b_hdr(&b, 3, 2, 0);
	b_tinfo(&b, "a", 1, (uint64_t[]){ 16 }, OGX_GGML_F32, 0);
	b_tinfo(&b, "b", 1, (uint64_t[]){ 4 }, OGX_GGML_F32, 32);
	b_pad(&b, 32);
	b_zeros(&b, 64);
	EXPECT_BAD(&b, -EBADMSG, "tensors 'a' and 'b' overlap");
	/* the same, listed in the other order */
	b_hdr(&b, 3, 2, 0);
	b_tinfo(&b, "b", 1, (uint64_t[]){ 4 }, OGX_GGML_F32, 32);
	b_tinfo(&b, "a", 1, (uint64_t[]){ 16 }, OGX_GGML_F32, 0);
	b_pad(&b, 32);
	b_zeros(&b, 64);
	EXPECT_BAD(&b, -EBADMSG, "tensors 'a' and 'b' overlap");
	/* adjacent is fine */
	b_hdr(&b, 3, 2, 0);
	b_tinfo(&b, "a", 1, (uint64_t[]){ 8 }, OGX_GGML_F32, 0);
	b_tinfo(&b, "b", 1, (uint64_t[]){ 8 }, OGX_GGML_F32, 32);
	b_pad(&b, 32);
	b_zeros(&b, 64);
	EXPECT_BAD(&b, 0, "");
	b_hdr(&b, 3, 2, 0);
	b_tinfo(&b, "a", 1, (uint64_t[]){ 4 }, OGX_GGML_F32, 0);
	b_tinfo(&b, "a", 1, (uint64_t[]){ 4 }, OGX_GGML_F32, 32);
	b_pad(&b, 32);
	b_zeros(&b, 64);
	EXPECT_BAD(&b, -EBADMSG, "duplicate tensor name 'a'");
}

TEST_F(tmp, open_errors_from_files)
{
	struct ogx_gguf *g;
	char p[256];

	snprintf(p, sizeof(p), "%s/missing.gguf", self->dir);
	EXPECT_EQ(-ENOENT, ogx_gguf_open(p, &g));
	ogx_clearerr();
	EXPECT_EQ(-EINVAL, ogx_gguf_open(self->dir, &g));
	EXPECT_STREQ("not a regular file", ogx_errmsg(-EINVAL));
	ASSERT_EQ(0, ogx_write_file_atomic(self->path, "", 0, 0644, 0));
	EXPECT_EQ(-EBADMSG, ogx_gguf_open(self->path, &g));
	EXPECT_STREQ("truncated header (at byte 0 of 0)", ogx_errmsg(-EBADMSG));
	ASSERT_EQ(0, ogx_write_file_atomic(self->path, "GGUF\3\0\0\0", 8, 0644, 0));
	EXPECT_EQ(-EBADMSG, ogx_gguf_open(self->path, &g));
	EXPECT_STREQ("truncated header (at byte 8 of 8)", ogx_errmsg(-EBADMSG));
}

TEST_HARNESS_MAIN
