// SPDX-License-Identifier: GPL-2.0
/*
 * SHA-256 of the calling process's executable, put into every event.
 *
 * The file is read with kernel_read() from the task's exe_file, the very
 * file the process was executed from, not a path that could be swapped.
 * Hashing a runtime binary on every EXTEND would dominate the cost, so the
 * digest is cached per inode, keyed on what changes when the file does
 * (device, inode number and generation, i_version, ctime, mtime, size). A
 * stamp that moved while the file was being hashed is not cached.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/sha2.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iversion.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "compat.h"
#include "measure.h"

#define OGX_EXE_CACHE_SLOTS	16
#define OGX_EXE_CHUNK		(64 * 1024)

struct ogx_exe_stamp {
	dev_t dev;
	u32 generation;
	unsigned long ino;
	u64 iversion;
	s64 ctime_sec;
	s64 mtime_sec;
	long ctime_nsec;
	long mtime_nsec;
	loff_t size;
};

struct ogx_exe_entry {
	struct ogx_exe_stamp stamp;
	u8 digest[OGX_DIGEST_SIZE];
	bool valid;
};

/* Protects ogx_exe_cache and ogx_exe_cache_next. */
static DEFINE_SPINLOCK(ogx_exe_cache_lock);
static struct ogx_exe_entry ogx_exe_cache[OGX_EXE_CACHE_SLOTS];
static unsigned int ogx_exe_cache_next;

static void ogx_exe_stamp(struct inode *inode, struct ogx_exe_stamp *st)
{
	struct timespec64 ctime, mtime;

	ogx_inode_times(inode, &ctime, &mtime);
	/* Compared with memcmp(): no uninitialised padding. */
	memset(st, 0, sizeof(*st));
	st->dev = inode->i_sb->s_dev;
	st->ino = inode->i_ino;
	st->generation = inode->i_generation;
	st->iversion = IS_I_VERSION(inode) ? inode_query_iversion(inode) : 0;
	st->ctime_sec = ctime.tv_sec;
	st->ctime_nsec = ctime.tv_nsec;
	st->mtime_sec = mtime.tv_sec;
	st->mtime_nsec = mtime.tv_nsec;
	st->size = i_size_read(inode);
}

static bool ogx_exe_cache_lookup(const struct ogx_exe_stamp *st,
				 u8 out[OGX_DIGEST_SIZE])
{
	bool hit = false;
	unsigned int i;

	spin_lock(&ogx_exe_cache_lock);
	for (i = 0; i < OGX_EXE_CACHE_SLOTS; i++) {
		struct ogx_exe_entry *e = &ogx_exe_cache[i];

		if (e->valid && !memcmp(&e->stamp, st, sizeof(*st))) {
			memcpy(out, e->digest, OGX_DIGEST_SIZE);
			hit = true;
			break;
		}
	}
	spin_unlock(&ogx_exe_cache_lock);
	return hit;
}

static void ogx_exe_cache_insert(const struct ogx_exe_stamp *st,
				 const u8 digest[OGX_DIGEST_SIZE])
{
	struct ogx_exe_entry *e;
	unsigned int i;

	spin_lock(&ogx_exe_cache_lock);
	/* Replace a stale entry for the same inode, else round-robin. */
	for (i = 0; i < OGX_EXE_CACHE_SLOTS; i++) {
		e = &ogx_exe_cache[i];
		if (e->valid && e->stamp.dev == st->dev &&
		    e->stamp.ino == st->ino)
			break;
	}
	if (i == OGX_EXE_CACHE_SLOTS) {
		i = ogx_exe_cache_next;
		ogx_exe_cache_next = (i + 1) % OGX_EXE_CACHE_SLOTS;
	}
	e = &ogx_exe_cache[i];
	e->stamp = *st;
	memcpy(e->digest, digest, OGX_DIGEST_SIZE);
	e->valid = true;
	spin_unlock(&ogx_exe_cache_lock);
}

static int ogx_hash_file(struct file *file, u8 out[OGX_DIGEST_SIZE])
{
	struct sha256_state sctx;
	loff_t pos = 0;
	ssize_t n;
	u8 *buf;

	buf = kvmalloc(OGX_EXE_CHUNK, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	sha256_init(&sctx);
	for (;;) {
		if (fatal_signal_pending(current)) {
			n = -EINTR;
			break;
		}
		n = kernel_read(file, buf, OGX_EXE_CHUNK, &pos);
		if (n <= 0)
			break;
		sha256_update(&sctx, buf, n);
	}
	kvfree(buf);
	if (n < 0)
		return n;
	sha256_final(&sctx, out);
	return 0;
}

/* The executable of the caller; io-wq workers share its mm. */
static struct file *ogx_exe_file(void)
{
	return current->mm ? ogx_mm_exe_file(current->mm) : NULL;
}

/*
 * With @nowait, a digest not in the cache is -EAGAIN: hashing reads the
 * file, which may wait for I/O (the caller retries where it may block).
 */
int ogx_measure_exe(u8 out[OGX_DIGEST_SIZE], bool nowait)
{
	struct ogx_exe_stamp before, after;
	struct file *exe;
	int ret;

	exe = ogx_exe_file();
	if (!exe)
		return -ENOEXEC;
	ogx_exe_stamp(file_inode(exe), &before);
	if (ogx_exe_cache_lookup(&before, out)) {
		fput(exe);
		return 0;
	}
	if (nowait) {
		fput(exe);
		return -EAGAIN;
	}
	ret = ogx_hash_file(exe, out);
	if (!ret) {
		ogx_exe_stamp(file_inode(exe), &after);
		if (!memcmp(&before, &after, sizeof(before)))
			ogx_exe_cache_insert(&before, out);
	}
	fput(exe);
	return ret;
}

void __exit ogx_measure_exit(void)
{
	spin_lock(&ogx_exe_cache_lock);
	memset(ogx_exe_cache, 0, sizeof(ogx_exe_cache));
	spin_unlock(&ogx_exe_cache_lock);
}
