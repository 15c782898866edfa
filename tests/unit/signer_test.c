// SPDX-License-Identifier: GPL-2.0
/* The signer: records into the spool, the chain continued across opens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "proof/job.h"
#include "proof/signer.h"
#include "proof/spool.h"
#include "proof/verify.h"
#include "util/err.h"

FIXTURE(node) {
	char dir[64], key[128], key2[128], spool[128];
};

FIXTURE_SETUP(node)
{
	struct ogx_key k;

	ASSERT_LE(0, sodium_init());
	strcpy(self->dir, "/tmp/ogx-signer-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->key, sizeof(self->key), "%s/a.key", self->dir);
	snprintf(self->key2, sizeof(self->key2), "%s/b.key", self->dir);
	snprintf(self->spool, sizeof(self->spool), "%s/spool", self->dir);
	ASSERT_EQ(0, ogx_key_generate(self->key, &k));
	ogx_key_free(&k);
	ASSERT_EQ(0, ogx_key_generate(self->key2, &k));
	ogx_key_free(&k);
}

FIXTURE_TEARDOWN(node)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	ASSERT_EQ(0, system(cmd));
}

static void job(struct ogx_record *r, uint8_t tag)
{
	uint8_t image[784];
	int32_t logits[10] = { tag };

	memset(r, 0, sizeof(*r));
	memset(image, tag, sizeof(image));
	ogx_job_record_classify(r, image, sizeof(image), logits, 10);
	ogx_device_cpu(&r->device);
}

TEST_F(node, chain_continues_across_opens)
{
	struct ogx_chain_state st = { 0 };
	struct ogx_spool_iter *it;
	struct ogx_signer p;
	struct ogx_record r;
	uint8_t id[32], last_id[32];
	const uint8_t *data;
	uint64_t index, n = 0;
	size_t len;
	int ret;

	for (int round = 0; round < 3; round++) {
		ASSERT_EQ(0, ogx_signer_open(&p, self->key, self->spool));
		ASSERT_EQ(round * 4, p.next_seq);
		for (int i = 0; i < 4; i++) {
			job(&r, (uint8_t)(round * 4 + i));
			ASSERT_EQ(0, ogx_signer_add(&p, &r, id));
			ASSERT_EQ(round * 4 + i, r.seq);
			if (round || i)
				ASSERT_EQ(0, memcmp(r.prev, last_id, 32));
			memcpy(last_id, id, 32);
		}
		ASSERT_EQ(0, ogx_signer_commit(&p));
		ASSERT_EQ(1, p.commits);
		ogx_signer_close(&p);
	}
	/* Every record verifies and links to the one before it. */
	ASSERT_EQ(0, ogx_spool_iter_open(&it, self->spool, 0, 0));
	while ((ret = ogx_spool_iter_next(it, &index, &data, &len)) == 1) {
		struct ogx_verdict v;

		ogx_record_digest(data, len, id);
		ASSERT_EQ(0, ogx_verify_record(data, len, NULL, &r, &v));
		ASSERT_EQ(OGX_VERIFIED, v.outcome) TH_LOG("%s", v.detail);
		ogx_verify_link(&st, &r, id, &v);
		ASSERT_EQ(OGX_VERIFIED, v.outcome) TH_LOG("%s", v.detail);
		ASSERT_EQ(index, r.seq);
		ogx_record_free(&r);
		n++;
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(12, n);
	ogx_spool_iter_close(it);
}

TEST_F(node, another_nodes_spool_is_refused)
{
	struct ogx_signer p;
	struct ogx_record r;
	uint8_t id[32];
	char want[256];

	ASSERT_EQ(0, ogx_signer_open(&p, self->key, self->spool));
	job(&r, 1);
	ASSERT_EQ(0, ogx_signer_add(&p, &r, id));
	ASSERT_EQ(0, ogx_signer_commit(&p));
	ogx_signer_close(&p);
	ASSERT_EQ(-EPERM, ogx_signer_open(&p, self->key2, self->spool));
	snprintf(want, sizeof(want), "spool %s holds another node's records; use a spool per key",
		 self->spool);
	ASSERT_STREQ(want, ogx_errmsg(-EPERM));
}

