/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The signer turns finished jobs into signed records in the spool: it owns the
 * node key, the spool's writer lock and the node's hash chain (next seq, prev
 * digest, continued from the spool's last record on open).
 *
 *	ogx_signer_open(&p, key_path, spool_dir);
 *	for each finished job: fill a record's job fields; ogx_signer_add(&p, &r, id);
 *	ogx_signer_commit(&p);   // one fdatasync; only now report those jobs done
 */
#ifndef OGX_PROOF_SIGNER_H
#define OGX_PROOF_SIGNER_H

#include "proof/record.h"

struct ogx_spool;

struct ogx_signer {
	struct ogx_key key;
	struct ogx_spool *spool;
	uint64_t next_seq;
	uint64_t epoch;                  /* the chain epoch its records state */
	uint8_t prev[OGX_DIGEST_LEN];
	uint8_t runtime[OGX_DIGEST_LEN]; /* SHA-256 of this executable */
	size_t pending;                  /* records appended since the last commit */
	uint64_t commits;                /* fdatasyncs so far */
	uint64_t torn_bytes;             /* torn tail the spool cut on open (a crash) */
};

/*
 * Load the key, open the spool for appending and continue its chain. A spool
 * whose last record is not signed by this key is refused (-EPERM): one spool,
 * one node.
 */
int ogx_signer_open(struct ogx_signer *p, const char *key_path, const char *spool_dir);

/*
 * Complete r (version, node, seq, prev, runtime), sign it and append it to the
 * spool, not yet durable. id receives the record's digest. r keeps the values
 * it was given for the job fields.
 */
int ogx_signer_add(struct ogx_signer *p, struct ogx_record *r, uint8_t id[OGX_DIGEST_LEN]);

/*
 * ogx_signer_add() without the append: the record is signed and the chain
 * moves on past it; *out (malloc'd, *len bytes) is what the caller must append
 * to the spool, after every record signed before it (the server's loop does,
 * on its ring: runtime/serve/commit.c).
 */
int ogx_signer_sign(struct ogx_signer *p, struct ogx_record *r, uint8_t id[OGX_DIGEST_LEN],
		    uint8_t **out, size_t *len);

/* Make every added record durable (one fdatasync for all of them). */
int ogx_signer_commit(struct ogx_signer *p);

/* Close; records added after the last commit are not promised to survive. */
void ogx_signer_close(struct ogx_signer *p);

/* Wall-clock and monotonic nanoseconds, for the record's times. */
uint64_t ogx_now_ns(void);
uint64_t ogx_mono_ns(void);

/* The CPU this process runs on, for the record's device field. */
void ogx_device_cpu(struct ogx_device *d);

#endif
