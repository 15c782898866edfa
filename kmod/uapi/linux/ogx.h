/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ogx.h - UAPI of /dev/ogx, the measured-execution log of an ogx node.
 *
 * Userspace opens /dev/ogx and issues the commands below either as ioctl()s
 * or, with the same numbers in cmd_op, as io_uring IORING_OP_URING_CMD whose
 * 16-byte command area holds a struct ogx_uring_cmd pointing at the same
 * argument struct.  read() returns the event log as struct ogx_event records.
 *
 * Every argument struct is fixed-size and padded to 64 bits.  Its size is
 * encoded in the command number; a newer userspace may pass a longer struct
 * whose unknown tail is zero, an older one a shorter struct no smaller than
 * the first published version.  Unknown flags and non-zero padding are
 * rejected with -EINVAL.  In fields come first in each struct, Out fields
 * last; on success only the Out fields are written back.
 *
 * Usage (each ioctl() returns 0, or -1 with errno set):
 *
 *	int fd = open("/dev/ogx", O_RDWR | O_CLOEXEC);
 *
 *	struct ogx_info info = { 0 };
 *	ioctl(fd, OGX_IOCTL_INFO, &info);
 *		-> info.abi_version (check it is OGX_ABI_VERSION), boot_id,
 *		   events, head, and OGX_INFO_F_TPM with the PCR
 *
 *	struct ogx_extend x = { .type = OGX_EVENT_JOB };
 *	memcpy(x.model, model_sha256, OGX_DIGEST_SIZE);
 *		(and input, output, params, pipeline: digests, zero if none)
 *	ioctl(fd, OGX_IOCTL_EXTEND, &x);
 *		-> x.seq, x.time_ns, x.exe, x.digest, x.head, x.mac
 *
 *	struct ogx_extend xs[64];	(up to OGX_EXTEND_VEC_MAX, filled as x)
 *	struct ogx_extend_vec v = {
 *		.events = (__u64)(uintptr_t)xs,
 *		.count = 64,
 *		.stride = sizeof(xs[0]),
 *	};
 *	ioctl(fd, OGX_IOCTL_EXTEND_VEC, &v);
 *		-> v.done events appended with consecutive seqs, each element's
 *		   Out fields filled as by EXTEND
 *
 *	struct ogx_verify q = { .seq = x.seq };
 *	memcpy(q.digest, x.digest, OGX_DIGEST_SIZE);	(and head, mac)
 *	ioctl(fd, OGX_IOCTL_VERIFY, &q);
 *		-> 0 if this kernel instance issued it, else errno EBADMSG
 *
 *	struct ogx_event ev[64];
 *	ssize_t n = read(fd, ev, sizeof(ev));
 *		-> n / sizeof(ev[0]) whole records, oldest first, from the
 *		   file position (a seq, 0 after open); 0 when caught up
 *
 * Through io_uring: an IORING_OP_URING_CMD SQE on fd with cmd_op set to the
 * OGX_IOCTL_* number and its command area holding
 * struct ogx_uring_cmd { .addr = (__u64)(uintptr_t)&x }; the CQE's res is
 * 0 or -errno, as the ioctl() would have returned.
 */
#ifndef _UAPI_LINUX_OGX_H
#define _UAPI_LINUX_OGX_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define OGX_ABI_VERSION		1
#define OGX_DIGEST_SIZE		32
#define OGX_MAC_SIZE		32
#define OGX_BOOT_ID_SIZE	16

#define OGX_IOCTL_BASE		0xc7

/**
 * enum ogx_event_type - what an event records
 * @OGX_EVENT_MODEL_LOAD: a model was loaded; @model is its digest.
 * @OGX_EVENT_JOB: an inference job ran; all digests are meaningful.
 * @OGX_EVENT_KEY: a signing key was registered; @params is its public key
 *	digest.
 */
enum ogx_event_type {
	OGX_EVENT_MODEL_LOAD = 1,
	OGX_EVENT_JOB = 2,
	OGX_EVENT_KEY = 3,
};

