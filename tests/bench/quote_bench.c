// SPDX-License-Identifier: GPL-2.0
/*
 * TPM quote benchmark, against swtpm on this host (a fresh one, spawned and
 * killed by PID; no EK certificate needed):
 *
 *   quote     TPM2_Quote by the AK (ECC P-256, ECDSA-SHA256) of PCRs 0-7 and
 *             23, through tpm2-tss ESYS and the swtpm TCTI: the round trip
 *   bundle    what `ogrun attest quote` does per quote: 8 PCR reads, the
 *             quote, the CBOR bundle with a log of LOG_EVENTS events
 *   verify    `ogverify quote`'s check of that bundle: ECDSA (OpenSSL),
 *             TPMS_ATTEST unmarshal, log replay, PCR prefix search
 *
 * p50/p99 over N runs; the bundle's size. Prints a table; writes JSON to
 * $OGX_BENCH_JSON when set. Never fails on a time.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "attest/quote.h"
#include "attest/tpm.h"
#include "util/digest.h"
#include "util/err.h"

#define N 300
#define LOG_EVENTS 1000
#define PCR 23

extern char **environ;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_ms(uint64_t *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(size_t)(p * (n - 1))] / 1e6;
}

static pid_t start_swtpm(const char *dir, int port)
{
	char state[300], server[64], ctrl[64];
	char *argv[] = { "swtpm", "socket", "--tpm2", "--tpmstate", state, "--server", server,
			 "--ctrl", ctrl, "--flags", "startup-clear,not-need-init", NULL };
	pid_t pid;

	snprintf(state, sizeof(state), "dir=%s", dir);
	snprintf(server, sizeof(server), "type=tcp,port=%d,bindaddr=127.0.0.1", port);
	snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%d,bindaddr=127.0.0.1", port + 1);
	if (posix_spawnp(&pid, "swtpm", NULL, NULL, argv, environ))
		return -1;
	return pid;
}

/* A synthetic module log of n events (the kernel's digest and head recipe). */
static struct ogx_event *make_log(size_t n)
{
	struct ogx_event *ev = calloc(n, sizeof(*ev));
	uint8_t head[32] = { 0 }, buf[64];

	for (size_t i = 0; ev && i < n; i++) {
		ev[i].seq = htole64(i);
		ev[i].type = htole32(OGX_EVENT_JOB);
		randombytes_buf(ev[i].model, 5 * 32);
		ogx_sha256(ev[i].digest, &ev[i], offsetof(struct ogx_event, digest));
		memcpy(buf, head, 32);
		memcpy(buf + 32, ev[i].digest, 32);
		ogx_sha256(head, buf, 64);
		memcpy(ev[i].head, head, 32);
	}
	return ev;
}

