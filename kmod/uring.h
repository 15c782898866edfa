/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OGX_URING_H
#define _OGX_URING_H

struct io_uring_cmd;

int ogx_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags);

#endif /* _OGX_URING_H */
