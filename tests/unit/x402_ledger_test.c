// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of serve/x402_ledger (the exposure ledger of x402 payments): open
 * payments per payer and their sum, expiry, retirement by nonce, the at-risk
 * share, saturation, many payers (the table grows), and the ledger rebuilt
 * from the nonce log by ogx_x402_open.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "serve/serve.h"
#include "serve/x402.h"
#include "serve/x402_ledger.h"

static void addr(uint8_t a[20], unsigned int i)
{
	memset(a, 0, 20);
	a[0] = 0xaa;
	a[16] = (uint8_t)(i >> 24);
	a[17] = (uint8_t)(i >> 16);
	a[18] = (uint8_t)(i >> 8);
	a[19] = (uint8_t)i;
}

static void nonce(uint8_t n[32], unsigned int i)
{
	memset(n, 0, 32);
	memcpy(n, &i, sizeof(i));
}

TEST(exposure_expiry_retire)
{
	struct x402_ledger l = { 0 };
	struct x402_payer *p;
	uint8_t a[20], b[20], n[32];
	ogx_u128 risk;
	size_t k;

	addr(a, 1);
	addr(b, 2);
	nonce(n, 1);
	ASSERT_EQ(0, ogx_x402_ledger_add(&l, a, n, 1000, 200, false));
	nonce(n, 2);
	ASSERT_EQ(0, ogx_x402_ledger_add(&l, a, n, 500, 100, true));
	nonce(n, 3);
	ASSERT_EQ(0, ogx_x402_ledger_add(&l, b, n, 7, 300, false));
	p = ogx_x402_ledger_payer(&l, a, false);
	ASSERT_NE(NULL, p);
	ASSERT_TRUE(ogx_x402_ledger_exposure(p, 50, &k, &risk) == 1500);
	ASSERT_EQ(2, k);
	ASSERT_TRUE(risk == 500);
	/* validBefore 100 has passed at 100: nobody can settle it any more */
	ASSERT_TRUE(ogx_x402_ledger_exposure(p, 100, &k, &risk) == 1000);
	ASSERT_EQ(1, k);
	ASSERT_TRUE(risk == 0);
	ASSERT_TRUE(ogx_x402_ledger_total(&l, 100, &k) == 1007);
	ASSERT_EQ(2, k);
	nonce(n, 1);
	ogx_x402_ledger_retire(p, n);
	ASSERT_TRUE(ogx_x402_ledger_exposure(p, 100, &k, NULL) == 0);
	ASSERT_EQ(0, k);
	ogx_x402_ledger_retire(p, n); /* twice: nothing */
	ASSERT_EQ(NULL, ogx_x402_ledger_payer(&l, (uint8_t[20]){ 0xbb }, false));
	ogx_x402_ledger_free(&l);
}

TEST(at_risk_covered_and_saturation)
{
	struct x402_ledger l = { 0 };
	struct x402_payer *p;
	uint8_t a[20], n[32];
	ogx_u128 risk, max = ~(ogx_u128)0;

	addr(a, 9);
	nonce(n, 1);
	ASSERT_EQ(0, ogx_x402_ledger_add(&l, a, n, max - 1, 1000, true));
	nonce(n, 2);
	ASSERT_EQ(0, ogx_x402_ledger_add(&l, a, n, 5, 1000, true));
	p = ogx_x402_ledger_payer(&l, a, false);
	ASSERT_TRUE(ogx_x402_ledger_exposure(p, 0, NULL, &risk) == max);
	ASSERT_TRUE(risk == max);
	ogx_x402_ledger_covered(p);
	ogx_x402_ledger_exposure(p, 0, NULL, &risk);
	ASSERT_TRUE(risk == 0);
	ASSERT_TRUE(ogx_x402_value_u128("340282366920938463463374607431768211455") == max);
	ASSERT_TRUE(ogx_x402_value_u128("340282366920938463463374607431768211456") == max);
	ASSERT_TRUE(ogx_x402_value_u128("1000") == 1000);
	ogx_x402_ledger_free(&l);
}

TEST(many_payers)
{
	struct x402_ledger l = { 0 };
	uint8_t a[20], n[32];
	size_t k;

	for (unsigned int i = 0; i < 5000; i++) {
		addr(a, i);
		nonce(n, i);
		ASSERT_EQ(0, ogx_x402_ledger_add(&l, a, n, i, 10, false));
	}
	ASSERT_EQ(5000, l.n);
	for (unsigned int i = 0; i < 5000; i++) {
		addr(a, i);
		ASSERT_TRUE(ogx_x402_ledger_exposure(ogx_x402_ledger_payer(&l, a, false), 0, &k,
						     NULL) == i);
		ASSERT_EQ(1, k);
	}
	ASSERT_TRUE(ogx_x402_ledger_total(&l, 0, &k) == (ogx_u128)4999 * 5000 / 2);
	ASSERT_EQ(5000, k);
	ogx_x402_ledger_free(&l);
}

/* The ledger comes back from the nonce log: what may still be settled is open again. */
TEST(rebuilt_from_the_nonce_log)
{
	struct ogx_x402_config cfg = { 0 };
	struct x402_state x;
	struct x402_payment p = { 0 };
	char dir[] = "/tmp/ogx-ledger-XXXXXX";
	uint64_t now = (uint64_t)time(NULL);
	uint8_t a[20];
	size_t k;

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, ogx_x402_open(&x, &cfg, dir));
	addr(a, 3);
	memcpy(p.from, a, 20);
	snprintf(p.value, sizeof(p.value), "1234");
	p.valid_before = now + 600;
	nonce(p.nonce, 1);
	ASSERT_EQ(0, ogx_x402_log(&x, &p, false));
	p.valid_before = now - 1; /* expired: not open again */
	nonce(p.nonce, 2);
	ASSERT_EQ(0, ogx_x402_log(&x, &p, false));
	ASSERT_EQ(0, ogx_x402_sync(&x));
	ogx_x402_close(&x);
	ASSERT_EQ(0, ogx_x402_open(&x, &cfg, dir));
	ASSERT_TRUE(ogx_x402_ledger_exposure(ogx_x402_ledger_payer(&x.ledger, a, false), now, &k,
					     NULL) == 1234);
	ASSERT_EQ(1, k);
	ASSERT_TRUE(ogx_x402_nonce_seen(&x, &p, false));
	ogx_x402_close(&x);
	{
		char path[64];

		snprintf(path, sizeof(path), "%s/x402-nonces", dir);
		unlink(path);
		rmdir(dir);
	}
}

TEST_HARNESS_MAIN