/* ogx_signer_sign: the chain moves on; the bytes are the caller's to append (the server). */
TEST_F(node, sign_without_append)
{
	struct ogx_signer p;
	struct ogx_record r, back;
	struct iovec iov[3];
	uint8_t id[3][32], digest[32];
	uint64_t first;

	ASSERT_EQ(0, ogx_signer_open(&p, self->key, self->spool));
	for (int i = 0; i < 3; i++) {
		uint8_t *buf;
		size_t len;

		job(&r, (uint8_t)i);
		ASSERT_EQ(0, ogx_signer_sign(&p, &r, id[i], &buf, &len));
		ASSERT_EQ((uint64_t)i, r.seq);
		struct ogx_verdict v;

		ASSERT_EQ(0, ogx_verify_record(buf, len, NULL, &back, &v));
		ASSERT_EQ(OGX_VERIFIED, v.outcome) TH_LOG("%s", v.detail);
		ASSERT_EQ(0, memcmp(back.prev, i ? id[i - 1] : (uint8_t[32]){ 0 }, 32));
		ogx_record_free(&back);
		ogx_record_digest(buf, len, digest);
		ASSERT_EQ(0, memcmp(digest, id[i], 32));
		iov[i] = (struct iovec){ buf, len };
	}
	ASSERT_EQ(0, ogx_spool_next_index(p.spool)); /* nothing written yet */
	ASSERT_EQ(0, ogx_spool_append_sync(p.spool, iov, 3, &first));
	for (int i = 0; i < 3; i++)
		free(iov[i].iov_base);
	ogx_signer_close(&p);
	/* and a reopen continues from the last of them */
	ASSERT_EQ(0, ogx_signer_open(&p, self->key, self->spool));
	ASSERT_EQ(3, p.next_seq);
	ASSERT_EQ(0, memcmp(p.prev, id[2], 32));
	ogx_signer_close(&p);
}

TEST_F(node, a_second_writer_is_refused)
{
	struct ogx_signer p, q;

	ASSERT_EQ(0, ogx_signer_open(&p, self->key, self->spool));
	ASSERT_EQ(-EBUSY, ogx_signer_open(&q, self->key, self->spool));
	ogx_signer_close(&p);
}


/* ---- one chain per key (binding.h) --------------------------------------- */

static void sign_n(struct __test_metadata *_metadata, const char *key, const char *spool, int n,
		   uint64_t want_first)
{
	struct ogx_signer p;
	struct ogx_record r;
	uint8_t id[32];

	ASSERT_EQ(0, ogx_signer_open(&p, key, spool)) TH_LOG("%s", ogx_errmsg(-1));
	ASSERT_EQ(want_first, p.next_seq);
	for (int i = 0; i < n; i++) {
		job(&r, (uint8_t)i);
		ASSERT_EQ(0, ogx_signer_add(&p, &r, id));
	}
	ASSERT_EQ(0, ogx_signer_commit(&p));
	ogx_signer_close(&p);
}

/* Every record of the spool verifies and links; returns the last seq and epoch. */
static void verify_spool(struct __test_metadata *_metadata, const char *spool, uint64_t *last,
			 uint64_t *epoch, uint64_t *n)
{
	struct ogx_chain_state st = { 0 };
	struct ogx_spool_iter *it;
	struct ogx_verdict v;
	struct ogx_record r;
	const uint8_t *data;
	uint8_t id[32];
	uint64_t index;
	size_t len;
	int ret;

	*n = 0;
	ASSERT_EQ(0, ogx_spool_iter_open(&it, spool, 0, OGX_SPOOL_ITER_FROM_FIRST));
	while ((ret = ogx_spool_iter_next(it, &index, &data, &len)) == 1) {
		ASSERT_EQ(0, ogx_verify_next(&st, data, len, NULL, &r, id, &v));
		ASSERT_EQ(OGX_VERIFIED, v.outcome) TH_LOG("index %llu: %s %s",
			(unsigned long long)index, ogx_rule_name(v.rule), v.detail);
		*last = r.seq;
		*epoch = r.epoch;
		ogx_record_free(&r);
		(*n)++;
	}
	ASSERT_EQ(0, ret);
	ogx_spool_iter_close(it);
}

