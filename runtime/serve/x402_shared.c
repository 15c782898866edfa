// SPDX-License-Identifier: GPL-2.0
/* Replay protection shared between nodes (x402_shared.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "serve/x402_shared.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

#define LINE_LEN (40 + 1 + 64 + 1)

int ogx_x402_shared_open(struct x402_shared *sh, const char *path)
{
	memset(sh, 0, sizeof(*sh));
	pthread_mutex_init(&sh->lock, NULL);
	sh->seen.log_fd = -1;
	sh->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (sh->fd < 0)
		return ogx_fail(-errno, "--x402-shared-nonces %s: %s", path, strerror(errno));
	return 0;
}

void ogx_x402_shared_close(struct x402_shared *sh)
{
	if (sh->fd >= 0)
		close(sh->fd);
	sh->fd = -1;
	ogx_x402_close(&sh->seen);
	pthread_mutex_destroy(&sh->lock);
}

/* The lines appended since off: into seen. Whole lines only (each is one write). */
static int catch_up(struct x402_shared *sh)
{
	char buf[64 * LINE_LEN];
	ssize_t n;

	for (;;) {
		n = pread(sh->fd, buf, sizeof(buf), sh->off);
		if (n < 0)
			return ogx_fail(-errno, "shared nonces: read: %s", strerror(errno));
		n -= n % LINE_LEN;
		if (!n)
			return 0;
		for (ssize_t i = 0; i < n; i += LINE_LEN) {
			struct x402_payment p;
			char f[41], nn[65];

			memcpy(f, buf + i, 40);
			f[40] = 0;
			memcpy(nn, buf + i + 41, 64);
			nn[64] = 0;
			if (buf[i + 40] != ' ' || buf[i + LINE_LEN - 1] != '\n' ||
			    ogx_unhex(p.from, 20, f) || ogx_unhex(p.nonce, 32, nn))
				return ogx_fail(-EBADMSG, "shared nonces: line at byte %lld is not "
						"'from nonce'", (long long)(sh->off + i));
			ogx_x402_nonce_seen(&sh->seen, &p, true);
		}
		sh->off += n;
	}
}

int ogx_x402_shared_claim(struct x402_shared *sh, const struct x402_payment *p)
{
	char line[LINE_LEN + 1];
	int err, claimed;

	pthread_mutex_lock(&sh->lock);
	if (flock(sh->fd, LOCK_EX)) {
		err = ogx_fail(-errno, "shared nonces: flock: %s", strerror(errno));
		pthread_mutex_unlock(&sh->lock);
		return err;
	}
	err = catch_up(sh);
	claimed = !err && ogx_x402_nonce_seen(&sh->seen, p, false);
	if (!err && !claimed) {
		ogx_hex(line, p->from, 20);
		line[40] = ' ';
		ogx_hex(line + 41, p->nonce, 32);
		line[LINE_LEN - 1] = '\n';
		err = ogx_write_all(sh->fd, line, LINE_LEN);
		if (!err && fdatasync(sh->fd))
			err = -errno;
		if (err)
			err = ogx_fail(err, "shared nonces: append: %s", strerror(-err));
		else
			err = catch_up(sh); /* our line, and any before it */
	}
	flock(sh->fd, LOCK_UN);
	pthread_mutex_unlock(&sh->lock);
	return err ? err : claimed;
}
