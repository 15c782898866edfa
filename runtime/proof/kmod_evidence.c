// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel evidence of a proof record (the `kernel` map): made from one ogx.ko
 * EXTEND, checked for form and against the record, linked to its
 * predecessor, and found in a read() log. The keys are in kmod_evidence.h.
 */
#include <endian.h>
#include <string.h>

#include "proof/kmod_evidence.h"
#include "util/digest.h"
#include "util/err.h"

void ogx_kmod_event_of(struct ogx_extend *x, const struct ogx_record *r, const uint8_t *pipeline)
{
	memset(x, 0, sizeof(*x));
	x->type = OGX_EVENT_JOB;
	memcpy(x->model, r->model, OGX_DIGEST_SIZE);
	memcpy(x->input, r->input, OGX_DIGEST_SIZE);
	memcpy(x->output, r->output, OGX_DIGEST_SIZE);
	memcpy(x->params, r->params, OGX_DIGEST_SIZE);
	if (pipeline)
		memcpy(x->pipeline, pipeline, OGX_DIGEST_SIZE);
}

const char *ogx_evidence_label_node(uint32_t level, const struct ogx_info *info)
{
	if (level != OGX_LEVEL_TEE)
		return ogx_level_name(level);
	return info->flags & OGX_INFO_F_TPM ? OGX_EVIDENCE_TEE_TPM : OGX_EVIDENCE_TEE_SW;
}

const char *ogx_evidence_label(const struct ogx_record *r)
{
	const struct ogx_ext *m = &r->kernel;

	if (r->level != OGX_LEVEL_TEE)
		return ogx_level_name(r->level);
	if (!m->present)
		return "tee/none";
	for (size_t i = 0; i < m->n; i++) {
		const uint8_t *label = m->e[i].data;
		size_t len = m->e[i].len;

		if (m->e[i].key != OGX_KEV_LABEL || m->e[i].type != OGX_EXT_TEXT)
			continue;
		if (len == strlen(OGX_KEV_LABEL_SW) && !memcmp(label, OGX_KEV_LABEL_SW, len))
			return OGX_EVIDENCE_TEE_SW;
		if (len == strlen(OGX_KEV_LABEL_TPM) && !memcmp(label, OGX_KEV_LABEL_TPM, len))
			return OGX_EVIDENCE_TEE_TPM;
		break;
	}
	return "tee/unknown";
}

int ogx_kmod_evidence_fill(struct ogx_record *r, const struct ogx_info *info,
			   const struct ogx_extend *x)
{
	struct ogx_ext *m = &r->kernel;
	const char *label = info->flags & OGX_INFO_F_TPM ? OGX_KEV_LABEL_TPM : OGX_KEV_LABEL_SW;
	int err;

	/* Ascending keys: the deterministic encoding. */
	err = ogx_ext_add_bytes(m, OGX_KEV_LABEL, OGX_EXT_TEXT, label, strlen(label));
	err = err ?: ogx_ext_add_bytes(m, OGX_KEV_BOOT_ID, OGX_EXT_BYTES, info->boot_id,
				       OGX_BOOT_ID_SIZE);
	err = err ?: ogx_ext_add_uint(m, OGX_KEV_SEQ, x->seq);
	err = err ?: ogx_ext_add_uint(m, OGX_KEV_TIME, x->time_ns);
	err = err ?: ogx_ext_add_uint(m, OGX_KEV_TYPE, x->type);
	err = err ?: ogx_ext_add_uint(m, OGX_KEV_FLAGS, x->flags);
	err = err ?: ogx_ext_add_bytes(m, OGX_KEV_EXE, OGX_EXT_BYTES, x->exe, 32);
	err = err ?: ogx_ext_add_bytes(m, OGX_KEV_PIPELINE, OGX_EXT_BYTES, x->pipeline, 32);
	err = err ?: ogx_ext_add_bytes(m, OGX_KEV_DIGEST, OGX_EXT_BYTES, x->digest, 32);
	err = err ?: ogx_ext_add_bytes(m, OGX_KEV_HEAD, OGX_EXT_BYTES, x->head, 32);
	err = err ?: ogx_ext_add_bytes(m, OGX_KEV_MAC, OGX_EXT_BYTES, x->mac, 32);
	if (!err && (info->flags & OGX_INFO_F_TPM))
		err = ogx_ext_add_uint(m, OGX_KEV_PCR, info->pcr);
	return err;
}

