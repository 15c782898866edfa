// SPDX-License-Identifier: GPL-2.0
/*
 * The per-boot MAC over each event's (seq, head, digest).
 *
 * The key comes from get_random_bytes() at load, never leaves the kernel and
 * is wiped at unload. Only this module instance can produce or check a MAC,
 * which is what lets a separate, less trusted process (ogsubmit) ask VERIFY
 * whether evidence handed to it really came from this kernel.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/blake2s.h>
#include <linux/random.h>
#include <linux/string.h>

#include "mac.h"

static u8 ogx_mac_key[BLAKE2S_KEY_SIZE];
static u8 ogx_boot_id[OGX_BOOT_ID_SIZE];

void ogx_mac_init(void)
{
	get_random_bytes(ogx_mac_key, sizeof(ogx_mac_key));
	get_random_bytes(ogx_boot_id, sizeof(ogx_boot_id));
}

void ogx_mac_exit(void)
{
	memzero_explicit(ogx_mac_key, sizeof(ogx_mac_key));
}

void ogx_mac_boot_id(u8 out[OGX_BOOT_ID_SIZE])
{
	memcpy(out, ogx_boot_id, OGX_BOOT_ID_SIZE);
}

void ogx_mac(u8 out[OGX_MAC_SIZE], u64 seq, const u8 head[OGX_DIGEST_SIZE],
	     const u8 digest[OGX_DIGEST_SIZE])
{
	struct blake2s_state state;
	__le64 seq_le = cpu_to_le64(seq);

	blake2s_init_key(&state, OGX_MAC_SIZE, ogx_mac_key,
			 sizeof(ogx_mac_key));
	blake2s_update(&state, (const u8 *)&seq_le, sizeof(seq_le));
	blake2s_update(&state, head, OGX_DIGEST_SIZE);
	blake2s_update(&state, digest, OGX_DIGEST_SIZE);
	blake2s_final(&state, out);
	/* The state held the key block; blake2s_final() wipes it, be sure. */
	memzero_explicit(&state, sizeof(state));
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
