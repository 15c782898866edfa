// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ogx: the misc device, its file operations and the command dispatch
 * shared by ioctl() and uring_cmd.
 *
 * A command number is the _IOWR() encoding of its struct; its size field is
 * the size userspace was built with. Shorter than the first version, or not
 * a multiple of 8, is -EINVAL; longer with a non-zero tail is -E2BIG
 * (copy_struct_from_user()); an unknown number is -ENOTTY. On success only
 * the struct's Out fields are written back. Open files hold a
 * module reference (.owner), so the module cannot go while one is open, and
 * an io_uring holding the file holds it too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/stddef.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "dev.h"
#include "log.h"
#include "mac.h"
#include "measure.h"
#include "tpm.h"
#include "uring.h"

union ogx_args {
	struct ogx_info info;
	struct ogx_extend extend;
	struct ogx_verify verify;
	struct ogx_extend_vec extend_vec;
};

static int ogx_cmd_info(union ogx_args *a, bool nowait)
{
	struct ogx_info *info = &a->info;

	memset(info, 0, sizeof(*info));
	info->abi_version = OGX_ABI_VERSION;
	if (ogx_tpm_anchored())
		info->flags |= OGX_INFO_F_TPM;
	info->pcr = ogx_tpm_pcr();
	ogx_mac_boot_id(info->boot_id);
	return ogx_log_info(info, nowait);
}

static int ogx_extend_check(const struct ogx_extend *x)
{
	if (x->type < OGX_EVENT_MODEL_LOAD || x->type > OGX_EVENT_KEY)
		return -EINVAL;
	if (x->flags & ~OGX_EVENT_FLAGS_MASK)
		return -EINVAL;
	return 0;
}

/*
 * Measures the caller's executable once for xs[0..n), appends them and MACs
 * those appended (outside the chain lock: the MAC needs only the event).
 * Returns how many were appended, or -errno when none was: -EAGAIN with
 * @nowait when hashing the executable or extending the TPM would sleep.
 */
static int ogx_extend(struct ogx_extend *xs, unsigned int n, bool nowait)
{
	u8 exe[OGX_DIGEST_SIZE];
	unsigned int i;
	int ret;

	ret = ogx_measure_exe(exe, nowait);
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		memcpy(xs[i].exe, exe, OGX_DIGEST_SIZE);
	ret = ogx_log_append(xs, n, nowait);
	if (ret < 0)
		return ret;
	for (i = 0; i < ret; i++)
		ogx_mac(xs[i].mac, xs[i].seq, xs[i].head, xs[i].digest);
	return ret;
}

static int ogx_cmd_extend(union ogx_args *a, bool nowait)
{
	int ret;

	ret = ogx_extend_check(&a->extend);
	if (ret)
		return ret;
	ret = ogx_extend(&a->extend, 1, nowait);
	return ret < 0 ? ret : 0;
}

/*
 * Every element is read and validated before anything is appended; results
 * go back only for the events appended. Only the In part of an element is
 * read and only its Out part written: they are the two halves of struct
 * ogx_extend, in that order. An element longer than the struct (a newer
 * userspace) is taken while its tail is zero.
 */
static int ogx_cmd_extend_vec(union ogx_args *a, bool nowait)
{
	const size_t in = offsetof(struct ogx_extend, seq);
	const size_t size = sizeof(struct ogx_extend);
	struct ogx_extend_vec *v = &a->extend_vec;
	void __user *uevents = u64_to_user_ptr(v->events);
	struct ogx_extend *xs;
	unsigned int i;
	int ret = 0;

	if (v->flags || !v->count || v->stride < OGX_EXTEND_SIZE_VER0 ||
	    v->stride % sizeof(__u64))
		return -EINVAL;
	if (v->count > OGX_EXTEND_VEC_MAX || v->stride > PAGE_SIZE)
		return -E2BIG;
	xs = kmalloc_array(v->count, size, GFP_KERNEL);
	if (!xs)
		return -ENOMEM;
	for (i = 0; i < v->count && !ret; i++) {
		void __user *u = uevents + i * v->stride;

		if (copy_from_user(&xs[i], u, in)) {
			ret = -EFAULT;
		} else if (v->stride > size) {
			ret = check_zeroed_user(u + size, v->stride - size);
			ret = ret < 0 ? ret : ret ? 0 : -E2BIG;
		}
		if (!ret)
			ret = ogx_extend_check(&xs[i]);
	}
	if (ret)
		goto out;
	ret = ogx_extend(xs, v->count, nowait);
	if (ret < 0)
		goto out;
	v->done = ret;
	ret = 0;
	for (i = 0; i < v->done && !ret; i++)
		if (copy_to_user(uevents + i * v->stride + in, (u8 *)&xs[i] + in,
				 min_t(size_t, v->stride, size) - in))
			ret = -EFAULT;
out:
	kfree(xs);
	return ret;
}

static int ogx_cmd_verify(union ogx_args *a, bool nowait)
{
	struct ogx_verify *v = &a->verify;
	u64 events;
	int ret;

	if (v->flags || v->pad)
		return -EINVAL;
	ret = ogx_log_events(&events, nowait);
	if (ret)
		return ret;
	if (v->seq >= events ||
	    !ogx_mac_valid(v->mac, v->seq, v->head, v->digest))
		return -EBADMSG;
	return 0;
}

