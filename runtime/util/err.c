// SPDX-License-Identifier: GPL-2.0
/* Thread-local error detail; see err.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static __thread char ogx_err_buf[512];
static __thread int ogx_err_code;

int ogx_fail(int err, const char *fmt, ...)
{
	char buf[sizeof(ogx_err_buf)];
	va_list ap;

	/* Format aside first: the arguments may include ogx_errmsg() itself. */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	memcpy(ogx_err_buf, buf, sizeof(buf));
	ogx_err_code = err;
	return err;
}

const char *ogx_errmsg(int err)
{
	if (ogx_err_code && ogx_err_code == err && ogx_err_buf[0])
		return ogx_err_buf;
	return strerror(err < 0 ? -err : err);
}

void ogx_clearerr(void)
{
	ogx_err_code = 0;
	ogx_err_buf[0] = '\0';
}