TEST_F(node, a_second_spool_for_one_key_is_refused)
{
	struct ogx_signer p;
	char other[160], want[1024], chain[160];

	sign_n(_metadata, self->key, self->spool, 3, 0);
	snprintf(chain, sizeof(chain), "%s.chain", self->key);
	ASSERT_EQ(0, access(chain, F_OK));
	snprintf(other, sizeof(other), "%s/other", self->dir);
	ASSERT_EQ(-EEXIST, ogx_signer_open(&p, self->key, other));
	snprintf(want, sizeof(want), "node key %s signs its chain (epoch 0) in spool %s; %s is "
		 "another spool, and a second chain for one key would sign two records for one "
		 "seq. Use --spool %s, or start a new epoch in this one: ogrun chain new --spool "
		 "%s", self->key, self->spool, other, self->spool, other);
	ASSERT_STREQ(want, ogx_errmsg(-EEXIST));
	/* A spool removed and made again at the same path is another spool too. */
	snprintf(want, sizeof(want), "rm -rf %s", self->spool);
	ASSERT_EQ(0, system(want));
	ASSERT_EQ(-EEXIST, ogx_signer_open(&p, self->key, self->spool));
	/* Another key of its own is fine. */
	sign_n(_metadata, self->key2, other, 1, 0);
}

TEST_F(node, a_moved_spool_is_found_by_its_id)
{
	char moved[160], cmd[400];
	static uint64_t last, epoch, n;

	sign_n(_metadata, self->key, self->spool, 3, 0);
	snprintf(moved, sizeof(moved), "%s/moved", self->dir);
	snprintf(cmd, sizeof(cmd), "mv %s %s", self->spool, moved);
	ASSERT_EQ(0, system(cmd));
	sign_n(_metadata, self->key, moved, 2, 3);
	verify_spool(_metadata, moved, &last, &epoch, &n);
	ASSERT_EQ(4, last);
	ASSERT_EQ(5, n);
}

