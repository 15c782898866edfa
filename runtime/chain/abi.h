/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Solidity ABI for the one call ogsubmit makes in contract mode:
 *
 *   submit(uint64 seq, bytes32 root, uint32 count, bytes data)
 *
 * (tools/ogsubmit/contracts/OgxSettlement.sol). Calldata: the 4-byte
 * selector, then four head words (seq, root, count, and the offset 0x80 of
 * data), then data's length word and data padded with zeros to 32 bytes.
 * The decoder accepts exactly that layout and nothing else.
 */
#ifndef OGX_CHAIN_ABI_H
#define OGX_CHAIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define OGX_ABI_SUBMIT_SIG "submit(uint64,bytes32,uint32,bytes)"

/* First 4 bytes of keccak256 of a function signature. */
void ogx_abi_selector(const char *signature, uint8_t sel[4]);

/* Head words of static arguments: uint64, address (20 bytes, left-padded). */
void ogx_abi_put_uint(uint8_t w[32], uint64_t v);
void ogx_abi_put_addr(uint8_t w[32], const uint8_t addr[20]);
/*
 * A uint256 given in decimal (digits only, no sign, at most 78 of them), as
 * x402 and EIP-712 carry token amounts. -ERANGE when it does not fit in 256
 * bits, -EINVAL when it is not a decimal number.
 */
OGX_MUST_CHECK
int ogx_abi_put_udec(uint8_t w[32], const char *dec);
/*
 * A uint256 quantity in either form a JavaScript BigInt() string takes, as
 * x402 clients send them: decimal digits (leading zeros allowed), or "0x"
 * and at least one hex digit (any case, leading zeros allowed). No sign, no
 * space, no exponent. -ERANGE when it does not fit in 256 bits, -EINVAL when
 * it is not such a number.
 */
int ogx_abi_put_uquantity(uint8_t w[32], const char *s);
/* The canonical decimal form of a uint256 word (no leading zeros; "0"). */
#define OGX_ABI_UDEC_MAX 79
void ogx_abi_udec_str(char out[OGX_ABI_UDEC_MAX], const uint8_t w[32]);

OGX_MUST_CHECK
int ogx_abi_submit_encode(uint64_t seq, const uint8_t root[32], uint32_t count,
			  const uint8_t *data, size_t len, uint8_t **out, size_t *out_len);

/* data points into in. -EBADMSG with detail for anything else. */
OGX_MUST_CHECK
int ogx_abi_submit_decode(const uint8_t *in, size_t len, uint64_t *seq, uint8_t root[32],
			  uint32_t *count, const uint8_t **data, size_t *data_len);

#endif
