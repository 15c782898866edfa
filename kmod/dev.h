/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OGX_DEV_H
#define _OGX_DEV_H

#include <linux/compiler_types.h>
#include <linux/types.h>

int ogx_dev_init(void);
void ogx_dev_exit(void);
long ogx_command(unsigned int cmd, void __user *uarg, bool nowait);

#endif /* _OGX_DEV_H */
