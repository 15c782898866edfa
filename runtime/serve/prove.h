/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A worker's side of the proof records (prove.c): the kernel's evidence,
 * signing under the signer's lock, the records handed to the loop for the
 * spool (commit.c makes them durable before the answers leave), the x402
 * nonces synced; and what an answer says of its record.
 *
 *	err = ogx_prove_commit(s, recs, ids, n, paid);
 *	if (!err) ... answers, with ogx_prove_og_json() and ogx_prove_payment_headers() ...
 *	ogx_prove_release(recs, n);		// whatever ogx_prove_commit() returned
 */
#ifndef OGX_SERVE_PROVE_H
#define OGX_SERVE_PROVE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proof/signer.h"
#include "serve/buf.h"
#include "util/digest.h"
#include "util/err.h"

struct srv;
struct job;
struct ogx_record;

struct prover {
	/*
	 * The signer (node key, spool, hash chain), shared by the workers. Held
	 * across a batch's kernel events and signatures: the module's log and
	 * the spool then list them in one order, and the records reach the loop
	 * in seq order.
	 */
	pthread_mutex_t signer_lock;
	struct ogx_signer signer;
	bool record;		/* false: --no-record, answers without records */
	/* the signer's chain after its last record, for the loop (chain_lock) */
	pthread_mutex_t chain_lock;
	uint64_t chain_next_seq;
	uint8_t chain_head[OGX_DIGEST_LEN];
};

/*
 * Sign records for jobs and hand them to the loop, which makes them durable
 * before it sends any answer posted after this (commit.c); paid jobs' nonces
 * are synced here. Post the answers after it returns 0 (their og member
 * names the evidence from the records' kernel maps), then, whatever it
 * returned, ogx_prove_release() the records.
 */
OGX_MUST_CHECK
int ogx_prove_commit(struct srv *s, struct ogx_record *recs, uint8_t (*ids)[OGX_DIGEST_LEN],
		     size_t n, bool paid);
/* Free the kernel maps ogx_prove_commit() added to the records. */
void ogx_prove_release(struct ogx_record *recs, size_t n);
/* Copy the signer's next seq and head for the loop (signer_lock held, or no workers yet). */
void ogx_prove_snapshot(struct prover *p);
/* The "og" member of a response: record id, seq, signature, evidence label. */
void ogx_prove_og_json(struct ogx_buf *b, const struct ogx_record *r, const uint8_t *id);
/*
 * A paid job's X-PAYMENT-RESPONSE (into j->extra_headers), once the answer
 * is known: id, the record the payment is queued for settlement with, or
 * NULL where the headers leave before the record exists (a stream).
 * -ENOMEM leaves the job without the header.
 */
int ogx_prove_payment_headers(struct srv *s, struct job *j, const uint8_t *id);

#endif