/* Damage after acknowledgement: refused; a new epoch elsewhere; the old spool is then refused. */
TEST_F(node, a_damaged_spool_and_a_new_epoch)
{
	struct ogx_new_epoch ne;
	struct ogx_signer p;
	char seg[200], next[160], want[600];
	static uint64_t last, epoch, n, low = 3, high = 100;
	struct stat st;
	int fd;

	sign_n(_metadata, self->key, self->spool, 5, 0);
	snprintf(seg, sizeof(seg), "%s/0000000000000000.seg", self->spool);
	ASSERT_EQ(0, stat(seg, &st));
	fd = open(seg, O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, pwrite(fd, "\xee", 1, st.st_size - 100)); /* in the last record */
	close(fd);
	ASSERT_EQ(-EBADMSG, ogx_signer_open(&p, self->key, self->spool));
	EXPECT_NE(NULL, strstr(ogx_errmsg(-EBADMSG), "record at index 4")) TH_LOG("%s",
		ogx_errmsg(-EBADMSG));
	EXPECT_NE(NULL, strstr(ogx_errmsg(-EBADMSG), "corruption, not a torn tail"));
	/* A start at or below a seq that may have been signed is refused. */
	snprintf(next, sizeof(next), "%s/next", self->dir);
	ASSERT_EQ(-EINVAL, ogx_signer_new_epoch(self->key, next, &low, &ne));
	snprintf(want, sizeof(want), "--start 3: seqs up to 4 may have been signed already (%s)",
		 self->spool);
	ASSERT_STREQ(want, ogx_errmsg(-EINVAL));
	/* By default: after seq 3 (the last readable) and seq 4 (acknowledged, damaged). */
	ASSERT_EQ(0, ogx_signer_new_epoch(self->key, next, NULL, &ne));
	EXPECT_EQ(1, ne.epoch);
	EXPECT_EQ(5, ne.start);
	EXPECT_EQ(3, ne.old_last_seq);
	EXPECT_EQ(1, ne.lost);
	EXPECT_NE(0, ne.damage[0]);
	/* The next job signs epoch 1 from seq 5, unlinked, in the new spool... */
	sign_n(_metadata, self->key, next, 3, 5);
	verify_spool(_metadata, next, &last, &epoch, &n);
	EXPECT_EQ(7, last);
	EXPECT_EQ(1, epoch);
	EXPECT_EQ(3, n);
	/* ...and the old spool is no longer the key's: refused even once repaired. */
	snprintf(want, sizeof(want), "rm -rf %s", self->spool);
	ASSERT_EQ(0, system(want));
	ASSERT_EQ(-EEXIST, ogx_signer_open(&p, self->key, self->spool));
	/* A new epoch needs an empty spool. */
	ASSERT_EQ(-EEXIST, ogx_signer_new_epoch(self->key, next, &high, &ne));
	snprintf(want, sizeof(want), "spool %s holds records: a new epoch starts in an empty "
		 "spool", next);
	ASSERT_STREQ(want, ogx_errmsg(-EEXIST));
	/* With the old spool gone, only an explicit start will do. */
	snprintf(want, sizeof(want), "rm -rf %s", next);
	ASSERT_EQ(0, system(want));
	snprintf(seg, sizeof(seg), "%s/third", self->dir);
	ASSERT_EQ(-ENOENT, ogx_signer_new_epoch(self->key, seg, NULL, &ne));
	EXPECT_NE(NULL, strstr(ogx_errmsg(-ENOENT), "give the seq the new epoch starts at"))
		TH_LOG("%s", ogx_errmsg(-ENOENT));
	ASSERT_EQ(0, ogx_signer_new_epoch(self->key, seg, &high, &ne));
	EXPECT_EQ(2, ne.epoch);
	sign_n(_metadata, self->key, seg, 1, 100);
}

/*
 * A frame torn after its record was written whole: the record (signed, never
 * acknowledged) goes back into the spool, so its seq is never signed again;
 * a frame torn inside its record is cut and the seq signed afresh, and so is
 * a whole paid record (the payment would be settled for an answer that never
 * went out).
 */
TEST_F(node, a_torn_frame_keeps_its_signed_record)
{
	struct ogx_signer p;
	struct ogx_record r;
	uint8_t id[32], *buf, len_le[4];
	static uint64_t last, epoch, n;
	char seg[200];
	size_t len;
	int fd;

	sign_n(_metadata, self->key, self->spool, 2, 0);
	snprintf(seg, sizeof(seg), "%s/0000000000000000.seg", self->spool);
	for (int round = 0; round < 3; round++) {
		ASSERT_EQ(0, ogx_signer_open(&p, self->key, self->spool));
		job(&r, (uint8_t)(50 + round));
		if (round == 2) /* a paid record, whole: never put back (its answer never left) */
			ASSERT_EQ(0, ogx_ext_add_uint(&r.payment, 0, 1));
		ASSERT_EQ(0, ogx_signer_sign(&p, &r, id, &buf, &len)); /* seq 2 */
		ogx_signer_close(&p);
		/* What a crash leaves: the length, then all (round 0) or part of the record. */
		fd = open(seg, O_WRONLY | O_APPEND);
		ASSERT_LE(0, fd);
		for (int i = 0; i < 4; i++)
			len_le[i] = (uint8_t)(len >> (8 * i));
		ASSERT_EQ(4, write(fd, len_le, 4));
		ASSERT_EQ(round == 1 ? (ssize_t)len / 2 : (ssize_t)len,
			  write(fd, buf, round == 1 ? len / 2 : len));
		ogx_record_free(&r);
		ASSERT_EQ(5, write(fd, "\x01\x02\x03\x04\x05", 5)); /* part of a checksum */
		close(fd);
		free(buf);
		ASSERT_EQ(0, ogx_signer_open(&p, self->key, self->spool));
		EXPECT_NE(0, p.torn_bytes);
		EXPECT_EQ(!round, p.kept_torn);
		/* round 0: seq 2 kept; rounds 1 and 2: seq 3 to sign again */
		EXPECT_EQ(3, p.next_seq);
		ogx_signer_close(&p);
		if (!round) {
			verify_spool(_metadata, self->spool, &last, &epoch, &n);
			EXPECT_EQ(2, last);
			EXPECT_EQ(3, n);
			/* the record kept is the one signed, byte for byte */
			ASSERT_EQ(0, ogx_signer_open(&p, self->key, self->spool));
			EXPECT_EQ(0, memcmp(p.prev, id, 32));
			ogx_signer_close(&p);
			/* and round 1 tears seq 3 */
			sign_n(_metadata, self->key, self->spool, 0, 3);
		}
	}
}