/* The event records a job that failed; @output digests the error. */
#define OGX_EVENT_F_FAILED	(1U << 0)
#define OGX_EVENT_FLAGS_MASK	OGX_EVENT_F_FAILED

/* The event digests are also extended into a TPM PCR. */
#define OGX_INFO_F_TPM		(1U << 0)

/**
 * struct ogx_info - capability discovery and chain state
 * @abi_version: Out. %OGX_ABI_VERSION.
 * @flags: Out. %OGX_INFO_F_TPM when events are anchored in a TPM PCR.
 * @boot_id: Out. Random per module load; names the MAC key epoch.
 * @events: Out. Number of events so far; the next event gets this seq.
 * @dropped: Out. Events no longer in the read() ring (the oldest first).
 * @ring_events: Out. Capacity of the read() ring, in events.
 * @pcr: Out. The PCR extended when %OGX_INFO_F_TPM is set, else 0.
 * @head: Out. The chain head after the last event (zero before the first).
 */
struct ogx_info {
	__u32 abi_version;
	__u32 flags;
	__u8 boot_id[OGX_BOOT_ID_SIZE];
	__u64 events;
	__u64 dropped;
	__u32 ring_events;
	__u32 pcr;
	__u8 head[OGX_DIGEST_SIZE];
};

/**
 * struct ogx_extend - append one event to the log
 * @type: In. An &enum ogx_event_type.
 * @flags: In. %OGX_EVENT_F_* bits; unknown bits are rejected.
 * @model: In. Digest of the model weights.
 * @input: In. Digest of the job input.
 * @output: In. Digest of the job output.
 * @params: In. Digest of the job parameters.
 * @pipeline: In. Digest of the pipeline or shader set that ran.
 * @seq: Out. Sequence number the kernel assigned.
 * @time_ns: Out. CLOCK_REALTIME when the event was appended.
 * @exe: Out. SHA-256 of the calling process's executable.
 * @digest: Out. SHA-256 of the event as read() returns it, up to @digest.
 * @head: Out. The chain head after this event: SHA-256(previous head ‖
 *	@digest).
 * @mac: Out. BLAKE2s-256 keyed with the boot key over @seq (little
 *	endian) ‖ @head ‖ @digest; only this kernel can check it (VERIFY).
 *
 * Out fields are ignored on input.
 */
struct ogx_extend {
	__u32 type;
	__u32 flags;
	__u8 model[OGX_DIGEST_SIZE];
	__u8 input[OGX_DIGEST_SIZE];
	__u8 output[OGX_DIGEST_SIZE];
	__u8 params[OGX_DIGEST_SIZE];
	__u8 pipeline[OGX_DIGEST_SIZE];
	__u64 seq;
	__u64 time_ns;
	__u8 exe[OGX_DIGEST_SIZE];
	__u8 digest[OGX_DIGEST_SIZE];
	__u8 head[OGX_DIGEST_SIZE];
	__u8 mac[OGX_MAC_SIZE];
};

/* Size of the first published struct ogx_extend, the smallest accepted. */
#define OGX_EXTEND_SIZE_VER0	280

/* Events one EXTEND_VEC may carry. */
#define OGX_EXTEND_VEC_MAX	64

/**
 * struct ogx_extend_vec - append several events with one command
 * @events: In. User pointer to @count &struct ogx_extend, @stride bytes
 *	apart. Their In fields are read; their Out fields are written for the
 *	events appended, exactly as EXTEND would write them.
 * @count: In. Number of events, 1 to %OGX_EXTEND_VEC_MAX.
 * @stride: In. sizeof(struct ogx_extend) as userspace was built with: at
 *	least %OGX_EXTEND_SIZE_VER0, a multiple of 8, at most 4096; a longer
 *	element's unknown tail must be zero.
 * @flags: In. Must be zero.
 * @done: Out. Number of events appended, from the first element on; they
 *	got consecutive sequence numbers.
 *
 * Every element is read and validated before any is appended: a bad
 * element (-EINVAL, -E2BIG) or an unreadable one (-EFAULT) appends none.
 * The events are appended in order under one lock, so no other extender's
 * event falls between them. If the TPM extend of event k > 0 fails, the
 * call still succeeds with @done = k, like a short write(); the next call
 * reports the error. Once events are appended, a failure to write results
 * back is -EFAULT, the events stay in the log (as for EXTEND).
 */
