// SPDX-License-Identifier: GPL-2.0
/* See config.h. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ogsubmit.h"
#include "proof/verify.h"
#include "util/err.h"
#include "util/hex.h"

enum kind { STR, U64, ADDR, ASSET, UPTO_ASSET, PK, DA, MODE, L1, REQUIRE };

static const struct key {
	const char *name;
	enum kind kind;
	size_t off, size;
	uint64_t min, max;
	bool required;
	const char *help;
} keys[] = {
#define F(f) offsetof(struct ogs_config, f), sizeof(((struct ogs_config *)0)->f)
	{ "rpc", STR, F(rpc), 0, 0, true, "JSON-RPC URL of the chain's node" },
	{ "chain_id", U64, F(chain_id), 1, UINT64_MAX, true,
	  "chain id the node must report (Base 8453, Base Sepolia 84532, anvil 31337)" },
	{ "key", STR, F(key), 0, 0, true, "secp256k1 key file of the paying account (0600)" },
	{ "operator_key", STR, F(operator_key), 0, 0, true,
	  "Ed25519 key file that signs batches (0600)" },
	{ "spool", STR, F(spool), 0, 0, true, "the node's spool directory" },
	{ "state_dir", STR, F(state_dir), 0, 0, true, "journal and cursor directory" },
	{ "target", ADDR, F(target), 0, 0, true,
	  "inbox address, or the settlement contract in contract mode" },
	{ "mode", MODE, F(contract), 0, 0, false,
	  "inbox (calldata to an address) or contract (submit() on OgxSettlement)" },
	{ "node", PK, F(node), 0, 0, false, "accept records of this node key (hex) only" },
	{ "require", REQUIRE, F(require), 0, 0, false,
	  "levels (tee, or several joined by commas) whose evidence must be checked here, "
	  "or the record is refused (unset: such records are batched, counted as unchecked)" },
	{ "settle_asset", ASSET, F(settle_asset), 0, 0, false,
	  "EIP-3009 token of the node's x402 payments: settle them (unset: do not)" },
	{ "settle_upto_asset", UPTO_ASSET, F(settle_upto_asset), 0, 0, false,
	  "token of the node's x402 upto payments (Permit2, e.g. OPG): settle them through "
	  "the x402 upto proxy, as the facilitator they name (unset: do not)" },
	{ "confirmations", U64, F(confirmations), 1, 1000, false,
	  "blocks on top before records count as settled" },
	{ "batch_records", U64, F(batch_records), 1, OGX_BATCH_MAX_RECORDS, false,
	  "most records in one batch" },
	{ "batch_bytes", U64, F(batch_bytes), 1024, 1u << 20, false,
	  "most bytes of records in one batch" },
	{ "batch_delay_ms", U64, F(batch_delay_ms), 0, 86400000, false,
	  "longest a record waits for its batch to fill" },
	{ "fee_cap", U64, F(fee_cap), 0, UINT64_MAX, false,
	  "highest max fee per gas in wei (0: none)" },
	{ "bump_after_ms", U64, F(bump_after_ms), 100, 86400000, false,
	  "replace an unmined transaction with a higher fee after this long" },
	{ "rebroadcast_ms", U64, F(rebroadcast_ms), 100, 86400000, false,
	  "send a pending transaction again after this long" },
	{ "poll_ms", U64, F(poll_ms), 10, 60000, false, "main loop period" },
	{ "rpc_timeout_ms", U64, F(rpc_timeout_ms), 100, 600000, false, "bound on one RPC call" },
	{ "max_inflight", U64, F(max_inflight), 1, 1024, false,
	  "batches sent but not yet confirmed" },
	{ "settle_inflight", U64, F(settle_inflight), 1, 65536, false,
	  "x402 payments sent but not yet confirmed" },
	{ "da", DA, F(da), 0, 0, false, "calldata (records on chain) or root (root only)" },
	{ "l1_fee", L1, F(l1_fee), 0, 0, false,
	  "budget the L1 data fee (GasPriceOracle): auto (Base, OP chain ids), on, off" },
#undef F
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void ogs_config_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Keys (file: key = value; flag: --key-name value):\n");
	for (i = 0; i < NKEYS; i++)
		fprintf(f, "  %-16s %s%s\n", keys[i].name, keys[i].help,
			keys[i].required ? " (required)" : "");
}

/* Parse one value into c; the error names the key and the reason. */
static int set_value(struct ogs_config *c, const struct key *k, const char *v, const char *where)
{
	char *p = (char *)c + k->off, *end;
	unsigned long long u;

	switch (k->kind) {
	case STR:
		if (!*v || strlen(v) >= k->size)
			return ogx_fail(-EINVAL, "%s: %s: %s", where, k->name,
					*v ? "value too long" : "empty value");
		strcpy(p, v);
		break;
	case U64:
		errno = 0;
		u = strtoull(v, &end, 10);
		if (!*v || *end || errno || *v == '-')
			return ogx_fail(-EINVAL, "%s: %s: '%s' is not a number", where, k->name, v);
		if (u < k->min || u > k->max)
			return ogx_fail(-ERANGE, "%s: %s: %llu is outside %llu..%llu", where,
					k->name, u, (unsigned long long)k->min,
					(unsigned long long)k->max);
		memcpy(p, &(uint64_t){ u }, sizeof(uint64_t));
		break;
	case ADDR:
	case ASSET:
	case UPTO_ASSET:
		if (ogx_eth_addr_parse((uint8_t *)p, v))
			return ogx_fail(-EINVAL, "%s: %s: '%s' is not 0x and 40 hex digits", where,
					k->name, v);
		c->settle |= k->kind == ASSET;
		c->settle_upto |= k->kind == UPTO_ASSET;
		break;
	case PK:
		if (strlen(v) != 2 * OGX_PK_LEN || ogx_unhex((uint8_t *)p, OGX_PK_LEN, v))
			return ogx_fail(-EINVAL, "%s: %s: not %d hex digits", where, k->name,
					2 * OGX_PK_LEN);
		c->has_node = true;
		break;
	case MODE:
		if (!strcmp(v, "inbox") || !strcmp(v, "contract"))
			c->contract = v[0] == 'c';
		else
			return ogx_fail(-EINVAL, "%s: %s: '%s' is not inbox or contract", where,
					k->name, v);
		break;
	case L1:
		if (!strcmp(v, "auto"))
			c->l1_fee = OGS_L1_FEE_AUTO;
		else if (!strcmp(v, "on"))
			c->l1_fee = OGS_L1_FEE_ON;
		else if (!strcmp(v, "off"))
			c->l1_fee = OGS_L1_FEE_OFF;
		else
			return ogx_fail(-EINVAL, "%s: %s: '%s' is not auto, on or off", where,
					k->name, v);
		break;
	case REQUIRE:
		if (ogx_require_parse(v, &c->require))
			return ogx_fail(-EINVAL, "%s: %s: %s", where, k->name, ogx_errmsg(-EINVAL));
		break;
	case DA:
		if (!strcmp(v, "calldata"))
			c->da = OGX_DA_CALLDATA;
		else if (!strcmp(v, "root"))
			c->da = OGX_DA_ROOT;
		else
			return ogx_fail(-EINVAL, "%s: %s: '%s' is not calldata or root", where,
					k->name, v);
		break;
	}
	c->set[k - keys] = true;
	return 0;
}

