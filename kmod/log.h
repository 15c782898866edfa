/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OGX_LOG_H
#define _OGX_LOG_H

#include <linux/types.h>

#include "uapi/linux/ogx.h"

int ogx_log_init(void);
void ogx_log_exit(void);
int ogx_log_append(struct ogx_extend *xs, unsigned int n, bool nowait);
int ogx_log_info(struct ogx_info *info, bool nowait);
int ogx_log_events(u64 *events, bool nowait);
ssize_t ogx_log_read(char __user *buf, size_t count, loff_t *pos);

#endif /* _OGX_LOG_H */
