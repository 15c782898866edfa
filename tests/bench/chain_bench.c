// SPDX-License-Identifier: GPL-2.0
/*
 * Chain benchmark: ogsubmit moving signed records from a spool to anvil and
 * seeing them confirmed (1 confirmation), in each data-availability mode.
 *
 *   records/s      spool → confirmed, wall clock of `ogsubmit run --once`
 *                  (startup included), 20,000 records
 *   CPU µs/record  user + system time of the ogsubmit process per record
 *   bytes/record   calldata on chain per record (batch envelope included)
 *   gas/record     gas used on chain per record (21,000 per transaction and
 *                  the calldata price, EIP-2028/EIP-7623 as anvil prices it)
 *
 * anvil runs on 127.0.0.1 (npm @foundry-rs/anvil, `make node_modules`), one
 * fresh instance per mode, killed by PID. Prints a table; writes JSON to
 * $OGX_BENCH_JSON when set. Never fails on a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "chain/eth_key.h"
#include "chain/rpc.h"
#include "proof/key.h"
#include "proof/record.h"
#include "proof/spool.h"
#include "util/err.h"

#define N_RECORDS 20000

extern char **environ;

struct result {
	const char *mode;
	double wall_s, cpu_s;
	uint64_t txs, bytes, gas;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int make_spool(const char *dir, const char *keyfile)
{
	struct ogx_spool *sp;
	struct ogx_key key;
	struct ogx_record r;
	struct iovec iov[256];
	uint8_t prev[OGX_DIGEST_LEN] = { 0 }, *data;
	size_t len, k = 0;
	uint64_t first;
	int err;

	if ((err = ogx_key_generate(keyfile, &key)))
		return err;
	if ((err = ogx_spool_open(&sp, dir, NULL))) {
		ogx_key_free(&key);
		return err;
	}
	for (uint64_t i = 0; i < N_RECORDS && !err; i++) {
		memset(&r, 0, sizeof(r));
		r.version = OGX_RECORD_VERSION;
		r.seq = i;
		memcpy(r.prev, prev, OGX_DIGEST_LEN);
		crypto_hash_sha256(r.input, (const uint8_t *)&i, sizeof(i));
		memcpy(r.output, r.input, OGX_DIGEST_LEN);
		r.time_ns = 1700000000000000000ull + i;
		strcpy(r.device.kind, "cpu");
		strcpy(r.device.name, "bench");
		if ((err = ogx_record_sign(&r, &key, &data, &len)))
			break;
		ogx_record_digest(data, len, prev);
		iov[k].iov_base = data;
		iov[k++].iov_len = len;
		if (k == 256 || i + 1 == N_RECORDS) {
			err = ogx_spool_append_sync(sp, iov, k, &first);
			while (k)
				free(iov[--k].iov_base);
		}
	}
	ogx_spool_close(sp);
	ogx_key_free(&key);
	return err;
}

/* Start anvil on a port the kernel picks (its log in log); *url gets its address. */
static int start_anvil(const char *bin, const char *log, pid_t *pid, char *url, size_t size)
{
	char *argv[] = { (char *)bin, "--host", "127.0.0.1", "--port", "0", NULL };
	posix_spawn_file_actions_t fa;
	char buf[4096], *p, *nl;
	ssize_t n;
	int fd, i;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (posix_spawn(pid, bin, &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		return -errno;
	}
	posix_spawn_file_actions_destroy(&fa);
	for (i = 0; i < 200; i++) {
		fd = open(log, O_RDONLY);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = '\0';
			p = strstr(buf, "Listening on ");
			if (p && (nl = strchr(p, '\n'))) {
				*nl = '\0';
				snprintf(url, size, "http://%s", p + 13);
				return 0;
			}
		}
		usleep(50000);
	}
	return -ETIMEDOUT;
}

static void stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* Sum calldata bytes and gas of the transactions to the inbox. */
static int tally(const char *url, struct result *res)
{
	struct ogx_rpc *rpc;
	struct ogx_block b;
	struct ogx_receipt r;
	struct ogx_rpc_tx tx;
	uint64_t head, n;
	int err;

	if ((err = ogx_rpc_open(&rpc, url, 30000)) || (err = ogx_rpc_block_number(rpc, &head)))
		return err;
	for (n = 1; n <= head && !err; n++) {
		if ((err = ogx_rpc_block(rpc, n, &b)))
			break;
		for (size_t i = 0; i < b.n_tx && !err; i++) {
			if ((err = ogx_rpc_tx_by_hash(rpc, b.tx_hashes[i], &tx)) ||
			    (err = ogx_rpc_receipt(rpc, b.tx_hashes[i], &r)))
				break;
			res->txs++;
			res->bytes += tx.input_len;
			res->gas += r.gas_used;
			ogx_rpc_tx_free(&tx);
		}
		ogx_block_free(&b);
	}
	ogx_rpc_close(rpc);
	return err;
}

