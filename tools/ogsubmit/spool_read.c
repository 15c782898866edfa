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
#include "proof/record.h"
#include "util/err.h"

int check_record(struct ogs *s, uint64_t index, const uint8_t *data, size_t len,
		 struct prec *p, struct ogx_verdict *v)
{
	struct ogx_verify_opts vo = {
		.node = s->c.has_node ? s->c.node : NULL,
		.require = s->c.require,
		.kmod = &s->kc,
	};
	struct ogx_record r;
	int err;

	p->chain = s->chain;
	err = ogx_verify_next(&p->chain, data, len, &vo, &r, p->digest, v);
	if (err)
		return err;
	p->index = index;
	p->seq = r.seq;
	memcpy(p->node, r.node, OGX_PK_LEN);
	if (v->outcome == OGX_FAILED) {
		err = ogx_fail(-EBADMSG, "seq %" PRIu64 ": FAILED %s [%s]: %s", r.seq,
			       ogx_rule_name(v->rule), v->field, v->detail);
		ogx_record_free(&r);
		return err;
	}
	if (r.payment.present) {
		/* A payment that cannot be read is reported, not a reason to stop. */
		p->paid = true;
		p->upto = ogx_permit2_is_upto(&r);
		if (p->upto ? ogx_permit2_upto_from_record(&r, &p->up, p->charged) :
			      ogx_eip3009_from_record(&r, &p->auth))
			snprintf(p->pay_why, sizeof(p->pay_why), "%s", ogx_errmsg(-EBADMSG));
	}
	ogx_record_free(&r);
	return 0;
}

void continue_chain(struct ogs *s, const struct prec *p)
{
	s->chain = p->chain;
}

/*
 * After a restart: the record at read_index - 1 is the last one batched
 * (the journal's seq and digest); read it again for its node and epoch, so
 * the chain rules hold across the restart exactly as without one.
 */
static int read_tip(struct ogs *s)
{
	uint8_t digest[OGX_DIGEST_LEN];
	const uint8_t *data;
	struct ogx_record r;
	uint64_t index;
	size_t len;
	int rc = ogx_spool_iter_next(s->it, &index, &data, &len);

	if (rc == 0)
		return ogx_fail(-EBADMSG, "the last batched record (index %" PRIu64 ") is not in "
				"the spool", s->read_index - 1);
	if (rc < 0)
		return rc;
	ogx_record_digest(data, len, digest);
	if (memcmp(digest, s->chain.digest, OGX_DIGEST_LEN) ||
	    ogx_record_decode(data, len, &r))
		return ogx_fail(-EBADMSG, "index %" PRIu64 " is not the last batched record "
				"(seq %" PRIu64 ") the journal names: the spool changed under it",
				index, s->chain.seq);
	s->chain.epoch = r.epoch;
	memcpy(s->chain.node, r.node, OGX_PK_LEN);
	ogx_record_free(&r);
	s->tip_pending = false;
	return 0;
}

/*
 * The iterator, opened at the last batched record (the tip) when the
 * journal names one, and the tip checked. 1: no spool yet, nothing to read.
 */
static int open_reader(struct ogs *s)
{
	int rc;

	if (!s->it) {
		rc = ogx_spool_iter_open(&s->it, s->c.spool, s->read_index - s->tip_pending,
					 OGX_SPOOL_ITER_DURABLE);
		if (rc) {
			problem(s, false, "%s: %s", s->c.spool, ogx_errmsg(rc));
			return rc == -ENOENT ? 1 : rc;
		}
	}
	if (s->tip_pending) {
		rc = read_tip(s);
		if (rc) {
			snprintf(s->stalled, sizeof(s->stalled), "spool: %s", ogx_errmsg(rc));
			fprintf(stderr, "%s: %s: %s\n", prog, s->c.spool, s->stalled);
			return rc;
		}
	}
	return 0;
}

/* p, with a copy of its record's bytes, onto the records waiting for a batch. */
static int pend_record(struct ogs *s, struct prec *p, uint64_t index, const uint8_t *data,
		       size_t len)
{
	struct prec *np;

	if (s->n_pend == s->cap_pend) {
		size_t cap = s->cap_pend ? 2 * s->cap_pend : 256;

		np = realloc(s->pend, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		s->pend = np;
		s->cap_pend = cap;
	}
	p->data = malloc(len);
	if (!p->data)
		return -ENOMEM;
	memcpy(p->data, data, len);
	p->len = len;
	if (!s->n_pend)
		s->pend_since_ms = now_ms();
	s->pend[s->n_pend++] = *p;
	s->pend_bytes += len;
	s->read_index = index + 1;
	continue_chain(s, p);
	return 0;
}

int read_spool(struct ogs *s)
{
	const uint8_t *data;
	struct ogx_verdict v;
	struct prec p;
	uint64_t index;
	size_t len;
	int rc;

	if (s->stalled[0])
		return 0;
	rc = open_reader(s);
	if (rc)
		return rc == 1 ? 0 : rc;
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
		rc = check_record(s, index, data, len, &p, &v);
		if (rc) {
			snprintf(s->stalled, sizeof(s->stalled), "spool record %" PRIu64 ": %s",
				 index, rc == -EBADMSG && v.outcome == OGX_FAILED &&
				 v.rule == OGX_RULE_SCHEMA ? "FAILED schema [record]: " : "");
			snprintf(s->stalled + strlen(s->stalled),
				 sizeof(s->stalled) - strlen(s->stalled), "%s", ogx_errmsg(rc));
			fprintf(stderr, "%s: %s: %s (stopped before it; fix the spool)\n", prog,
				s->c.spool, s->stalled);
			return rc;
		}
		/* Before its record can be batched: a restart reads on after the batch. */
		rc = queue_payment(s, &p);
		if (rc) {
			snprintf(s->stalled, sizeof(s->stalled), "spool record %" PRIu64 ": %s",
				 index, ogx_errmsg(rc));
			fprintf(stderr, "%s: %s\n", prog, s->stalled);
			return rc;
		}
		rc = pend_record(s, &p, index, data, len);
		if (rc)
			return rc;
	}
	return 0;
}
