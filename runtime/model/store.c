// SPDX-License-Identifier: GPL-2.0
/* The content-addressed model store; see store.h. */
#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/store.h"
#include "util/home.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

#define INDEX_MAX (16u << 20)

struct binding {
	char id[OGX_MODEL_ID_LEN + 1];
	char name[OGX_MODEL_NAME_MAX + 1];
};

struct index {
	struct binding *b;
	size_t n;
};

static bool is_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

static bool is_id(const char *s)
{
	return strlen(s) == OGX_MODEL_ID_LEN && is_hex(s, OGX_MODEL_ID_LEN);
}

int ogx_store_init(struct ogx_store *s, const char *home)
{
	if (!home)
		home = ogx_home();
	if ((size_t)snprintf(s->dir, sizeof(s->dir), "%s/models", home) >= sizeof(s->dir))
		return -ENAMETOOLONG;
	return 0;
}

int ogx_store_check_name(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > OGX_MODEL_NAME_MAX)
		return ogx_fail(-EINVAL, "model name must be 1 to %d characters",
				OGX_MODEL_NAME_MAX);
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			return ogx_fail(-EINVAL, "model name '%s' may only hold A-Z a-z 0-9 . _ -",
					name);
	/* A name must never be taken for an id or an id prefix. */
	if (len >= OGX_MODEL_ID_MIN_PREFIX && is_hex(name, len))
		return ogx_fail(-EINVAL, "model name '%s' looks like a model id", name);
	return 0;
}

