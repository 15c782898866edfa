// SPDX-License-Identifier: GPL-2.0
/*
 * ogverify log LOG [--from HEX] [--head HEX] [--spool DIR] [-v]
 *
 * Replays an ogx.ko event log — the bytes `cat /dev/ogx` writes, or - for
 * stdin — to its chain head: consecutive seq numbers, every event digest
 * recomputed, every head re-chained. A log that starts at seq 0 is replayed
 * from the zero head; a later window from --from (the head before its first
 * event) or else anchored on its first event's head (reported as a window).
 * --head is the head the log must reach (INFO's head, or a TPM PCR quote).
 * --spool checks the kernel evidence of every record of a spool: its form,
 * that its digest is the record's event, the link to the previous record's
 * evidence, and that the log holds the same event (seq, digest, head).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ogverify.h"
#include "proof/kmod_evidence.h"
#include "proof/spool.h"
#include "util/cli.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

#define LOG_MAX (1ULL << 32)	/* 15 million events; the ring holds at most 2^20 */

static int usage(FILE *f)
{
	fprintf(f, "Usage: %s log LOG [--from HEX] [--head HEX] [--spool DIR] [-v]\n", prog);
	return f == stdout ? 0 : 2;
}

/* What check_spool() found so far, and the evidence the next record's must follow. */
struct spool_tally {
	uint64_t bad, found, outside, none;
	struct ogx_kmod_evidence prev;
	bool have_prev;
};

/*
 * One record's kernel evidence: its form, its link to the previous record's,
 * and the log's event when it falls in the window lo..hi. 1: none to check.
 */
static int check_evidence(const uint8_t *data, size_t len, struct spool_tally *t,
			  const struct ogx_event *log, uint64_t lo, uint64_t hi,
			  struct ogx_kmod_evidence *ev, uint64_t *seq)
{
	struct ogx_record r;
	int err;

	err = ogx_record_decode(data, len, &r);
	if (err)
		return err;
	*seq = r.seq;
	if (!r.kernel.present) {
		err = 1;
		goto out;
	}
	err = ogx_kmod_evidence_check(&r, ev);
	if (err)
		goto out;
	if (t->have_prev && ogx_kmod_evidence_follows(&t->prev, ev) < 0) {
		err = -EBADMSG;
		goto out;
	}
	if (ev->seq >= lo && ev->seq <= hi)
		err = ogx_kmod_evidence_in_log(ev, log + (ev->seq - lo), 1);
out:
	ogx_record_free(&r);
	return err;
}

/* The spool's kernel evidences against the log window. Returns failures. */
static uint64_t check_spool(const char *dir, const struct ogx_event *log, size_t n, int verbose)
{
	uint64_t lo = n ? le64toh(log[0].seq) : 1, hi = n ? le64toh(log[n - 1].seq) : 0;
	struct spool_tally t = { 0 };
	struct ogx_kmod_evidence ev;
	struct ogx_spool_iter *it;
	uint64_t index, seq;
	const uint8_t *data;
	size_t len;
	int err;

	err = ogx_spool_iter_open(&it, dir, 0, 0);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, ogx_errmsg(err));
		return 1;
	}
	while ((err = ogx_spool_iter_next(it, &index, &data, &len)) == 1) {
		err = check_evidence(data, len, &t, log, lo, hi, &ev, &seq);
		if (err == 1) {
			t.none++;
			t.have_prev = false;
			continue;
		}
		if (err) {
			fprintf(stderr, "%s: %s: index %" PRIu64 ": FAILED %s\n", prog, dir, index,
				ogx_errmsg(err));
			t.bad++;
		} else if (ev.seq >= lo && ev.seq <= hi) {
			t.found++;
			if (verbose)
				printf("ok  record seq %" PRIu64 " = kernel event %" PRIu64 "\n", seq,
				       ev.seq);
		} else {
			t.outside++;
		}
		t.have_prev = !err;
		t.prev = ev;
	}
	ogx_spool_iter_close(it);
	if (err < 0) {
		fprintf(stderr, "%s: %s: FAILED reading the spool: %s\n", prog, dir, ogx_errmsg(err));
		t.bad++;
	}
	printf("%s: %" PRIu64 " records' kernel evidence in the log, %" PRIu64
	       " outside its window, %" PRIu64 " without kernel evidence, %" PRIu64 " failed\n",
	       dir, t.found, t.outside, t.none, t.bad);
	return t.bad;
}