static const struct key *find(const char *name, size_t len)
{
	size_t i, j;

	for (i = 0; i < NKEYS; i++) {
		if (strlen(keys[i].name) != len)
			continue;
		/* Flags spell '_' as '-'. */
		for (j = 0; j < len; j++)
			if (keys[i].name[j] != (name[j] == '-' ? '_' : name[j]))
				break;
		if (j == len)
			return &keys[i];
	}
	return NULL;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int load_file(struct ogs_config *c, const char *path)
{
	char line[2048], where[PATH_MAX + 32], *eq, *name, *val;
	const struct key *k;
	unsigned int lineno = 0;
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return ogx_fail(-errno, "%s: %s", path, strerror(errno));
	while (!err && fgets(line, sizeof(line), f)) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		name = trim(line);
		if (!*name || *name == '#')
			continue;
		eq = strchr(name, '=');
		if (!eq) {
			err = ogx_fail(-EINVAL, "%s: not 'key = value'", where);
			break;
		}
		*eq = '\0';
		val = trim(eq + 1);
		name = trim(name);
		k = find(name, strlen(name));
		if (!k || strchr(name, '-'))
			err = ogx_fail(-EINVAL, "%s: unknown key '%s'", where, name);
		else
			err = set_value(c, k, val, where);
	}
	fclose(f);
	return err;
}

int ogs_config_load(struct ogs_config *c, int argc, char **argv)
{
	const char *path = NULL, *arg, *val, *eq;
	char where[64];
	const struct key *k;
	size_t i;
	int err, a;

	memset(c, 0, sizeof(*c));
	c->confirmations = 3;
	c->batch_records = 512;
	c->batch_bytes = 96 * 1024;
	c->batch_delay_ms = 2000;
	c->bump_after_ms = 60000;
	c->rebroadcast_ms = 15000;
	c->poll_ms = 500;
	c->rpc_timeout_ms = 10000;
	c->max_inflight = 16;
	c->settle_inflight = 256;
	c->da = OGX_DA_CALLDATA;

	for (a = 1; a < argc; a++)
		if (!strcmp(argv[a], "--config") && a + 1 < argc)
			path = argv[a + 1];
		else if (!strncmp(argv[a], "--config=", 9))
			path = argv[a] + 9;
	if (!path && !access(OGS_CONFIG_DEFAULT, F_OK))
		path = OGS_CONFIG_DEFAULT;
	if (path) {
		err = load_file(c, path);
		if (err)
			return err;
	}
	for (a = 1; a < argc; a++) {
		arg = argv[a];
		if (!strcmp(arg, "--once") || !strcmp(arg, "--check")) {
			*(arg[2] == 'o' ? &c->once : &c->check) = true;
			continue;
		}
		if (strncmp(arg, "--", 2))
			return ogx_fail(-EINVAL, "'%s' is not an option", arg);
		arg += 2;
		eq = strchr(arg, '=');
		k = find(arg, eq ? (size_t)(eq - arg) : strlen(arg));
		if (!strncmp(arg, "config", 6) && (arg[6] == '\0' || arg[6] == '=')) {
			a += !eq;
			continue;
		}
		if (!k || strchr(arg, '_'))
			return ogx_fail(-EINVAL, "--%.*s is not an option",
					(int)(eq ? eq - arg : (int)strlen(arg)), arg);
		if (eq) {
			val = eq + 1;
		} else {
			if (a + 1 >= argc)
				return ogx_fail(-EINVAL, "--%s needs a value", arg);
			val = argv[++a];
		}
		snprintf(where, sizeof(where), "--%.*s", (int)(eq ? eq - arg : (int)strlen(arg)),
			 arg);
		err = set_value(c, k, val, where);
		if (err)
			return err;
	}
	for (i = 0; i < NKEYS; i++)
		if (keys[i].required && !c->set[i])
			return ogx_fail(-EINVAL, "config: '%s' is not set (%s)", keys[i].name,
					keys[i].help);
	return 0;
}
