/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small GGUF (version 3) writer: metadata of the common types and tensors,
 * each tensor aligned. The file is written to a temp file beside the target,
 * fsync'd and renamed into place, so that a reader never sees half a model.
 *
 * Calls may be chained without checking each one: the first error sticks in
 * the writer and is returned again by every later call and by the final
 * ogx_gguf_writer_write() / _to_mem(). Tensor data is borrowed, not copied:
 * it must stay valid until the file is written.
 */
#ifndef OGX_MODEL_GGUF_WRITE_H
#define OGX_MODEL_GGUF_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/gguf.h"
#include "util/err.h"

struct ogx_gguf_wtensor {
	char name[OGX_GGUF_MAX_NAME + 1];
	uint32_t type;
	uint32_t n_dims;
	uint64_t ne[OGX_GGUF_MAX_DIMS];
	size_t size;
	const void *data;
};

struct ogx_gguf_writer {
	uint32_t alignment;
	int err;			/* first error, sticky */
	uint64_t n_kv;
	uint8_t *kv;			/* encoded key/values */
	size_t kv_len, kv_cap;
	char **keys;			/* for duplicate checks */
	struct ogx_gguf_wtensor *tensors;
	uint64_t n_tensors;
};

void ogx_gguf_writer_init(struct ogx_gguf_writer *w);
void ogx_gguf_writer_free(struct ogx_gguf_writer *w);

/* Also writes general.alignment (u32); a power of two from 8 to 65536. */
int ogx_gguf_writer_alignment(struct ogx_gguf_writer *w, uint32_t alignment);

/* A scalar of type t; val points to a native value of that type's width. */
int ogx_gguf_writer_kv(struct ogx_gguf_writer *w, const char *key, enum ogx_gguf_vtype t,
		       const void *val);
int ogx_gguf_writer_u32(struct ogx_gguf_writer *w, const char *key, uint32_t v);
int ogx_gguf_writer_i32(struct ogx_gguf_writer *w, const char *key, int32_t v);
int ogx_gguf_writer_u64(struct ogx_gguf_writer *w, const char *key, uint64_t v);
int ogx_gguf_writer_f32(struct ogx_gguf_writer *w, const char *key, float v);
int ogx_gguf_writer_bool(struct ogx_gguf_writer *w, const char *key, bool v);
int ogx_gguf_writer_str(struct ogx_gguf_writer *w, const char *key, const char *s);
/* An array of n scalars of type t, native layout. */
int ogx_gguf_writer_array(struct ogx_gguf_writer *w, const char *key, enum ogx_gguf_vtype t,
			  const void *data, uint64_t n);
int ogx_gguf_writer_strings(struct ogx_gguf_writer *w, const char *key,
			    const char *const *s, uint64_t n);
/* A value already encoded (what follows the type tag), e.g. nested arrays. */
int ogx_gguf_writer_raw(struct ogx_gguf_writer *w, const char *key, enum ogx_gguf_vtype t,
			const void *enc, size_t len);

/* ne in ggml order; unused dimensions need not be given (n_dims of them are read). */
int ogx_gguf_writer_tensor(struct ogx_gguf_writer *w, const char *name, uint32_t type,
			   uint32_t n_dims, const uint64_t *ne, const void *data);

/* Atomically create or replace path (mode applies to a new file). */
OGX_MUST_CHECK
int ogx_gguf_writer_write(struct ogx_gguf_writer *w, const char *path, mode_t mode);

/* The whole file in a malloc'd buffer. */
OGX_MUST_CHECK
int ogx_gguf_writer_to_mem(struct ogx_gguf_writer *w, uint8_t **buf, size_t *len);

#endif
