// SPDX-License-Identifier: GPL-2.0
/* See verify.h. */
#include <inttypes.h>
#include <string.h>

#include "proof/verify.h"
#include "util/err.h"
#include "util/hex.h"

int ogx_verify_record(const uint8_t *buf, size_t len, struct ogx_record *r)
{
	int err = ogx_record_decode(buf, len, r);

	if (err)
		return err;
	err = ogx_record_verify(r);
	if (err)
		ogx_record_free(r);
	return err;
}

int ogx_verify_link(struct ogx_chain_state *st, const struct ogx_record *r,
		    const uint8_t digest[OGX_DIGEST_LEN])
{
	static const uint8_t zero[OGX_DIGEST_LEN];
	char a[2 * OGX_DIGEST_LEN + 1], b[2 * OGX_DIGEST_LEN + 1];

	if (!st->have) {
		if (r->seq == 0 && memcmp(r->prev, zero, OGX_DIGEST_LEN))
			return ogx_fail(-EBADMSG, "chain break at seq 0: prev is not zero");
	} else {
		if (memcmp(r->node, st->node, OGX_PK_LEN)) {
			ogx_hex(a, r->node, OGX_PK_LEN);
			return ogx_fail(-EBADMSG, "seq %" PRIu64 ": node key %.16s... differs from "
					"the records before it", r->seq, a);
		}
		if (r->seq <= st->seq)
			return ogx_fail(-EBADMSG, "duplicate or reordered seq %" PRIu64 " after %"
					PRIu64, r->seq, st->seq);
		if (r->seq != st->seq + 1)
			return ogx_fail(-EBADMSG, "gap: seq %" PRIu64 " follows %" PRIu64
					" (records %" PRIu64 "..%" PRIu64 " missing)", r->seq,
					st->seq, st->seq + 1, r->seq - 1);
		if (memcmp(r->prev, st->digest, OGX_DIGEST_LEN)) {
			ogx_hex(a, r->prev, OGX_DIGEST_LEN);
			ogx_hex(b, st->digest, OGX_DIGEST_LEN);
			return ogx_fail(-EBADMSG, "chain break at seq %" PRIu64 ": prev %.16s... is "
					"not the digest of seq %" PRIu64 " (%.16s...)", r->seq, a,
					st->seq, b);
		}
	}
	st->have = true;
	st->seq = r->seq;
	memcpy(st->digest, digest, OGX_DIGEST_LEN);
	memcpy(st->node, r->node, OGX_PK_LEN);
	return 0;
}
