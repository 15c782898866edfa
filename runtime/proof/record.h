/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Proof record v2: what a node says about one execution, as a deterministic
 * CBOR map with integer keys (RFC 8949 §4.2.1), signed with the node's Ed25519
 * key. Documentation/proof-record.md has the CDDL; this file is its one
 * encoder and decoder. The record's digest (SHA-256 of its full encoding) is
 * its id and the `prev` of the node's next record. What the digests mean is
 * proof/job.h; the rules a verifier applies are proof/verify.h.
 */
#ifndef OGX_PROOF_RECORD_H
#define OGX_PROOF_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proof/key.h"
#include "util/digest.h"
#include "util/err.h"

#define OGX_RECORD_VERSION 2
#define OGX_RECORD_MAX 65536 /* bytes of one encoded record */
#define OGX_EXT_MAX 16       /* entries in one extension map */
#define OGX_EXT_VALUE_MAX 4096
#define OGX_JOB_TEXT_MAX 256 /* bytes of the job text, with its NUL */

enum ogx_level {
	OGX_LEVEL_VANILLA = 0,
	OGX_LEVEL_ZKML = 1,
	OGX_LEVEL_TEE = 2,
};

/* Map keys of the record (the CDDL names them). */
enum ogx_record_key {
	OGX_R_VERSION = 0,
	OGX_R_LEVEL = 1,
	OGX_R_NODE = 2,
	OGX_R_SEQ = 3,
	OGX_R_PREV = 4,
	OGX_R_MODEL = 5,
	OGX_R_INPUT = 6,
	OGX_R_OUTPUT = 7,
	OGX_R_PARAMS = 8,
	OGX_R_TIME = 9,
	OGX_R_INFER_NS = 10,
	OGX_R_JOB_NS = 11,
	OGX_R_DEVICE = 12,
	OGX_R_RUNTIME = 13,
	OGX_R_KERNEL = 14,
	OGX_R_PAYMENT = 15,
	OGX_R_ZK = 16,
	OGX_R_EPOCH = 17,
	OGX_R_JOB = 18,
	OGX_R_SIG = 20,
};

enum ogx_device_key {
	OGX_D_KIND = 0,
	OGX_D_NAME = 1,
	OGX_D_VENDOR = 2,
	OGX_D_DEVICE = 3,
	OGX_D_DRIVER = 4,
	OGX_D_DRM = 5,
};

struct ogx_device {
	char kind[16];    /* "cpu" or "vulkan" */
	char name[128];
	bool has_ids;
	uint32_t vendor_id, device_id;
	char driver[128]; /* "" when absent */
	char drm[64];     /* DRM node, "" when absent */
};

enum ogx_ext_type { OGX_EXT_UINT, OGX_EXT_BYTES, OGX_EXT_TEXT };

/*
 * The evidence fields (kernel, payment, zk) are maps from small integer keys
 * to unsigned integers, byte strings or text; their keys are defined in
 * Documentation/proof-record.md by the part that writes them.
 */
struct ogx_ext {
	bool present;
	size_t n;
	struct {
		uint32_t key;
		enum ogx_ext_type type;
		uint64_t u;
		uint8_t *data; /* BYTES/TEXT: malloc'd, len bytes (TEXT not NUL-terminated) */
		size_t len;
	} e[OGX_EXT_MAX];
};

struct ogx_record {
	uint32_t version;
	uint32_t level;
	uint8_t node[OGX_PK_LEN];
	uint64_t seq;
	uint8_t prev[OGX_DIGEST_LEN];
	uint8_t model[OGX_DIGEST_LEN];
	uint8_t input[OGX_DIGEST_LEN];
	uint8_t output[OGX_DIGEST_LEN];
	uint8_t params[OGX_DIGEST_LEN];
	uint64_t time_ns;  /* job start, ns since the Unix epoch */
	uint64_t infer_ns; /* compute time */
	uint64_t job_ns;   /* the job's own time: its share of compute, hashing, evidence */
	struct ogx_device device;
	uint8_t runtime[OGX_DIGEST_LEN]; /* SHA-256 of the executable */
	struct ogx_ext kernel, payment, zk;
	uint64_t epoch;    /* the node's chain epoch (proof/signer.h) */
	char job[OGX_JOB_TEXT_MAX]; /* the canonical job text; params = its SHA-256 (proof/job.h) */
	uint8_t sig[OGX_SIG_LEN];
};

/*
 * Encode. With sig false, the encoding of everything but the signature: the
 * bytes that are signed (after the context prefix below). out is malloc'd.
 */
OGX_MUST_CHECK
int ogx_record_encode(const struct ogx_record *r, bool with_sig, uint8_t **out, size_t *len);

/* Domain separation: the signed message is this prefix, then the body. */
#define OGX_RECORD_SIG_CONTEXT "ogx-record-v2"

/* Set r->node from key, sign, and return the full encoding (malloc'd). */
OGX_MUST_CHECK
int ogx_record_sign(struct ogx_record *r, const struct ogx_key *key, uint8_t **out,
		    size_t *len);

/*
 * Strict decode: well-formed CBOR, deterministic encoding, known keys with the
 * right types, valid UTF-8 text, nothing trailing. -EBADMSG with a detail
 * naming the problem. This is the schema rule only: proof/verify.h applies
 * the rest (signature, recipe, level, chain).
 */
OGX_MUST_CHECK
int ogx_record_decode(const uint8_t *buf, size_t len, struct ogx_record *r);

/* Check r->sig against r->node over the body. -EBADMSG when it fails. */
OGX_MUST_CHECK
int ogx_record_verify(const struct ogx_record *r);

/* The record's digest: SHA-256 of its full encoding; its id in hex. */
void ogx_record_digest(const uint8_t *buf, size_t len, uint8_t out[OGX_DIGEST_LEN]);

void ogx_record_free(struct ogx_record *r);

const char *ogx_level_name(uint32_t level);
OGX_MUST_CHECK
int ogx_level_parse(const char *s, uint32_t *level);

/* Add an entry to an extension map (copies data). */
OGX_MUST_CHECK
int ogx_ext_add_uint(struct ogx_ext *x, uint32_t key, uint64_t v);
OGX_MUST_CHECK
int ogx_ext_add_bytes(struct ogx_ext *x, uint32_t key, enum ogx_ext_type type,
		      const void *data, size_t len);

#endif
