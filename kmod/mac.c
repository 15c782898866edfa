// SPDX-License-Identifier: GPL-2.0
/*
 * The per-boot MAC over each event's (seq, head, digest).
 *
 * The key comes from get_random_bytes() at load, never leaves the kernel and
 * is wiped at unload. Only this module instance can produce or check a MAC,
 * which is what lets a separate, less trusted process (ogsubmit) ask VERIFY
 * whether evidence handed to it really came from this kernel.
 *
 * The MAC is keyed BLAKE2s-256 (RFC 7693) of the 72-byte message seq (le64)
 * ‖ head ‖ digest, computed with the library's public API
 * (<crypto/blake2s.h>): a state initialised with the key once at load is
 * copied for each MAC, then updated with the message and finalised. That
 * state holds the key block (it is as secret as the key, and wiped alike);
 * each MAC compresses three blocks, the key's and the message's two. At
 * load the result is checked against the library's one-shot blake2s() for
 * the same key, so the two can never drift apart.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/blake2s.h>
#include <linux/build_bug.h>
#include <linux/random.h>
#include <linux/string.h>

#include "mac.h"

#define OGX_MAC_MSG_SIZE	(sizeof(__le64) + 2 * OGX_DIGEST_SIZE)

/* Keyed BLAKE2s before any message: the key block is buffered in it. */
static struct blake2s_state ogx_mac_keyed;
static u8 ogx_boot_id[OGX_BOOT_ID_SIZE];

static void ogx_mac_msg(u8 msg[OGX_MAC_MSG_SIZE], u64 seq,
			const u8 head[OGX_DIGEST_SIZE],
			const u8 digest[OGX_DIGEST_SIZE])
{
	__le64 seq_le = cpu_to_le64(seq);

	memcpy(msg, &seq_le, sizeof(seq_le));
	memcpy(msg + sizeof(__le64), head, OGX_DIGEST_SIZE);
	memcpy(msg + sizeof(__le64) + OGX_DIGEST_SIZE, digest, OGX_DIGEST_SIZE);
}

void ogx_mac(u8 out[OGX_MAC_SIZE], u64 seq, const u8 head[OGX_DIGEST_SIZE],
	     const u8 digest[OGX_DIGEST_SIZE])
{
	struct blake2s_state state = ogx_mac_keyed;
	u8 msg[OGX_MAC_MSG_SIZE];

	BUILD_BUG_ON(OGX_MAC_SIZE != BLAKE2S_HASH_SIZE);
	ogx_mac_msg(msg, seq, head, digest);
	blake2s_update(&state, msg, sizeof(msg));
	/* Wipes the state. */
	blake2s_final(&state, out);
}

/* The MAC must be the library's keyed BLAKE2s, or the module not load. */
static int __init ogx_mac_selftest(const u8 key[BLAKE2S_KEY_SIZE])
{
	u8 want[OGX_MAC_SIZE], got[OGX_MAC_SIZE], test[OGX_DIGEST_SIZE];
	u8 msg[OGX_MAC_MSG_SIZE];
	int ret = 0;
	u64 seq;

	get_random_bytes(test, sizeof(test));
	seq = get_random_u64();
	ogx_mac_msg(msg, seq, test, test);
	blake2s(want, msg, key, OGX_MAC_SIZE, sizeof(msg), BLAKE2S_KEY_SIZE);
	ogx_mac(got, seq, test, test);
	if (crypto_memneq(want, got, OGX_MAC_SIZE)) {
		pr_err("BLAKE2s self-test failed\n");
		ret = -EINVAL;
	}
	memzero_explicit(want, sizeof(want));
	memzero_explicit(got, sizeof(got));
	return ret;
}

int __init ogx_mac_init(void)
{
	u8 key[BLAKE2S_KEY_SIZE];
	int ret;

	get_random_bytes(key, sizeof(key));
	get_random_bytes(ogx_boot_id, sizeof(ogx_boot_id));
	blake2s_init_key(&ogx_mac_keyed, OGX_MAC_SIZE, key, sizeof(key));
	ret = ogx_mac_selftest(key);
	if (ret)
		ogx_mac_exit();
	memzero_explicit(key, sizeof(key));
	return ret;
}

void ogx_mac_exit(void)
{
	memzero_explicit(&ogx_mac_keyed, sizeof(ogx_mac_keyed));
}

void ogx_mac_boot_id(u8 out[OGX_BOOT_ID_SIZE])
{
	memcpy(out, ogx_boot_id, OGX_BOOT_ID_SIZE);
}

bool ogx_mac_valid(const u8 mac[OGX_MAC_SIZE], u64 seq,
		   const u8 head[OGX_DIGEST_SIZE],
		   const u8 digest[OGX_DIGEST_SIZE])
{
	u8 want[OGX_MAC_SIZE];
	bool valid;

	ogx_mac(want, seq, head, digest);
	valid = !crypto_memneq(want, mac, OGX_MAC_SIZE);
	memzero_explicit(want, sizeof(want));
	return valid;
}
