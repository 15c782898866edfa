// SPDX-License-Identifier: GPL-2.0
/* See signer.h. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/uio.h>

#include "proof/binding.h"
#include "proof/signer.h"
#include "proof/spool.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/hex.h"

uint64_t ogx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ogx_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ogx_device_cpu(struct ogx_device *d)
{
	static char name[128];
	FILE *f;

	memset(d, 0, sizeof(*d));
	strcpy(d->kind, "cpu");
	if (!name[0]) {
		char line[256];

		snprintf(name, sizeof(name), "unknown CPU");
		f = fopen("/proc/cpuinfo", "r");
		while (f && fgets(line, sizeof(line), f)) {
			char *v = strchr(line, ':');

			if (strncmp(line, "model name", 10) || !v)
				continue;
			v += 1 + strspn(v + 1, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(name, sizeof(name), "%s", v);
			break;
		}
		if (f)
			fclose(f);
	}
	snprintf(d->name, sizeof(d->name), "%s", name);
}

/* The spool's last record, checked as the key's own: -ENOENT when there is none. */
static int last_record(struct ogx_signer *p, const char *spool_dir, struct ogx_record *last,
		       uint8_t digest[OGX_DIGEST_LEN])
{
	uint8_t *buf;
	uint64_t index;
	size_t len;
	int err = ogx_spool_last(p->spool, &index, &buf, &len);

	if (err)
		return err;
	err = ogx_record_decode(buf, len, last);
	if (!err && (err = ogx_record_verify(last)))
		ogx_record_free(last);
	if (err) {
		free(buf);
		return ogx_fail(err, "spool %s: last record (index %" PRIu64 ") is invalid: %s",
				spool_dir, index, ogx_errmsg(err));
	}
	ogx_record_digest(buf, len, digest);
	free(buf);
	if (memcmp(last->node, p->key.pk, OGX_PK_LEN)) {
		ogx_record_free(last);
		return ogx_fail(-EPERM, "spool %s holds another node's records; use a spool per key",
				spool_dir);
	}
	return 0;
}

/*
 * The key's chain binding (binding.h): the first spool a key signs in is its
 * spool; a record is never signed into another unless the operator started
 * a new epoch there. A key without a binding (new, or from before bindings)
 * is bound here, to this spool, in the epoch of its last record.
 */
static int bind(struct ogx_signer *p, const char *key_path, const char *spool_dir,
		const struct ogx_record *last, struct ogx_binding *b)
{
	uint8_t id[OGX_SPOOL_ID_LEN];
	char hex[2 * OGX_PK_LEN + 1], real[PATH_MAX];
	int err;

	ogx_spool_id(p->spool, id);
	if (!realpath(spool_dir, real))
		snprintf(real, sizeof(real), "%s", spool_dir);
	err = ogx_binding_load(key_path, b);
	if (err == -ENOENT) {
		memcpy(b->node, p->key.pk, OGX_PK_LEN);
		b->epoch = last ? last->epoch : 0;
		b->start = 0;
		memcpy(b->spool, id, OGX_SPOOL_ID_LEN);
		snprintf(b->path, sizeof(b->path), "%s", real);
		return ogx_binding_save(key_path, b);
	}
	if (err)
		return err;
	if (memcmp(b->node, p->key.pk, OGX_PK_LEN)) {
		ogx_hex(hex, b->node, OGX_PK_LEN);
		return ogx_fail(-EPERM, "%s.chain is the chain of node %.16s..., not of this key",
				key_path, hex);
	}
	if (memcmp(b->spool, id, OGX_SPOOL_ID_LEN))
		return ogx_fail(-EEXIST, "node key %s signs its chain (epoch %" PRIu64 ") in spool "
				"%s; %s is another spool, and a second chain for one key would sign "
				"two records for one seq. Use --spool %s, or start a new epoch in "
				"this one: ogrun chain new --spool %s", key_path, b->epoch, b->path,
				spool_dir, b->path, spool_dir);
	if (strcmp(b->path, real)) {
		/* The same spool, moved: found by its id; remember where. */
		snprintf(b->path, sizeof(b->path), "%s", real);
		return ogx_binding_save(key_path, b);
	}
	return 0;
}

