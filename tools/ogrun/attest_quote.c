// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun attest quote --nonce HEX -o QUOTE [--pcr N] [--log FILE]
 *                    [--since SEQ --from HEX] [--tcti T] [--key F] [--ak F]
 *
 * Quotes ogx.ko's PCR (INFO's, or --pcr) and PCRs 0-7 with the AK, with
 * qualifyingData = SHA-256(domain ‖ node key ‖ nonce) (the nonce: a
 * verifier's, or a batch's Merkle root), and exports the module's event log
 * from the checkpoint: events from seq --since (default 0) on, the PCR
 * having --from (default zero: the PCR at boot) before them. The log is read
 * after the quote, so that it holds at least every event the quoted PCR
 * covers (the verifier accepts the quote at any prefix of it). --log takes
 * the log from a file (`cat /dev/ogx`) instead of /dev/ogx.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest/quote.h"
#include "attest/tpm.h"
#include "ogrun.h"
#include "proof/kmod.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/home.h"

static int usage(FILE *f)
{
	fprintf(f, "Usage: %s attest quote --nonce HEX -o QUOTE [--pcr N] [--log FILE]\n"
		   "                         [--since SEQ --from HEX] [--tcti T] [--key F] [--ak F]\n",
		prog);
	return f == stdout ? 0 : 2;
}

/*
 * The log (a file, or /dev/ogx read from its start), from seq since on.
 * Every read() asks for whole events: the device refuses a buffer smaller
 * than one (-EINVAL) and hands out whole records only.
 */
static int read_log(const char *path, uint64_t since, struct ogx_quote *q)
{
	const size_t ev_size = sizeof(struct ogx_event), chunk = 64 * sizeof(struct ogx_event);
	const size_t max = (size_t)OGX_QUOTE_LOG_MAX * sizeof(struct ogx_event);
	const char *name = path ? path : OGX_KMOD_DEV;
	size_t len = 0, cap = 0, skip = 0, n;
	uint8_t *buf = NULL, *nb;
	int fd, err = 0;

	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ogx_fail(-errno, "%s: %s", name, strerror(errno));
	for (;;) {
		ssize_t r;

		if (cap - len < chunk) {
			nb = realloc(buf, cap + 16 * chunk);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			cap += 16 * chunk;
		}
		r = read(fd, buf + len, (cap - len) / ev_size * ev_size);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = ogx_fail(-errno, "%s: %s", name, strerror(errno));
			break;
		}
		if (!r)
			break;
		len += r;
		if (len > max) {
			err = ogx_fail(-EFBIG, "%s: more than %u events (export from a later "
				       "--since)", name, OGX_QUOTE_LOG_MAX);
			break;
		}
	}
	close(fd);
	if (!err && len % ev_size)
		err = ogx_fail(-EBADMSG, "%s: %zu bytes is not a whole number of events", name,
			       len);
	if (err) {
		free(buf);
		return err;
	}
	n = len / ev_size;
	while (skip < n && le64toh(((const struct ogx_event *)buf)[skip].seq) < since)
		skip++;
	q->n = n - skip;
	q->log = malloc(q->n ? q->n * ev_size : 1);
	if (!q->log) {
		free(buf);
		return -ENOMEM;
	}
	memcpy(q->log, buf + skip * ev_size, q->n * ev_size);
	free(buf);
	return 0;
}

static int module_pcr(uint32_t *pcr)
{
	struct ogx_info info;
	struct ogx_kmod k;
	int err = ogx_kmod_open(&k, NULL);

	if (err)
		return ogx_fail(err, "no --pcr, and %s", ogx_errmsg(err));
	err = ogx_kmod_info(&k, &info);
	ogx_kmod_close(&k);
	if (err)
		return ogx_fail(err, "%s: INFO: %s", OGX_KMOD_DEV, ogx_errmsg(err));
	if (!(info.flags & OGX_INFO_F_TPM))
		return ogx_fail(-ENODEV, "%s: the module was loaded without pcr= (no PCR to quote)",
				OGX_KMOD_DEV);
	*pcr = info.pcr;
	return 0;
}