int ogx_kmod_evidence_add(struct ogx_kmod *k, struct ogx_record *r,
			  const uint8_t *pipeline)
{
	struct ogx_extend x;
	struct ogx_info info;
	int err;

	if (r->kernel.present)
		return ogx_fail(-EEXIST, "record already has kernel evidence");
	err = ogx_kmod_info(k, &info);
	if (err)
		return ogx_fail(err, "%s: INFO: %s", OGX_KMOD_DEV, strerror(-err));
	ogx_kmod_event_of(&x, r, pipeline);
	err = ogx_kmod_extend(k, &x);
	if (err)
		return ogx_fail(err, "%s: EXTEND: %s", OGX_KMOD_DEV, strerror(-err));
	return ogx_kmod_evidence_fill(r, &info, &x);
}

/* Finds key in m with the given type and, for bytes, exactly len bytes. */
static int kev_get(const struct ogx_ext *m, uint32_t key, enum ogx_ext_type type,
		   size_t len, const char *name, uint64_t *u, const uint8_t **data,
		   size_t *got_len)
{
	for (size_t i = 0; i < m->n; i++) {
		if (m->e[i].key != key)
			continue;
		if (m->e[i].type != type)
			return ogx_fail(-EBADMSG, "kernel evidence: %s has the wrong type", name);
		if (type == OGX_EXT_UINT) {
			*u = m->e[i].u;
			return 0;
		}
		if (len && m->e[i].len != len)
			return ogx_fail(-EBADMSG, "kernel evidence: %s is %zu bytes, want %zu",
					name, m->e[i].len, len);
		*data = m->e[i].data;
		if (got_len)
			*got_len = m->e[i].len;
		return 0;
	}
	return ogx_fail(-EBADMSG, "kernel evidence: no %s", name);
}

static int kev_uint(const struct ogx_ext *m, uint32_t key, const char *name, uint64_t max,
		    uint64_t *u)
{
	int err = kev_get(m, key, OGX_EXT_UINT, 0, name, u, NULL, NULL);

	if (!err && *u > max)
		err = ogx_fail(-EBADMSG, "kernel evidence: %s %llu out of range", name,
			       (unsigned long long)*u);
	return err;
}

static int kev_bytes(const struct ogx_ext *m, uint32_t key, const char *name, void *out,
		     size_t len)
{
	const uint8_t *data = NULL;
	int err = kev_get(m, key, OGX_EXT_BYTES, len, name, NULL, &data, NULL);

	if (!err)
		memcpy(out, data, len);
	return err;
}

void ogx_kmod_event_digest(const struct ogx_record *r, uint64_t seq, uint64_t time_ns,
			   uint32_t type, uint32_t flags, const uint8_t exe[OGX_DIGEST_SIZE],
			   const uint8_t pipeline[OGX_DIGEST_SIZE], uint8_t out[OGX_DIGEST_SIZE])
{
	struct ogx_event e = { 0 };

	e.seq = htole64(seq);
	e.time_ns = htole64(time_ns);
	e.type = htole32(type);
	e.flags = htole32(flags);
	memcpy(e.exe, exe, 32);
	memcpy(e.model, r->model, 32);
	memcpy(e.input, r->input, 32);
	memcpy(e.output, r->output, 32);
	memcpy(e.params, r->params, 32);
	memcpy(e.pipeline, pipeline, 32);
	ogx_sha256(out, &e, offsetof(struct ogx_event, digest));
}

