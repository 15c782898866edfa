// SPDX-License-Identifier: GPL-2.0
/*
 * Replay protection for x402 payments: the (from, nonce) pairs already
 * accepted, in memory (a set of their Keccak-256) and on disk, one line per
 * payment in STATE/x402-nonces:
 *
 *	<from> <nonce> <value> <validAfter> <validBefore> <signature> <eip712 digest>
 *
 * (hex without 0x, decimal, ...). Settlement does not read it: ogsubmit
 * takes the same authorization from the job's proof record. The exposure
 * ledger (x402_ledger.h) is rebuilt from it: every line whose validBefore
 * is still ahead is open again. A line is written when the payment is accepted and made durable (fdatasync)
 * together with the job's proof record, before the answer leaves. On start
 * the file is read back; a torn last line (a crash mid-write, so no answer
 * was sent for it) is cut.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain/keccak.h"
#include "serve/serve.h"
#include "serve/x402.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

#define LOG_MAX (1ull << 30)

static void pair_key(const uint8_t from[20], const uint8_t nonce[32], uint8_t out[32])
{
	uint8_t b[52];

	memcpy(b, from, 20);
	memcpy(b + 20, nonce, 32);
	ogx_keccak256(out, b, sizeof(b));
}

static uint8_t (*slot(uint8_t (*set)[32], size_t cap, const uint8_t key[32]))[32]
{
	static const uint8_t zero[32];
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!memcmp(set[i], zero, 32) || !memcmp(set[i], key, 32))
			return &set[i];
}

static int set_add(struct x402_state *x, const uint8_t key[32])
{
	uint8_t (*sl)[32];
	static const uint8_t zero[32];

	if (2 * (x->n + 1) > x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 1024;
		uint8_t (*t)[32] = calloc(cap, 32);

		if (!t)
			return -ENOMEM;
		for (size_t i = 0; i < x->cap; i++)
			if (memcmp(x->set[i], zero, 32))
				memcpy(*slot(t, cap, x->set[i]), x->set[i], 32);
		free(x->set);
		x->set = t;
		x->cap = cap;
	}
	sl = slot(x->set, x->cap, key);
	if (!memcmp(*sl, zero, 32))
		x->n++;
	memcpy(*sl, key, 32);
	return 0;
}

bool ogx_x402_nonce_seen(struct x402_state *x, const struct x402_payment *p, bool add)
{
	static const uint8_t zero[32];
	uint8_t key[32];

	pair_key(p->from, p->nonce, key);
	if (x->cap && memcmp(*slot(x->set, x->cap, key), zero, 32))
		return true;
	if (add)
		set_add(x, key);
	return false;
}

int ogx_x402_log(struct x402_state *x, const struct x402_payment *p, bool at_risk)
{
	char line[512], from[41], nonce[65], sig[131], dig[65];
	uint8_t key[32];
	int n, err;

	pair_key(p->from, p->nonce, key);
	err = set_add(x, key);
	if (!err && !p->settled) /* settle=before: paid already, no exposure */
		err = ogx_x402_ledger_add(&x->ledger, p->from, p->nonce,
					  ogx_x402_value_u128(p->value), p->valid_before, at_risk);
	if (err)
		return err;
	ogx_hex(from, p->from, 20);
	ogx_hex(nonce, p->nonce, 32);
	ogx_hex(sig, p->sig, 65);
	ogx_hex(dig, p->digest, 32);
	n = snprintf(line, sizeof(line), "%s %s %s %llu %llu %s %s\n", from, nonce, p->value,
		     (unsigned long long)p->valid_after, (unsigned long long)p->valid_before, sig,
		     dig);
	return ogx_write_all(x->log_fd, line, (size_t)n);
}

int ogx_x402_sync(struct x402_state *x)
{
	if (x->log_fd >= 0 && fdatasync(x->log_fd))
		return ogx_fail(-errno, "x402 nonce log: fdatasync: %s", strerror(errno));
	return 0;
}

int ogx_x402_open(struct x402_state *x, const struct ogx_x402_config *cfg, const char *state_dir)
{
	char path[PATH_MAX];
	uint8_t *data = NULL;
	size_t len = 0, good = 0;
	uint64_t now = (uint64_t)time(NULL);
	int err;

	memset(x, 0, sizeof(*x));
	x->cfg = cfg;
	x->log_fd = -1;
	err = ogx_mkdirs(state_dir, 0750);
	if (err)
		return ogx_fail(err, "%s: %s", state_dir, ogx_errmsg(err));
	snprintf(path, sizeof(path), "%s/x402-nonces", state_dir);
	err = ogx_read_file(path, LOG_MAX, &data, &len);
	if (err && err != -ENOENT)
		return ogx_fail(err, "%s: %s", path, ogx_errmsg(err));
	for (size_t off = 0; off < len;) {
		uint8_t *nl = memchr(data + off, '\n', len - off);
		uint8_t from[20], nonce[32], key[32];
		char f[41], nn[65], value[80];
		unsigned long long after, before;

		if (!nl)
			break; /* a torn tail */
		if (sscanf((char *)data + off, "%40s %64s %79s %llu %llu", f, nn, value, &after,
			   &before) != 5 || strlen(f) != 40 ||
		    strlen(nn) != 64 || ogx_unhex(from, 20, f) || ogx_unhex(nonce, 32, nn)) {
			free(data);
			return ogx_fail(-EBADMSG, "%s: line at byte %zu is not a payment", path,
					off);
		}
		pair_key(from, nonce, key);
		err = set_add(x, key);
		/* the ledger again: what may still be settled is open until seen settled */
		if (!err && before > now)
			err = ogx_x402_ledger_add(&x->ledger, from, nonce, ogx_x402_value_u128(value),
						  before, false);
		if (err) {
			free(data);
			return err;
		}
		off = (size_t)(nl - data) + 1;
		good = off;
	}
	free(data);
	x->log_fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
	if (x->log_fd < 0)
		return ogx_fail(-errno, "%s: %s", path, strerror(errno));
	if (ftruncate(x->log_fd, (off_t)good) || lseek(x->log_fd, 0, SEEK_END) < 0 ||
	    fsync(x->log_fd))
		return ogx_fail(-errno, "%s: %s", path, strerror(errno));
	return ogx_fsync_dir(state_dir);
}

void ogx_x402_close(struct x402_state *x)
{
	if (x->log_fd >= 0)
		close(x->log_fd);
	x->log_fd = -1;
	free(x->set);
	x->set = NULL;
	x->n = x->cap = 0;
	ogx_x402_ledger_free(&x->ledger);
}
