/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Error detail for the runtime. Functions return 0 or a negative errno; when
 * the errno alone would not tell a user what went wrong, the function also
 * leaves one line of detail in a thread-local buffer with ogx_fail(), which
 * the tool prints as "tool: thing: detail".
 */
#ifndef OGX_UTIL_ERR_H
#define OGX_UTIL_ERR_H

#include <errno.h>

/* Record a detail message for the current thread and return err (< 0). */
int ogx_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The detail of the last ogx_fail() on this thread, or strerror(-err). */
const char *ogx_errmsg(int err);

/* Forget any detail left by an earlier failure. */
void ogx_clearerr(void);

#endif