int ogx_kmod_evidence_check(const struct ogx_record *r, struct ogx_kmod_evidence *out)
{
	const struct ogx_ext *m = &r->kernel;
	struct ogx_kmod_evidence ev = { 0 };
	uint8_t digest[OGX_DIGEST_SIZE];
	const uint8_t *label = NULL;
	size_t label_len = 0, want = 11;
	uint64_t u = 0;
	int err;

	if (!m->present)
		return ogx_fail(-EBADMSG, "no kernel evidence");
	err = kev_get(m, OGX_KEV_LABEL, OGX_EXT_TEXT, 0, "label", NULL, &label, &label_len);
	if (err)
		return err;
	if (label_len == strlen(OGX_KEV_LABEL_TPM) &&
	    !memcmp(label, OGX_KEV_LABEL_TPM, label_len))
		ev.tpm = true;
	else if (label_len != strlen(OGX_KEV_LABEL_SW) ||
		 memcmp(label, OGX_KEV_LABEL_SW, label_len))
		return ogx_fail(-EBADMSG, "kernel evidence: unknown label '%.*s'",
				(int)(label_len > 32 ? 32 : label_len), (const char *)label);
	err = kev_bytes(m, OGX_KEV_BOOT_ID, "boot_id", ev.boot_id, OGX_BOOT_ID_SIZE);
	err = err ?: kev_uint(m, OGX_KEV_SEQ, "seq", UINT64_MAX, &ev.seq);
	err = err ?: kev_uint(m, OGX_KEV_TIME, "time_ns", UINT64_MAX, &ev.time_ns);
	err = err ?: kev_uint(m, OGX_KEV_TYPE, "type", OGX_EVENT_KEY, &u);
	ev.type = (uint32_t)u;
	err = err ?: kev_uint(m, OGX_KEV_FLAGS, "flags", OGX_EVENT_FLAGS_MASK, &u);
	ev.flags = (uint32_t)u;
	err = err ?: kev_bytes(m, OGX_KEV_EXE, "exe", ev.exe, 32);
	err = err ?: kev_bytes(m, OGX_KEV_PIPELINE, "pipeline", ev.pipeline, 32);
	err = err ?: kev_bytes(m, OGX_KEV_DIGEST, "digest", ev.digest, 32);
	err = err ?: kev_bytes(m, OGX_KEV_HEAD, "head", ev.head, 32);
	err = err ?: kev_bytes(m, OGX_KEV_MAC, "mac", ev.mac, 32);
	if (!err && ev.tpm) {
		err = kev_uint(m, OGX_KEV_PCR, "pcr", 23, &u);
		ev.pcr = (uint32_t)u;
		want++;
	}
	if (err)
		return err;
	if (ev.type == 0)
		return ogx_fail(-EBADMSG, "kernel evidence: type 0");
	if (m->n != want)
		return ogx_fail(-EBADMSG, "kernel evidence: %zu entries, want %zu", m->n, want);

	/* The event the kernel hashed is the record's. */
	ogx_kmod_event_digest(r, ev.seq, ev.time_ns, ev.type, ev.flags, ev.exe, ev.pipeline,
			      digest);
	if (memcmp(digest, ev.digest, 32))
		return ogx_fail(-EBADMSG, "kernel evidence: digest is not the record's event");
	if (memcmp(ev.exe, r->runtime, 32))
		return ogx_fail(-EBADMSG,
				"kernel evidence: the kernel measured another executable than the record's runtime");
	if (out)
		*out = ev;
	return 0;
}

int ogx_kmod_evidence_follows(const struct ogx_kmod_evidence *a,
			      const struct ogx_kmod_evidence *b)
{
	uint8_t buf[64], head[32];

	if (memcmp(a->boot_id, b->boot_id, OGX_BOOT_ID_SIZE))
		return 1;
	if (b->seq <= a->seq)
		return ogx_fail(-EBADMSG, "kernel evidence: seq %llu after seq %llu",
				(unsigned long long)b->seq, (unsigned long long)a->seq);
	if (b->seq > a->seq + 1)
		return 1;
	memcpy(buf, a->head, 32);
	memcpy(buf + 32, b->digest, 32);
	ogx_sha256(head, buf, sizeof(buf));
	if (memcmp(head, b->head, 32))
		return ogx_fail(-EBADMSG, "kernel evidence: seq %llu does not chain to seq %llu",
				(unsigned long long)b->seq, (unsigned long long)a->seq);
	return 0;
}

int ogx_kmod_evidence_in_log(const struct ogx_kmod_evidence *ev,
			     const struct ogx_event *log, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (le64toh(log[i].seq) != ev->seq)
			continue;
		if (memcmp(log[i].digest, ev->digest, 32) || memcmp(log[i].head, ev->head, 32))
			return ogx_fail(-EBADMSG, "kernel evidence: seq %llu differs from the log",
					(unsigned long long)ev->seq);
		return 0;
	}
	return ogx_fail(-EBADMSG, "kernel evidence: seq %llu is not in the log",
			(unsigned long long)ev->seq);
}

int ogx_kmod_evidence_verify(struct ogx_kmod *k, const struct ogx_kmod_evidence *ev)
{
	struct ogx_verify v = { .seq = ev->seq };
	int err;

	memcpy(v.digest, ev->digest, 32);
	memcpy(v.head, ev->head, 32);
	memcpy(v.mac, ev->mac, 32);
	err = ogx_kmod_verify(k, &v);
	if (err == -EBADMSG)
		return ogx_fail(err, "kernel evidence: seq %llu: MAC not genuine on this boot",
				(unsigned long long)ev->seq);
	return err;
}