static int quote(struct ogx_tpm *t, struct ogx_quote *q, const uint8_t nonce[32],
		 const char *log, uint64_t since)
{
	uint8_t qual[32];
	int err = 0;

	if ((err = ogx_tpm_pcr_read_set(t, (1u << OGX_PCR_BOOT_COUNT) - 1, q->boot)))
		return err;
	ogx_quote_qualifying(qual, q->node, nonce);
	err = ogx_tpm_quote(t, q->pcr, qual, &q->attest, &q->attest_len, &q->sig, &q->sig_len);
	if (!err)
		err = read_log(log, since, q);
	return err;
}

int attest_quote_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nonce", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "pcr", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'l' },
		{ "since", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' },
		{ "tcti", required_argument, NULL, 't' },
		{ "key", required_argument, NULL, 'k' },
		{ "ak", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *nonce_hex = NULL, *out = NULL, *log = NULL, *tcti = NULL;
	char key_path[PATH_MAX], ak[PATH_MAX], *end;
	struct ogx_quote q = { .pcr = UINT32_MAX };
	uint8_t nonce[OGX_QUOTE_NONCE_LEN], *buf = NULL;
	unsigned long long since = 0;
	struct ogx_key key;
	struct ogx_tpm t;
	size_t len;
	int c, err;

	if (ogx_default_path(key_path, sizeof(key_path), "node.key") ||
	    ogx_default_path(ak, sizeof(ak), OGX_TPM_AK_FILE))
		return 1;
	while ((c = getopt_long(argc, argv, "n:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': nonce_hex = optarg; break;
		case 'o': out = optarg; break;
		case 'p':
			errno = 0;
			q.pcr = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || q.pcr < 8 || q.pcr > 23) {
				fprintf(stderr, "%s: attest quote: --pcr: want 8..23 (PCRs 0-7 "
					"are the boot's)\n", prog);
				return 2;
			}
			break;
		case 'l': log = optarg; break;
		case 's':
			errno = 0;
			since = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg || *optarg == '-') {
				fprintf(stderr, "%s: attest quote: --since: want a seq\n", prog);
				return 2;
			}
			break;
		case 'f':
			if (ogx_unhex(q.from, sizeof(q.from), optarg)) {
				fprintf(stderr, "%s: attest quote: --from wants 64 hex digits\n", prog);
				return 2;
			}
			break;
		case 't': tcti = optarg; break;
		case 'k': snprintf(key_path, sizeof(key_path), "%s", optarg); break;
		case 'a': snprintf(ak, sizeof(ak), "%s", optarg); break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (optind != argc || !out || !nonce_hex)
		return usage(stderr);
	if (ogx_unhex(nonce, sizeof(nonce), nonce_hex)) {
		fprintf(stderr, "%s: attest quote: --nonce wants %zu hex digits (a nonce or a "
			"batch root)\n", prog, 2 * sizeof(nonce));
		return 2;
	}
	if ((err = ogx_key_load(key_path, &key))) {
		fprintf(stderr, "%s: %s: %s\n", prog, key_path, ogx_errmsg(err));
		return 1;
	}
	memcpy(q.node, key.pk, OGX_PK_LEN);
	ogx_key_free(&key);
	if (q.pcr == UINT32_MAX && (err = module_pcr(&q.pcr))) {
		fprintf(stderr, "%s: attest quote: %s\n", prog, ogx_errmsg(err));
		return 1;
	}
	if ((err = ogx_tpm_open(&t, tcti))) {
		fprintf(stderr, "%s: attest quote: %s\n", prog, ogx_errmsg(err));
		return 1;
	}
	err = ogx_tpm_load_ak(&t, ak, false);
	if (!err)
		err = quote(&t, &q, nonce, log, since);
	ogx_tpm_close(&t);
	if (!err)
		err = ogx_quote_encode(&q, &buf, &len);
	if (!err && (err = ogx_write_file_atomic(out, buf, len, 0644, 0)))
		err = ogx_fail(err, "%s: %s", out, ogx_errmsg(err));
	if (!err)
		printf("%s: quote of PCRs 0-7 and %u, %zu events of the log from seq %llu\n", out,
		       q.pcr, q.n, since);
	free(buf);
	ogx_quote_free(&q);
	if (err) {
		fprintf(stderr, "%s: attest quote: %s\n", prog, ogx_errmsg(err));
		return 1;
	}
	return 0;
}