/*
 * A crash can tear a frame after its record was written whole: the spool
 * cuts it (never acknowledged), but its bytes were on the disk, signed. If
 * they are the record this signer would sign next (this key, this epoch,
 * the next seq, linked to the last record), they go back into the spool, so
 * that seq keeps the record already signed for it instead of a second one.
 * Not a paid one: its answer never went out (the client got an error, or
 * nothing), and a record in the spool is a payment ogsubmit settles. That
 * one is cut, and its seq signed again (Documentation/proof-record.md,
 * "Chains and epochs", says what that leaves open).
 */
static int keep_torn_record(struct ogx_signer *p)
{
	struct ogx_record r;
	const uint8_t *data;
	struct iovec iov;
	uint64_t index;
	size_t len;
	bool ours;
	int err;

	if (ogx_spool_torn_record(p->spool, &data, &len) || ogx_record_decode(data, len, &r))
		return 0;
	ours = !ogx_record_verify(&r) && !memcmp(r.node, p->key.pk, OGX_PK_LEN) &&
	       r.epoch == p->epoch && r.seq == p->next_seq &&
	       !memcmp(r.prev, p->prev, OGX_DIGEST_LEN) && !r.payment.present;
	ogx_record_free(&r);
	if (!ours)
		return 0;
	iov.iov_base = (void *)data;
	iov.iov_len = len;
	err = ogx_spool_append_sync(p->spool, &iov, 1, &index);
	if (err)
		return err;
	ogx_record_digest(data, len, p->prev);
	p->next_seq++;
	p->kept_torn = true;
	return 0;
}

int ogx_signer_open(struct ogx_signer *p, const char *key_path, const char *spool_dir)
{
	struct ogx_binding b;
	struct ogx_record last;
	bool have_last;
	int err;

	memset(p, 0, sizeof(*p));
	err = ogx_sha256_self(p->runtime);
	if (err)
		return ogx_fail(err, "cannot measure /proc/self/exe: %s", ogx_errmsg(err));
	err = ogx_key_load(key_path, &p->key);
	if (err)
		return ogx_fail(err, "key %s: %s", key_path, ogx_errmsg(err));
	err = ogx_spool_open(&p->spool, spool_dir, NULL);
	if (err) {
		err = ogx_fail(err, "spool %s: %s", spool_dir, ogx_errmsg(err));
		goto err_key;
	}
	p->torn_bytes = ogx_spool_torn_bytes(p->spool);
	err = last_record(p, spool_dir, &last, p->prev);
	have_last = !err;
	if (err && err != -ENOENT)
		goto err_spool;
	/* An empty spool is no error: its detail must not stand for a later -ENOENT's. */
	ogx_clearerr();
	err = bind(p, key_path, spool_dir, have_last ? &last : NULL, &b);
	if (err)
		goto err_last;
	p->epoch = b.epoch;
	if (have_last && last.epoch == b.epoch) {
		p->next_seq = last.seq + 1; /* prev: the last record's digest */
	} else if (!have_last || last.epoch < b.epoch) {
		/* The epoch's first record: unlinked, at the seq the binding gives. */
		p->next_seq = b.start;
		memset(p->prev, 0, OGX_DIGEST_LEN);
	} else {
		err = ogx_fail(-EBADMSG, "spool %s: its last record is of epoch %" PRIu64
			       ", after the binding's epoch %" PRIu64 " (%s.chain was replaced "
			       "by an older copy?)", spool_dir, last.epoch, b.epoch, key_path);
		goto err_last;
	}
	if (have_last)
		ogx_record_free(&last);
	err = keep_torn_record(p);
	if (!err)
		return 0;
	err = ogx_fail(err, "spool %s: putting back the record of a torn frame: %s", spool_dir,
		       ogx_errmsg(err));
	goto err_spool;

err_last:
	if (have_last)
		ogx_record_free(&last);
err_spool:
	ogx_spool_close(p->spool);
err_key:
	ogx_key_free(&p->key);
	return err;
}

