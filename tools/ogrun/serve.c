// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun serve --listen HOST:PORT --model NAME=REF[,tokenizer=PATH][,price=N] ...
 *             [--config FILE] [x402 and limit options]
 *
 * The node's HTTP server (runtime/serve/serve.h; API in Documentation/serve.md).
 * A config file holds the same options, one "name = value" per line (the
 * option's long name without dashes, '#' comments); options given on the
 * command line after --config override it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/eth_key.h"
#include "ogrun.h"
#include "proof/key.h"
#include "serve/serve.h"
#include "serve/x402_upto.h"
#include "util/home.h"
#include "util/cli.h"
#include "util/err.h"
#include "util/file.h"

enum {
	O_LISTEN = 256, O_MODEL, O_PRICE, O_CONFIG, O_KEY, O_SPOOL, O_STATE, O_QUEUE, O_BATCH,
	O_MAXCONN, O_REQ_TMO, O_IDLE_TMO, O_THREADS, O_MAXBODY, O_NORECORD, O_PAYTO, O_ASSET,
	O_CHAIN, O_NETWORK, O_ASSET_NAME, O_ASSET_VERSION, O_MAX_TIMEOUT, O_STREAMS, O_DEVICE, O_HELP,
	O_UPTO_ASSET, O_UPTO_NAME, O_UPTO_VERSION, O_FACILITATOR, O_PERMIT2, O_UPTO_PROXY,
	O_X_RPC, O_X_MARGIN, O_X_BUDGET, O_X_TTL, O_X_RETRY, O_X_RISK, O_X_THREADS, O_X_SIMULATE,
	O_X_SHARED, O_X_SETTLE_KEY, O_X_SETTLE_TMO,
};

static const struct option opts[] = {
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "model", required_argument, NULL, O_MODEL },
	{ "price", required_argument, NULL, O_PRICE },
	{ "config", required_argument, NULL, O_CONFIG },
	{ "key", required_argument, NULL, O_KEY },
	{ "spool", required_argument, NULL, O_SPOOL },
	{ "state", required_argument, NULL, O_STATE },
	{ "queue", required_argument, NULL, O_QUEUE },
	{ "batch", required_argument, NULL, O_BATCH },
	{ "max-connections", required_argument, NULL, O_MAXCONN },
	{ "request-timeout-ms", required_argument, NULL, O_REQ_TMO },
	{ "idle-timeout-ms", required_argument, NULL, O_IDLE_TMO },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "streams", required_argument, NULL, O_STREAMS },
	{ "device", required_argument, NULL, O_DEVICE },
	{ "max-body", required_argument, NULL, O_MAXBODY },
	{ "no-record", no_argument, NULL, O_NORECORD },
	{ "pay-to", required_argument, NULL, O_PAYTO },
	{ "asset", required_argument, NULL, O_ASSET },
	{ "chain-id", required_argument, NULL, O_CHAIN },
	{ "network", required_argument, NULL, O_NETWORK },
	{ "asset-name", required_argument, NULL, O_ASSET_NAME },
	{ "asset-version", required_argument, NULL, O_ASSET_VERSION },
	{ "max-timeout", required_argument, NULL, O_MAX_TIMEOUT },
	{ "upto-asset", required_argument, NULL, O_UPTO_ASSET },
	{ "upto-asset-name", required_argument, NULL, O_UPTO_NAME },
	{ "upto-asset-version", required_argument, NULL, O_UPTO_VERSION },
	{ "facilitator", required_argument, NULL, O_FACILITATOR },
	{ "permit2", required_argument, NULL, O_PERMIT2 },
	{ "upto-proxy", required_argument, NULL, O_UPTO_PROXY },
	{ "x402-rpc", required_argument, NULL, O_X_RPC },
	{ "x402-settle-margin", required_argument, NULL, O_X_MARGIN },
	{ "x402-rpc-budget-ms", required_argument, NULL, O_X_BUDGET },
	{ "x402-payer-ttl-ms", required_argument, NULL, O_X_TTL },
	{ "x402-retry-after", required_argument, NULL, O_X_RETRY },
	{ "x402-at-risk-cap", required_argument, NULL, O_X_RISK },
	{ "x402-rpc-threads", required_argument, NULL, O_X_THREADS },
	{ "x402-simulate", no_argument, NULL, O_X_SIMULATE },
	{ "x402-shared-nonces", required_argument, NULL, O_X_SHARED },
	{ "x402-settle-key", required_argument, NULL, O_X_SETTLE_KEY },
	{ "x402-settle-timeout", required_argument, NULL, O_X_SETTLE_TMO },
	{ "help", no_argument, NULL, O_HELP },
	{ 0 }
};

