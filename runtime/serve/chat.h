/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text generation on a Llama model's worker (chat.c): up to --streams
 * generations at once, one joint forward step for all of them.
 */
#ifndef OGX_SERVE_CHAT_H
#define OGX_SERVE_CHAT_H

#include <stdint.h>

#include "util/err.h"

struct model;
struct slot;
struct ogx_vk_llama_streams;

/* A Llama model's generation slots (chat.c's; the worker's alone once it runs). */
struct streams {
	struct slot *slot;		/* one per concurrent stream */
	unsigned int n;
	uint32_t prefill_chunk;		/* prompt tokens a stream takes between two steps */
	struct ogx_vk_llama_streams *joint;	/* Vulkan: the joint step's buffers and programs */
};

/*
 * m's --streams slots, on its engine: device sequences when m->vl is set,
 * CPU states with threads each otherwise. Errors with detail.
 */
OGX_MUST_CHECK
int ogx_chat_slots_init(struct model *m, unsigned int n, unsigned int threads);
void ogx_chat_slots_free(struct model *m);
/* A Llama model's worker (ogx_queue_start()'s work; arg: its struct model). */
void ogx_chat_worker(void *model);

#endif
