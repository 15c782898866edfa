// SPDX-License-Identifier: GPL-2.0
/*
 * Proof records, on the workers (prove.h). A batch's records get the
 * kernel's events first (level tee, through the loop's ring: kcall.c), then
 * their signatures, both under the signer's lock, so the module's log and
 * the spool list them in one order and the loop receives them in seq order.
 * The loop appends them to the spool and holds the answers until they are
 * durable (commit.c); the workers never wait for the disk, except for the
 * x402 nonce log of a batch with paid jobs, synced here before its answers
 * are posted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proof/kmod_evidence.h"
#include "serve/prove.h"
#include "serve/server.h"
#include "serve/x402_upto.h"
#include "util/err.h"

/*
 * Level tee: the kernel's events for the batch's tee records, in record
 * order, before they are signed (under the signer's lock: the module's log
 * and the spool then list them in the same order), as uring_cmds on the
 * loop's ring: one INFO and one EXTEND_VEC per 64 records (kcall.c).
 */
static int tee_evidence(struct srv *s, struct ogx_record *recs, size_t n)
{
	struct ogx_record **tee;
	unsigned int k = 0;
	int err;

	for (size_t i = 0; i < n; i++)
		k += recs[i].level == OGX_LEVEL_TEE;
	if (!k)
		return 0;
	if (!s->tee.present)
		return -ENODEV;
	tee = malloc(k * sizeof(*tee));
	if (!tee)
		return -ENOMEM;
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (recs[i].level == OGX_LEVEL_TEE)
			tee[k++] = &recs[i];
	err = ogx_kcall_evidence(s, tee, k);
	free(tee);
	return err;
}

void ogx_prove_snapshot(struct prover *p)
{
	pthread_mutex_lock(&p->chain_lock);
	p->chain_next_seq = p->signer.next_seq;
	memcpy(p->chain_head, p->signer.prev, OGX_DIGEST_LEN);
	pthread_mutex_unlock(&p->chain_lock);
}

int ogx_prove_commit(struct srv *s, struct ogx_record *recs, uint8_t (*ids)[OGX_DIGEST_LEN],
		     size_t n, bool paid)
{
	struct prover *p = &s->pv;
	int err = 0;

	if (!p->record || !n)
		return 0;
	if (atomic_load(&s->cm.failed))
		return ogx_fail(-EIO, "%s", s->cm.errmsg);
	pthread_mutex_lock(&p->signer_lock);
	err = tee_evidence(s, recs, n);
	for (size_t i = 0; i < n && !err; i++) {
		struct msg *m = calloc(1, sizeof(*m));

		if (!m) {
			err = -ENOMEM;
			break;
		}
		err = ogx_signer_sign(&p->signer, &recs[i], ids[i], &m->rec, &m->rec_len);
		if (err) {
			free(m);
			break;
		}
		/* under the signer's lock: the loop gets records in seq order */
		ogx_mailbox_post(&s->mb, m);
	}
	ogx_prove_snapshot(p);
	pthread_mutex_unlock(&p->signer_lock);
	/* the nonces of paid jobs become durable before their answers */
	if (!err && paid)
		err = ogx_x402_sync(&s->x402);
	return err;
}

void ogx_prove_release(struct ogx_record *recs, size_t n)
{
	/* only the kernel maps are the records' own: the payments are their jobs' */
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < recs[i].kernel.n; k++)
			free(recs[i].kernel.e[k].data);
		recs[i].kernel.n = 0;
		recs[i].kernel.present = false;
	}
}

void ogx_prove_og_json(struct ogx_buf *b, const struct ogx_record *r, const uint8_t *id)
{
	if (!r) {
		ogx_buf_str(b, "null");
		return;
	}
	ogx_buf_str(b, "{\"id\":\"");
	ogx_buf_hex(b, id, OGX_DIGEST_LEN);
	ogx_buf_printf(b, "\",\"seq\":%llu,\"signature\":\"", (unsigned long long)r->seq);
	ogx_buf_hex(b, r->sig, OGX_SIG_LEN);
	ogx_buf_printf(b, "\",\"level\":\"%s\",\"node\":\"", ogx_evidence_label(r));
	ogx_buf_hex(b, r->node, OGX_PK_LEN);
	ogx_buf_printf(b, "\",\"time_ns\":%llu}", (unsigned long long)r->time_ns);
}

int ogx_prove_payment_headers(struct srv *s, struct job *j, const uint8_t *id)
{
	struct ogx_buf b = { 0 };

	if (j->upto)
		ogx_x402_upto_response_headers(&b, j->upto, id);
	else if (j->paid)
		ogx_x402_response_headers(&b, &s->cfg->x402, j->paid, id);
	else
		return 0;
	free(j->extra_headers);
	j->extra_headers = b.oom ? NULL : strndup(b.p, b.len);
	ogx_buf_free(&b);
	return j->extra_headers ? 0 : -ENOMEM;
}