/*
 * What the old epoch's spool says: its last readable record of this node
 * and how many acknowledged records lie past it (damaged or missing: the ack
 * mark counts them). -errno with detail when it cannot be read at all.
 */
static int old_epoch_end(const struct ogx_binding *b, struct ogx_new_epoch *ne)
{
	struct ogx_spool_iter *it;
	uint8_t id[OGX_SPOOL_ID_LEN];
	const uint8_t *data;
	uint64_t index, next = 0, acked;
	size_t len;
	int rc;

	rc = ogx_spool_iter_open(&it, b->path, 0, OGX_SPOOL_ITER_FROM_FIRST);
	if (rc)
		return ogx_fail(rc, "%s: %s", b->path, ogx_errmsg(rc));
	if ((rc = ogx_spool_iter_id(it, id)) || memcmp(id, b->spool, OGX_SPOOL_ID_LEN)) {
		ogx_spool_iter_close(it);
		return ogx_fail(-ENOENT, "%s is no longer the spool of epoch %" PRIu64
				" (another spool, or one without an id)", b->path, b->epoch);
	}
	while ((rc = ogx_spool_iter_next(it, &index, &data, &len)) == 1) {
		struct ogx_record r;

		next = index + 1;
		if (ogx_record_decode(data, len, &r))
			continue;
		if (!memcmp(r.node, b->node, OGX_PK_LEN) && !ogx_record_verify(&r) &&
		    (!ne->have_old_last || r.seq > ne->old_last_seq)) {
			ne->have_old_last = true;
			ne->old_last_seq = r.seq;
		}
		ogx_record_free(&r);
	}
	/* Past damage (rc < 0) as past a clean end: the mark says what was acknowledged. */
	if (ogx_spool_iter_acked(it, &acked) == 0 && acked > next)
		ne->lost = acked - next;
	if (rc < 0)
		snprintf(ne->damage, sizeof(ne->damage), "%s", ogx_errmsg(rc));
	ogx_spool_iter_close(it);
	return 0;
}

int ogx_signer_new_epoch(const char *key_path, const char *spool_dir, const uint64_t *start,
			 struct ogx_new_epoch *ne)
{
	struct ogx_binding b;
	struct ogx_spool *sp;
	struct ogx_key key;
	uint8_t pk[OGX_PK_LEN];
	uint64_t index, min = 0;
	uint8_t *buf;
	size_t len;
	char real[PATH_MAX];
	int err;

