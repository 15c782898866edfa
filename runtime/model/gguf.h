/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GGUF reader (versions 2 and 3): the model file format of ggml/llama.cpp.
 *
 * The file is mapped read-only and parsed once: header, every metadata
 * key/value, every tensor info, the data section. Everything that comes from
 * the file -- counts, string lengths, dimensions, offsets, sizes -- is bounds-
 * and overflow-checked before it is used, so that a hostile file yields a
 * one-line error (-EBADMSG, or -ENOTSUP for a well-formed file we cannot use)
 * and never a crash. After a successful open, every tensor lies inside the
 * file, is aligned to general.alignment and overlaps no other tensor, and its
 * data pointer may be read directly for ogx_gguf_tensor.size bytes.
 *
 * Multi-byte values inside metadata are little-endian and unaligned: read
 * them with the getters below. Tensor data is aligned (at least 8 bytes).
 */
#ifndef OGX_MODEL_GGUF_H
#define OGX_MODEL_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define OGX_GGUF_MAGIC "GGUF"
#define OGX_GGUF_MAX_DIMS 4
#define OGX_GGUF_MAX_NAME 64		/* tensor name bytes, as in the GGUF spec */
#define OGX_GGUF_MAX_KEY 65535		/* metadata key bytes, as in the GGUF spec */
#define OGX_GGUF_DEFAULT_ALIGNMENT 32
#define OGX_GGUF_MAX_ALIGNMENT 65536
#define OGX_GGUF_MAX_NESTING 8		/* arrays of arrays of ... */

/* Metadata value types (GGUF spec numbering). */
enum ogx_gguf_vtype {
	OGX_GGUF_U8 = 0,
	OGX_GGUF_I8 = 1,
	OGX_GGUF_U16 = 2,
	OGX_GGUF_I16 = 3,
	OGX_GGUF_U32 = 4,
	OGX_GGUF_I32 = 5,
	OGX_GGUF_F32 = 6,
	OGX_GGUF_BOOL = 7,
	OGX_GGUF_STRING = 8,
	OGX_GGUF_ARRAY = 9,
	OGX_GGUF_U64 = 10,
	OGX_GGUF_I64 = 11,
	OGX_GGUF_F64 = 12,
	OGX_GGUF_VTYPE_COUNT
};

/* "u32", "array", ...; "?" for a number that is no type. */
const char *ogx_gguf_vtype_name(enum ogx_gguf_vtype t);

/* Tensor types (ggml numbering); only these are accepted. */
enum ogx_ggml_type {
	OGX_GGML_F32 = 0,
	OGX_GGML_F16 = 1,
	OGX_GGML_Q4_0 = 2,
	OGX_GGML_Q8_0 = 8,
	OGX_GGML_I8 = 24,
	OGX_GGML_I16 = 25,
	OGX_GGML_I32 = 26,
};

/* ggml block layouts: 32 weights share one f16 scale. */
#define OGX_QK 32
struct ogx_block_q8_0 {
	uint16_t d;			/* f16 scale */
	int8_t qs[OGX_QK];		/* x = qs * d */
};
struct ogx_block_q4_0 {
	uint16_t d;			/* f16 scale */
	uint8_t qs[OGX_QK / 2];		/* x[j] = (lo nibble - 8) * d, x[j + 16] = (hi - 8) * d */
};
_Static_assert(sizeof(struct ogx_block_q8_0) == 34, "ggml block_q8_0 layout");
_Static_assert(sizeof(struct ogx_block_q4_0) == 18, "ggml block_q4_0 layout");

/* A metadata value: a view into the mapped file. */
struct ogx_gguf_value {
	enum ogx_gguf_vtype type;
	enum ogx_gguf_vtype elem_type;	/* arrays */
	uint64_t n;			/* arrays: elements; strings: bytes */
	const uint8_t *p;		/* scalar bytes, string bytes, or first array element */
	size_t size;			/* encoded bytes of the whole value, after its type tag */
	const size_t *elem_off;		/* arrays of strings/arrays: element i is at p + elem_off[i] */
};

struct ogx_gguf_kv {
	char *key;			/* NUL-terminated copy */
	struct ogx_gguf_value v;
};

struct ogx_gguf_tensor {
	char name[OGX_GGUF_MAX_NAME + 1];
	enum ogx_ggml_type type;
	uint32_t n_dims;
	uint64_t ne[OGX_GGUF_MAX_DIMS];	/* ggml order: ne[0] is the contiguous dimension; unused = 1 */
	uint64_t n_elements;
	uint64_t offset;		/* from the start of the data section */
	size_t size;			/* bytes */
	const void *data;
};