static int path_in(const struct ogx_store *s, const char *leaf, char *out, size_t size)
{
	if ((size_t)snprintf(out, size, "%s/%s", s->dir, leaf) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* The index: a missing file is an empty index; a malformed one is an error. */
static int index_read(const struct ogx_store *s, struct index *ix)
{
	char path[PATH_MAX];
	uint8_t *data;
	size_t len, line = 0;
	char *p, *nl;
	int err;

	ix->b = NULL;
	ix->n = 0;
	err = path_in(s, "index", path, sizeof(path));
	if (!err)
		err = ogx_read_file(path, INDEX_MAX, &data, &len);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	for (p = (char *)data; *p; p = nl + 1) {
		struct binding *b;
		char *sp;

		line++;
		nl = strchr(p, '\n');
		if (!nl) {
			err = ogx_fail(-EBADMSG, "%s: line %zu is not terminated", path, line);
			break;
		}
		*nl = '\0';
		sp = strchr(p, ' ');
		if (!sp || sp - p != OGX_MODEL_ID_LEN || !is_hex(p, OGX_MODEL_ID_LEN) ||
		    ogx_store_check_name(sp + 1)) {
			err = ogx_fail(-EBADMSG, "%s: line %zu is not '<id> <name>'", path, line);
			break;
		}
		b = realloc(ix->b, (ix->n + 1) * sizeof(*b));
		if (!b) {
			err = -ENOMEM;
			break;
		}
		ix->b = b;
		memcpy(b[ix->n].id, p, OGX_MODEL_ID_LEN);
		b[ix->n].id[OGX_MODEL_ID_LEN] = '\0';
		snprintf(b[ix->n].name, sizeof(b[ix->n].name), "%s", sp + 1);
		ix->n++;
	}
	free(data);
	if (err) {
		free(ix->b);
		ix->b = NULL;
		ix->n = 0;
	}
	return err;
}

static int cmp_binding(const void *a, const void *b)
{
	return strcmp(((const struct binding *)a)->name, ((const struct binding *)b)->name);
}

static int index_write(const struct ogx_store *s, struct index *ix)
{
	char path[PATH_MAX];
	size_t line = OGX_MODEL_ID_LEN + OGX_MODEL_NAME_MAX + 2, len = 0;
	char *buf = malloc(ix->n * line + 1);
	int err;

	if (!buf)
		return -ENOMEM;
	qsort(ix->b, ix->n, sizeof(*ix->b), cmp_binding);
	for (size_t i = 0; i < ix->n; i++)
		len += (size_t)sprintf(buf + len, "%s %s\n", ix->b[i].id, ix->b[i].name);
	err = path_in(s, "index", path, sizeof(path));
	if (!err)
		err = ogx_write_file_atomic(path, buf, len, 0644, 0);
	free(buf);
	return err;
}

static const char *index_lookup(const struct index *ix, const char *name)
{
	for (size_t i = 0; i < ix->n; i++)
		if (!strcmp(ix->b[i].name, name))
			return ix->b[i].id;
	return NULL;
}

/* The store's lock: adds run one at a time, so that the index is never
 * rewritten from a stale copy and a refused name leaves nothing stored. */
static int store_lock(const struct ogx_store *s)
{
	char lock[PATH_MAX];
	int fd, err = path_in(s, ".lock", lock, sizeof(lock));

	if (err)
		return err;
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Whether name may be bound to id; with bind, bind it. Under the lock. */
static int bind_name(const struct ogx_store *s, const char *name, const char *id, bool bind)
{
	struct index ix;
	const char *cur;
	int err = index_read(s, &ix);

	if (err)
		return err;
	cur = index_lookup(&ix, name);
	if (cur && strcmp(cur, id)) {
		err = ogx_fail(-EEXIST, "name '%s' already names model %.12s", name, cur);
	} else if (!cur && bind) {
		struct binding *b = realloc(ix.b, (ix.n + 1) * sizeof(*b));

		if (!b) {
			err = -ENOMEM;
		} else {
			ix.b = b;
			snprintf(b[ix.n].id, sizeof(b[ix.n].id), "%s", id);
			snprintf(b[ix.n].name, sizeof(b[ix.n].name), "%s", name);
			ix.n++;
			err = index_write(s, &ix);
		}
	}
	free(ix.b);
	return err;
}

/* Copy src to the open fd while hashing it; fsync before returning. */
static int copy_hashing(const char *src, int out, uint8_t digest[OGX_DIGEST_LEN])
{
	struct ogx_sha256_ctx st;
	size_t cap = 1 << 20;
	uint8_t *buf = malloc(cap);
	int in = open(src, O_RDONLY | O_CLOEXEC), err = 0;
	struct stat sb;

	if (in < 0 || !buf) {
		err = in < 0 ? -errno : -ENOMEM;
		goto out;
	}
	if (fstat(in, &sb)) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		err = ogx_fail(-EINVAL, "not a regular file");
		goto out;
	}
	ogx_sha256_init(&st);
	for (;;) {
		ssize_t r = read(in, buf, cap);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto out;
		}
		if (r == 0)
			break;
		ogx_sha256_update(&st, buf, (size_t)r);
		err = ogx_write_all(out, buf, (size_t)r);
		if (err)
			goto out;
	}
	ogx_sha256_final(&st, digest);
	if (fchmod(out, 0444) || fsync(out))
		err = -errno;
out:
	if (in >= 0)
		close(in);
	free(buf);
	return err;
}

int ogx_store_add(struct ogx_store *s, const char *path, const char *name,
		  char id[OGX_MODEL_ID_LEN + 1])
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	uint8_t digest[OGX_DIGEST_LEN];
	struct ogx_model_probe probe;
	int fd, lock, err;

	if (name) {
		err = ogx_store_check_name(name);
		if (err)
			return err;
	}
	err = ogx_mkdirs(s->dir, 0755);
	if (!err)
		err = path_in(s, ".tmp-XXXXXX", tmp, sizeof(tmp));
	if (err)
		return err;
	lock = store_lock(s);
	if (lock < 0)
		return lock;
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = copy_hashing(path, fd, digest);
	if (close(fd) && !err)
		err = -errno;
	/* Check the copy, not the source: what is stored is what was checked. */
	if (!err)
		err = ogx_model_probe(tmp, &probe);
	if (!err) {
		ogx_hex(id, digest, OGX_DIGEST_LEN);
		err = path_in(s, id, dst, sizeof(dst));
	}
	if (!err && name)
		err = bind_name(s, name, id, false);
	if (!err && access(dst, F_OK) == 0) {
		unlink(tmp);		/* already stored: the same bytes */
	} else if (!err) {
		if (rename(tmp, dst))
			err = -errno;
		else
			err = ogx_fsync_dir(s->dir);
	}
	/* The file is in place before the name that points at it. */
	if (!err && name)
		err = bind_name(s, name, id, true);
	if (err)
		unlink(tmp);
out:
	close(lock);
	return err;
}

/* Stored ids starting with prefix: count them, keep the first. */
static int match_prefix(const struct ogx_store *s, const char *prefix, char *first)
{
	size_t plen = strlen(prefix);
	struct dirent *de;
	DIR *d = opendir(s->dir);
	int n = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!is_id(de->d_name) || strncmp(de->d_name, prefix, plen))
			continue;
		if (!n++)
			memcpy(first, de->d_name, OGX_MODEL_ID_LEN + 1);
	}
	closedir(d);
	return n;
}