/*
 * Indexed by _IOC_NR() of the command; a hole (a number never published) has
 * no ->fn and is -ENOTTY, as is anything past the end.
 */
static const struct ogx_command {
	size_t size;		/* the struct as this module knows it */
	size_t min_size;	/* its first published version */
	size_t out;		/* where its Out fields begin: they end it */
	int (*fn)(union ogx_args *a, bool nowait);
} ogx_commands[] = {
	[_IOC_NR(OGX_IOCTL_INFO)] = {
		.size = sizeof(struct ogx_info),
		.min_size = sizeof(struct ogx_info),
		.out = 0,
		.fn = ogx_cmd_info,
	},
	[_IOC_NR(OGX_IOCTL_EXTEND)] = {
		.size = sizeof(struct ogx_extend),
		.min_size = OGX_EXTEND_SIZE_VER0,
		.out = offsetof(struct ogx_extend, seq),
		.fn = ogx_cmd_extend,
	},
	[_IOC_NR(OGX_IOCTL_VERIFY)] = {
		.size = sizeof(struct ogx_verify),
		.min_size = sizeof(struct ogx_verify),
		.out = sizeof(struct ogx_verify),
		.fn = ogx_cmd_verify,
	},
	[_IOC_NR(OGX_IOCTL_EXTEND_VEC)] = {
		.size = sizeof(struct ogx_extend_vec),
		.min_size = sizeof(struct ogx_extend_vec),
		.out = offsetof(struct ogx_extend_vec, done),
		.fn = ogx_cmd_extend_vec,
	},
};

/*
 * Runs command @cmd on the argument at @uarg. With @nowait (a uring_cmd
 * issued with IO_URING_F_NONBLOCK) a command that would sleep - hashing an
 * executable not yet cached, a TPM extend, waiting for the chain lock
 * while its holder is in the TPM - returns -EAGAIN having changed nothing
 * and written nothing back, and io_uring issues it again from a worker.
 * Faulting in the argument and EXTEND_VEC's buffer allocation may still
 * sleep, as they may in any uring_cmd.
 */
long ogx_command(unsigned int cmd, void __user *uarg, bool nowait)
{
	const struct ogx_command *c;
	size_t usize = _IOC_SIZE(cmd);
	union ogx_args a;
	int ret;

	if (_IOC_TYPE(cmd) != OGX_IOCTL_BASE ||
	    _IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE) ||
	    _IOC_NR(cmd) >= ARRAY_SIZE(ogx_commands))
		return -ENOTTY;
	c = &ogx_commands[_IOC_NR(cmd)];
	if (!c->fn)
		return -ENOTTY;
	if (usize < c->min_size || usize % sizeof(__u64))
		return -EINVAL;
	ret = copy_struct_from_user(&a, c->size, uarg, usize);
	if (ret)
		return ret;
	ret = c->fn(&a, nowait);
	if (ret)
		return ret;
	/*
	 * Only the Out fields go back (none for VERIFY); a longer struct's
	 * tail was checked to be zero and stays so. Out fields all lie in
	 * the first published version: min_size >= out.
	 */
	if (c->out < c->size &&
	    copy_to_user(uarg + c->out, (u8 *)&a + c->out,
			 min(usize, c->size) - c->out))
		return -EFAULT;
	return 0;
}

static long ogx_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return ogx_command(cmd, (void __user *)arg, false);
}

static int ogx_open(struct inode *inode, struct file *file)
{
	/* The file position is a sequence number, not a byte offset. */
	return nonseekable_open(inode, file);
}

static ssize_t ogx_read(struct file *file, char __user *buf, size_t count,
			loff_t *pos)
{
	return ogx_log_read(buf, count, pos);
}

static const struct file_operations ogx_fops = {
	.owner = THIS_MODULE,
	.open = ogx_open,
	.read = ogx_read,
	.unlocked_ioctl = ogx_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.uring_cmd = ogx_uring_cmd,
};

static struct miscdevice ogx_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ogx",
	.fops = &ogx_fops,
};

int __init ogx_dev_init(void)
{
	/*
	 * The argument structs are ABI: their sizes are in the command
	 * numbers userspace was built with, and the Out fields ogx_command()
	 * writes back must all lie in the first published version of each.
	 */
	BUILD_BUG_ON(sizeof(struct ogx_info) != 80);
	BUILD_BUG_ON(sizeof(struct ogx_extend) != 312);
	BUILD_BUG_ON(OGX_EXTEND_SIZE_VER0 != 280);
	BUILD_BUG_ON(offsetof(struct ogx_extend, seq) != 168);
	BUILD_BUG_ON(sizeof(struct ogx_verify) != 112);
	BUILD_BUG_ON(sizeof(struct ogx_extend_vec) != 24);
	BUILD_BUG_ON(offsetof(struct ogx_extend_vec, done) != 20);
	return misc_register(&ogx_misc);
}

void __exit ogx_dev_exit(void)
{
	misc_deregister(&ogx_misc);
}
