// SPDX-License-Identifier: GPL-2.0
/* See binding.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proof/binding.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

#define MAGIC "ogx-chain v1"

int ogx_binding_path(const char *key_path, char *out)
{
	int n = snprintf(out, PATH_MAX, "%s.chain", key_path);

	if (n < 0 || n >= PATH_MAX)
		return ogx_fail(-ENAMETOOLONG, "%s.chain: path too long", key_path);
	return 0;
}

/* The value of "name VALUE" at *s (one line); *s moves to the next line. */
static int line(char **s, const char *name, char **value)
{
	size_t nl = strlen(name);
	char *end;

	if (strncmp(*s, name, nl) || (*s)[nl] != ' ')
		return -EBADMSG;
	*value = *s + nl + 1;
	end = strchr(*value, '\n');
	if (!end)
		return -EBADMSG;
	*end = '\0';
	*s = end + 1;
	return 0;
}

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || !*v || *end || *v == '-' ? -EBADMSG : 0;
}

int ogx_binding_load(const char *key_path, struct ogx_binding *b)
{
	char path[PATH_MAX], *text = NULL, *s, *v;
	uint8_t *data;
	size_t len;
	int err;

	memset(b, 0, sizeof(*b));
	if ((err = ogx_binding_path(key_path, path)))
		return err;
	err = ogx_read_file(path, 4096 + PATH_MAX, &data, &len);
	if (err == -ENOENT)
		return err;
	if (err)
		return ogx_fail(err, "%s: %s", path, ogx_errmsg(err));
	text = malloc(len + 1);
	if (!text) {
		free(data);
		return -ENOMEM;
	}
	memcpy(text, data, len);
	text[len] = '\0';
	s = text;
	if (memchr(data, '\0', len) || strncmp(s, MAGIC "\n", sizeof(MAGIC))) {
		err = -EBADMSG;
		goto out;
	}
	s += sizeof(MAGIC);
	if ((err = line(&s, "node", &v)) || strlen(v) != 2 * OGX_PK_LEN ||
	    ogx_unhex(b->node, OGX_PK_LEN, v) || (err = line(&s, "epoch", &v)) ||
	    (err = parse_u64(v, &b->epoch)) || (err = line(&s, "start", &v)) ||
	    (err = parse_u64(v, &b->start)) || (err = line(&s, "spool", &v)) ||
	    strlen(v) != 2 * OGX_SPOOL_ID_LEN || ogx_unhex(b->spool, OGX_SPOOL_ID_LEN, v) ||
	    (err = line(&s, "path", &v)) || strlen(v) >= sizeof(b->path) || *s) {
		err = -EBADMSG;
		goto out;
	}
	strcpy(b->path, v);
out:
	free(text);
	free(data);
	if (err)
		return ogx_fail(-EBADMSG, "%s: not a chain binding (want the lines of %s: "
				"Documentation/proof-record.md, \"Chains and epochs\")", path,
				"proof/binding.h");
	return 0;
}

int ogx_binding_save(const char *key_path, const struct ogx_binding *b)
{
	char path[PATH_MAX], node[2 * OGX_PK_LEN + 1], id[2 * OGX_SPOOL_ID_LEN + 1], *text;
	int n, err;

	if ((err = ogx_binding_path(key_path, path)))
		return err;
	if (strchr(b->path, '\n'))
		return ogx_fail(-EINVAL, "%s: a spool path with a newline", path);
	ogx_hex(node, b->node, OGX_PK_LEN);
	ogx_hex(id, b->spool, OGX_SPOOL_ID_LEN);
	n = asprintf(&text, MAGIC "\nnode %s\nepoch %" PRIu64 "\nstart %" PRIu64 "\nspool %s\n"
		     "path %s\n", node, b->epoch, b->start, id, b->path);
	if (n < 0)
		return -ENOMEM;
	err = ogx_write_file_atomic(path, text, (size_t)n, 0600, 0);
	free(text);
	if (err)
		return ogx_fail(err, "%s: %s", path, ogx_errmsg(err));
	return 0;
}
