// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper for the chain tests: append N signed proof records to a spool,
 * continuing the node's hash chain from the spool's last record, the way the
 * runtime does. With --garbage, append one record that is not CBOR instead;
 * with --tee-bad, one signed TEE record whose kernel evidence is incomplete;
 * with --tee, one whose evidence is well formed (its event digest is the
 * record's) under a made-up boot id and MAC: no kernel made it, so only a
 * check of its form can pass.
 *
 *   chain_spoolgen SPOOL NODE_KEY N
 *   chain_spoolgen SPOOL NODE_KEY --garbage|--tee-bad|--tee
 */
#include <endian.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "proof/job.h"
#include "proof/key.h"
#include "proof/kmod_evidence.h"
#include "proof/record.h"
#include "proof/spool.h"
#include "util/err.h"

static void fill(struct ogx_record *r, uint64_t seq)
{
	memset(r, 0, sizeof(*r));
	r->version = OGX_RECORD_VERSION;
	r->level = OGX_LEVEL_VANILLA;
	r->seq = seq;
	crypto_hash_sha256(r->model, (const uint8_t *)"model", 5);
	crypto_hash_sha256(r->input, (const uint8_t *)&seq, sizeof(seq));
	crypto_hash_sha256(r->output, r->input, sizeof(r->input));
	/* a classification's job text (v2); its digests are made up: no image was classified */
	strcpy(r->job, OGX_JOB_CLASSIFY_TEXT);
	crypto_hash_sha256(r->params, (const uint8_t *)r->job, strlen(r->job));
	r->time_ns = 1700000000000000000ull + seq * 1000;
	r->infer_ns = 1000 + seq % 97;
	r->job_ns = 2000 + seq % 89;
	strcpy(r->device.kind, "cpu");
	strcpy(r->device.name, "chain test");
	crypto_hash_sha256(r->runtime, (const uint8_t *)"runtime", 7);
}

/* Well-formed kernel evidence for r, as ogx_kmod_evidence_add() lays it out. */
static int add_tee(struct ogx_record *r)
{
	struct ogx_ext *m = &r->kernel;
	struct ogx_event e = { 0 };
	uint8_t boot_id[OGX_BOOT_ID_SIZE], pipeline[32] = { 0 }, digest[32], head[32], mac[32];
	int err;

	memset(boot_id, 0xb0, sizeof(boot_id));
	memset(head, 0x4d, sizeof(head));
	memset(mac, 0x3a, sizeof(mac));
	e.seq = htole64(7);
	e.time_ns = htole64(123456789);
	e.type = htole32(OGX_EVENT_JOB);
	memcpy(e.exe, r->runtime, 32);
	memcpy(e.model, r->model, 32);
	memcpy(e.input, r->input, 32);
	memcpy(e.output, r->output, 32);
	memcpy(e.params, r->params, 32);
	crypto_hash_sha256(digest, (const uint8_t *)&e, offsetof(struct ogx_event, digest));
	r->level = OGX_LEVEL_TEE;
	err = ogx_ext_add_bytes(m, OGX_KEV_LABEL, OGX_EXT_TEXT, "kmod-sw", 7);
	err = err ?: ogx_ext_add_bytes(m, OGX_KEV_BOOT_ID, OGX_EXT_BYTES, boot_id,
				       OGX_BOOT_ID_SIZE);
	err = err ?: ogx_ext_add_uint(m, OGX_KEV_SEQ, 7);
	err = err ?: ogx_ext_add_uint(m, OGX_KEV_TIME, 123456789);
	err = err ?: ogx_ext_add_uint(m, OGX_KEV_TYPE, OGX_EVENT_JOB);
	err = err ?: ogx_ext_add_uint(m, OGX_KEV_FLAGS, 0);
	err = err ?: ogx_ext_add_bytes(m, OGX_KEV_EXE, OGX_EXT_BYTES, r->runtime, 32);
	err = err ?: ogx_ext_add_bytes(m, OGX_KEV_PIPELINE, OGX_EXT_BYTES, pipeline, 32);
	err = err ?: ogx_ext_add_bytes(m, OGX_KEV_DIGEST, OGX_EXT_BYTES, digest, 32);
	err = err ?: ogx_ext_add_bytes(m, OGX_KEV_HEAD, OGX_EXT_BYTES, head, 32);
	err = err ?: ogx_ext_add_bytes(m, OGX_KEV_MAC, OGX_EXT_BYTES, mac, 32);
	return err;
}

int main(int argc, char **argv)
{
	struct ogx_spool *sp;
	struct ogx_key key;
	struct ogx_record r, last;
	struct iovec iov[256];
	uint8_t prev[OGX_DIGEST_LEN] = { 0 }, *data;
	uint64_t seq = 0, n, i, idx, first;
	size_t len, k = 0;
	int tee_bad = 0, tee = 0, err;

	if (argc != 4 || sodium_init() < 0) {
		fprintf(stderr, "usage: %s SPOOL NODE_KEY N|--garbage|--tee-bad|--tee\n", argv[0]);
		return 2;
	}
	if ((err = ogx_key_load(argv[2], &key)) || (err = ogx_spool_open(&sp, argv[1], NULL))) {
		fprintf(stderr, "%s: %s\n", argv[0], ogx_errmsg(err));
		return 1;
	}
	if (!strcmp(argv[3], "--garbage")) {
		iov[0].iov_base = "this is not a CBOR record";
		iov[0].iov_len = 25;
		err = ogx_spool_append_sync(sp, iov, 1, &first);
		goto out;
	}
	tee_bad = !strcmp(argv[3], "--tee-bad");
	tee = !strcmp(argv[3], "--tee");
	n = tee_bad || tee ? 1 : strtoull(argv[3], NULL, 10);
	err = ogx_spool_last(sp, &idx, &data, &len);
	if (!err) {
		if ((err = ogx_record_decode(data, len, &last)))
			goto out;
		seq = last.seq + 1;
		ogx_record_digest(data, len, prev);
		ogx_record_free(&last);
		free(data);
	} else if (err != -ENOENT) {
		goto out;
	}
	err = 0;
	for (i = 0; i < n && !err; i++) {
		fill(&r, seq + i);
		memcpy(r.prev, prev, OGX_DIGEST_LEN);
		if (tee_bad) {
			r.level = OGX_LEVEL_TEE;
			r.kernel.present = true;
			if ((err = ogx_ext_add_bytes(&r.kernel, 0, OGX_EXT_TEXT, "kmod-sw", 7)))
				break;
		}
		if (tee && (err = add_tee(&r)))
			break;
		err = ogx_record_sign(&r, &key, &data, &len);
		ogx_record_free(&r);
		if (err)
			break;
		ogx_record_digest(data, len, prev);
		iov[k].iov_base = data;
		iov[k++].iov_len = len;
		if (k == 256 || i + 1 == n) {
			err = ogx_spool_append_sync(sp, iov, k, &first);
			while (k)
				free(iov[--k].iov_base);
		}
	}
out:
	if (err)
		fprintf(stderr, "%s: %s\n", argv[0], ogx_errmsg(err));
	ogx_spool_close(sp);
	ogx_key_free(&key);
	return err ? 1 : 0;
}