static int usage(FILE *f)
{
	fprintf(f,
		"Usage: %s serve --model NAME=REF[,tokenizer=PATH][,price=N][,token_price=N] ...\n"
		"        [options]\n"
		"  --listen HOST:PORT    IPv4 address and port (default 127.0.0.1:8402; port 0: any)\n"
		"  --model NAME=REF      serve model REF (store name, id or path) as NAME: an MLP\n"
		"                        classifier GGUF (/v1/infer) or a llama2.c checkpoint\n"
		"                        (/v1/chat/completions, /v1/completions)\n"
		"  --price NAME=AMOUNT   x402 price per request, in the asset's smallest unit\n"
		"  --pay-to ADDR --asset ADDR --chain-id N --network NAME\n"
		"  --asset-name NAME --asset-version V   the token's EIP-712 domain (USDC: \"USDC\", \"2\")\n"
		"  --max-timeout S       longest payment validity window accepted (default 3600)\n"
		"  token_price=N         x402 v2 upto (Permit2) price per generated token, in\n"
		"                        the upto asset's smallest unit; needs:\n"
		"  --upto-asset ADDR --facilitator ADDR   the token (e.g. OPG) and the account\n"
		"                        that settles (ogsubmit's key)\n"
		"  --upto-asset-name NAME --upto-asset-version V   its EIP-712 domain (OPG, 1)\n"
		"  --permit2 ADDR --upto-proxy ADDR   (default: the canonical addresses)\n"
		"  --x402-settle-margin S  validBefore at least S ahead, for settlement (default 60)\n"
		"  --x402-rpc URL        check payments on chain before answering (balance covers\n"
		"                        it and the payer's unsettled payments, nonce unused)\n"
		"  --x402-rpc-budget-ms N  a new payer's check waits at most N ms (default 2000)\n"
		"  --x402-payer-ttl-ms N   a payer's balance is cached N ms (default 5000)\n"
		"  --x402-retry-after S  RPC down: 503 with Retry-After S (default 5)\n"
		"  --x402-at-risk-cap N  RPC down: serve a payer unchecked up to N (default 0: 503)\n"
		"  --x402-rpc-threads N  checks at once (default 2)\n"
		"  --x402-simulate       also eth_call each transferWithAuthorization (an RPC each)\n"
		"  --x402-shared-nonces PATH  claim each nonce in PATH, shared by the nodes of one\n"
		"                        pay-to address (flock): one header, one answer\n"
		"  --model ...,settle=before  the answer waits for the transfer mined (needs\n"
		"                        --x402-rpc and --x402-settle-key FILE, an Ethereum key\n"
		"                        that pays the gas; --x402-settle-timeout S, default 60)\n"
		"  --config FILE         options as \"name = value\" lines\n"
		"  --key FILE --spool DIR --state DIR   node key, proof spool, x402 nonce log\n"
		"                        (defaults under $OGX_HOME)\n"
		"  --queue N             jobs waiting per model before 429 (default 256)\n"
		"  --batch N             classifier jobs per batch and fdatasync (default 64)\n"
		"  --max-connections N   (default 4096)\n"
		"  --request-timeout-ms N, --idle-timeout-ms N   (defaults 10000, 60000)\n"
		"  --threads N           CPU threads per Llama forward step (default 1; CPU engine)\n"
		"  --streams N           generations a Llama model runs at once (default 8)\n"
		"  --device N|cpu        Vulkan device N for int8 classifiers and Llama models, or\n"
		"                        the CPU (default: a GPU when there is one, else the CPU;\n"
		"                        $OGX_VK_DEVICE)\n"
		"  --max-body BYTES      (default 1048576)\n"
		"  --no-record           answer without proof records: benchmarks only\n", prog);
	return f == stdout ? 0 : 2;
}

