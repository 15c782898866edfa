// SPDX-License-Identifier: GPL-2.0
/*
 * ogx.ko - the measured-execution log of an ogx node.
 *
 * Module init and exit only: each concept sets itself up in turn and the
 * ladder unwinds in reverse. /dev/ogx is registered last so that no
 * command can arrive before the key, the chain and the TPM are ready.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "dev.h"
#include "log.h"
#include "mac.h"
#include "measure.h"
#include "tpm.h"

static int __init ogx_init(void)
{
	int ret;

	ret = ogx_mac_init();
	if (ret)
		return ret;
	ret = ogx_log_init();
	if (ret)
		goto err_mac;
	ret = ogx_tpm_init();
	if (ret)
		goto err_log;
	ret = ogx_dev_init();
	if (ret)
		goto err_tpm;
	pr_info("ready (abi %d)\n", OGX_ABI_VERSION);
	return 0;

err_tpm:
	ogx_tpm_exit();
err_log:
	ogx_log_exit();
err_mac:
	ogx_mac_exit();
	return ret;
}

static void __exit ogx_exit(void)
{
	ogx_dev_exit();
	ogx_tpm_exit();
	ogx_measure_exit();
	ogx_log_exit();
	ogx_mac_exit();
}

module_init(ogx_init);
module_exit(ogx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ogx measured-execution log");
MODULE_AUTHOR("ogx developers");
