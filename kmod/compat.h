/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place that knows kernel versions: shims for the APIs that differ
 * between the kernels ogx.ko is built for (Debian 12's 6.1 and 6.12), in the
 * manner of WireGuard's compat layer. `make -C kmod style` runs checkpatch on
 * this file without its LINUX_VERSION_CODE checks.
 */
#ifndef _OGX_COMPAT_H
#define _OGX_COMPAT_H

#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/rcupdate.h>
#include <linux/version.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif

/* 6.6 passes the whole SQE; 6.1 a pointer to its command area. */
static inline const void *ogx_uring_cmd_payload(struct io_uring_cmd *c)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return io_uring_sqe_cmd(c->sqe);
#else
	return c->cmd;
#endif
}

/* get_mm_exe_file() is not exported; this is its body in each version. */
static inline struct file *ogx_mm_exe_file(struct mm_struct *mm)
{
	struct file *exe;

	rcu_read_lock();
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	exe = get_file_rcu(&mm->exe_file);
#else
	exe = rcu_dereference(mm->exe_file);
	if (exe && !get_file_rcu(exe))
		exe = NULL;
#endif
	rcu_read_unlock();
	return exe;
}

/* 6.6 and 6.7 put ctime and mtime behind accessors. */
static inline void ogx_inode_times(struct inode *inode,
				   struct timespec64 *ctime,
				   struct timespec64 *mtime)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	*ctime = inode_get_ctime(inode);
	*mtime = inode_get_mtime(inode);
#else
	*ctime = inode->i_ctime;
	*mtime = inode->i_mtime;
#endif
}

#endif /* _OGX_COMPAT_H */
