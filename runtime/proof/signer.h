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

#include <limits.h>
#include <stdbool.h>

#include "proof/record.h"
#include "util/err.h"

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
	bool kept_torn;                  /* its first record was ours and went back in */
};

/*
 * Load the key, open the spool for appending and continue its chain. A spool
 * whose last record is not signed by this key is refused (-EPERM): one spool,
 * one node. And one key, one chain: the key is bound to the first spool it
 * signs in (binding.h, KEY.chain beside the key); another spool is refused
 * (-EEXIST, saying how to start a new epoch), a damaged spool refuses to
 * open (spool.h: an acknowledged record is never cut), so a seq is never
 * signed twice.
 */
OGX_MUST_CHECK
int ogx_signer_open(struct ogx_signer *p, const char *key_path, const char *spool_dir);

/*
 * Start a new epoch of the key's chain in spool_dir (empty; created if need
 * be): the only way to sign into a spool other than the one the key is
 * bound to, for when the old one is damaged past an acknowledged record or
 * lost. The epoch's first record takes seq *start, or by default the seq
 * after every seq the old spool says this key may have signed (its last
 * record's plus the acknowledged records the ack mark counts past it); a
 * start below that is refused, and without a readable old spool a start
 * must be given. The next ogx_signer_open() of spool_dir signs epoch + 1.
 */
struct ogx_new_epoch {
	uint64_t epoch, start;		/* the new epoch and its first seq */
	bool old_read;			/* the old spool could be read */
	bool have_old_last;
	uint64_t old_last_seq;		/* its last readable record of this node */
	uint64_t lost;			/* acknowledged records past it, unreadable */
	char damage[256];		/* why reading the old spool stopped early ("" none) */
	char old_path[PATH_MAX];
};

OGX_MUST_CHECK
int ogx_signer_new_epoch(const char *key_path, const char *spool_dir, const uint64_t *start,
			 struct ogx_new_epoch *ne);

/*
 * Complete r (version, node, seq, prev, runtime), sign it and append it to the
 * spool, not yet durable. id receives the record's digest. r keeps the values
 * it was given for the job fields.
 */
OGX_MUST_CHECK
int ogx_signer_add(struct ogx_signer *p, struct ogx_record *r, uint8_t id[OGX_DIGEST_LEN]);

/*
 * ogx_signer_add() without the append: the record is signed and the chain
 * moves on past it; *out (malloc'd, *len bytes) is what the caller must append
 * to the spool, after every record signed before it (the server's loop does,
 * on its ring: runtime/serve/commit.c).
 */
OGX_MUST_CHECK
int ogx_signer_sign(struct ogx_signer *p, struct ogx_record *r, uint8_t id[OGX_DIGEST_LEN],
		    uint8_t **out, size_t *len);

/*
 * What ogx_signer_open() recovered from a crash, as one line for the log
 * (into buf): a torn tail cut, a record put back. 0 (nothing written) when
 * there was nothing to recover, else the line's length.
 */
int ogx_signer_recovery(const struct ogx_signer *p, char *buf, size_t size);

/* Make every added record durable (one fdatasync for all of them). */
OGX_MUST_CHECK
int ogx_signer_commit(struct ogx_signer *p);

/* Close; records added after the last commit are not promised to survive. */
void ogx_signer_close(struct ogx_signer *p);

/* Wall-clock and monotonic nanoseconds, for the record's times. */
uint64_t ogx_now_ns(void);
uint64_t ogx_mono_ns(void);

/* The CPU this process runs on, for the record's device field. */
void ogx_device_cpu(struct ogx_device *d);

#endif