static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *s == '-' || *end || errno || v < min || v > max) {
		fprintf(stderr, "%s: serve: --%s: '%s' is not a number from %llu to %llu\n", prog,
			opt, s, (unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static struct ogx_serve_model *find(struct ogx_serve_config *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->n_models; i++)
		if (strlen(c->models[i].name) == len && !strncmp(c->models[i].name, name, len))
			return &c->models[i];
	return NULL;
}

static int add_model(struct ogx_serve_config *c, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char ref[PATH_MAX], *opt, *save;
	struct ogx_serve_model *m;
	size_t nl = eq ? (size_t)(eq - arg) : 0;

	if (!eq || !nl || nl >= OGX_SERVE_NAME_MAX || strspn(arg, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") < nl) {
		fprintf(stderr, "%s: serve: --model: want NAME=REF with NAME of [A-Za-z0-9._-], "
			"got '%s'\n", prog, arg);
		return -EINVAL;
	}
	if (find(c, arg, nl) || c->n_models == OGX_SERVE_MAX_MODELS) {
		fprintf(stderr, "%s: serve: --model: '%.*s' given twice, or more than %d models\n",
			prog, (int)nl, arg, OGX_SERVE_MAX_MODELS);
		return -EINVAL;
	}
	m = &c->models[c->n_models];
	memcpy(m->name, arg, nl);
	snprintf(ref, sizeof(ref), "%s", eq + 1);
	opt = strchr(ref, ',');
	if (opt)
		*opt++ = 0;
	for (char *o = opt ? strtok_r(opt, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (!strncmp(o, "tokenizer=", 10)) {
			snprintf(m->tokenizer, sizeof(m->tokenizer), "%s", o + 10);
		} else if (!strcmp(o, "settle=before") || !strcmp(o, "settle=after")) {
			m->settle_before = !strcmp(o, "settle=before");
		} else if (!strncmp(o, "price=", 6)) {
			if (parse_u64("model price", o + 6, 0, UINT64_MAX, &v))
				return -EINVAL;
			m->price = v;
		} else if (!strncmp(o, "token_price=", 12)) {
			if (parse_u64("model token_price", o + 12, 0, UINT64_MAX, &v))
				return -EINVAL;
			m->token_price = v;
		} else {
			fprintf(stderr, "%s: serve: --model: unknown option '%s'\n", prog, o);
			return -EINVAL;
		}
	}
	if (model_resolve(ref, m->path, sizeof(m->path), NULL))
		return -ENOENT;
	c->n_models++;
	return 0;
}

static int set_price(struct ogx_serve_config *c, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct ogx_serve_model *m = eq ? find(c, arg, (size_t)(eq - arg)) : NULL;
	uint64_t v;

	if (!m) {
		fprintf(stderr, "%s: serve: --price: want NAME=AMOUNT for a model given before it, "
			"got '%s'\n", prog, arg);
		return -EINVAL;
	}
	if (parse_u64("price", eq + 1, 0, UINT64_MAX, &v))
		return -EINVAL;
	m->price = v;
	return 0;
}

static int parse_config(struct ogx_serve_config *c, const char *path);

static int apply(struct ogx_serve_config *c, int opt, const char *name, const char *arg)
{
	uint64_t v;
	int err;

	switch (opt) {
	case O_LISTEN: {
		const char *colon = strrchr(arg, ':');

		if (!colon || (size_t)(colon - arg) >= sizeof(c->host) ||
		    parse_u64("listen port", colon + 1, 0, 65535, &v))
			goto bad;
		snprintf(c->host, sizeof(c->host), "%.*s", (int)(colon - arg), arg);
		c->port = (uint16_t)v;
		return 0;
	}
	case O_MODEL: return add_model(c, arg);
	case O_PRICE: return set_price(c, arg);
	case O_CONFIG: return parse_config(c, arg);
	case O_KEY: snprintf(c->key, sizeof(c->key), "%s", arg); return 0;
	case O_SPOOL: snprintf(c->spool, sizeof(c->spool), "%s", arg); return 0;
	case O_STATE: snprintf(c->state, sizeof(c->state), "%s", arg); return 0;
	case O_QUEUE: err = parse_u64(name, arg, 1, 1u << 20, &v); c->queue_max = v; return err;
	case O_BATCH: err = parse_u64(name, arg, 1, 4096, &v); c->batch_max = v; return err;
	case O_MAXCONN: err = parse_u64(name, arg, 1, 1u << 20, &v); c->max_conns = v; return err;
	case O_REQ_TMO: err = parse_u64(name, arg, 1, 3600000, &v); c->request_timeout_ms = v;
		return err;
	case O_IDLE_TMO: err = parse_u64(name, arg, 1, 3600000, &v); c->idle_timeout_ms = v;
		return err;
	case O_THREADS: err = parse_u64(name, arg, 1, 256, &v); c->threads = v; return err;
	case O_STREAMS: err = parse_u64(name, arg, 1, 256, &v); c->streams = v; return err;
	case O_DEVICE: {
		static char dev[32];

		snprintf(dev, sizeof(dev), "%s", arg);
		c->device = dev;
		return 0;
	}
	case O_MAXBODY: err = parse_u64(name, arg, 1024, 1u << 30, &v); c->max_body = v;
		return err;
	case O_NORECORD: c->no_record = true; return 0;
	case O_PAYTO:
		if (ogx_eth_addr_parse(c->x402.pay_to, arg))
			goto bad;
		return 0;
	case O_ASSET:
		if (ogx_eth_addr_parse(c->x402.asset, arg))
			goto bad;
		return 0;
	case O_CHAIN: return parse_u64(name, arg, 1, UINT64_MAX, &c->x402.chain_id);
	case O_NETWORK: snprintf(c->x402.network, sizeof(c->x402.network), "%s", arg); return 0;
	case O_ASSET_NAME: snprintf(c->x402.asset_name, sizeof(c->x402.asset_name), "%s", arg);
		return 0;
	case O_ASSET_VERSION:
		snprintf(c->x402.asset_version, sizeof(c->x402.asset_version), "%s", arg);
		return 0;
	case O_MAX_TIMEOUT: err = parse_u64(name, arg, 1, 86400 * 7, &v);
		c->x402.max_timeout_s = v; return err;
	case O_UPTO_ASSET:
		if (ogx_eth_addr_parse(c->upto.asset, arg))
			goto bad;
		return 0;
	case O_UPTO_NAME: snprintf(c->upto.asset_name, sizeof(c->upto.asset_name), "%s", arg);
		return 0;
	case O_UPTO_VERSION:
		snprintf(c->upto.asset_version, sizeof(c->upto.asset_version), "%s", arg);
		return 0;
	case O_FACILITATOR:
		if (ogx_eth_addr_parse(c->upto.facilitator, arg))
			goto bad;
		return 0;
	case O_PERMIT2:
		if (ogx_eth_addr_parse(c->upto.permit2, arg))
			goto bad;
		return 0;
	case O_UPTO_PROXY:
		if (ogx_eth_addr_parse(c->upto.proxy, arg))
			goto bad;
		return 0;
	case O_X_RPC:
		if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
			goto bad;
		if (strlen(arg) >= sizeof(c->x402.rpc))
			goto bad;
		snprintf(c->x402.rpc, sizeof(c->x402.rpc), "%s", arg);
		return 0;
	case O_X_MARGIN: err = parse_u64(name, arg, 0, 86400, &v);
		c->x402.settle_margin_s = v; return err;
	case O_X_BUDGET: err = parse_u64(name, arg, 10, 600000, &v);
		c->x402.rpc_budget_ms = v; return err;
	case O_X_TTL: err = parse_u64(name, arg, 0, 3600000, &v);
		c->x402.payer_ttl_ms = v; return err;
	case O_X_RETRY: err = parse_u64(name, arg, 1, 3600, &v);
		c->x402.retry_after_s = v; return err;
	case O_X_RISK: return parse_u64(name, arg, 0, UINT64_MAX, &c->x402.at_risk_cap);
	case O_X_THREADS: err = parse_u64(name, arg, 1, 64, &v);
		c->x402.rpc_threads = v; return err;
	case O_X_SIMULATE: c->x402.simulate = true; return 0;
	case O_X_SETTLE_KEY:
		if (strlen(arg) >= sizeof(c->x402.settle_key))
			goto bad;
		snprintf(c->x402.settle_key, sizeof(c->x402.settle_key), "%s", arg);
		return 0;
	case O_X_SETTLE_TMO: err = parse_u64(name, arg, 1, 3600, &v);
		c->x402.settle_timeout_s = v; return err;
	case O_X_SHARED:
		if (strlen(arg) >= sizeof(c->x402.shared_nonces))
			goto bad;
		snprintf(c->x402.shared_nonces, sizeof(c->x402.shared_nonces), "%s", arg);
		return 0;
	}
bad:
	fprintf(stderr, "%s: serve: --%s: bad value '%s'\n", prog, name, arg);
	return -EINVAL;
}

static int parse_config(struct ogx_serve_config *c, const char *path)
{
	uint8_t *data;
	size_t len;
	char *line, *save;
	int err = ogx_read_file(path, 1 << 20, &data, &len), lineno = 0;

	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, ogx_errmsg(err));
		return err;
	}
	data[len ? len - 1 : 0] = len && data[len - 1] == '\n' ? 0 : data[len ? len - 1 : 0];
	for (line = strtok_r((char *)data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *k = line, *eq, *v, *end;
		const struct option *o;

		lineno++;
		k += strspn(k, " \t");
		if (!*k || *k == '#')
			continue;
		eq = strchr(k, '=');
		end = eq ? eq : k + strlen(k);
		while (end > k && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = 0;
		v = eq ? eq + 1 + strspn(eq + 1, " \t") : NULL;
		for (end = v ? v + strlen(v) : NULL; end && end > v && (end[-1] == ' ' ||
		     end[-1] == '\t' || end[-1] == '\r'); end--)
			end[-1] = 0;
		for (o = opts; o->name; o++)
			if (!strcmp(o->name, k) && o->val != O_HELP && o->val != O_CONFIG)
				break;
		if (!o->name || (o->has_arg == required_argument) != (v != NULL)) {
			fprintf(stderr, "%s: %s:%d: '%s' is not an option of ogrun serve%s\n", prog,
				path, lineno, k, o->name ? " in this form" : "");
			free(data);
			return -EINVAL;
		}
		err = apply(c, o->val, o->name, v);
		if (err) {
			free(data);
			return err;
		}
	}
	free(data);
	return 0;
}

/* Options and the config file into c; OGX_ARGS_OK, or the exit status. */
static int parse_serve_args(int argc, char **argv, struct ogx_serve_config *c)
{
	int opt, idx;

	while ((opt = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		if (opt == 'h' || opt == O_HELP)
			return usage(stdout);
		if (opt == '?')
			return usage(stderr);
		if (apply(c, opt, opts[idx].name, optarg))
			return 2;
	}
	if (optind != argc || !c->n_models) {
		fprintf(stderr, "%s: serve: at least one --model NAME=REF is needed\n", prog);
		return usage(stderr);
	}
	return OGX_ARGS_OK;
}

/* Whether any model has a price per request; c->upto.enabled: any a price per token. */
static bool priced_models(struct ogx_serve_config *c)
{
	bool priced = false;

	for (size_t i = 0; i < c->n_models; i++) {
		priced |= c->models[i].price > 0;
		c->upto.enabled |= c->models[i].token_price > 0;
	}
	return priced;
}

/* The payee, chain and assets a price (priced) or a token price needs. */
static int check_payee(const struct ogx_serve_config *c, bool priced)
{
	static const uint8_t zero[20];

	if (priced && (!memcmp(c->x402.pay_to, zero, 20) || !memcmp(c->x402.asset, zero, 20) ||
		       !c->x402.chain_id || !c->x402.network[0])) {
		fprintf(stderr, "%s: serve: a price needs --pay-to, --asset, --chain-id and "
			"--network\n", prog);
		return -EINVAL;
	}
	if (c->upto.enabled && (!memcmp(c->x402.pay_to, zero, 20) || !c->x402.chain_id ||
				!memcmp(c->upto.asset, zero, 20) ||
				!memcmp(c->upto.facilitator, zero, 20))) {
		fprintf(stderr, "%s: serve: a token_price needs --pay-to, --chain-id, "
			"--upto-asset and --facilitator\n", prog);
		return -EINVAL;
	}
	return 0;
}

/*
 * A price on any model turns x402 on, which needs the payee and the asset,
 * proof records, a settling key for settle=before, and a validity window.
 */
static int check_x402(struct ogx_serve_config *c)
{
	bool priced = priced_models(c);
	int err;

	if (!priced && !c->upto.enabled)
		return 0;
	err = check_payee(c, priced);
	if (err)
		return err;
	if (c->no_record) {
		fprintf(stderr, "%s: serve: a price needs proof records (ogsubmit settles "
			"payments from them): drop --no-record\n", prog);
		return -EINVAL;
	}
	for (size_t i = 0; i < c->n_models; i++) {
		if (!c->models[i].settle_before || !c->models[i].price ||
		    (c->x402.rpc[0] && c->x402.settle_key[0]))
			continue;
		fprintf(stderr, "%s: serve: --model %s: settle=before needs --x402-rpc and "
			"--x402-settle-key\n", prog, c->models[i].name);
		return -EINVAL;
	}
	if (c->x402.settle_margin_s >= c->x402.max_timeout_s) {
		fprintf(stderr, "%s: serve: --x402-settle-margin %u leaves no validity window "
			"under --max-timeout %u\n", prog, c->x402.settle_margin_s,
			c->x402.max_timeout_s);
		return -EINVAL;
	}
	c->x402.enabled = true;
	return 0;
}

/* buf, when no option gave it, gets $OGX_HOME/leaf. */
static int default_path(char *buf, size_t size, const char *leaf)
{
	return buf[0] ? 0 : ogx_default_path(buf, size, leaf);
}

static int run_serve(struct ogx_serve_config *c)
{
	int err;

	err = default_path(c->key, sizeof(c->key), "node.key");
	if (err)
		goto fail;
	err = default_path(c->spool, sizeof(c->spool), "spool");
	if (err)
		goto fail;
	err = default_path(c->state, sizeof(c->state), "serve");
	if (err)
		goto fail;
	if (key_missing(c->key))
		return 1;
	err = ogx_serve(c);
	if (err)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "%s: serve: %s\n", prog, ogx_errmsg(err));
	return 1;
}

int serve_main(int argc, char **argv)
{
	struct ogx_serve_config *c = malloc(sizeof(*c));
	int rc;

	if (!c)
		return 1;
	ogx_serve_config_init(c);
	snprintf(c->x402.asset_version, sizeof(c->x402.asset_version), "2");
	snprintf(c->x402.asset_name, sizeof(c->x402.asset_name), "USDC");
	ogx_x402_upto_config_init(&c->upto);
	snprintf(c->upto.asset_name, sizeof(c->upto.asset_name), "OPG");
	snprintf(c->upto.asset_version, sizeof(c->upto.asset_version), "1");
	rc = parse_serve_args(argc, argv, c);
	if (rc == OGX_ARGS_OK)
		rc = check_x402(c) ? 2 : run_serve(c);
	free(c);
	return rc;
}
