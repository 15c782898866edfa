// SPDX-License-Identifier: GPL-2.0
/*
 * Per-job proof overhead: what a job pays for its record on top of inference.
 *   hash    SHA-256 of a 784-byte input and a 40-byte output
 *   sign    encode the record (deterministic CBOR) and sign it (Ed25519), alone
 *   add     the signer's add: encode, sign and append to the spool (no sync)
 *   total   hash + add, µs per record (p50/p99)
 * and fdatasync amortised by group commit at batch sizes 1, 8, 64.
 * Prints a table; writes JSON to $OGX_BENCH_JSON when set. Never fails on time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proof/signer.h"
#include "proof/spool.h"
#include "util/file.h"

#define N 4000

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(size_t)(p * (n - 1))] / 1e3;
}

int main(void)
{
	static uint64_t t_hash[N], t_sign[N], t_append[N], t_total[N];
	static const size_t batches[] = { 1, 8, 64 };
	char dir[] = "/tmp/ogx-proof-bench-XXXXXX", key[300], spool[300], cmd[400];
	double sync_per_rec[3], sync_per_batch[3];
	uint8_t input[784], output[40], id[32];
	struct ogx_signer p;
	struct ogx_key k;
	FILE *json;
	int err;

	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	snprintf(key, sizeof(key), "%s/node.key", dir);
	snprintf(spool, sizeof(spool), "%s/spool", dir);
	if (ogx_key_generate(key, &k))
		return 1;
	ogx_key_free(&k);
	err = ogx_signer_open(&p, key, spool);
	if (err)
		return 1;
	randombytes_buf(input, sizeof(input));
	for (int i = 0; i < N; i++) {
		struct ogx_record r = { 0 };
		uint64_t t0, t1, t2;

		ogx_device_cpu(&r.device);
		input[i % sizeof(input)] ^= 1;
		output[i % sizeof(output)] ^= 1;
		t0 = ogx_mono_ns();
		ogx_sha256(r.input, input, sizeof(input));
		ogx_sha256(r.output, output, sizeof(output));
		t1 = ogx_mono_ns();
		/* sign + append happen together in the signer; time them apart here */
		{
			uint8_t *buf;
			size_t len;

			r.seq = p.next_seq;
			if (ogx_record_sign(&r, &p.key, &buf, &len))
				return 1;
			free(buf);
		}
		t2 = ogx_mono_ns();
		if (ogx_signer_add(&p, &r, id))
			return 1;
		t_hash[i] = t1 - t0;
		t_sign[i] = t2 - t1;
		t_append[i] = ogx_mono_ns() - t2; /* the signer's add: encode, sign, append */
		t_total[i] = t_hash[i] + t_append[i];
	}
	if (ogx_signer_commit(&p))
		return 1;
	for (size_t b = 0; b < 3; b++) {
		uint64_t t0, total = 0;
		int rounds = 64 / (int)batches[b] < 8 ? 8 : 64 / (int)batches[b];

		for (int r = 0; r < rounds; r++) {
			for (size_t i = 0; i < batches[b]; i++) {
				struct ogx_record rec = { 0 };

				ogx_device_cpu(&rec.device);
				if (ogx_signer_add(&p, &rec, id))
					return 1;
			}
			t0 = ogx_mono_ns();
			if (ogx_signer_commit(&p))
				return 1;
			total += ogx_mono_ns() - t0;
		}
		sync_per_batch[b] = total / 1e3 / rounds;
		sync_per_rec[b] = sync_per_batch[b] / batches[b];
	}
	ogx_signer_close(&p);

	printf("proof overhead per record (%d records, µs)\n", N);
	printf("%-28s %10s %10s\n", "step", "p50", "p99");
	printf("%-28s %10.1f %10.1f\n", "hash (input+output)", pct(t_hash, N, .5), pct(t_hash, N, .99));
	printf("%-28s %10.1f %10.1f\n", "encode + sign", pct(t_sign, N, .5), pct(t_sign, N, .99));
	printf("%-28s %10.1f %10.1f\n", "signer add (sign+append)", pct(t_append, N, .5),
	       pct(t_append, N, .99));
	printf("%-28s %10.1f %10.1f\n", "total, excluding fdatasync", pct(t_total, N, .5),
	       pct(t_total, N, .99));
	printf("\ngroup commit: fdatasync per batch and per record (µs)\n");
	printf("%-10s %14s %14s\n", "batch", "per batch", "per record");
	for (size_t b = 0; b < 3; b++)
		printf("%-10zu %14.1f %14.1f\n", batches[b], sync_per_batch[b], sync_per_rec[b]);

	if (getenv("OGX_BENCH_JSON") && (json = fopen(getenv("OGX_BENCH_JSON"), "w"))) {
		fprintf(json, "{\"bench\":\"proof\",\"records\":%d,"
			"\"hash_us\":{\"p50\":%.2f,\"p99\":%.2f},"
			"\"sign_us\":{\"p50\":%.2f,\"p99\":%.2f},"
			"\"append_us\":{\"p50\":%.2f,\"p99\":%.2f},"
			"\"total_us\":{\"p50\":%.2f,\"p99\":%.2f},\"fdatasync\":[",
			N, pct(t_hash, N, .5), pct(t_hash, N, .99), pct(t_sign, N, .5),
			pct(t_sign, N, .99), pct(t_append, N, .5), pct(t_append, N, .99),
			pct(t_total, N, .5), pct(t_total, N, .99));
		for (size_t b = 0; b < 3; b++)
			fprintf(json, "%s{\"batch\":%zu,\"per_batch_us\":%.1f,\"per_record_us\":%.1f}",
				b ? "," : "", batches[b], sync_per_batch[b], sync_per_rec[b]);
		fprintf(json, "]}\n");
		fclose(json);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
