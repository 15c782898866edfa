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
#include <stdlib.h>

/*
 * On each int ogx_*() whose result says whether it worked (0 or -errno, or a count, index or
 * fd that may be one); not where the error is kept for a later call (gguf_write.h's adders)
 * or dropping it is the documented use (ogx_prove_payment_headers()).
 */
#define OGX_MUST_CHECK __attribute__((warn_unused_result))

/*
 * For a call that cannot fail because its caller already checked what it would
 * refuse (the call site says which check): a failure there is a bug, and stops
 * the process rather than let it go on with what the call never wrote.
 */
static inline void ogx_cannot_fail(int err)
{
	if (err)
		abort();
}

/* Record a detail message for the current thread and return err (< 0). */
int ogx_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The detail of the last ogx_fail() on this thread, or strerror(-err). */
const char *ogx_errmsg(int err);

/* Forget any detail left by an earlier failure. */
void ogx_clearerr(void);

#endif
