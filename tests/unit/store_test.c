// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of runtime/model/store and probe: add (and again), resolve by every
 * kind of reference, ambiguous and unknown references, names, listing, and
 * files that are not models.
 */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Paths here are short and known; truncation warnings are noise. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include "kselftest_harness.h"
#include "model/gguf_write.h"
#include "model/probe.h"
#include "model/store.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

FIXTURE(store) {
	char home[64];
	char a[128], b[128];		/* two small GGUF models outside the store */
	struct ogx_store s;
};

static void write_model(const char *path, const char *arch, float v)
{
	struct ogx_gguf_writer w;
	float x[4] = { v, v, v, v };

	ogx_gguf_writer_init(&w);
	ogx_gguf_writer_str(&w, "general.architecture", arch);
	ogx_gguf_writer_tensor(&w, "x", OGX_GGML_F32, 1, (uint64_t[]){ 4 }, x);
	if (ogx_gguf_writer_write(&w, path, 0644))
		abort();
	ogx_gguf_writer_free(&w);
}

static void id_of(const char *path, char id[65])
{
	uint8_t d[32];

	if (ogx_sha256_file(d, path))
		abort();
	ogx_hex(id, d, 32);
}

/* Entries of the store directory, to see that nothing extra is left there. */
static int count_files(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' || !strncmp(de->d_name, ".tmp", 4);
	closedir(d);
	return n;
}

FIXTURE_SETUP(store)
{
	strcpy(self->home, "/tmp/ogx-store-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->home));
	snprintf(self->a, sizeof(self->a), "%s/a.gguf", self->home);
	snprintf(self->b, sizeof(self->b), "%s/b.gguf", self->home);
	write_model(self->a, "alpha", 1);
	write_model(self->b, "beta", 2);
	ASSERT_EQ(0, ogx_store_init(&self->s, self->home));
}

FIXTURE_TEARDOWN(store)
{
	char cmd[128];

	/* no ASSERT here: a failing teardown would be run again */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->home);
	if (system(cmd))
		TH_LOG("could not remove %s", self->home);
}

TEST_F(store, add_is_content_addressed_and_idempotent)
{
	char id[65], id2[65], want[65], path[PATH_MAX];
	uint8_t *x, *y;
	size_t xl, yl;
	struct stat st;

	id_of(self->a, want);
	ASSERT_EQ(0, ogx_store_add(&self->s, self->a, NULL, id));
	EXPECT_STREQ(want, id);
	snprintf(path, sizeof(path), "%s/%s", self->s.dir, id);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0444, st.st_mode & 0777);
	ASSERT_EQ(0, ogx_read_file(self->a, 1 << 20, &x, &xl));
	ASSERT_EQ(0, ogx_read_file(path, 1 << 20, &y, &yl));
	ASSERT_EQ(xl, yl);
	EXPECT_EQ(0, memcmp(x, y, xl));
	free(x);
	free(y);

	/* again, and again with a name, and the stored copy itself */
	ASSERT_EQ(0, ogx_store_add(&self->s, self->a, NULL, id2));
	EXPECT_STREQ(id, id2);
	ASSERT_EQ(0, ogx_store_add(&self->s, self->a, "alpha", id2));
	ASSERT_EQ(0, ogx_store_add(&self->s, self->a, "alpha", id2));
	ASSERT_EQ(0, ogx_store_add(&self->s, path, "alpha", id2));
	EXPECT_STREQ(id, id2);
	EXPECT_EQ(2, count_files(self->s.dir));	/* the model and the index */
	ASSERT_EQ(0, ogx_read_file(path, 1 << 20, &x, &xl));
	free(x);
	snprintf(path, sizeof(path), "%s/index", self->s.dir);
	ASSERT_EQ(0, ogx_read_file(path, 4096, &x, &xl));
	char line[128];

	snprintf(line, sizeof(line), "%s alpha\n", id);
	EXPECT_STREQ(line, (char *)x);
	free(x);
}

