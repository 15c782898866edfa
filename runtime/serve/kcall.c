// SPDX-License-Identifier: GPL-2.0
/*
 * ogx.ko commands on the loop's ring: the loop owns all I/O, /dev/ogx
 * included. A worker that needs the kernel's evidence for a batch hands the
 * loop a kcall, a chain of IORING_OP_URING_CMD commands linked in order, and
 * waits for their completions. ogx.ko runs a command in the loop thread, or
 * where it would sleep there (the TPM with pcr= set) on an io-wq worker of
 * it: either way the executable it measures is this process's, as with an
 * ioctl from the worker, and the link keeps the commands in order. The worker waits holding the signer's
 * lock (the module's log and the spool must list the events in one order),
 * so the loop never takes that lock (ogx_records_attest() reads a snapshot).
 *
 * A linked chain stops at its first failure: the commands after it complete
 * with -ECANCELED and append nothing. When the loop has stopped, a waiting
 * worker gets -ESHUTDOWN instead of waiting for ever.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proof/kmod_evidence.h"
#include "serve/kcall.h"
#include "serve/server.h"
#include "util/err.h"

/* Hand kc to the loop and wait for its completions. */
static int kcall_run(struct srv *s, struct kcall *kc)
{
	struct msg *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->kc = kc;
	kc->left = kc->n;
	kc->done = false;
	for (unsigned int i = 0; i < kc->n; i++)
		kc->c[i].res = -ECANCELED;
	return ogx_mailbox_call(&s->mb, m, &kc->done);
}

void ogx_kcall_submit(struct srv *s, struct kcall *kc)
{
	/* the whole chain in one submission: a link does not span two */
	ring_reserve(&s->loop.ring, kc->n);
	for (unsigned int i = 0; i < kc->n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&s->loop.ring);
		struct kcmd *k = &kc->c[i];

		ogx_kmod_prep_cmd(sqe, s->tee.kmod.fd, k->cmd, k->arg);
		if (i + 1 < kc->n)
			sqe->flags |= IOSQE_IO_LINK;
		k->op = (struct op){ .type = OP_KMOD, .kc = kc };
		io_uring_sqe_set_data(sqe, &k->op);
	}
}

void ogx_kcall_cqe(struct srv *s, struct op *op, int res)
{
	struct kcall *kc = op->kc;

	s->tee.cmds++;
	((struct kcmd *)op)->res = res;
	if (--kc->left)
		return;
	ogx_mailbox_complete(&s->mb, &kc->done);
}

/* A kcall for n commands, or NULL; the caller sets each command and frees it. */
static struct kcall *kcall_new(unsigned int n)
{
	struct kcall *kc = calloc(1, sizeof(*kc) + n * sizeof(kc->c[0]));

	if (kc)
		kc->n = n;
	return kc;
}

/*
 * The kernel's events for n records, in order, through the loop: one INFO
 * and one EXTEND_VEC per OGX_EXTEND_VEC_MAX records in one linked chain (a
 * module without EXTEND_VEC: the INFO, then one EXTEND per record). On an
 * error no record has evidence; events the module appended before the
 * failure stay in its log, belonging to no record (as with the ioctls).
 */
int ogx_kcall_evidence(struct srv *s, struct ogx_record **rs, unsigned int n)
{
	unsigned int nvec = (n + OGX_EXTEND_VEC_MAX - 1) / OGX_EXTEND_VEC_MAX;
	struct ogx_extend_vec *vec = calloc(nvec, sizeof(*vec));
	struct ogx_extend *xs = calloc(n, sizeof(*xs));
	struct kcall *kc = kcall_new(1 + nvec);
	struct ogx_info info = { 0 };
	bool single = false;
	int err = 0;

	if (!vec || !xs || !kc) {
		err = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < n; i++)
		ogx_kmod_event_of(&xs[i], rs[i], NULL);
	kc->c[0] = (struct kcmd){ .cmd = OGX_IOCTL_INFO, .arg = &info };
	for (unsigned int v = 0; v < nvec; v++) {
		unsigned int at = v * OGX_EXTEND_VEC_MAX;

		vec[v] = (struct ogx_extend_vec){
			.events = (uintptr_t)&xs[at],
			.count = n - at < OGX_EXTEND_VEC_MAX ? n - at : OGX_EXTEND_VEC_MAX,
			.stride = sizeof(xs[0]),
		};
		kc->c[1 + v] = (struct kcmd){ .cmd = OGX_IOCTL_EXTEND_VEC, .arg = &vec[v] };
	}
	err = kcall_run(s, kc);
	if (!err && kc->c[0].res < 0)
		err = ogx_fail(kc->c[0].res, "%s: INFO: %s", OGX_KMOD_DEV,
			       strerror(-kc->c[0].res));
	if (!err && kc->c[1].res == -ENOTTY) {
		/* an older module: one EXTEND per record, still one chain */
		free(kc);
		kc = kcall_new(n);
		if (!kc) {
			err = -ENOMEM;
			goto out;
		}
		for (unsigned int i = 0; i < n; i++)
			kc->c[i] = (struct kcmd){ .cmd = OGX_IOCTL_EXTEND, .arg = &xs[i] };
		single = true;
		err = kcall_run(s, kc);
	}
	/* the EXTENDs, or the EXTEND_VECs after the INFO */
	for (unsigned int i = single ? 0 : 1; !err && i < kc->n; i++) {
		int res = kc->c[i].res;

		if (res < 0)
			err = ogx_fail(res, "%s: %s: %s", OGX_KMOD_DEV,
				       single ? "EXTEND" : "EXTEND_VEC", strerror(-res));
		else if (!single && vec[i - 1].done != vec[i - 1].count)
			err = ogx_fail(-EIO, "%s: EXTEND_VEC: %u of %u events appended",
				       OGX_KMOD_DEV, vec[i - 1].done, vec[i - 1].count);
	}
	for (unsigned int i = 0; !err && i < n; i++)
		err = ogx_kmod_evidence_fill(rs[i], &info, &xs[i]);
out:
	free(kc);
	free(xs);
	free(vec);
	return err;
}