/* What the command line asks for. */
struct log_opts {
	const char *path, *from_hex, *head_hex, *spool;
	uint8_t from[OGX_DIGEST_LEN], want[OGX_DIGEST_LEN];
	int verbose;
};

static int parse_log_args(int argc, char **argv, struct log_opts *o)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "head", required_argument, NULL, 'H' },
		{ "spool", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': o->from_hex = optarg; break;
		case 'H': o->head_hex = optarg; break;
		case 's': o->spool = optarg; break;
		case 'v': o->verbose = 1; break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (optind != argc - 1)
		return usage(stderr);
	o->path = argv[optind];
	if ((o->from_hex && ogx_unhex(o->from, OGX_DIGEST_LEN, o->from_hex)) ||
	    (o->head_hex && ogx_unhex(o->want, OGX_DIGEST_LEN, o->head_hex))) {
		fprintf(stderr, "%s: --from and --head want %d hex digits\n", prog,
			2 * OGX_DIGEST_LEN);
		return 2;
	}
	return OGX_ARGS_OK;
}

/* The log's bytes (path, or - for stdin) as n >= 1 whole events; prints the error line. */
static int load_log(const char *path, uint8_t **buf, size_t *n)
{
	size_t len;
	int err;

	*buf = NULL;
	err = ogx_read_file(strcmp(path, "-") ? path : "/dev/stdin", LOG_MAX, buf, &len);
	if (err)
		goto fail;
	if (len % sizeof(struct ogx_event)) {
		err = ogx_fail(-EBADMSG, "%zu bytes is not a whole number of %zu-byte events",
			       len, sizeof(struct ogx_event));
		goto fail;
	}
	if (!len) {
		err = ogx_fail(-EBADMSG, "no events");
		goto fail;
	}
	*n = len / sizeof(struct ogx_event);
	return 0;
fail:
	fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(err));
	free(*buf);
	*buf = NULL;
	return err;
}

/* Replay the n events from --from's head, the zero head, or a window's first event's. */
static int replay_log(const struct log_opts *o, const struct ogx_event *log, size_t n,
		      uint8_t head[OGX_DIGEST_LEN])
{
	uint64_t first = le64toh(log[0].seq);
	uint8_t d[OGX_DIGEST_LEN];
	size_t start = 0;
	int err;

	memset(head, 0, OGX_DIGEST_LEN);
	if (o->from_hex) {
		memcpy(head, o->from, OGX_DIGEST_LEN);
	} else if (first) {
		/* A window: its first link cannot be checked; anchor on it. */
		ogx_sha256(d, &log[0], offsetof(struct ogx_event, digest));
		if (memcmp(d, log[0].digest, OGX_DIGEST_LEN))
			return ogx_fail(-EBADMSG, "event log: seq %" PRIu64 ": digest mismatch",
					first);
		memcpy(head, log[0].head, OGX_DIGEST_LEN);
		start = 1;
	}
	err = ogx_kmod_replay(log + start, n - start, first + start, head);
	if (err)
		return err;
	if (o->head_hex && memcmp(head, o->want, OGX_DIGEST_LEN))
		return ogx_fail(-EBADMSG, "event log: replays to a head other than --head");
	return 0;
}

static int run_log(const struct log_opts *o)
{
	uint8_t head[OGX_DIGEST_LEN], *buf;
	char h[2 * OGX_DIGEST_LEN + 1];
	const struct ogx_event *log;
	uint64_t bad = 0, first;
	size_t n = 0;
	int err;

	if (load_log(o->path, &buf, &n))
		return 1;
	log = (const struct ogx_event *)buf;
	first = le64toh(log[0].seq);
	err = replay_log(o, log, n, head);
	if (err) {
		fprintf(stderr, "%s: %s: FAILED %s\n", prog, o->path, ogx_errmsg(err));
		bad++;
	} else {
		ogx_hex(h, head, OGX_DIGEST_LEN);
		printf("%s: %zu events, seq %" PRIu64 "..%" PRIu64 "%s, replay reaches head %s%s\n",
		       o->path, n, first, first + n - 1,
		       first && !o->from_hex ? " (a window: the link before it was not checked)" :
		       "", h, o->head_hex ? " = --head" : "");
	}
	if (o->spool)
		bad += check_spool(o->spool, log, err ? 0 : n, o->verbose);
	free(buf);
	return bad ? 1 : 0;
}

int log_main(int argc, char **argv)
{
	struct log_opts o = { 0 };
	int rc = parse_log_args(argc, argv, &o);

	return rc == OGX_ARGS_OK ? run_log(&o) : rc;
}