struct ogx_extend_vec {
	__u64 events;
	__u32 count;
	__u32 stride;
	__u32 flags;
	__u32 done;
};

/**
 * struct ogx_verify - check that an event's evidence came from this kernel
 * @seq: In. Sequence number of the event.
 * @flags: In. Must be zero.
 * @pad: In. Must be zero.
 * @digest: In. The event digest.
 * @head: In. The chain head after the event.
 * @mac: In. The MAC EXTEND returned.
 *
 * Returns 0 when the MAC is genuine and @seq was issued, -EBADMSG otherwise.
 */
struct ogx_verify {
	__u64 seq;
	__u32 flags;
	__u32 pad;
	__u8 digest[OGX_DIGEST_SIZE];
	__u8 head[OGX_DIGEST_SIZE];
	__u8 mac[OGX_MAC_SIZE];
};

/**
 * struct ogx_uring_cmd - the command area of a 64-byte IORING_OP_URING_CMD SQE
 * @addr: In. User pointer to the argument struct of cmd_op.
 * @pad: In. Must be zero.
 *
 * The argument lives in user memory, not in the SQE, so a plain 64-byte SQE
 * ring suffices; rings set up with IORING_SETUP_SQE128 are rejected with
 * -EINVAL (a future inline form may use them), and so is
 * IORING_URING_CMD_FIXED in the SQE's uring_cmd_flags.
 */
struct ogx_uring_cmd {
	__u64 addr;
	__u64 pad;
};

/**
 * struct ogx_event - one record of the read() log
 * @seq: Sequence number, little endian.
 * @time_ns: CLOCK_REALTIME at append, little endian.
 * @type: &enum ogx_event_type, little endian.
 * @flags: %OGX_EVENT_F_* bits, little endian.
 * @exe: SHA-256 of the executable that appended the event.
 * @model: As in &struct ogx_extend.
 * @input: As in &struct ogx_extend.
 * @output: As in &struct ogx_extend.
 * @params: As in &struct ogx_extend.
 * @pipeline: As in &struct ogx_extend.
 * @digest: SHA-256 of the bytes of this record before @digest.
 * @head: Chain head after this event: SHA-256(previous head ‖ @digest).
 *
 * read() returns whole records only, oldest first, from the file position
 * (a sequence number) onward; 0 when the reader has caught up.
 */
struct ogx_event {
	__le64 seq;
	__le64 time_ns;
	__le32 type;
	__le32 flags;
	__u8 exe[OGX_DIGEST_SIZE];
	__u8 model[OGX_DIGEST_SIZE];
	__u8 input[OGX_DIGEST_SIZE];
	__u8 output[OGX_DIGEST_SIZE];
	__u8 params[OGX_DIGEST_SIZE];
	__u8 pipeline[OGX_DIGEST_SIZE];
	__u8 digest[OGX_DIGEST_SIZE];
	__u8 head[OGX_DIGEST_SIZE];
};

#define OGX_IOCTL_INFO		_IOWR(OGX_IOCTL_BASE, 0x00, struct ogx_info)
#define OGX_IOCTL_EXTEND	_IOWR(OGX_IOCTL_BASE, 0x01, struct ogx_extend)
#define OGX_IOCTL_VERIFY	_IOWR(OGX_IOCTL_BASE, 0x02, struct ogx_verify)
#define OGX_IOCTL_EXTEND_VEC	_IOWR(OGX_IOCTL_BASE, 0x03, struct ogx_extend_vec)

#endif /* _UAPI_LINUX_OGX_H */
