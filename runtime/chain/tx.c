// SPDX-License-Identifier: GPL-2.0
/* See tx.h; field order from EIP-1559, "Specification". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain/rlp.h"
#include "chain/tx.h"
#include "util/err.h"

static void put_fields(struct ogx_rlp *b, const struct ogx_tx *tx)
{
	size_t al;

	ogx_rlp_uint(b, tx->chain_id);
	ogx_rlp_uint(b, tx->nonce);
	ogx_rlp_uint(b, tx->max_priority_fee);
	ogx_rlp_uint(b, tx->max_fee);
	ogx_rlp_uint(b, tx->gas);
	ogx_rlp_bytes(b, tx->to, tx->has_to ? OGX_ETH_ADDR_LEN : 0);
	ogx_rlp_uint(b, tx->value);
	ogx_rlp_bytes(b, tx->data, tx->data_len);
	al = ogx_rlp_list_begin(b);
	ogx_rlp_list_end(b, al);
}

/* 0x02 ‖ rlp([fields..., and the signature when sig]) into b. */
static int encode(struct ogx_rlp *b, const struct ogx_tx *tx, bool sig)
{
	uint8_t type = OGX_TX_TYPE_EIP1559;
	size_t list;

	ogx_rlp_init(b);
	ogx_rlp_raw(b, &type, 1);
	list = ogx_rlp_list_begin(b);
	put_fields(b, tx);
	if (sig) {
		ogx_rlp_uint(b, tx->sig.y_parity);
		ogx_rlp_uint_be(b, tx->sig.r, 32);
		ogx_rlp_uint_be(b, tx->sig.s, 32);
	}
	ogx_rlp_list_end(b, list);
	return ogx_rlp_finish(b);
}

int ogx_tx_signing_hash(const struct ogx_tx *tx, uint8_t hash[OGX_KECCAK256_LEN])
{
	struct ogx_rlp b;
	int err = encode(&b, tx, false);

	if (!err)
		ogx_keccak256(hash, b.data, b.len);
	ogx_rlp_free(&b);
	return err;
}

int ogx_tx_unsigned(const struct ogx_tx *tx, uint8_t **out, size_t *len)
{
	struct ogx_rlp b;
	int err = encode(&b, tx, false);

	if (err) {
		ogx_rlp_free(&b);
		return err;
	}
	*out = b.data;
	*len = b.len;
	return 0;
}

int ogx_tx_sign(struct ogx_tx *tx, const struct ogx_eth_key *key)
{
	uint8_t h[OGX_KECCAK256_LEN];
	int err;

	err = ogx_tx_signing_hash(tx, h);
	if (!err)
		err = ogx_eth_sign(key, h, &tx->sig);
	tx->signed_ = !err;
	return err;
}

int ogx_tx_raw(const struct ogx_tx *tx, uint8_t **raw, size_t *len)
{
	struct ogx_rlp b;
	int err;

	if (!tx->signed_)
		return ogx_fail(-EINVAL, "transaction is not signed");
	err = encode(&b, tx, true);
	if (err) {
		ogx_rlp_free(&b);
		return err;
	}
	*raw = b.data;
	*len = b.len;
	return 0;
}

void ogx_tx_hash(const uint8_t *raw, size_t len, uint8_t hash[OGX_KECCAK256_LEN])
{
	ogx_keccak256(hash, raw, len);
}

/* A 32-byte big-endian scalar from a canonical integer item. */
static int get_scalar(const struct ogx_rlp_item *it, uint8_t out[32])
{
	if (it->is_list || it->len > 32 || (it->len && !it->payload[0]))
		return ogx_fail(-EBADMSG, "transaction: bad signature scalar");
	memset(out, 0, 32);
	memcpy(out + 32 - it->len, it->payload, it->len);
	return 0;
}

int ogx_tx_parse(struct ogx_tx *tx, const uint8_t *raw, size_t len)
{
	struct ogx_rlp_item list, it[13];
	uint64_t *u64[] = { &tx->chain_id, &tx->nonce, &tx->max_priority_fee, &tx->max_fee,
			    &tx->gas };
	uint64_t parity;
	size_t used, off = 0;
	int i, n = 0, err;

	memset(tx, 0, sizeof(*tx));
	if (len < 1 || raw[0] != OGX_TX_TYPE_EIP1559)
		return ogx_fail(-EBADMSG, "transaction: not of type 2 (EIP-1559)");
	err = ogx_rlp_decode(raw + 1, len - 1, &list, &used);
	if (err)
		return err;
	if (!list.is_list || used != len - 1)
		return ogx_fail(-EBADMSG, "transaction: not one RLP list after the type");
	while ((err = ogx_rlp_next(&list, &off, &it[n])) == 1)
		if (++n > 12)
			return ogx_fail(-EBADMSG, "transaction: more than 12 fields");
	if (err)
		return err;
	if (n != 12)
		return ogx_fail(-EBADMSG, "transaction: %d fields, want 12", n);
	for (i = 0; i < 5; i++)
		if ((err = ogx_rlp_get_uint(&it[i], u64[i])))
			return err;
	if (it[5].is_list || (it[5].len != 0 && it[5].len != OGX_ETH_ADDR_LEN))
		return ogx_fail(-EBADMSG, "transaction: 'to' is not an address");
	tx->has_to = it[5].len;
	memcpy(tx->to, it[5].payload, it[5].len);
	if ((err = ogx_rlp_get_uint(&it[6], &tx->value)))
		return err;
	if (it[7].is_list)
		return ogx_fail(-EBADMSG, "transaction: data is a list");
	tx->data = it[7].payload;
	tx->data_len = it[7].len;
	if (!it[8].is_list || it[8].len)
		return ogx_fail(-EBADMSG, "transaction: access list is not empty");
	if ((err = ogx_rlp_get_uint(&it[9], &parity)))
		return err;
	if (parity > 1)
		return ogx_fail(-EBADMSG, "transaction: y parity is not 0 or 1");
	tx->sig.y_parity = parity;
	if ((err = get_scalar(&it[10], tx->sig.r)) || (err = get_scalar(&it[11], tx->sig.s)))
		return err;
	tx->signed_ = true;
	return 0;
}

int ogx_tx_sender(const struct ogx_tx *tx, uint8_t addr[OGX_ETH_ADDR_LEN])
{
	uint8_t h[OGX_KECCAK256_LEN];
	int err;

	if (!tx->signed_)
		return ogx_fail(-EINVAL, "transaction is not signed");
	err = ogx_tx_signing_hash(tx, h);
	return err ? err : ogx_eth_recover(h, &tx->sig, addr);
}

uint64_t ogx_tx_calldata_gas(const uint8_t *data, size_t len)
{
	uint64_t zero = 0, standard, floor;
	size_t i;

	for (i = 0; i < len; i++)
		zero += !data[i];
	standard = 21000 + 4 * zero + 16 * (len - zero);
	floor = 21000 + 10 * (zero + 4 * (len - zero));
	return standard > floor ? standard : floor;
}

int ogx_fee_bump(uint64_t old, uint64_t *bumped)
{
	/* ceil(old * 11 / 10) in 128 bits, then + 1. */
	unsigned __int128 v = ((unsigned __int128)old * 11 + 9) / 10 + 1;

	if (v > UINT64_MAX)
		return ogx_fail(-EOVERFLOW, "fee %llu wei cannot be bumped within 64 bits",
				(unsigned long long)old);
	*bumped = (uint64_t)v;
	return 0;
}