/*
 * kill -9 while the signer appends and commits, 30 times: every record a
 * child acknowledged (committed, then reported on a pipe) is, byte for byte,
 * the spool's record for its seq afterwards, and the spool is one chain
 * without a gap. So no crash made the signer sign a second record for a seq
 * it had acknowledged.
 */
TEST_F(node, kill9_never_signs_a_seq_twice)
{
	static uint8_t acked[4096][32];
	static bool have[4096];
	static uint64_t last, epoch, n;
	struct ogx_spool_iter *it;
	const uint8_t *data;
	uint64_t index, seen = 0;
	size_t len;
	unsigned int seed = (unsigned int)getpid();

	for (int round = 0; round < 30; round++) {
		int fds[2];
		pid_t pid;
		struct { uint64_t seq; uint8_t id[32]; } msg;

		ASSERT_EQ(0, pipe(fds));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct ogx_signer p;
			struct ogx_record r;

			close(fds[0]);
			if (ogx_signer_open(&p, self->key, self->spool))
				_exit(3);
			for (uint64_t i = 0; i < 100000; i++) {
				uint8_t id[32];
				int k = 1 + (int)(i % 4);

				for (int j = 0; j < k; j++) {
					job(&r, (uint8_t)(i + j));
					if (ogx_signer_add(&p, &r, id))
						_exit(4);
				}
				if (ogx_signer_commit(&p))
					_exit(5);
				msg.seq = r.seq;
				memcpy(msg.id, id, 32);
				if (write(fds[1], &msg, sizeof(msg)) != sizeof(msg))
					_exit(6);
			}
			_exit(0);
		}
		close(fds[1]);
		usleep(1000 + rand_r(&seed) % 20000);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		while (read(fds[0], &msg, sizeof(msg)) == sizeof(msg)) {
			ASSERT_LT(msg.seq, 4096);
			if (have[msg.seq])
				ASSERT_EQ(0, memcmp(acked[msg.seq], msg.id, 32));
			memcpy(acked[msg.seq], msg.id, 32);
			have[msg.seq] = true;
		}
		close(fds[0]);
	}
	verify_spool(_metadata, self->spool, &last, &epoch, &n);
	EXPECT_EQ(0, epoch);
	EXPECT_EQ(last + 1, n);
	ASSERT_EQ(0, ogx_spool_iter_open(&it, self->spool, 0, 0));
	while (ogx_spool_iter_next(it, &index, &data, &len) == 1) {
		uint8_t d[32];

		ogx_record_digest(data, len, d);
		if (index < 4096 && have[index]) {
			EXPECT_EQ(0, memcmp(d, acked[index], 32)) TH_LOG("seq %llu re-signed",
									(unsigned long long)index);
			seen++;
		}
	}
	ogx_spool_iter_close(it);
	TH_LOG("%llu records, %llu acknowledged ones checked", (unsigned long long)n,
	       (unsigned long long)seen);
	EXPECT_LT(0, seen);
}

TEST_HARNESS_MAIN
