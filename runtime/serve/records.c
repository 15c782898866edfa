// SPDX-License-Identifier: GPL-2.0
/*
 * Records by id, and the attestation statement.
 *
 * The spool is indexed by position, a record is named by its digest: the
 * loop keeps a table digest -> spool index (40 bytes per record), filled
 * lazily by reading the spool from where it last stopped whenever an id is
 * not yet in it. That also covers records written before a restart.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "proof/kmod.h"
#include "proof/kmod_evidence.h"
#include "proof/spool.h"
#include "serve/records.h"
#include "serve/server.h"
#include "util/err.h"
#include "util/hex.h"

struct rec_slot {
	uint8_t id[OGX_DIGEST_LEN];
	uint64_t index_plus1;	/* 0: empty slot */
};

static struct rec_slot *slot_for(struct rec_slot *t, size_t cap, const uint8_t *id)
{
	uint64_t h;

	memcpy(&h, id, sizeof(h)); /* a SHA-256 is already uniform */
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!t[i].index_plus1 || !memcmp(t[i].id, id, OGX_DIGEST_LEN))
			return &t[i];
}

static int index_add(struct records_index *ri, const uint8_t *id, uint64_t index)
{
	struct rec_slot *sl;

	if (2 * (ri->n + 1) > ri->cap) {
		size_t cap = ri->cap ? 2 * ri->cap : 1024;
		struct rec_slot *t = calloc(cap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (size_t i = 0; i < ri->cap; i++)
			if (ri->slot[i].index_plus1)
				*slot_for(t, cap, ri->slot[i].id) = ri->slot[i];
		free(ri->slot);
		ri->slot = t;
		ri->cap = cap;
	}
	sl = slot_for(ri->slot, ri->cap, id);
	if (!sl->index_plus1)
		ri->n++;
	memcpy(sl->id, id, OGX_DIGEST_LEN);
	sl->index_plus1 = index + 1;
	return 0;
}

/* Index the records appended since the last scan. */
static int index_scan(struct records_index *ri, const char *spool)
{
	struct ogx_spool_iter *it;
	const uint8_t *data;
	uint8_t id[OGX_DIGEST_LEN];
	uint64_t index;
	size_t len;
	int err = ogx_spool_iter_open(&it, spool, ri->next, 0);

	if (err)
		return err;
	while ((err = ogx_spool_iter_next(it, &index, &data, &len)) == 1) {
		ogx_record_digest(data, len, id);
		err = index_add(ri, id, index);
		if (err)
			break;
		ri->next = index + 1;
	}
	ogx_spool_iter_close(it);
	return err;
}

static void json_digest(struct ogx_buf *b, const char *name, const uint8_t *d, size_t len)
{
	ogx_buf_printf(b, ",\"%s\":\"", name);
	ogx_buf_hex(b, d, len);
	ogx_buf_str(b, "\"");
}

static void json_ext(struct ogx_buf *b, const char *name, const struct ogx_ext *x)
{
	if (!x->present)
		return;
	ogx_buf_printf(b, ",\"%s\":{", name);
	for (size_t i = 0; i < x->n; i++) {
		ogx_buf_printf(b, "%s\"%u\":", i ? "," : "", x->e[i].key);
		if (x->e[i].type == OGX_EXT_UINT) {
			ogx_buf_printf(b, "%llu", (unsigned long long)x->e[i].u);
		} else if (x->e[i].type == OGX_EXT_TEXT) {
			char *clean = malloc(3 * x->e[i].len + 1);
			size_t n;

			if (!clean) {
				b->oom = true;
				return;
			}
			n = ogx_utf8_clean((char *)x->e[i].data, x->e[i].len, clean, 0, NULL);
			ogx_buf_json_str(b, clean, n);
			free(clean);
		} else {
			ogx_buf_str(b, "\"");
			ogx_buf_hex(b, x->e[i].data, x->e[i].len);
			ogx_buf_str(b, "\"");
		}
	}
	ogx_buf_str(b, "}");
}

static int render_json(const uint8_t *data, size_t len, const uint8_t *id, struct ogx_buf *b)
{
	struct ogx_record r;
	int err = ogx_record_decode(data, len, &r);

	if (err)
		return err;
	ogx_buf_printf(b, "{\"id\":\"");
	ogx_buf_hex(b, id, OGX_DIGEST_LEN);
	ogx_buf_printf(b, "\",\"version\":%u,\"level\":\"%s\",\"seq\":%" PRIu64, r.version,
		       ogx_evidence_label(&r), r.seq);
	json_digest(b, "node", r.node, OGX_PK_LEN);
	json_digest(b, "prev", r.prev, OGX_DIGEST_LEN);
	json_digest(b, "model", r.model, OGX_DIGEST_LEN);
	json_digest(b, "input", r.input, OGX_DIGEST_LEN);
	json_digest(b, "output", r.output, OGX_DIGEST_LEN);
	json_digest(b, "params", r.params, OGX_DIGEST_LEN);
	ogx_buf_printf(b, ",\"time_ns\":%" PRIu64 ",\"infer_ns\":%" PRIu64 ",\"job_ns\":%" PRIu64
		       ",\"device\":{\"kind\":", r.time_ns, r.infer_ns, r.job_ns);
	ogx_buf_json_str(b, r.device.kind, strlen(r.device.kind));
	ogx_buf_str(b, ",\"name\":");
	ogx_buf_json_str(b, r.device.name, strlen(r.device.name));
	ogx_buf_str(b, "}");
	json_digest(b, "runtime", r.runtime, OGX_DIGEST_LEN);
	json_ext(b, "kernel", &r.kernel);
	json_ext(b, "payment", &r.payment);
	json_ext(b, "zk", &r.zk);
	json_digest(b, "signature", r.sig, OGX_SIG_LEN);
	ogx_buf_str(b, "}\n");
	ogx_record_free(&r);
	return 0;
}

int ogx_records_get(struct srv *s, const uint8_t id[OGX_DIGEST_LEN], bool json, struct ogx_buf *out)
{
	struct records_index *ri = &s->ri;
	struct ogx_spool_iter *it;
	struct rec_slot *sl = ri->cap ? slot_for(ri->slot, ri->cap, id) : NULL;
	const uint8_t *data;
	uint64_t index;
	size_t len;
	int err;

	if (!sl || !sl->index_plus1) {
		err = index_scan(ri, s->cfg->spool);
		if (err)
			return err == -ENOENT ? -ENOENT : err;
		sl = ri->cap ? slot_for(ri->slot, ri->cap, id) : NULL;
		if (!sl || !sl->index_plus1)
			return -ENOENT;
	}
	err = ogx_spool_iter_open(&it, s->cfg->spool, sl->index_plus1 - 1, 0);
	if (err)
		return err;
	err = ogx_spool_iter_next(it, &index, &data, &len);
	if (err == 1 && json)
		err = render_json(data, len, id, out);
	else if (err == 1)
		ogx_buf_add(out, data, len), err = 0;
	else if (err == 0)
		err = -ENOENT;
	ogx_spool_iter_close(it);
	return err;
}

int ogx_records_attest(struct srv *s, const char *nonce, const struct ogx_info *info,
		       struct ogx_buf *out)
{
	struct ogx_buf msg = { 0 };
	uint8_t sig[OGX_SIG_LEN], head[OGX_DIGEST_LEN];
	uint64_t next_seq, now = ogx_now_ns();
	/* the module's label now (its INFO), as the records made with it get theirs */
	const char *tee = info ? ogx_evidence_label_node(OGX_LEVEL_TEE, info) : NULL;
	char module[256];

	/* the snapshot, not the signer: a worker may hold its lock waiting on the loop */
	pthread_mutex_lock(&s->pv.chain_lock);
	next_seq = s->pv.chain_next_seq;
	memcpy(head, s->pv.chain_head, OGX_DIGEST_LEN);
	pthread_mutex_unlock(&s->pv.chain_lock);
	if (!info) {
		snprintf(module, sizeof(module), "absent");
	} else {
		char h[2 * OGX_DIGEST_SIZE + 1];

		ogx_hex(h, info->head, OGX_DIGEST_SIZE);
		snprintf(module, sizeof(module), "abi=%u events=%llu pcr=%u head=%s",
			 info->abi_version, (unsigned long long)info->events, info->pcr, h);
	}
	/* The signed statement: line-oriented text, documented in serve.md. */
	ogx_buf_printf(&msg, "ogx-attestation-v1\nnonce=%s\nnode=", nonce);
	ogx_buf_hex(&msg, s->pv.signer.key.pk, OGX_PK_LEN);
	ogx_buf_printf(&msg, "\ntime_ns=%" PRIu64 "\nnext_seq=%" PRIu64 "\nhead=", now, next_seq);
	ogx_buf_hex(&msg, head, OGX_DIGEST_LEN);
	ogx_buf_str(&msg, "\nruntime=");
	ogx_buf_hex(&msg, s->pv.signer.runtime, OGX_DIGEST_LEN);
	ogx_buf_printf(&msg, "\nmodule=%s\nlevels=vanilla%s%s\n", module, info ? "," : "",
		       info ? tee : "");
	if (msg.oom) {
		ogx_buf_free(&msg);
		return -ENOMEM;
	}
	ogx_key_sign(&s->pv.signer.key, sig, msg.p, msg.len);
	ogx_buf_str(out, "{\"statement\":");
	ogx_buf_json_str(out, msg.p, msg.len);
	ogx_buf_str(out, ",\"node\":\"");
	ogx_buf_hex(out, s->pv.signer.key.pk, OGX_PK_LEN);
	ogx_buf_printf(out, "\",\"nonce\":\"%s\",\"time_ns\":%" PRIu64 ",\"chain\":{\"next_seq\":%"
		       PRIu64 ",\"head\":\"", nonce, now, next_seq);
	ogx_buf_hex(out, head, OGX_DIGEST_LEN);
	ogx_buf_str(out, "\"},\"runtime\":\"");
	ogx_buf_hex(out, s->pv.signer.runtime, OGX_DIGEST_LEN);
	ogx_buf_printf(out, "\",\"module\":\"%s\",\"levels\":[\"vanilla\"%s%s%s],"
		       "\"signature\":\"", module, info ? ",\"" : "", info ? tee : "",
		       info ? "\"" : "");
	ogx_buf_hex(out, sig, OGX_SIG_LEN);
	ogx_buf_str(out, "\"}\n");
	ogx_buf_free(&msg);
	return out->oom ? -ENOMEM : 0;
}

void ogx_records_free(struct records_index *ri)
{
	free(ri->slot);
	ri->slot = NULL;
	ri->n = ri->cap = 0;
}
