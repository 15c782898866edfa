// SPDX-License-Identifier: GPL-2.0
/* What every ogrun job command shares to write its proof records. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ogrun.h"
#include "util/home.h"
#include "util/err.h"

int key_missing(const char *key)
{
	char def[PATH_MAX];

	if (!access(key, F_OK) || errno != ENOENT)
		return 0;
	if (!ogx_default_path(def, sizeof(def), "node.key") && !strcmp(key, def))
		fprintf(stderr, "%s: key %s: no node key (make one with: %s key gen)\n", prog,
			key, prog);
	else
		fprintf(stderr, "%s: key %s: no node key (make one with: %s key gen %s)\n", prog,
			key, prog, key);
	return -ENOENT;
}

int open_signer(struct ogx_signer *p, const char *key, const char *spool, uint32_t level,
		unsigned int levels, char *spool_used, size_t size)
{
	char kbuf[PATH_MAX], sbuf[PATH_MAX], msg[256];
	int err;

	if (!(levels & OGX_LEVELS(level))) {
		fprintf(stderr, "%s: level %s: this build of ogrun cannot provide it yet "
			"(never downgraded; use --level vanilla)\n", prog, ogx_level_name(level));
		return -ENOTSUP;
	}
	if (!key) {
		err = ogx_default_path(kbuf, sizeof(kbuf), "node.key");
		if (err)
			goto fail;
		key = kbuf;
	}
	if (!spool) {
		err = ogx_default_path(sbuf, sizeof(sbuf), "spool");
		if (err)
			goto fail;
		spool = sbuf;
	}
	if (spool_used)
		snprintf(spool_used, size, "%s", spool);
	err = key_missing(key);
	if (err)
		return err;
	err = ogx_signer_open(p, key, spool);
	if (err)
		goto fail;
	if (ogx_signer_recovery(p, msg, sizeof(msg)))
		fprintf(stderr, "%s: %s: %s\n", prog, spool, msg);
	return 0;
fail:
	fprintf(stderr, "%s: %s\n", prog, ogx_errmsg(err));
	return err;
}
