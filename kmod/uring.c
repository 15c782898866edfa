// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_OP_URING_CMD on /dev/ogx: the same commands as ioctl(), with the
 * ioctl number in cmd_op, so that a runtime can batch many EXTENDs into one
 * io_uring_enter().
 *
 * The SQE's 16-byte command area holds a struct ogx_uring_cmd pointing at
 * the argument in user memory, so rings need no IORING_SETUP_SQE128; such
 * rings are rejected. The command area may sit in the ring shared with
 * userspace, which can rewrite it at any time: it is read once with
 * READ_ONCE() and only the snapshot is validated and used.
 *
 * io_uring first issues a command from io_uring_enter() with
 * IO_URING_F_NONBLOCK, in the submitting thread (a server's event loop). A
 * command that would then sleep - the TPM extend with pcr= set, hashing an
 * executable not yet cached, the chain lock held across a TPM command -
 * returns -EAGAIN before changing anything, and io_uring issues it again,
 * blocking, from an io-wq worker, which shares the submitter's mm and so
 * its executable. Either way a command completes with the ioctl's return
 * value. Unlinked SQEs that were punted may run in any order: link them
 * (IOSQE_IO_LINK) where the order of their seqs matters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/kernel.h>

#include "compat.h"
#include "dev.h"
#include "uring.h"
#include "uapi/linux/ogx.h"

int ogx_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags)
{
	const struct ogx_uring_cmd *payload;
	u64 addr, pad;

	/* The command area of a 64-byte SQE: ABI. */
	BUILD_BUG_ON(sizeof(struct ogx_uring_cmd) != 16);
	if (issue_flags & IO_URING_F_SQE128)
		return -EINVAL;
	/* The argument is a user pointer, never a registered buffer. */
	if (ioucmd->flags & IORING_URING_CMD_FIXED)
		return -EINVAL;
	payload = ogx_uring_cmd_payload(ioucmd);
	addr = READ_ONCE(payload->addr);
	pad = READ_ONCE(payload->pad);
	if (pad)
		return -EINVAL;
	return ogx_command(ioucmd->cmd_op, u64_to_user_ptr(addr),
			   issue_flags & IO_URING_F_NONBLOCK);
}