	memset(ne, 0, sizeof(*ne));
	if ((err = ogx_key_load(key_path, &key)))
		return ogx_fail(err, "key %s: %s", key_path, ogx_errmsg(err));
	memcpy(pk, key.pk, OGX_PK_LEN);
	ogx_key_free(&key);
	err = ogx_binding_load(key_path, &b);
	if (err == -ENOENT)
		return ogx_fail(err, "key %s has signed no chain yet: its first job starts one",
				key_path);
	if (err)
		return err;
	if (memcmp(b.node, pk, OGX_PK_LEN))
		return ogx_fail(-EPERM, "%s.chain is the chain of another node", key_path);
	err = old_epoch_end(&b, ne);
	if (err && !start)
		return ogx_fail(err, "%s; without it, give the seq the new epoch starts at "
				"(--start: after every seq this key may have signed)", ogx_errmsg(err));
	if (!err) {
		ne->old_read = true;
		min = ne->have_old_last ? ne->old_last_seq + 1 + ne->lost : b.start + ne->lost;
		if (start && *start < min)
			return ogx_fail(-EINVAL, "--start %" PRIu64 ": seqs up to %" PRIu64
					" may have been signed already (%s)", *start, min - 1, b.path);
	}
	ne->epoch = b.epoch + 1;
	ne->start = start ? *start : min;
	err = ogx_spool_open(&sp, spool_dir, NULL);
	if (err)
		return ogx_fail(err, "spool %s: %s", spool_dir, ogx_errmsg(err));
	err = ogx_spool_last(sp, &index, &buf, &len);
	if (!err) {
		free(buf);
		ogx_spool_close(sp);
		return ogx_fail(-EEXIST, "spool %s holds records: a new epoch starts in an empty "
				"spool", spool_dir);
	}
	ogx_spool_id(sp, b.spool);
	ogx_spool_close(sp);
	if (err != -ENOENT)
		return err;
	ogx_clearerr(); /* empty, as a new epoch's spool must be */
	if (!realpath(spool_dir, real))
		snprintf(real, sizeof(real), "%s", spool_dir);
	snprintf(ne->old_path, sizeof(ne->old_path), "%s", b.path);
	b.epoch = ne->epoch;
	b.start = ne->start;
	snprintf(b.path, sizeof(b.path), "%s", real);
	return ogx_binding_save(key_path, &b);
}

int ogx_signer_recovery(const struct ogx_signer *p, char *buf, size_t size)
{
	if (!p->torn_bytes)
		return 0;
	if (p->kept_torn)
		return snprintf(buf, size, "cut a torn tail of %llu bytes left by a crash (past "
				"the ack mark: never acknowledged); the record it began with (seq "
				"%llu), signed whole, was put back", (unsigned long long)p->torn_bytes,
				(unsigned long long)p->next_seq - 1);
	return snprintf(buf, size, "cut a torn tail of %llu bytes left by a crash (past the ack "
			"mark: never acknowledged)", (unsigned long long)p->torn_bytes);
}

int ogx_signer_sign(struct ogx_signer *p, struct ogx_record *r, uint8_t id[OGX_DIGEST_LEN],
		    uint8_t **out, size_t *len)
{
	int err;

	r->version = OGX_RECORD_VERSION;
	r->seq = p->next_seq;
	r->epoch = p->epoch;
	memcpy(r->prev, p->prev, OGX_DIGEST_LEN);
	memcpy(r->runtime, p->runtime, OGX_DIGEST_LEN);
	err = ogx_record_sign(r, &p->key, out, len);
	if (err)
		return err;
	ogx_record_digest(*out, *len, id);
	memcpy(p->prev, id, OGX_DIGEST_LEN);
	p->next_seq++;
	return 0;
}

int ogx_signer_add(struct ogx_signer *p, struct ogx_record *r, uint8_t id[OGX_DIGEST_LEN])
{
	uint64_t seq = p->next_seq;
	uint8_t prev[OGX_DIGEST_LEN];
	struct iovec iov;
	uint64_t index;
	uint8_t *buf;
	size_t len;
	int err;

	memcpy(prev, p->prev, OGX_DIGEST_LEN);
	err = ogx_signer_sign(p, r, id, &buf, &len);
	if (err)
		return err;
	iov.iov_base = buf;
	iov.iov_len = len;
	err = ogx_spool_append(p->spool, &iov, 1, &index);
	if (err) {
		/* the chain goes on from the last record that reached the spool */
		p->next_seq = seq;
		memcpy(p->prev, prev, OGX_DIGEST_LEN);
	} else {
		p->pending++;
	}
	free(buf);
	return err;
}

int ogx_signer_commit(struct ogx_signer *p)
{
	int err;

	if (!p->pending)
		return 0;
	err = ogx_spool_sync(p->spool);
	if (!err) {
		p->pending = 0;
		p->commits++;
	}
	return err;
}

void ogx_signer_close(struct ogx_signer *p)
{
	if (p->spool)
		ogx_spool_close(p->spool);
	p->spool = NULL;
	ogx_key_free(&p->key);
}
