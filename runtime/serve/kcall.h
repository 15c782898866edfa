/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ogx.ko commands on the loop's ring (kcall.c). A worker that needs the
 * kernel's evidence for its records asks for it with ogx_kcall_evidence(), which
 * hands the loop one linked chain of uring_cmds through the mailbox and
 * waits for it; the loop submits the chain (ogx_kcall_submit) and completes it
 * from its CQEs (ogx_kcall_cqe).
 */
#ifndef OGX_SERVE_KCALL_H
#define OGX_SERVE_KCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "proof/kmod.h"
#include "serve/ring.h"
#include "util/err.h"

struct srv;
struct ogx_record;

/* The node's module, when /dev/ogx was there at start: level tee. */
struct tee {
	struct ogx_kmod kmod;
	bool present;
	const char *label;	/* its records' evidence: tee/kmod-sw or tee/kmod-tpm */
	uint64_t cmds;		/* uring_cmds to /dev/ogx completed (loop) */
	unsigned int attests;	/* attestations waiting for the module's INFO (loop) */
};

/* One command of a chain. */
struct kcmd {
	struct op op;		/* first: the CQE's user data is the command */
	unsigned int cmd;	/* the ioctl number (cmd_op) */
	void *arg;
	int res;		/* its result (-ECANCELED: not run) */
};

struct kcall {
	unsigned int n, left;	/* commands; completions still to come */
	bool done;		/* every completion is in (under the mailbox's lock) */
	struct kcmd c[];
};

/*
 * Worker: the kernel's events for n tee records, in order (one INFO and one
 * EXTEND_VEC per OGX_EXTEND_VEC_MAX records), their evidence filled in.
 * Called under the signer's lock. Errors with detail; -ESHUTDOWN when the
 * loop has stopped.
 */
OGX_MUST_CHECK
int ogx_kcall_evidence(struct srv *s, struct ogx_record **rs, unsigned int n);

/* Loop: a kcall taken from the mailbox onto the ring, and its completions. */
void ogx_kcall_submit(struct srv *s, struct kcall *kc);
void ogx_kcall_cqe(struct srv *s, struct op *op, int res);

#endif
