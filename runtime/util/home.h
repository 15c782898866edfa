/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node's state directory: $OGX_HOME, default ~/.local/share/ogx (or
 * /var/lib/ogx without $HOME). Its node.key, node.key.chain, models/ and
 * spool/ are the defaults every tool uses (Documentation/architecture.md,
 * "State on a node").
 */
#ifndef OGX_UTIL_HOME_H
#define OGX_UTIL_HOME_H

#include <stddef.h>

#include "util/err.h"

const char *ogx_home(void);

/* $OGX_HOME/leaf into out. -ENAMETOOLONG (with detail) when it does not fit. */
OGX_MUST_CHECK
int ogx_default_path(char *out, size_t size, const char *leaf);

#endif
