/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OGX_MEASURE_H
#define _OGX_MEASURE_H

#include <linux/types.h>

#include "uapi/linux/ogx.h"

int ogx_measure_exe(u8 out[OGX_DIGEST_SIZE], bool nowait);
void ogx_measure_exit(void);

#endif /* _OGX_MEASURE_H */
