// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of chain/eip3009 (what ogsubmit settles x402 payments with) and the
 * ABI words it is built from. The calldata vectors were made with
 * micro-eth-signer's ABI encoder (npm, an independent implementation):
 * createContract([...]).transferWithAuthorization.encodeInput({...}).
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "chain/abi.h"
#include "chain/eip3009.h"
#include "util/err.h"
#include "util/hex.h"

#define U256_MAX "115792089237316195423570985008687907853269984665640564039457584007913129639935"

static const char transfer_vector[] =
	"e3ee160e00000000000000000000000019e7e376e7c213b7e7e7e46cc70a5dd086daff2a"
	"0000000000000000000000001111111111111111111111111111111111111111ffffffff"
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffff0000000000000000"
	"00000000000000000000000000000000000000006553f100000000000000000000000000"
	"000000000000000000000000000000006553f358abababababababababababababababab"
	"abababababababababababababababab0000000000000000000000000000000000000000"
	"00000000000000000000001c010101010101010101010101010101010101010101010101"
	"010101010101010102020202020202020202020202020202020202020202020202020202"
	"02020202";
static const char state_vector[] =
	"e94a010200000000000000000000000019e7e376e7c213b7e7e7e46cc70a5dd086daff2a"
	"abababababababababababababababababababababababababababababababab";

static void auth_fixture(struct ogx_eip3009_auth *a)
{
	memset(a, 0, sizeof(*a));
	ogx_cannot_fail(ogx_unhex(a->from, 20, "19e7e376e7c213b7e7e7e46cc70a5dd086daff2a"));
	memset(a->to, 0x11, 20);
	strcpy(a->value, U256_MAX);
	a->valid_after = 1700000000;
	a->valid_before = 1700000600;
	memset(a->nonce, 0xab, 32);
	memset(a->sig, 0x01, 32);
	memset(a->sig + 32, 0x02, 32);
	a->sig[64] = 28;
}

TEST(calls_match_an_independent_encoder)
{
	uint8_t call[OGX_EIP3009_TRANSFER_LEN], want[OGX_EIP3009_TRANSFER_LEN];
	uint8_t scall[OGX_EIP3009_STATE_LEN], swant[OGX_EIP3009_STATE_LEN];
	struct ogx_eip3009_auth a;

	auth_fixture(&a);
	ASSERT_EQ(2 * sizeof(want), strlen(transfer_vector));
	ASSERT_EQ(0, ogx_unhex(want, sizeof(want), transfer_vector));
	ASSERT_EQ(0, ogx_eip3009_transfer_call(&a, call));
	ASSERT_EQ(0, memcmp(want, call, sizeof(want)));
	ASSERT_EQ(0, ogx_unhex(swant, sizeof(swant), state_vector));
	ogx_eip3009_state_call(a.from, a.nonce, scall);
	ASSERT_EQ(0, memcmp(swant, scall, sizeof(swant)));
	strcpy(a.value, "115792089237316195423570985008687907853269984665640564039457584007913129639936");
	ASSERT_EQ(-ERANGE, ogx_eip3009_transfer_call(&a, call));
}

TEST(decimal_words)
{
	uint8_t w[32], want[32] = { 0 };

	ASSERT_EQ(0, ogx_abi_put_udec(w, "0"));
	ASSERT_EQ(0, memcmp(w, want, 32));
	ASSERT_EQ(0, ogx_abi_put_udec(w, "1000"));
	want[30] = 0x03;
	want[31] = 0xe8;
	ASSERT_EQ(0, memcmp(w, want, 32));
	ASSERT_EQ(0, ogx_abi_put_udec(w, U256_MAX));
	memset(want, 0xff, 32);
	ASSERT_EQ(0, memcmp(w, want, 32));
	ASSERT_EQ(-ERANGE, ogx_abi_put_udec(w, "115792089237316195423570985008687907853269984665640564039457584007913129639936"));
	ASSERT_EQ(-ERANGE, ogx_abi_put_udec(w, "999999999999999999999999999999999999999999999999999999999999999999999999999999"));
	ASSERT_EQ(-EINVAL, ogx_abi_put_udec(w, ""));
	ASSERT_EQ(-EINVAL, ogx_abi_put_udec(w, "12a"));
	ASSERT_EQ(-EINVAL, ogx_abi_put_udec(w, "-1"));
	ASSERT_EQ(-EINVAL, ogx_abi_put_udec(w, "1000000000000000000000000000000000000000000000000000000000000000000000000000000"));
}

