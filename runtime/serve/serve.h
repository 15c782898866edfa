/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node server: an HTTP/1.1 front on one io_uring loop, per-model job
 * queues served by worker threads, a signed proof record per answered job
 * (group-committed: one fdatasync per batch, the answer sent only once its
 * record is durable), and optional x402 payments. Documentation/serve.md has
 * the API; tools/ogrun/serve.c is the command line.
 *
 *	struct ogx_serve_config cfg;
 *	ogx_serve_config_init(&cfg);  ... fill in ...
 *	ogx_serve(&cfg);   // until SIGTERM or SIGINT
 */
#ifndef OGX_SERVE_SERVE_H
#define OGX_SERVE_SERVE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define OGX_SERVE_MAX_MODELS 16
#define OGX_SERVE_NAME_MAX 64

struct ogx_serve_model {
	char name[OGX_SERVE_NAME_MAX];
	char path[PATH_MAX];		/* resolved model file */
	char tokenizer[PATH_MAX];	/* Llama models: tokenizer.bin ("" = beside the model) */
	uint64_t price;			/* x402, in the asset's smallest unit; 0 = free */
	uint64_t token_price;		/* x402 upto (generation): per completion token, in
					   the upto asset's smallest unit; 0 = not offered */
	bool settle_before;		/* settle=before: the answer waits for the transfer mined */
};

struct ogx_x402_config {
	bool enabled;			/* some model has a price */
	uint8_t pay_to[20];
	uint8_t asset[20];		/* the EIP-3009 token contract (verifyingContract) */
	uint64_t chain_id;
	char network[64];		/* x402 v1 network name, e.g. "base-sepolia" */
	char asset_name[64];		/* EIP-712 domain name, e.g. "USDC" */
	char asset_version[16];		/* EIP-712 domain version, e.g. "2" */
	uint32_t max_timeout_s;		/* longest validity window accepted */
	uint32_t settle_margin_s;	/* validBefore at least this far ahead */
	/* checks on chain before an answer (x402_chain.c); none without rpc */
	char rpc[256];			/* JSON-RPC URL of the asset's chain, or "" */
	uint32_t rpc_budget_ms;		/* a new payer's check waits at most this */
	uint32_t payer_ttl_ms;		/* a payer's balance is read again after this */
	uint32_t retry_after_s;		/* RPC down: 503 with this Retry-After */
	uint64_t at_risk_cap;		/* RPC down: serve a payer up to this, unchecked */
	unsigned int rpc_threads;	/* RPC clients checking at once */
	bool simulate;			/* eth_call transferWithAuthorization per payment */
	char shared_nonces[PATH_MAX];	/* nonces claimed with other nodes (x402_shared.h), or "" */
	char settle_key[PATH_MAX];	/* settle=before: the account that sends the transfers */
	uint32_t settle_timeout_s;	/* settle=before: mined within this, or refused */
};

/* x402 v2 `upto` through Permit2 (serve/x402_upto.h); pay_to, chain id: ogx_x402_config's. */
struct ogx_x402_upto_config {
	bool enabled;			/* some model has a token_price */
	uint8_t asset[20];		/* the token paid through Permit2 (e.g. OPG) */
	char asset_name[64];		/* its EIP-712 name and version, for extra */
	char asset_version[16];
	uint8_t facilitator[20];	/* ogsubmit's account: witness.facilitator */
	uint8_t permit2[20];		/* default OGX_PERMIT2_ADDRESS */
	uint8_t proxy[20];		/* default OGX_X402_UPTO_PROXY_ADDRESS */
};

struct ogx_serve_config {
	char host[64];
	uint16_t port;			/* 0: any free port (printed) */
	struct ogx_serve_model models[OGX_SERVE_MAX_MODELS];
	size_t n_models;
	char key[PATH_MAX];		/* node key */
	char spool[PATH_MAX];
	char state[PATH_MAX];		/* x402 nonce log lives here */
	unsigned int queue_max;		/* jobs waiting per model before 429 */
	unsigned int batch_max;		/* classifier jobs per batch (one fdatasync) */
	unsigned int max_conns;
	unsigned int request_timeout_ms; /* a started request must complete within */
	unsigned int idle_timeout_ms;	/* keep-alive connection with no request */
	unsigned int threads;		/* CPU threads for a Llama forward step */
	unsigned int streams;		/* generations a Llama model runs at once */
	const char *device;		/* Vulkan device (int8 classifiers, Llama): "N", "cpu", NULL: auto */
	size_t max_body;
	bool no_record;			/* benchmarks only: answer without proof records */
	struct ogx_x402_config x402;
	struct ogx_x402_upto_config upto;
};

void ogx_serve_config_init(struct ogx_serve_config *c);

/*
 * Load the models, open the signer, listen, print "listening on HOST:PORT",
 * tell systemd READY=1, serve until SIGTERM/SIGINT. Errors with detail.
 */
OGX_MUST_CHECK
int ogx_serve(const struct ogx_serve_config *cfg);

#endif
