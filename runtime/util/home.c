// SPDX-License-Identifier: GPL-2.0
/* See home.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/home.h"

const char *ogx_home(void)
{
	static char buf[4096];
	const char *h = getenv("OGX_HOME");

	if (h && *h)
		return h;
	h = getenv("HOME");
	snprintf(buf, sizeof(buf), "%s/.local/share/ogx", h && *h ? h : "/var/lib");
	return buf;
}

int ogx_default_path(char *out, size_t size, const char *leaf)
{
	if ((size_t)snprintf(out, size, "%s/%s", ogx_home(), leaf) >= size)
		return ogx_fail(-ENAMETOOLONG, "%s: its path in the node's home ($OGX_HOME) is "
				"longer than %zu bytes", leaf, size - 1);
	return 0;
}