int main(void)
{
	static uint64_t t_quote[N], t_bundle[N], t_verify[N];
	char dir[] = "/tmp/ogx-quote-bench-XXXXXX", tcti[80], ak[300], cmd[400];
	const char *json = getenv("OGX_BENCH_JSON");
	uint8_t nonce[32], qual[32];
	struct ogx_enrolment e = { 0 };
	struct ogx_quote_result res;
	struct ogx_event *log;
	struct ogx_tpm t;
	size_t bundle_len = 0;
	int port, err = -EIO;
	pid_t pid;
	FILE *f;

	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	for (int i = 0;; i++) {	/* a port below the ephemeral range, retried if taken */
		port = 10000 + (getpid() + 7919 * i) % 10000 * 2;
		pid = start_swtpm(dir, port);
		if (pid < 0) {
			fprintf(stderr, "quote_bench: swtpm: %s (make check-deps)\n",
				strerror(errno));
			return 1;
		}
		usleep(200000);
		if (waitpid(pid, NULL, WNOHANG) == 0)
			break;
		if (i == 10) {
			fprintf(stderr, "quote_bench: swtpm does not start\n");
			return 1;
		}
	}
	snprintf(tcti, sizeof(tcti), "swtpm:host=127.0.0.1,port=%d", port);
	setenv("TSS2_LOG", "all+NONE", 1);
	for (int i = 0; i < 100 && (err = ogx_tpm_open(&t, tcti)); i++)
		usleep(20000);	/* swtpm starting */
	if (err)
		goto out_swtpm;
	snprintf(ak, sizeof(ak), "%s/ak", dir);
	log = make_log(LOG_EVENTS);
	if (!log || (err = ogx_tpm_load_ak(&t, ak, true)))
		goto out;
	for (size_t i = 0; i < LOG_EVENTS && !err; i++)
		err = ogx_tpm_pcr_extend(&t, PCR, log[i].digest);
	randombytes_buf(e.node, sizeof(e.node));
	e.ak = t.ak_pub;
	for (int i = 0; i < N && !err; i++) {
		struct ogx_quote q = { .pcr = PCR };
		uint8_t *buf;
		uint64_t t0, t1, t2, t3;

		memcpy(q.node, e.node, sizeof(q.node));
		randombytes_buf(nonce, sizeof(nonce));
		ogx_quote_qualifying(qual, q.node, nonce);
		t0 = now_ns();
		err = ogx_tpm_pcr_read_set(&t, (1u << OGX_PCR_BOOT_COUNT) - 1, q.boot);
		t1 = now_ns();
		if (!err)
			err = ogx_tpm_quote(&t, PCR, qual, &q.attest, &q.attest_len, &q.sig,
					    &q.sig_len);
		t2 = now_ns();
		q.log = log;
		q.n = LOG_EVENTS;
		if (!err)
			err = ogx_quote_encode(&q, &buf, &bundle_len);
		t3 = now_ns();
		t_quote[i] = t2 - t1;
		t_bundle[i] = t3 - t0;
		if (!err) {
			struct ogx_quote d;

			t0 = now_ns();
			err = ogx_quote_decode(buf, bundle_len, &d);
			if (!err)
				err = ogx_quote_verify(&d, &e, nonce, &res);
			t_verify[i] = now_ns() - t0;
			if (!err && res.covered != LOG_EVENTS)
				err = ogx_fail(-EBADMSG, "covers %zu events", res.covered);
			ogx_quote_free(&d);
			free(buf);
		}
		q.log = NULL;
		ogx_quote_free(&q);
	}
	if (err)
		goto out;
	printf("quote_bench: %d quotes on swtpm (%s), ECDSA P-256 AK, PCRs 0-7 + %d; "
	       "bundle with %d log events\n", N, tcti, PCR, LOG_EVENTS);
	printf("%-8s %9s %9s\n", "", "p50 ms", "p99 ms");
	printf("%-8s %9.3f %9.3f\n", "quote", pct_ms(t_quote, N, 0.5), pct_ms(t_quote, N, 0.99));
	printf("%-8s %9.3f %9.3f\n", "bundle", pct_ms(t_bundle, N, 0.5), pct_ms(t_bundle, N, 0.99));
	printf("%-8s %9.3f %9.3f\n", "verify", pct_ms(t_verify, N, 0.5), pct_ms(t_verify, N, 0.99));
	printf("bundle: %zu bytes (%zu of them the log)\n", bundle_len,
	       (size_t)LOG_EVENTS * sizeof(struct ogx_event));
	if (json && (f = fopen(json, "w"))) {
		fprintf(f, "{\"bench\":\"quote\",\"tpm\":\"swtpm\",\"runs\":%d,\"log_events\":%d,"
			"\"quote_p50_ms\":%.3f,\"quote_p99_ms\":%.3f,\"bundle_p50_ms\":%.3f,"
			"\"bundle_p99_ms\":%.3f,\"verify_p50_ms\":%.3f,\"verify_p99_ms\":%.3f,"
			"\"bundle_bytes\":%zu}\n", N, LOG_EVENTS, pct_ms(t_quote, N, 0.5),
			pct_ms(t_quote, N, 0.99), pct_ms(t_bundle, N, 0.5),
			pct_ms(t_bundle, N, 0.99), pct_ms(t_verify, N, 0.5),
			pct_ms(t_verify, N, 0.99), bundle_len);
		fclose(f);
	}
out:
	free(log);
	ogx_tpm_close(&t);
out_swtpm:
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		err = err ? err : -EIO;
	if (err)
		fprintf(stderr, "quote_bench: %s\n", ogx_errmsg(err));
	return err ? 1 : 0;
}