TEST_F(store, resolve_every_kind_of_ref)
{
	char ida[65], idb[65], id[65], path[PATH_MAX], want[PATH_MAX], cwd[PATH_MAX];

	ASSERT_EQ(0, ogx_store_add(&self->s, self->a, "alpha", ida));
	ASSERT_EQ(0, ogx_store_add(&self->s, self->b, "beta.v1", idb));
	snprintf(want, sizeof(want), "%s/%s", self->s.dir, ida);

	/* name */
	ASSERT_EQ(0, ogx_store_resolve(&self->s, "alpha", path, sizeof(path), id));
	EXPECT_STREQ(want, path);
	EXPECT_STREQ(ida, id);
	/* full id */
	ASSERT_EQ(0, ogx_store_resolve(&self->s, ida, path, sizeof(path), id));
	EXPECT_STREQ(want, path);
	/* prefix of 8 */
	char prefix[9];

	snprintf(prefix, sizeof(prefix), "%s", ida);
	ASSERT_EQ(0, ogx_store_resolve(&self->s, prefix, path, sizeof(path), NULL));
	EXPECT_STREQ(want, path);
	/* path with a slash: used as is, id hashed */
	ASSERT_EQ(0, ogx_store_resolve(&self->s, self->b, path, sizeof(path), id));
	EXPECT_STREQ(self->b, path);
	EXPECT_STREQ(idb, id);
	/* a bare file name in the working directory */
	ASSERT_NE(NULL, getcwd(cwd, sizeof(cwd)));
	ASSERT_EQ(0, chdir(self->home));
	ASSERT_EQ(0, ogx_store_resolve(&self->s, "b.gguf", path, sizeof(path), id));
	EXPECT_STREQ("b.gguf", path);
	EXPECT_STREQ(idb, id);
	ASSERT_EQ(0, chdir(cwd));
}

TEST_F(store, unknown_and_ambiguous_refs)
{
	char id[65], path[PATH_MAX], fake[PATH_MAX];

	ogx_clearerr();
	EXPECT_EQ(-ENOENT, ogx_store_resolve(&self->s, "nothing", path, sizeof(path), id));
	EXPECT_STREQ("no such model file, name or id", ogx_errmsg(-ENOENT));
	ASSERT_EQ(0, ogx_store_add(&self->s, self->a, NULL, id));
	EXPECT_EQ(-ENOENT, ogx_store_resolve(&self->s, "0123abc", path, sizeof(path), id));
	EXPECT_STREQ("no such model file or name (an id prefix needs 8 digits)",
		     ogx_errmsg(-ENOENT));
	EXPECT_EQ(-ENOENT, ogx_store_resolve(&self->s, "0000000000", path, sizeof(path), id));
	EXPECT_STREQ("no such model file, name or id", ogx_errmsg(-ENOENT));
	EXPECT_EQ(-ENOENT, ogx_store_resolve(&self->s, "/no/such/file", path, sizeof(path), id));
	EXPECT_EQ(-EINVAL, ogx_store_resolve(&self->s, "/tmp", path, sizeof(path), id));
	EXPECT_STREQ("not a regular file", ogx_errmsg(-EINVAL));

	/* Two ids sharing a prefix (placed by hand: SHA-256 will not oblige). */
	for (int i = 0; i < 2; i++) {
		snprintf(fake, sizeof(fake), "%s/abcdef01%055d%d", self->s.dir, 0, i);
		ASSERT_EQ(0, ogx_write_file_atomic(fake, "x", 1, 0444, 1));
	}
	EXPECT_EQ(-EINVAL, ogx_store_resolve(&self->s, "abcdef01", path, sizeof(path), id));
	EXPECT_STREQ("id prefix 'abcdef01' is ambiguous (2 models match)", ogx_errmsg(-EINVAL));
	/* the whole id is never ambiguous */
	ASSERT_EQ(0, ogx_store_resolve(&self->s, strrchr(fake, '/') + 1, path, sizeof(path), id));
	EXPECT_STREQ(fake, path);
}

