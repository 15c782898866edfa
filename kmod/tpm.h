/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OGX_TPM_H
#define _OGX_TPM_H

#include <linux/types.h>

#include "uapi/linux/ogx.h"

int ogx_tpm_init(void);
void ogx_tpm_exit(void);
int ogx_tpm_extend(const u8 digest[OGX_DIGEST_SIZE]);
bool ogx_tpm_anchored(void);
u32 ogx_tpm_pcr(void);

#endif /* _OGX_TPM_H */
