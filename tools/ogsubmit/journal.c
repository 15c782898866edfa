// SPDX-License-Identifier: GPL-2.0
/* See journal.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "journal.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

struct journal {
	char dir[PATH_MAX];
	int lock_fd;
	int fd; /* journal, O_APPEND */
};

static int path_in(char *out, const struct journal *j, const char *leaf)
{
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", j->dir, leaf) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* Append " crc\n" to a line of len bytes in buf (room for 10 more). */
static size_t seal(char *buf, size_t len)
{
	uint32_t crc = crc32(0, (const Bytef *)buf, len);

	return len + sprintf(buf + len, " %08" PRIx32 "\n", crc);
}

static int append(struct journal *j, const char *buf, size_t len)
{
	int err;

	err = ogx_write_all(j->fd, buf, len);
	if (err)
		return err;
	if (fdatasync(j->fd))
		return -errno;
	return 0;
}

static char *fmt_batch(const struct flight *b, size_t *len)
{
	char d[2 * OGX_DIGEST_LEN + 1], *s;
	int n;

	ogx_hex(d, b->last_digest, OGX_DIGEST_LEN);
	n = asprintf(&s, "B %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %s%10s",
		     b->id, b->first_index, b->end_index, b->first_seq, b->last_seq, d, "");
	if (n < 0)
		return NULL;
	*len = seal(s, n - 10);
	return s;
}

static char *fmt_tx(uint64_t batch, const struct jtx *t, size_t *len)
{
	char h[65], *s;
	size_t head;
	int n;

	ogx_hex(h, t->hash, 32);
	n = snprintf(NULL, 0, "T %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %s ",
		     batch, t->nonce, t->tip, t->max_fee, t->gas, h);
	s = malloc(n + 2 * t->raw_len + 12);
	if (!s)
		return NULL;
	head = sprintf(s, "T %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %s ",
		       batch, t->nonce, t->tip, t->max_fee, t->gas, h);
	ogx_hex(s + head, t->raw, t->raw_len);
	*len = seal(s, head + 2 * t->raw_len);
	return s;
}

int journal_batch(struct journal *j, const struct flight *b, const struct jtx *tx)
{
	size_t bl, tl;
	char *bs = fmt_batch(b, &bl), *ts = fmt_tx(b->id, tx, &tl), *both = NULL;
	int err = -ENOMEM;

	if (bs && ts && (both = malloc(bl + tl))) {
		memcpy(both, bs, bl);
		memcpy(both + bl, ts, tl);
		err = append(j, both, bl + tl);
	}
	free(bs);
	free(ts);
	free(both);
	return err;
}

int journal_tx(struct journal *j, uint64_t batch, const struct jtx *tx)
{
	size_t len;
	char *s = fmt_tx(batch, tx, &len);
	int err;

	if (!s)
		return -ENOMEM;
	err = append(j, s, len);
	free(s);
	return err;
}

/* The sealed C line into buf (80 bytes). */
static size_t fmt_confirm(char *buf, uint64_t batch, uint64_t block)
{
	int n = snprintf(buf, 80 - 12, "C %" PRIu64 " %" PRIu64, batch, block);

	return seal(buf, n);
}

int journal_confirm(struct journal *j, uint64_t batch, uint64_t block)
{
	char s[80];

	return append(j, s, fmt_confirm(s, batch, block));
}

/* The P line of a payment, sealed, into buf (room for PAY_LINE_MAX bytes). */
#define PAY_LINE_MAX 800
static size_t fmt_upto(char *buf, const struct flight *p)
{
	const struct jpay *y = p->pay;
	const struct ogx_permit2_upto *a = &y->up;
	char id[2 * OGX_DIGEST_LEN + 1], permit2[41], token[41], spender[41], nonce[65];
	char from[41], to[41], fac[41], sig[131];
	int n;

	ogx_hex(id, y->record_id, OGX_DIGEST_LEN);
	ogx_hex(permit2, a->permit2, 20);
	ogx_hex(token, a->token, 20);
	ogx_hex(spender, a->spender, 20);
	ogx_hex(nonce, a->nonce, 32);
	ogx_hex(from, a->from, 20);
	ogx_hex(to, a->to, 20);
	ogx_hex(fac, a->facilitator, 20);
	ogx_hex(sig, a->sig, 65);
	n = snprintf(buf, PAY_LINE_MAX - 12, "U %" PRIu64 " %" PRIu64 " %" PRIu64 " %s %" PRIu64
		     " %s %s %s %s %s %" PRIu64 " %s %s %s %" PRIu64 " %s %s", p->id,
		     y->record_index, y->record_seq, id, a->chain_id, permit2, token, a->amount,
		     spender, nonce, a->deadline, from, to, fac, a->valid_after, y->charged, sig);
	return seal(buf, n);
}

static size_t fmt_pay(char *buf, const struct flight *p)
{
	const struct jpay *y = p->pay;
	const struct ogx_eip3009_auth *a = &y->auth;
	char id[2 * OGX_DIGEST_LEN + 1], asset[41], from[41], to[41], nonce[65], sig[131];
	int n;

	if (y->upto)
		return fmt_upto(buf, p);
	ogx_hex(id, y->record_id, OGX_DIGEST_LEN);
	ogx_hex(asset, a->asset, 20);
	ogx_hex(from, a->from, 20);
	ogx_hex(to, a->to, 20);
	ogx_hex(nonce, a->nonce, 32);
	ogx_hex(sig, a->sig, 65);
	n = snprintf(buf, PAY_LINE_MAX - 12, "P %" PRIu64 " %" PRIu64 " %" PRIu64 " %s %" PRIu64
		     " %s %s %s %s %" PRIu64 " %" PRIu64 " %s %s", p->id, y->record_index,
		     y->record_seq, id, a->chain_id, asset, from, to, a->value, a->valid_after,
		     a->valid_before, nonce, sig);
	return seal(buf, n);
}

int journal_pay(struct journal *j, const struct flight *p)
{
	char s[PAY_LINE_MAX];

	return append(j, s, fmt_pay(s, p));
}

/* The sealed X line into buf (SKIP_LINE_MAX bytes). */
#define SKIP_LINE_MAX 400
static size_t fmt_skip(char *buf, uint64_t pay, const char *reason, const char *why)
{
	int n = snprintf(buf, SKIP_LINE_MAX - 12, "X %" PRIu64 " %.15s %.319s", pay, reason, why);

	/* one line: a sentence from a node's error must not break it */
	for (int i = 0; i < n; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	return seal(buf, n);
}

int journal_skip(struct journal *j, uint64_t pay, const char *reason, const char *why)
{
	char s[SKIP_LINE_MAX];

	return append(j, s, fmt_skip(s, pay, reason, why));
}

int flight_add_tx(struct flight *fl, struct jtx *t)
{
	struct jtx *grown = realloc(fl->txs, (fl->n_txs + 1) * sizeof(*grown));

	if (!grown) {
		free(t->raw);
		t->raw = NULL;
		return -ENOMEM;
	}
	fl->txs = grown;
	fl->txs[fl->n_txs++] = *t;
	return 0;
}

static void flight_free(struct flight *b)
{
	for (size_t k = 0; k < b->n_txs; k++)
		free(b->txs[k].raw);
	free(b->txs);
	free(b->pay);
}

size_t jstate_prune_pays(struct jstate *st)
{
	size_t i, n = 0;

	for (i = 0; i < st->n_pays; i++) {
		struct flight *p = &st->pays[i];

		if (jpay_done(p) && p->pay->record_index < st->settled_index)
			flight_free(p);
		else
			st->pays[n++] = *p;
	}
	i -= n;
	st->n_pays = n;
	return i;
}

/* ---- reading ------------------------------------------------------------ */

static int bad_line(unsigned int lineno, const char *why)
{
	return ogx_fail(-EBADMSG, "journal line %u: %s", lineno, why);
}

/* The batch or payment of that id (a flight not yet compacted away). */
static struct flight *find_batch(struct jstate *st, uint64_t id)
{
	for (size_t i = 0; i < st->n_batches; i++)
		if (st->batches[i].id == id)
			return &st->batches[i];
	for (size_t i = 0; i < st->n_pays; i++)
		if (st->pays[i].id == id)
			return &st->pays[i];
	return NULL;
}

/* "P ..." into a new entry of st->pays. */
static int apply_pay(struct jstate *st, const char *line, unsigned int lineno)
{
	char id[2 * OGX_DIGEST_LEN + 2], asset[42], from[42], to[42], value[80], nonce[66];
	char sig[132];
	struct flight b = { 0 }, *nb;
	struct jpay *y = calloc(1, sizeof(*y));
	struct ogx_eip3009_auth *a;
	int n = 0;

	if (!y)
		return -ENOMEM;
	a = &y->auth;
	if (sscanf(line, "P %" SCNu64 " %" SCNu64 " %" SCNu64 " %65s %" SCNu64
		   " %41s %41s %41s %79s %" SCNu64 " %" SCNu64 " %65s %131s%n", &b.id,
		   &y->record_index, &y->record_seq, id, &a->chain_id, asset, from, to, value,
		   &a->valid_after, &a->valid_before, nonce, sig, &n) != 13 || line[n] ||
	    ogx_unhex(y->record_id, OGX_DIGEST_LEN, id) || ogx_unhex(a->asset, 20, asset) ||
	    ogx_unhex(a->from, 20, from) || ogx_unhex(a->to, 20, to) ||
	    ogx_unhex(a->nonce, 32, nonce) || ogx_unhex(a->sig, 65, sig) ||
	    strspn(value, "0123456789") != strlen(value)) {
		free(y);
		return bad_line(lineno, "malformed payment line");
	}
	memcpy(a->value, value, strlen(value) + 1);
	nb = realloc(st->pays, (st->n_pays + 1) * sizeof(*nb));
	if (!nb) {
		free(y);
		return -ENOMEM;
	}
	st->pays = nb;
	b.pay = y;
	st->pays[st->n_pays++] = b;
	if (b.id >= st->next_batch)
		st->next_batch = b.id + 1;
	return 0;
}

/* "U ..." into a new entry of st->pays. */
static int apply_upto(struct jstate *st, const char *line, unsigned int lineno)
{
	char id[2 * OGX_DIGEST_LEN + 2], permit2[42], token[42], spender[42], nonce[66];
	char from[42], to[42], fac[42], sig[132];
	struct flight b = { 0 }, *nb;
	struct jpay *y = calloc(1, sizeof(*y));
	struct ogx_permit2_upto *a;
	int n = 0;

	if (!y)
		return -ENOMEM;
	a = &y->up;
	y->upto = true;
	if (sscanf(line, "U %" SCNu64 " %" SCNu64 " %" SCNu64 " %65s %" SCNu64 " %41s %41s %79s"
		   " %41s %65s %" SCNu64 " %41s %41s %41s %" SCNu64 " %79s %131s%n", &b.id,
		   &y->record_index, &y->record_seq, id, &a->chain_id, permit2, token, a->amount,
		   spender, nonce, &a->deadline, from, to, fac, &a->valid_after, y->charged, sig,
		   &n) != 17 || line[n] ||
	    ogx_unhex(y->record_id, OGX_DIGEST_LEN, id) || ogx_unhex(a->permit2, 20, permit2) ||
	    ogx_unhex(a->token, 20, token) || ogx_unhex(a->spender, 20, spender) ||
	    ogx_unhex(a->nonce, 32, nonce) || ogx_unhex(a->from, 20, from) ||
	    ogx_unhex(a->to, 20, to) || ogx_unhex(a->facilitator, 20, fac) ||
	    ogx_unhex(a->sig, 65, sig) || strspn(a->amount, "0123456789") != strlen(a->amount) ||
	    strspn(y->charged, "0123456789") != strlen(y->charged)) {
		free(y);
		return bad_line(lineno, "malformed upto payment line");
	}
	nb = realloc(st->pays, (st->n_pays + 1) * sizeof(*nb));
	if (!nb) {
		free(y);
		return -ENOMEM;
	}
	st->pays = nb;
	b.pay = y;
	st->pays[st->n_pays++] = b;
	if (b.id >= st->next_batch)
		st->next_batch = b.id + 1;
	return 0;
}

/* Apply one verified line (without its CRC) to st. */
static int apply(struct jstate *st, char *line, unsigned int lineno)
{
	struct flight b = { 0 }, *p, *nb;
	struct jtx t = { 0 };
	char hex[2 * OGX_DIGEST_LEN + 2], *rawhex, reason[16];
	uint64_t id, block;
	int n = 0;

	switch (line[0]) {
	case 'P':
		return apply_pay(st, line, lineno);
	case 'U':
		return apply_upto(st, line, lineno);
	case 'X':
		if (sscanf(line, "X %" SCNu64 " %15s%n", &id, reason, &n) != 2 ||
		    (line[n] && line[n] != ' '))
			return bad_line(lineno, "malformed skip line");
		p = find_batch(st, id);
		if (p && p->pay) {
			snprintf(p->pay->skipped, sizeof(p->pay->skipped), "%s", reason);
			snprintf(p->pay->why, sizeof(p->pay->why), "%s",
				 line[n] ? line + n + 1 : reason);
		}
		return 0;
	case 'B':
		if (sscanf(line, "B %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %65s%n",
			   &b.id, &b.first_index, &b.end_index, &b.first_seq, &b.last_seq, hex,
			   &n) != 6 || line[n] || ogx_unhex(b.last_digest, OGX_DIGEST_LEN, hex))
			return bad_line(lineno, "malformed batch line");
		if (b.end_index <= st->settled_index)
			return 0; /* settled: already in the cursor */
		nb = realloc(st->batches, (st->n_batches + 1) * sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		st->batches = nb;
		st->batches[st->n_batches++] = b;
		if (b.id >= st->next_batch)
			st->next_batch = b.id + 1;
		st->have_last = true;
		st->last_seq = b.last_seq;
		memcpy(st->last_digest, b.last_digest, OGX_DIGEST_LEN);
		return 0;
	case 'T':
		if (sscanf(line, "T %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %65s %n",
			   &id, &t.nonce, &t.tip, &t.max_fee, &t.gas, hex, &n) != 6 ||
		    ogx_unhex(t.hash, 32, hex))
			return bad_line(lineno, "malformed transaction line");
		if (t.nonce >= st->next_nonce)
			st->next_nonce = t.nonce + 1;
		p = find_batch(st, id);
		if (!p)
			return 0; /* of a settled batch */
		rawhex = line + n;
		t.raw_len = strlen(rawhex) / 2;
		t.raw = malloc(t.raw_len + 1);
		if (!t.raw)
			return -ENOMEM;
		if (strlen(rawhex) % 2 || ogx_unhex(t.raw, t.raw_len, rawhex)) {
			free(t.raw);
			return bad_line(lineno, "malformed raw transaction");
		}
		return flight_add_tx(p, &t);
	case 'C':
		if (sscanf(line, "C %" SCNu64 " %" SCNu64 "%n", &id, &block, &n) != 2 || line[n])
			return bad_line(lineno, "malformed confirmation line");
		p = find_batch(st, id);
		if (p) {
			p->confirmed = true;
			p->block = block;
		}
		return 0;
	}
	return bad_line(lineno, "unknown line type");
}

static int read_cursor(struct journal *j, struct jstate *st)
{
	char path[PATH_MAX], hex[2 * OGX_DIGEST_LEN + 2];
	uint8_t *data;
	size_t len;
	int have, n = 0, err;

	err = path_in(path, j, "cursor");
	if (err)
		return err;
	err = ogx_read_file(path, 4096, &data, &len);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	if (sscanf((char *)data, "settled %" SCNu64 " nonce %" SCNu64 " batch %" SCNu64
		   " last %d %" SCNu64 " %65s\n%n",
		   &st->settled_index, &st->next_nonce, &st->next_batch, &have, &st->last_seq, hex,
		   &n) != 6 || (size_t)n != len || ogx_unhex(st->last_digest, OGX_DIGEST_LEN, hex))
		err = ogx_fail(-EBADMSG, "%s: not an ogsubmit cursor", path);
	st->have_last = have;
	free(data);
	return err;
}

/*
 * The journal's intact prefix: whole lines whose CRC holds (a torn or
 * damaged line and everything after it are cut), less a last B line whose T
 * line is not there. A batch and its first transaction are one append, but a
 * SIGKILL can cut that write short after the B line: the transaction was
 * then never sent (the broadcast comes after the append), so the batch must
 * go with it, or its records would count as taken and never be sent, and the
 * next batch would take its nonce.
 */
static size_t intact_prefix(const uint8_t *data, size_t len)
{
	size_t off = 0, good = 0, open_batch = SIZE_MAX;
	const char *line, *nl, *sp;
	uint32_t crc;

	while (off < len) {
		line = (const char *)data + off;
		nl = memchr(line, '\n', len - off);
		if (!nl)
			break; /* torn: no newline */
		sp = memrchr(line, ' ', (size_t)(nl - line));
		if (!sp || nl - sp - 1 != 8 || sscanf(sp + 1, "%8" SCNx32, &crc) != 1 ||
		    crc != crc32(0, (const Bytef *)line, sp - line))
			break; /* torn or damaged: everything from here is cut */
		open_batch = line[0] == 'B' ? off : SIZE_MAX;
		off = (size_t)(nl - (const char *)data) + 1;
		good = off;
	}
	return open_batch < good ? open_batch : good;
}

static int read_journal(struct journal *j, struct jstate *st, size_t *cut)
{
	uint8_t *data;
	size_t len, off = 0, good;
	unsigned int lineno = 0;
	char path[PATH_MAX], *line, *nl;
	int err;

	*cut = 0;
	err = path_in(path, j, "journal");
	if (err)
		return err;
	err = ogx_read_file(path, SIZE_MAX / 2, &data, &len);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	good = intact_prefix(data, len);
	while (off < good) {
		line = (char *)data + off;
		nl = memchr(line, '\n', good - off);
		lineno++;
		*nl = '\0';
		*strrchr(line, ' ') = '\0'; /* the CRC, checked */
		err = apply(st, line, lineno);
		if (err)
			goto out;
		off = (size_t)(nl - (char *)data) + 1;
	}
	if (good < len) {
		*cut = len - good;
		if (ftruncate(j->fd, good) || fsync(j->fd))
			err = -errno;
	}
out:
	free(data);
	return err;
}

int journal_open(struct journal **out, const char *state_dir, struct jstate *st, size_t *cut)
{
	struct journal *j;
	char path[PATH_MAX];
	int err;

	memset(st, 0, sizeof(*st));
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->lock_fd = j->fd = -1;
	if (strlen(state_dir) >= sizeof(j->dir)) {
		err = -ENAMETOOLONG;
		goto fail;
	}
	strcpy(j->dir, state_dir);
	err = ogx_mkdirs(state_dir, 0700);
	if (err)
		goto fail;
	err = path_in(path, j, "lock");
	if (err)
		goto fail;
	j->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->lock_fd < 0) {
		err = -errno;
		goto fail;
	}
	if (flock(j->lock_fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ?
			ogx_fail(-EBUSY, "another ogsubmit owns this state directory") : -errno;
		goto fail;
	}
	err = path_in(path, j, "journal");
	if (err)
		goto fail;
	j->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		err = -errno;
		goto fail;
	}
	err = ogx_fsync_dir(state_dir);
	if (err)
		goto fail;
	err = read_cursor(j, st);
	if (err)
		goto fail;
	err = read_journal(j, st, cut);
	if (err)
		goto fail;
	jstate_prune_pays(st);
	*out = j;
	return 0;
fail:
	jstate_free(st);
	journal_close(j);
	return err;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->lock_fd >= 0)
		close(j->lock_fd);
	free(j);
}

void jstate_free(struct jstate *st)
{
	for (size_t i = 0; i < st->n_batches; i++)
		flight_free(&st->batches[i]);
	for (size_t i = 0; i < st->n_pays; i++)
		flight_free(&st->pays[i]);
	free(st->batches);
	free(st->pays);
	st->batches = st->pays = NULL;
	st->n_batches = st->n_pays = 0;
}

/* Append len bytes of s to a growing buffer. */
static int grow(char **buf, size_t *len, const char *s, size_t n)
{
	char *nb = realloc(*buf, *len + n);

	if (!nb)
		return -ENOMEM;
	memcpy(nb + *len, s, n);
	*buf = nb;
	*len += n;
	return 0;
}

/* grow() by a line a fmt_*() malloc'd (NULL: it ran out of memory); frees it. */
static int grow_owned(char **buf, size_t *len, char *s, size_t n)
{
	int err;

	if (!s)
		return -ENOMEM;
	err = grow(buf, len, s, n);
	free(s);
	return err;
}

/* The T lines of flight b and its C line, if confirmed. */
static int grow_flight(char **buf, size_t *blen, const struct flight *b)
{
	char c[80], *s;
	size_t len;
	int err = 0;

	for (size_t k = 0; k < b->n_txs; k++) {
		s = fmt_tx(b->id, &b->txs[k], &len);
		err = grow_owned(buf, blen, s, len);
		if (err)
			return err;
	}
	if (b->confirmed)
		err = grow(buf, blen, c, fmt_confirm(c, b->id, b->block));
	return err;
}

/* The lines of the batches not yet settled and of the open payments, for a new journal. */
static int open_lines(const struct jstate *st, char **buf, size_t *blen)
{
	char line[PAY_LINE_MAX], *s;
	size_t len;
	int err;

	for (size_t i = 0; i < st->n_batches; i++) {
		const struct flight *b = &st->batches[i];

		if (b->end_index <= st->settled_index)
			continue;
		s = fmt_batch(b, &len);
		err = grow_owned(buf, blen, s, len);
		if (err)
			return err;
		err = grow_flight(buf, blen, b);
		if (err)
			return err;
	}
	for (size_t i = 0; i < st->n_pays; i++) {
		const struct flight *p = &st->pays[i];

		err = grow(buf, blen, line, fmt_pay(line, p));
		if (err)
			return err;
		err = grow_flight(buf, blen, p);
		if (err)
			return err;
		if (p->pay->skipped[0]) {
			err = grow(buf, blen, line, fmt_skip(line, p->id, p->pay->skipped,
							     p->pay->why));
			if (err)
				return err;
		}
	}
	return 0;
}

int journal_compact(struct journal *j, const struct jstate *st)
{
	char path[PATH_MAX], d[2 * OGX_DIGEST_LEN + 1], cur[256], *buf = NULL;
	size_t blen = 0;
	int n, fd, err;

	ogx_hex(d, st->last_digest, OGX_DIGEST_LEN);
	n = snprintf(cur, sizeof(cur),
		     "settled %" PRIu64 " nonce %" PRIu64 " batch %" PRIu64 " last %d %" PRIu64
		     " %s\n",
		     st->settled_index, st->next_nonce, st->next_batch, st->have_last,
		     st->last_seq, d);
	err = path_in(path, j, "cursor");
	if (err)
		return err;
	err = ogx_write_file_atomic(path, cur, n, 0600, 0);
	if (err)
		return err;
	/*
	 * The cursor now covers every settled line, and a reader skips those.
	 * The lines of open batches go to a new journal that replaces the old
	 * one atomically, so a crash leaves one or the other, never half.
	 */
	err = open_lines(st, &buf, &blen);
	if (err)
		goto err_buf;
	err = path_in(path, j, "journal");
	if (err)
		goto err_buf;
	err = ogx_write_file_atomic(path, buf ? buf : "", blen, 0600, 0);
	if (err)
		goto err_buf;
	free(buf);
	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(j->fd);
	j->fd = fd;
	return 0;

err_buf:
	free(buf);
	return err;
}
