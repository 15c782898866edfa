// SPDX-License-Identifier: GPL-2.0
/* ogrun key gen [FILE] | ogrun key show [FILE]: the node's signing key. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ogrun.h"
#include "proof/key.h"
#include "util/home.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

static int key_usage(FILE *f)
{
	fprintf(f, "Usage: %s key gen [FILE]\n       %s key show [FILE]\n"
		   "FILE defaults to $OGX_HOME/node.key (OGX_HOME: ~/.local/share/ogx).\n",
		prog, prog);
	return f == stdout ? 0 : 2;
}

/* A new key in path, its folder made if need be. */
static int generate_key(const char *path, struct ogx_key *key)
{
	int err;

	err = ogx_mkdirs_parent(path, 0700);
	if (err)
		return err;
	return ogx_key_generate(path, key);
}

int key_main(int argc, char **argv)
{
	char path[PATH_MAX], pkhex[2 * OGX_PK_LEN + 1];
	struct ogx_key key;
	int err;

	if (argc < 2 || argc > 3)
		return key_usage(stderr);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return key_usage(stdout);
	if (argc == 3) {
		snprintf(path, sizeof(path), "%s", argv[2]);
	} else {
		err = ogx_default_path(path, sizeof(path), "node.key");
		if (err) {
			fprintf(stderr, "%s: key: %s\n", prog, ogx_errmsg(err));
			return 1;
		}
	}

	if (!strcmp(argv[1], "gen")) {
		err = generate_key(path, &key);
	} else if (!strcmp(argv[1], "show")) {
		err = ogx_key_load(path, &key);
	} else {
		fprintf(stderr, "%s: key: '%s' is not a key command\n", prog, argv[1]);
		return key_usage(stderr);
	}
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(err));
		return 1;
	}
	ogx_hex(pkhex, key.pk, OGX_PK_LEN);
	printf("%s\n", pkhex);
	ogx_key_free(&key);
	return 0;
}
