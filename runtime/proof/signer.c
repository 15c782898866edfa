// SPDX-License-Identifier: GPL-2.0
/* See signer.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

int ogx_signer_open(struct ogx_signer *p, const char *key_path, const char *spool_dir)
{
	struct ogx_record last;
	uint8_t *buf;
	uint64_t index;
	size_t len;
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
	err = ogx_spool_last(p->spool, &index, &buf, &len);
	if (err == -ENOENT)
		return 0; /* a new spool: seq 0, prev all zero */
	if (err)
		goto err_spool;
	err = ogx_record_decode(buf, len, &last);
	if (!err && (err = ogx_record_verify(&last)))
		ogx_record_free(&last);
	if (err) {
		err = ogx_fail(err, "spool %s: last record (index %llu) is invalid: %s", spool_dir,
			       (unsigned long long)index, ogx_errmsg(err));
		free(buf);
		goto err_spool;
	}
	if (memcmp(last.node, p->key.pk, OGX_PK_LEN)) {
		ogx_record_free(&last);
		free(buf);
		err = ogx_fail(-EPERM, "spool %s holds another node's records; use a spool per key",
			       spool_dir);
		goto err_spool;
	}
	p->next_seq = last.seq + 1;
	p->epoch = last.epoch;
	ogx_record_digest(buf, len, p->prev);
	ogx_record_free(&last);
	free(buf);
	return 0;

err_spool:
	ogx_spool_close(p->spool);
err_key:
	ogx_key_free(&p->key);
	return err;
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
