/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The server as its parts share it (server.c puts it together). Each part
 * owns its sub-struct, defined in its own header: the loop (loop.h: ring,
 * sockets, connections), the mailbox from the workers (mailbox.h), the
 * group commit (commit.h), the signer (prove.h), the module (kcall.h), x402
 * (x402.h), the record index (records.h); each model its queue (queue.h)
 * and, for a Llama model, its streams (chat.h). Who may touch what: the
 * sub-struct's comments; the loop thread alone, unless a lock says more.
 */
#ifndef OGX_SERVE_SERVER_H
#define OGX_SERVE_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/llama2c.h"
#include "model/llama_gguf.h"
#include "model/mlp.h"
#include "model/tokenizer.h"
#include "proof/record.h"
#include "serve/chat.h"
#include "serve/commit.h"
#include "serve/job.h"
#include "serve/kcall.h"
#include "serve/loop.h"
#include "serve/mailbox.h"
#include "serve/prove.h"
#include "serve/queue.h"
#include "serve/records.h"
#include "serve/serve.h"
#include "serve/x402.h"
#include "serve/x402_chain.h"
#include "util/digest.h"
#include "vk/device.h"
#include "vk/llama.h"
#include "vk/mlp.h"

#define HTTP_STATUS_MAX 600

enum model_kind { MODEL_MLP, MODEL_LLAMA };

/* A served model: loaded at start, then its worker's, but for the queue and counters. */
struct model {
	struct srv *srv;
	const struct ogx_serve_model *cfg;
	enum model_kind kind;
	uint8_t digest[OGX_DIGEST_LEN];
	char digest_hex[2 * OGX_DIGEST_LEN + 1];
	struct ogx_device device;	/* what runs it, for its records */
	/* a classifier */
	struct ogx_mlp mlp;
	struct ogx_vk_mlp *vm;		/* int8 on the Vulkan engine, or NULL: CPU */
	/* a Llama model */
	struct ogx_llama2c ck;		/* llama2.c checkpoint, */
	struct ogx_llama_gguf gg;	/* or GGUF (gg.g set) */
	const struct ogx_llama_weights *w;	/* the one loaded */
	struct ogx_tokenizer tok;
	uint8_t tok_digest[OGX_DIGEST_LEN];
	struct ogx_vk_llama *vl;	/* its weights on the Vulkan engine, or NULL: CPU */
	struct streams streams;		/* chat.c */
	bool loaded_llama;
	struct queue q;			/* its jobs, and its worker */
	atomic_uint_fast64_t jobs, batches, rejected;
};

/* /metrics: the loop's own counters, no lock; the workers' are atomics. */
struct stats {
	unsigned int conns;
	uint64_t accepted, refused_conns, recv_nobufs, statuses[HTTP_STATUS_MAX];
	atomic_uint_fast64_t records, commits, cancelled;
};

struct srv {
	const struct ogx_serve_config *cfg;
	struct loop loop;
	struct mailbox mb;
	struct commit cm;
	struct prover pv;
	struct tee tee;
	struct x402_state x402;
	struct x402_chain x402c;	/* checks on chain: RPC threads, refusals, latency */
	struct records_index ri;
	struct model models[OGX_SERVE_MAX_MODELS];
	size_t n_models;
	struct ogx_device device;	/* the CPU */
	struct ogx_vk *vk;		/* the Vulkan device, when one is used */
	pthread_mutex_t vk_lock;	/* its queue is shared by the models' workers */
	struct stats st;
	uint64_t started_ns;
};

#endif