TEST_F(store, names)
{
	char id[65];

	ASSERT_EQ(0, ogx_store_add(&self->s, self->a, "m", id));
	EXPECT_EQ(-EEXIST, ogx_store_add(&self->s, self->b, "m", id));
	char want[128];

	id_of(self->a, id);
	snprintf(want, sizeof(want), "name 'm' already names model %.12s", id);
	EXPECT_STREQ(want, ogx_errmsg(-EEXIST));
	EXPECT_EQ(2, count_files(self->s.dir));	/* b was not stored */
	EXPECT_EQ(-EINVAL, ogx_store_add(&self->s, self->b, "a b", id));
	EXPECT_STREQ("model name 'a b' may only hold A-Z a-z 0-9 . _ -", ogx_errmsg(-EINVAL));
	EXPECT_EQ(-EINVAL, ogx_store_add(&self->s, self->b, "cafebabe", id));
	EXPECT_STREQ("model name 'cafebabe' looks like a model id", ogx_errmsg(-EINVAL));
	EXPECT_EQ(-EINVAL, ogx_store_add(&self->s, self->b, "", id));
	EXPECT_STREQ("model name must be 1 to 64 characters", ogx_errmsg(-EINVAL));
	/* a short hex name is fine: it can never be an id prefix */
	EXPECT_EQ(0, ogx_store_add(&self->s, self->b, "cafe", id));
	/* one model, two names */
	EXPECT_EQ(0, ogx_store_add(&self->s, self->b, "beta", id));

	struct ogx_store_entry *e;
	size_t n;

	ASSERT_EQ(0, ogx_store_list(&self->s, &e, &n));
	ASSERT_EQ(2, n);
	for (size_t i = 0; i < n; i++) {
		char fmt[64];

		EXPECT_EQ(0, e[i].probe_err);
		ogx_model_format_str(&e[i].probe, fmt, sizeof(fmt));
		if (!strcmp(e[i].id, id)) {
			EXPECT_STREQ("beta,cafe", e[i].names);
			EXPECT_STREQ("gguf/beta", fmt);
		} else {
			EXPECT_STREQ("m", e[i].names);
			EXPECT_STREQ("gguf/alpha", fmt);
		}
	}
	EXPECT_LT(strcmp(e[0].id, e[1].id), 0);
	free(e);
}

TEST_F(store, not_a_model_leaves_nothing)
{
	char id[65], bad[128];
	struct ogx_store_entry *e;
	size_t n;

	snprintf(bad, sizeof(bad), "%s/bad.bin", self->home);
	ASSERT_EQ(0, ogx_write_file_atomic(bad, "hello, world, this is not a model", 33, 0644, 0));
	EXPECT_EQ(-EBADMSG, ogx_store_add(&self->s, bad, "bad", id));
	EXPECT_STREQ("not a GGUF file (bad magic) nor a llama2.c checkpoint "
		     "(header: dim 1819043176 out of range 1..65536)", ogx_errmsg(-EBADMSG));
	EXPECT_EQ(0, count_files(self->s.dir));
	/* a GGUF cut short */
	ASSERT_EQ(0, truncate(self->a, 128));	/* tensor infos whole, data gone */
	EXPECT_EQ(-EBADMSG, ogx_store_add(&self->s, self->a, NULL, id));
	EXPECT_STREQ("tensor 'x' truncated (want 16 bytes, have 0)", ogx_errmsg(-EBADMSG));
	EXPECT_EQ(0, count_files(self->s.dir));
	ASSERT_EQ(0, ogx_store_list(&self->s, &e, &n));
	EXPECT_EQ(0, n);
	free(e);
	EXPECT_EQ(-ENOENT, ogx_store_add(&self->s, "/no/such/model", NULL, id));
}

TEST_F(store, llama2c_checkpoint_and_broken_index)
{
	char id[65], path[PATH_MAX];
	const char *models = getenv("OGX_MODELS");
	struct ogx_model_probe p;

	ASSERT_NE(NULL, models);
	snprintf(path, sizeof(path), "%s/stories260K/stories260K.bin", models);
	ASSERT_EQ(0, ogx_model_probe(path, &p));
	EXPECT_EQ(OGX_FORMAT_LLAMA2C, p.format);
	EXPECT_EQ(64, p.llama.dim);
	EXPECT_EQ(512, p.llama.vocab_size);
	EXPECT_EQ(1056540, p.size);
	ASSERT_EQ(0, ogx_store_add(&self->s, path, "stories", id));
	EXPECT_STREQ("b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696", id);

	snprintf(path, sizeof(path), "%s/index", self->s.dir);
	ASSERT_EQ(0, ogx_write_file_atomic(path, "garbage\n", 8, 0644, 0));
	EXPECT_EQ(-EBADMSG, ogx_store_resolve(&self->s, "stories", path, sizeof(path), id));
	char want[PATH_MAX + 64];

	snprintf(want, sizeof(want), "%s/index: line 1 is not '<id> <name>'", self->s.dir);
	EXPECT_STREQ(want, ogx_errmsg(-EBADMSG));
}

TEST_HARNESS_MAIN