static int regular_file(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	return S_ISREG(st.st_mode) ? 0 : ogx_fail(-EINVAL, "not a regular file");
}

static int resolve_path(const char *ref, char *path, size_t size, char *id)
{
	uint8_t digest[OGX_DIGEST_LEN];
	int err = regular_file(ref);

	if (err)
		return err;
	if ((size_t)snprintf(path, size, "%s", ref) >= size)
		return -ENAMETOOLONG;
	if (id) {
		err = ogx_sha256_file(digest, ref);
		if (err)
			return err;
		ogx_hex(id, digest, OGX_DIGEST_LEN);
	}
	return 0;
}

static int resolve_id(const struct ogx_store *s, const char *found, char *path, size_t size,
		      char *id)
{
	int err = path_in(s, found, path, size);

	if (!err && id)
		memcpy(id, found, OGX_MODEL_ID_LEN + 1);
	return err;
}

int ogx_store_resolve(struct ogx_store *s, const char *ref, char *path, size_t size,
		      char id[OGX_MODEL_ID_LEN + 1])
{
	char found[OGX_MODEL_ID_LEN + 1];
	struct index ix;
	const char *named;
	size_t len = strlen(ref);
	int n, err;

	if (strchr(ref, '/'))
		return resolve_path(ref, path, size, id);
	err = index_read(s, &ix);
	if (err)
		return err;
	named = index_lookup(&ix, ref);
	if (named)
		snprintf(found, sizeof(found), "%s", named);
	free(ix.b);
	if (named)
		return resolve_id(s, found, path, size, id);
	if (len >= OGX_MODEL_ID_MIN_PREFIX && len <= OGX_MODEL_ID_LEN && is_hex(ref, len)) {
		n = match_prefix(s, ref, found);
		if (n < 0)
			return n;
		if (n > 1)
			return ogx_fail(-EINVAL, "id prefix '%s' is ambiguous (%d models match)",
					ref, n);
		if (n == 1)
			return resolve_id(s, found, path, size, id);
	}
	if (len && regular_file(ref) == 0)
		return resolve_path(ref, path, size, id);
	if (len && len < OGX_MODEL_ID_MIN_PREFIX && is_hex(ref, len))
		return ogx_fail(-ENOENT, "no such model file or name (an id prefix needs %d digits)",
				OGX_MODEL_ID_MIN_PREFIX);
	return ogx_fail(-ENOENT, "no such model file, name or id");
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct ogx_store_entry *)a)->id,
		      ((const struct ogx_store_entry *)b)->id);
}

int ogx_store_list(struct ogx_store *s, struct ogx_store_entry **entries, size_t *count)
{
	struct ogx_store_entry *e = NULL;
	struct index ix;
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int err = index_read(s, &ix);

	if (err)
		return err;
	d = opendir(s->dir);
	if (!d && errno != ENOENT) {
		free(ix.b);
		return -errno;
	}
	while (d && (de = readdir(d))) {
		char path[PATH_MAX];
		struct ogx_store_entry *ne;

		if (!is_id(de->d_name))
			continue;
		ne = realloc(e, (n + 1) * sizeof(*e));
		if (!ne) {
			err = -ENOMEM;
			break;
		}
		e = ne;
		memset(&e[n], 0, sizeof(e[n]));
		memcpy(e[n].id, de->d_name, OGX_MODEL_ID_LEN + 1);
		for (size_t i = 0; i < ix.n; i++) {
			size_t used = strlen(e[n].names);

			if (strcmp(ix.b[i].id, e[n].id))
				continue;
			snprintf(e[n].names + used, sizeof(e[n].names) - used, "%s%s",
				 used ? "," : "", ix.b[i].name);
		}
		err = path_in(s, de->d_name, path, sizeof(path));
		e[n].probe_err = err ? err : ogx_model_probe(path, &e[n].probe);
		if (e[n].probe_err)
			snprintf(e[n].error, sizeof(e[n].error), "%s", ogx_errmsg(e[n].probe_err));
		err = 0;
		n++;
	}
	if (d)
		closedir(d);
	free(ix.b);
	if (err) {
		free(e);
		return err;
	}
	if (n)
		qsort(e, n, sizeof(*e), cmp_entry);
	*entries = e;
	*count = n;
	ogx_clearerr();
	return 0;
}
