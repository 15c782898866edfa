/* SPDX-License-Identifier: GPL-2.0 */
/* Classifier jobs (POST /v1/infer), in batches on the model's worker (classify.c). */
#ifndef OGX_SERVE_CLASSIFY_H
#define OGX_SERVE_CLASSIFY_H

/* A classifier model's worker (ogx_queue_start()'s work; arg: its struct model). */
void ogx_classify_worker(void *model);

#endif