static int run_mode(const char *anvil, const char *build, const char *tmp, struct result *res)
{
	char url[128], ogsubmit[4096], conf[4096], spool[4096], state[4096];
	char *argv[] = { ogsubmit, "run", "--config", conf, "--once", "--da", (char *)res->mode,
			 "--state-dir", state, NULL };
	struct rusage ru;
	pid_t apid, spid;
	double t0;
	FILE *f;
	int st, err;

	snprintf(ogsubmit, sizeof(ogsubmit), "%s/ogsubmit", build);
	snprintf(conf, sizeof(conf), "%s/conf", tmp);
	snprintf(state, sizeof(state), "%s/state-%s", tmp, res->mode);
	snprintf(spool, sizeof(spool), "%s/anvil-%s.log", tmp, res->mode);
	if ((err = start_anvil(anvil, spool, &apid, url, sizeof(url))))
		return err;
	snprintf(spool, sizeof(spool), "%s/spool", tmp);
	f = fopen(conf, "w");
	if (!f) {
		stop(apid);
		return -errno;
	}
	fprintf(f, "rpc = %s\nchain_id = 31337\nkey = %s/eth.key\noperator_key = %s/op.key\n"
		   "spool = %s\nstate_dir = %s\ntarget = 0x00000000000000000000000000000000000000aa\n"
		   "confirmations = 1\nbatch_delay_ms = 50\npoll_ms = 10\n",
		url, tmp, tmp, spool, state);
	fclose(f);
	t0 = now_s();
	if (posix_spawn(&spid, ogsubmit, NULL, NULL, argv, environ)) {
		stop(apid);
		return -errno;
	}
	wait4(spid, &st, 0, &ru);
	res->wall_s = now_s() - t0;
	res->cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
		     ru.ru_stime.tv_usec / 1e6;
	err = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? tally(url, res) : -EIO;
	stop(apid);
	return err;
}

int main(void)
{
	const char *src = getenv("OGX_SRC"), *build = getenv("OGX_BUILD");
	struct result res[] = { { .mode = "calldata" }, { .mode = "root" } };
	char tmp[] = "/tmp/ogx-chain-bench-XXXXXX", path[4096], cmd[4200];
	const char *json = getenv("OGX_BENCH_JSON");
	struct ogx_key op;
	glob_t g;
	FILE *f;
	int err = 0;

	if (!src || !build || sodium_init() < 0) {
		fprintf(stderr, "chain_bench: run through make bench (OGX_SRC, OGX_BUILD)\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/node_modules/@foundry-rs/anvil-linux-*/bin/anvil", src);
	if (glob(path, 0, NULL, &g) || !g.gl_pathc) {
		fprintf(stderr, "chain_bench: anvil is not installed (make node_modules)\n");
		return 1;
	}
	if (!mkdtemp(tmp))
		return 1;
	snprintf(path, sizeof(path), "%s/eth.key", tmp);
	f = fopen(path, "w");
	if (f) {
		/* anvil's first dev account (its published test mnemonic). */
		fputs("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n", f);
		fclose(f);
		chmod(path, 0600);
	}
	snprintf(path, sizeof(path), "%s/op.key", tmp);
	if ((err = ogx_key_generate(path, &op)))
		goto out;
	ogx_key_free(&op);
	snprintf(path, sizeof(path), "%s/spool", tmp);
	snprintf(cmd, sizeof(cmd), "%s/node.key", tmp);
	if ((err = make_spool(path, cmd)))
		goto out;
	for (size_t i = 0; i < 2 && !err; i++)
		err = run_mode(g.gl_pathv[0], build, tmp, &res[i]);
	if (err)
		goto out;
	printf("chain_bench: %d records, spool → confirmed on anvil (1 confirmation)\n", N_RECORDS);
	printf("%-9s %10s %14s %6s %14s %12s\n", "DA", "records/s", "CPU µs/record", "txs",
	       "bytes/record", "gas/record");
	for (size_t i = 0; i < 2; i++)
		printf("%-9s %10.0f %14.1f %6" PRIu64 " %14.1f %12.1f\n", res[i].mode,
		       N_RECORDS / res[i].wall_s, res[i].cpu_s * 1e6 / N_RECORDS, res[i].txs,
		       (double)res[i].bytes / N_RECORDS, (double)res[i].gas / N_RECORDS);
	if (json && (f = fopen(json, "w"))) {
		fprintf(f, "{\"bench\":\"chain\",\"records\":%d,\"modes\":[", N_RECORDS);
		for (size_t i = 0; i < 2; i++)
			fprintf(f, "%s{\"da\":\"%s\",\"records_per_s\":%.1f,\"cpu_us_per_record\":%.2f,"
				   "\"txs\":%" PRIu64 ",\"bytes_per_record\":%.2f,\"gas_per_record\":%.2f}",
				i ? "," : "", res[i].mode, N_RECORDS / res[i].wall_s,
				res[i].cpu_s * 1e6 / N_RECORDS, res[i].txs,
				(double)res[i].bytes / N_RECORDS, (double)res[i].gas / N_RECORDS);
		fprintf(f, "]}\n");
		fclose(f);
	}
out:
	if (err)
		fprintf(stderr, "chain_bench: %s\n", ogx_errmsg(err));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd))
		err = err ? err : -EIO;
	globfree(&g);
	return err ? 1 : 0;
}
