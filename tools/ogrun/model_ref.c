// SPDX-License-Identifier: GPL-2.0
/*
 * A model reference (REF: a file, a name, an id or an id prefix of the
 * store) resolved to a file, for every ogrun command that takes a model.
 */
#include <stdio.h>

#include "model/store.h"
#include "ogrun.h"
#include "util/err.h"

int model_resolve(const char *ref, char *path, size_t size, char *id)
{
	struct ogx_store s;
	int err;

	err = ogx_store_init(&s, NULL);
	if (err)
		goto fail;
	err = ogx_store_resolve(&s, ref, path, size, id);
	if (err)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "%s: %s: %s\n", prog, ref, ogx_errmsg(err));
	return err;
}