struct ogx_gguf {
	uint32_t version;
	uint32_t alignment;
	uint64_t n_kv;
	uint64_t n_tensors;
	struct ogx_gguf_kv *kv;		/* file order */
	struct ogx_gguf_tensor *tensors;	/* file order */
	const uint8_t *base;
	size_t file_size;
	size_t data_offset;		/* start of the data section in the file */
	/* private */
	uint32_t *kv_sorted;		/* indices sorted by key, for lookup */
	uint32_t *tensor_sorted;	/* indices sorted by name */
	bool mapped;
};

/* Map and parse path. On error *out is untouched and ogx_errmsg() says why. */
OGX_MUST_CHECK
int ogx_gguf_open(const char *path, struct ogx_gguf **out);

/* Parse a file image in memory; data is borrowed and must outlive the result. */
OGX_MUST_CHECK
int ogx_gguf_open_mem(const void *data, size_t size, struct ogx_gguf **out);

void ogx_gguf_close(struct ogx_gguf *g);

/* Metadata. The getters return -ENOENT when the key is absent and -EINVAL
 * when its type does not fit, each with a detail for ogx_errmsg(). Integer
 * getters accept any integer type whose value fits; f32 accepts f32 and f64. */
const struct ogx_gguf_kv *ogx_gguf_find_kv(const struct ogx_gguf *g, const char *key);
OGX_MUST_CHECK
int ogx_gguf_get_u32(const struct ogx_gguf *g, const char *key, uint32_t *out);
OGX_MUST_CHECK
int ogx_gguf_get_i32(const struct ogx_gguf *g, const char *key, int32_t *out);
OGX_MUST_CHECK
int ogx_gguf_get_u64(const struct ogx_gguf *g, const char *key, uint64_t *out);
OGX_MUST_CHECK
int ogx_gguf_get_f32(const struct ogx_gguf *g, const char *key, float *out);
OGX_MUST_CHECK
int ogx_gguf_get_bool(const struct ogx_gguf *g, const char *key, bool *out);
/* The string is not NUL-terminated: use len. */
OGX_MUST_CHECK
int ogx_gguf_get_str(const struct ogx_gguf *g, const char *key, const char **s, size_t *len);
/* Copies the string NUL-terminated into buf; -ENAMETOOLONG when it does not fit. */
OGX_MUST_CHECK
int ogx_gguf_get_strz(const struct ogx_gguf *g, const char *key, char *buf, size_t size);
OGX_MUST_CHECK
int ogx_gguf_get_array(const struct ogx_gguf *g, const char *key, struct ogx_gguf_value *arr);

/* Element i of an array (i < arr->n); -ERANGE otherwise. */
OGX_MUST_CHECK
int ogx_gguf_array_elem(const struct ogx_gguf_value *arr, uint64_t i, struct ogx_gguf_value *out);

/* Scalar conversions of a value; -EINVAL when the type or value does not fit. */
OGX_MUST_CHECK
int ogx_gguf_value_u64(const struct ogx_gguf_value *v, uint64_t *out);
OGX_MUST_CHECK
int ogx_gguf_value_i64(const struct ogx_gguf_value *v, int64_t *out);
OGX_MUST_CHECK
int ogx_gguf_value_f64(const struct ogx_gguf_value *v, double *out);

/* Tensors. */
const struct ogx_gguf_tensor *ogx_gguf_find_tensor(const struct ogx_gguf *g, const char *name);

/* Type traits; 0 for a type the reader does not accept. */
const char *ogx_ggml_type_name(uint32_t type);
uint32_t ogx_ggml_block_elems(uint32_t type);
uint32_t ogx_ggml_block_bytes(uint32_t type);

/* Bytes of n elements of type (n a multiple of the block); -EINVAL/-EOVERFLOW. */
OGX_MUST_CHECK
int ogx_ggml_bytes(uint32_t type, uint64_t n, size_t *bytes);

/* IEEE half <-> single, round to nearest even (as ggml's reference). */
float ogx_f16_to_f32(uint16_t h);
uint16_t ogx_f32_to_f16(float f);

/*
 * Convert n elements of F32, F16, Q8_0 or Q4_0 (n a multiple of the block) at
 * src to floats. -EINVAL for a type that is not a float or quantized float.
 */
OGX_MUST_CHECK
int ogx_dequant_row(uint32_t type, const void *src, float *dst, uint64_t n);

/* ggml's reference quantization of n floats (a multiple of 32) to Q8_0 or Q4_0. */
OGX_MUST_CHECK
int ogx_quant_row(uint32_t type, const float *src, void *dst, uint64_t n);

/* Whole tensor to floats; dst holds t->n_elements floats. */
OGX_MUST_CHECK
int ogx_gguf_tensor_to_f32(const struct ogx_gguf_tensor *t, float *dst);

#endif
