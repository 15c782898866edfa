// SPDX-License-Identifier: GPL-2.0
/* The exposure ledger (x402_ledger.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain/abi.h"
#include "serve/x402_ledger.h"

static uint64_t addr_hash(const uint8_t a[20])
{
	uint64_t h;

	memcpy(&h, a + 12, sizeof(h)); /* an address is a hash already */
	return h;
}

static struct x402_payer *find(struct x402_payer *slots, size_t cap, const uint8_t a[20])
{
	for (size_t i = addr_hash(a) & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!slots[i].used || !memcmp(slots[i].addr, a, 20))
			return &slots[i];
}

struct x402_payer *ogx_x402_ledger_payer(struct x402_ledger *l, const uint8_t from[20],
					 bool create)
{
	struct x402_payer *p;

	if (l->cap) {
		p = find(l->slots, l->cap, from);
		if (p->used)
			return p;
	}
	if (!create)
		return NULL;
	if (2 * (l->n + 1) > l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct x402_payer *t = calloc(cap, sizeof(*t));

		if (!t)
			return NULL;
		for (size_t i = 0; i < l->cap; i++)
			if (l->slots[i].used)
				*find(t, cap, l->slots[i].addr) = l->slots[i];
		free(l->slots);
		l->slots = t;
		l->cap = cap;
	}
	p = find(l->slots, l->cap, from);
	memcpy(p->addr, from, 20);
	p->used = true;
	l->n++;
	return p;
}

int ogx_x402_ledger_add(struct x402_ledger *l, const uint8_t from[20], const uint8_t nonce[32],
			ogx_u128 value, uint64_t valid_before, bool at_risk)
{
	struct x402_payer *p = ogx_x402_ledger_payer(l, from, true);
	struct x402_open *e;

	if (!p)
		return -ENOMEM;
	if (p->n_open == p->cap_open) {
		size_t cap = p->cap_open ? 2 * p->cap_open : 4;
		struct x402_open *t = realloc(p->open, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		p->open = t;
		p->cap_open = cap;
	}
	e = &p->open[p->n_open++];
	memcpy(e->nonce, nonce, 32);
	e->value = value;
	e->valid_before = valid_before;
	e->at_risk = at_risk;
	return 0;
}

static ogx_u128 add_sat(ogx_u128 a, ogx_u128 b)
{
	return a + b < a ? ~(ogx_u128)0 : a + b;
}

ogx_u128 ogx_x402_ledger_exposure(struct x402_payer *p, uint64_t now, size_t *n,
				  ogx_u128 *at_risk)
{
	ogx_u128 sum = 0, risk = 0;
	size_t k = 0;

	for (size_t i = 0; i < p->n_open; i++) {
		if (p->open[i].valid_before <= now)
			continue; /* expired: nobody can settle it any more */
		p->open[k++] = p->open[i];
		sum = add_sat(sum, p->open[i].value);
		if (p->open[i].at_risk)
			risk = add_sat(risk, p->open[i].value);
	}
	p->n_open = k;
	if (n)
		*n = k;
	if (at_risk)
		*at_risk = risk;
	return sum;
}

void ogx_x402_ledger_retire(struct x402_payer *p, const uint8_t nonce[32])
{
	for (size_t i = 0; i < p->n_open; i++) {
		if (memcmp(p->open[i].nonce, nonce, 32))
			continue;
		memmove(&p->open[i], &p->open[i + 1], (p->n_open - i - 1) * sizeof(p->open[0]));
		p->n_open--;
		return;
	}
}

void ogx_x402_ledger_covered(struct x402_payer *p)
{
	for (size_t i = 0; i < p->n_open; i++)
		p->open[i].at_risk = false;
}

ogx_u128 ogx_x402_ledger_total(struct x402_ledger *l, uint64_t now, size_t *n)
{
	ogx_u128 sum = 0;
	size_t k, count = 0;

	for (size_t i = 0; i < l->cap; i++) {
		if (!l->slots[i].used)
			continue;
		sum = add_sat(sum, ogx_x402_ledger_exposure(&l->slots[i], now, &k, NULL));
		count += k;
	}
	*n = count;
	return sum;
}

void ogx_x402_ledger_free(struct x402_ledger *l)
{
	for (size_t i = 0; i < l->cap; i++)
		free(l->slots[i].open);
	free(l->slots);
	memset(l, 0, sizeof(*l));
}

ogx_u128 ogx_x402_value_u128(const char *dec)
{
	uint8_t w[32];

	if (ogx_abi_put_udec(w, dec))
		return ~(ogx_u128)0;
	return ogx_u128_from_be(w, 32);
}
