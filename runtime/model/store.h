/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node's content-addressed model store, under $OGX_HOME/models:
 *
 *   models/<id>     the model file, read-only; id = SHA-256 of its bytes, hex
 *   models/index    "<id> <name>\n" lines: names people gave models
 *   models/.lock    flock()ed while the index is rewritten
 *
 * A model is stored once however often it is added; a file is only ever
 * renamed into place complete, fsync'd and checked (it must probe as GGUF or
 * llama2.c), and the index is replaced atomically, so a crash leaves either
 * the old or the new state. A reference to a model (ogrun -m REF) is a path
 * to an existing file, a full id, a unique id prefix of at least 8 hex
 * digits, or a name.
 */
#ifndef OGX_MODEL_STORE_H
#define OGX_MODEL_STORE_H

#include <limits.h>
#include <stdint.h>

#include "model/probe.h"
#include "util/err.h"

#define OGX_MODEL_ID_LEN 64		/* hex digits */
#define OGX_MODEL_ID_MIN_PREFIX 8
#define OGX_MODEL_NAME_MAX 64

struct ogx_store {
	char dir[PATH_MAX];		/* .../models */
};

struct ogx_store_entry {
	char id[OGX_MODEL_ID_LEN + 1];
	char names[256];		/* comma-separated, "" when unnamed */
	struct ogx_model_probe probe;	/* format, arch, size */
	int probe_err;			/* when the stored file no longer probes... */
	char error[160];		/* ...why */
};

/* The store under home (NULL: ogx_home()); nothing is created until add. */
OGX_MUST_CHECK
int ogx_store_init(struct ogx_store *s, const char *home);

/*
 * Copy the model at path into the store and, with name, bind name to it.
 * Idempotent: adding the same bytes (and name) again changes nothing.
 * -EBADMSG/-EINVAL when the file is not a model, -EEXIST when name already
 * names another model, -EINVAL for a name that is not [A-Za-z0-9._-]{1,64}
 * or could be read as an id prefix.
 */
OGX_MUST_CHECK
int ogx_store_add(struct ogx_store *s, const char *path, const char *name,
		  char id[OGX_MODEL_ID_LEN + 1]);

/*
 * Find ref. path receives the file to open; id the model's id (for a path
 * outside the store it is computed by hashing the file), or pass NULL.
 * -ENOENT "no such model file, name or id" when nothing matches, -EINVAL for an
 * ambiguous id prefix.
 */
OGX_MUST_CHECK
int ogx_store_resolve(struct ogx_store *s, const char *ref, char *path, size_t size,
		      char id[OGX_MODEL_ID_LEN + 1]);

/* Every stored model, sorted by id; free *entries with free(). */
OGX_MUST_CHECK
int ogx_store_list(struct ogx_store *s, struct ogx_store_entry **entries, size_t *n);

/* Validation of a model name, as add does it. */
OGX_MUST_CHECK
int ogx_store_check_name(const char *name);

#endif
