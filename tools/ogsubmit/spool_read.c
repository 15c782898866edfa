// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit run: reading the spool and checking every record before it may
 * go into a batch (see daemon.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "ogsubmit.h"
#include "proof/kmod_evidence.h"
#include "proof/record.h"
#include "util/err.h"

/*
 * Kernel evidence (TEE records): its form and event digest always; its MAC
 * through /dev/ogx VERIFY when the module is loaded and the evidence is of
 * this boot (the MAC key lives only as long as the module: evidence of an
 * earlier boot can be checked for form only, and is counted).
 */
static int check_kernel(struct ogs *s, const struct ogx_record *r)
{
	struct ogx_kmod_evidence ev;
	int err;

	struct ogx_info info;

	if (!r->kernel.present)
		return ogx_fail(-EBADMSG, "a TEE record without kernel evidence");
	if ((err = ogx_kmod_evidence_check(r, &ev)))
		return err;
	if (!s->kmod_tried) {
		/* Opened at the first record that needs it, not at start. */
		s->kmod_tried = true;
		/* ogx_kmod_open()'s detail names the device already. */
		err = ogx_kmod_open(&s->kmod, NULL);
		if (!err && (err = ogx_kmod_info(&s->kmod, &info))) {
			err = ogx_fail(err, "%s: INFO: %s", OGX_KMOD_DEV, strerror(-err));
			ogx_kmod_close(&s->kmod);
		}
		if (err) {
			fprintf(stderr, "%s: %s: kernel MACs are not checked, only the "
				"evidence's form\n", prog, ogx_errmsg(err));
		} else {
			memcpy(s->boot_id, info.boot_id, OGX_BOOT_ID_SIZE);
			s->have_kmod = true;
		}
	}
	if (!s->have_kmod) {
		s->kernel_form_only++;
		return 0;
	}
	if (memcmp(ev.boot_id, s->boot_id, OGX_BOOT_ID_SIZE)) {
		s->kernel_other_boot++;
		return 0;
	}
	if ((err = ogx_kmod_evidence_verify(&s->kmod, &ev)))
		return err;
	s->kernel_checked++;
	return 0;
}

int check_record(struct ogs *s, uint64_t index, const uint8_t *data, size_t len,
		 struct prec *p)
{
	struct ogx_record r;
	int err;

	if ((err = ogx_record_decode(data, len, &r)))
		return err;
	err = ogx_record_verify(&r);
	if (err) {
		err = ogx_fail(err, "node signature does not verify");
	} else if (s->c.has_node && memcmp(r.node, s->c.node, OGX_PK_LEN)) {
		err = ogx_fail(-EPERM, "record of another node than 'node' in the config");
	} else if (s->have_node && memcmp(r.node, s->node, OGX_PK_LEN)) {
		err = ogx_fail(-EPERM, "record of another node than the records before it");
	} else if (s->have_tip && r.seq != s->tip_seq + 1) {
		err = ogx_fail(-EBADMSG, "seq %" PRIu64 " follows seq %" PRIu64, r.seq, s->tip_seq);
	} else if (s->have_tip && memcmp(r.prev, s->tip_digest, OGX_DIGEST_LEN)) {
		err = ogx_fail(-EBADMSG, "prev is not the digest of record seq %" PRIu64,
			       s->tip_seq);
	} else if (r.kernel.present || r.level == OGX_LEVEL_TEE) {
		err = check_kernel(s, &r);
	}
	if (!err && r.payment.present) {
		/* A payment that cannot be read is reported, not a reason to stop. */
		p->paid = true;
		if (ogx_eip3009_from_record(&r, &p->auth))
			snprintf(p->pay_why, sizeof(p->pay_why), "%s", ogx_errmsg(-EBADMSG));
	}
	if (!err) {
		p->index = index;
		p->seq = r.seq;
		memcpy(p->node, r.node, OGX_PK_LEN);
		ogx_record_digest(data, len, p->digest);
	}
	ogx_record_free(&r);
	return err;
}

void continue_chain(struct ogs *s, const struct prec *p)
{
	s->have_tip = true;
	s->tip_seq = p->seq;
	memcpy(s->tip_digest, p->digest, OGX_DIGEST_LEN);
	s->have_node = true;
	memcpy(s->node, p->node, OGX_PK_LEN);
}

int read_spool(struct ogs *s)
{
	const uint8_t *data;
	struct prec p, *np;
	uint64_t index;
	size_t len;
	int rc;

	if (s->stalled[0])
		return 0;
	if (!s->it) {
		rc = ogx_spool_iter_open(&s->it, s->c.spool, s->read_index,
					 OGX_SPOOL_ITER_DURABLE);
		if (rc) {
			problem(s, false, "%s: %s", s->c.spool, ogx_errmsg(rc));
			return rc == -ENOENT ? 0 : rc;
		}
	}
	/* Read ahead at most a few batches' worth. */
	while (s->n_pend < 4 * s->c.batch_records) {
		rc = ogx_spool_iter_next(s->it, &index, &data, &len);
		if (rc < 0) {
			snprintf(s->stalled, sizeof(s->stalled), "spool: %s", ogx_errmsg(rc));
			fprintf(stderr, "%s: %s: %s\n", prog, s->c.spool, s->stalled);
			return rc;
		}
		s->spool_drained = rc == 0;
		if (!rc)
			return 0;
		memset(&p, 0, sizeof(p));
		if ((rc = check_record(s, index, data, len, &p))) {
			snprintf(s->stalled, sizeof(s->stalled), "spool record %" PRIu64 ": %s",
				 index, ogx_errmsg(rc));
			fprintf(stderr, "%s: %s: %s (stopped before it; fix the spool)\n", prog,
				s->c.spool, s->stalled);
			return rc;
		}
		/* Before its record can be batched: a restart reads on after the batch. */
		if ((rc = queue_payment(s, &p))) {
			snprintf(s->stalled, sizeof(s->stalled), "spool record %" PRIu64 ": %s",
				 index, ogx_errmsg(rc));
			fprintf(stderr, "%s: %s\n", prog, s->stalled);
			return rc;
		}
		if (s->n_pend == s->cap_pend) {
			size_t cap = s->cap_pend ? 2 * s->cap_pend : 256;

			np = realloc(s->pend, cap * sizeof(*np));
			if (!np)
				return -ENOMEM;
			s->pend = np;
			s->cap_pend = cap;
		}
		p.data = malloc(len);
		if (!p.data)
			return -ENOMEM;
		memcpy(p.data, data, len);
		p.len = len;
		if (!s->n_pend)
			s->pend_since_ms = now_ms();
		s->pend[s->n_pend++] = p;
		s->pend_bytes += len;
		s->read_index = index + 1;
		continue_chain(s, &p);
	}
	return 0;
}
