/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OGX_MAC_H
#define _OGX_MAC_H

#include <linux/types.h>

#include "uapi/linux/ogx.h"

int ogx_mac_init(void);
void ogx_mac_exit(void);
void ogx_mac_boot_id(u8 out[OGX_BOOT_ID_SIZE]);
void ogx_mac(u8 out[OGX_MAC_SIZE], u64 seq, const u8 head[OGX_DIGEST_SIZE],
	     const u8 digest[OGX_DIGEST_SIZE]);
bool ogx_mac_valid(const u8 mac[OGX_MAC_SIZE], u64 seq,
		   const u8 head[OGX_DIGEST_SIZE],
		   const u8 digest[OGX_DIGEST_SIZE]);

#endif /* _OGX_MAC_H */