/* Payment evidence as ogrun serve writes it (ogx_x402_evidence, key 15). */
static void evidence(struct ogx_record *r, const char *scheme, int skip_key, uint8_t v)
{
	struct ogx_eip3009_auth a;
	struct ogx_ext *x = &r->payment;
	uint8_t asset[20], pay_to[20], digest[32] = { 0 }, sig[65];

	auth_fixture(&a);
	memset(asset, 0xaa, 20);
	memcpy(pay_to, a.to, 20);
	memcpy(sig, a.sig, 65);
	sig[64] = v;
	memset(r, 0, sizeof(*r));
#define U(k, val) if (skip_key != (k)) ogx_cannot_fail(ogx_ext_add_uint(x, k, val))
#define B(k, t, p, n) if (skip_key != (k)) ogx_cannot_fail(ogx_ext_add_bytes(x, k, t, p, n))
	U(0, 1);
	B(1, OGX_EXT_TEXT, scheme, strlen(scheme));
	B(2, OGX_EXT_TEXT, "anvil", 5);
	U(3, 31337);
	B(4, OGX_EXT_BYTES, asset, 20);
	B(5, OGX_EXT_BYTES, pay_to, 20);
	B(6, OGX_EXT_BYTES, a.from, 20);
	B(7, OGX_EXT_TEXT, "1000", 4);
	U(8, a.valid_after);
	U(9, a.valid_before);
	B(10, OGX_EXT_BYTES, a.nonce, 32);
	B(11, OGX_EXT_BYTES, sig, 65);
	B(12, OGX_EXT_BYTES, digest, 32);
#undef U
#undef B
}

TEST(authorization_from_record)
{
	struct ogx_eip3009_auth a, want;
	struct ogx_record r;

	auth_fixture(&want);
	evidence(&r, "exact", -1, 28);
	ASSERT_EQ(0, ogx_eip3009_from_record(&r, &a));
	ASSERT_EQ(31337, a.chain_id);
	ASSERT_EQ(0xaa, a.asset[19]);
	ASSERT_EQ(0, memcmp(want.from, a.from, 20));
	ASSERT_EQ(0, memcmp(want.to, a.to, 20));
	ASSERT_STREQ("1000", a.value);
	ASSERT_EQ(want.valid_after, a.valid_after);
	ASSERT_EQ(want.valid_before, a.valid_before);
	ASSERT_EQ(0, memcmp(want.nonce, a.nonce, 32));
	ASSERT_EQ(0, memcmp(want.sig, a.sig, 65));
	ogx_record_free(&r);

	memset(&r, 0, sizeof(r));
	ASSERT_EQ(-ENOENT, ogx_eip3009_from_record(&r, &a));
	evidence(&r, "upto", -1, 28);
	ASSERT_EQ(-EBADMSG, ogx_eip3009_from_record(&r, &a));
	ASSERT_STREQ("payment evidence: scheme 'upto' is not 'exact'", ogx_errmsg(-EBADMSG));
	ogx_record_free(&r);
	evidence(&r, "exact", 10, 28);
	ASSERT_EQ(-EBADMSG, ogx_eip3009_from_record(&r, &a));
	ASSERT_STREQ("payment evidence: nonce missing or malformed", ogx_errmsg(-EBADMSG));
	ogx_record_free(&r);
	evidence(&r, "exact", 9, 28);
	ASSERT_EQ(-EBADMSG, ogx_eip3009_from_record(&r, &a));
	ASSERT_STREQ("payment evidence: validBefore missing or malformed", ogx_errmsg(-EBADMSG));
	ogx_record_free(&r);
	/* one signature rule with ogrun serve (ogx_eth_sig65_normalize): v 0/1 is 27/28 */
	evidence(&r, "exact", -1, 1);
	ASSERT_EQ(0, ogx_eip3009_from_record(&r, &a));
	ASSERT_EQ(28, a.sig[64]);
	ASSERT_EQ(0, memcmp(want.sig, a.sig, 64));
	ogx_record_free(&r);
	evidence(&r, "exact", -1, 0);
	ASSERT_EQ(0, ogx_eip3009_from_record(&r, &a));
	ASSERT_EQ(27, a.sig[64]);
	ogx_record_free(&r);
	evidence(&r, "exact", -1, 29);
	ASSERT_EQ(-EBADMSG, ogx_eip3009_from_record(&r, &a));
	ASSERT_STREQ("payment evidence: signature v 29 is not 27, 28, 0 or 1",
		     ogx_errmsg(-EBADMSG));
	ogx_record_free(&r);
}

TEST_HARNESS_MAIN
