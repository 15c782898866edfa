/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replay protection shared by the nodes that take payments for one pay-to
 * address (--x402-shared-nonces PATH, a file every node can open: one host,
 * or a filesystem with working flock(2)). Each node keeps its own nonce log
 * (x402_nonces.c); before it accepts a payment it claims the (from, nonce)
 * pair here: under an exclusive flock it reads the lines the other nodes
 * appended since it last looked, and appends its own line only if no node
 * claimed the pair before (fdatasync'ed before the lock is let go). So of
 * the nodes sharing the file, exactly one answers a given header, and the
 * claim is made before the answer, not at settlement.
 *
 *	<from> <nonce>		(hex, no 0x: 40 and 64 digits)
 *
 * Called on the x402 RPC threads (x402_chain.c), never on the loop: the
 * lock may wait for another node. A pair claimed and then refused by this
 * node (the balance fell short) stays claimed: its nonce is spent here.
 */
#ifndef OGX_SERVE_X402_SHARED_H
#define OGX_SERVE_X402_SHARED_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "serve/x402.h"

struct x402_shared {
	pthread_mutex_t lock;	/* this process's threads: off, seen */
	int fd;			/* -1: not shared */
	off_t off;		/* read up to here */
	struct x402_state seen;	/* the pairs in the file (its set only) */
};

/* Open (create) path for reading and appending. */
int ogx_x402_shared_open(struct x402_shared *sh, const char *path);
void ogx_x402_shared_close(struct x402_shared *sh);
/*
 * Claim (from, nonce): 0 claimed now, 1 some node (this one included)
 * claimed it before, or a negative errno (with detail) when the file
 * cannot be locked, read or written.
 */
int ogx_x402_shared_claim(struct x402_shared *sh, const struct x402_payment *p);

#endif
