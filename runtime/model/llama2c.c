// SPDX-License-Identifier: GPL-2.0
/* llama2.c checkpoint and tokenizer readers; see llama2c.h. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/llama2c.h"
#include "util/err.h"
#include "util/file.h"

/* The first word of llama2.c's version 1+ exports ("ak42"). */
#define LLAMA2C_V1_MAGIC 0x616b3432

static int32_t get_i32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return (int32_t)le32toh(v);
}

static int check_field(const char *name, int32_t v, int32_t max)
{
	if (v < 1 || v > max)
		return ogx_fail(-EINVAL, "header: %s %d out of range 1..%d", name, v, max);
	return 0;
}

/* acc += a * b * c floats, in 64 bits with overflow checks. */
static int add_floats(uint64_t *acc, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t n;

	if (__builtin_mul_overflow(a, b, &n) || __builtin_mul_overflow(n, c, &n) ||
	    __builtin_add_overflow(*acc, n, acc))
		return ogx_fail(-EOVERFLOW, "header: weight count overflows");
	return 0;
}

static int parse_header(const uint8_t *data, size_t size, struct ogx_llama_config *c,
			int *shared)
{
	int32_t h[7];
	int err;

	if (size < OGX_LLAMA2C_HEADER_BYTES)
		return ogx_fail(-EINVAL, "file is %zu bytes, shorter than the %d-byte llama2.c header",
				size, OGX_LLAMA2C_HEADER_BYTES);
	for (int i = 0; i < 7; i++)
		h[i] = get_i32(data + 4 * i);
	if ((uint32_t)h[0] == LLAMA2C_V1_MAGIC)
		return ogx_fail(-EINVAL,
				"llama2.c version 1+ checkpoint (magic \"ak42\"); only the legacy version 0 is read");
	*shared = h[5] > 0;
	if (h[5] < 0 && h[5] != INT32_MIN)
		h[5] = -h[5];
	err = check_field("dim", h[0], OGX_LLAMA2C_MAX_DIM);
	if (!err)
		err = check_field("hidden_dim", h[1], OGX_LLAMA2C_MAX_HIDDEN);
	if (!err)
		err = check_field("n_layers", h[2], OGX_LLAMA2C_MAX_LAYERS);
	if (!err)
		err = check_field("n_heads", h[3], h[0]);
	if (!err)
		err = check_field("n_kv_heads", h[4], h[3]);
	if (!err)
		err = check_field("vocab_size", h[5], OGX_LLAMA2C_MAX_VOCAB);
	if (!err)
		err = check_field("seq_len", h[6], OGX_LLAMA2C_MAX_SEQ);
	if (err)
		return err;
	if (h[0] % h[3])
		return ogx_fail(-EINVAL, "header: dim %d is not a multiple of n_heads %d", h[0], h[3]);
	if (h[3] % h[4])
		return ogx_fail(-EINVAL, "header: n_heads %d is not a multiple of n_kv_heads %d",
				h[3], h[4]);
	if ((h[0] / h[3]) % 2)
		return ogx_fail(-EINVAL, "header: head size %d (dim / n_heads) is odd; RoPE rotates pairs",
				h[0] / h[3]);
	*c = (struct ogx_llama_config){
		.dim = h[0], .hidden_dim = h[1], .n_layers = h[2], .n_heads = h[3],
		.n_kv_heads = h[4], .vocab_size = h[5], .seq_len = h[6],
		.rope_theta = 10000.0f, .norm_eps = 1e-5f,
	};
	return 0;
}

static struct ogx_matrix f32_matrix(const float **p, uint32_t rows, uint32_t cols)
{
	struct ogx_matrix m = { .type = OGX_WTYPE_F32, .rows = rows, .cols = cols, .data = *p };

	*p += (size_t)rows * cols;
	return m;
}

int ogx_llama2c_parse(struct ogx_llama2c *ck, const void *data, size_t size)
{
	struct ogx_llama_config c;
	struct ogx_llama_weights *w = &ck->w;
	uint64_t L, floats = 0, want;
	uint32_t head_size, kv_dim;
	const float *p, *ln_att, *ln_ffn, *wq, *wk, *wv, *wo, *w1, *w2, *w3;
	int shared, err;

	memset(ck, 0, sizeof(*ck));
	if ((uintptr_t)data % sizeof(float))
		return ogx_fail(-EINVAL, "checkpoint data is not 4-byte aligned");
	err = parse_header(data, size, &c, &shared);
	if (err)
		return err;
	L = c.n_layers;
	head_size = c.dim / c.n_heads;
	kv_dim = head_size * c.n_kv_heads;
	err = add_floats(&floats, c.vocab_size, c.dim, 1);		/* embedding */
	err = err ?: add_floats(&floats, L, c.dim, 2);			/* two norms */
	err = err ?: add_floats(&floats, L, c.dim, 2ull * c.dim);	/* wq, wo */
	err = err ?: add_floats(&floats, L, c.dim, 2ull * kv_dim);	/* wk, wv */
	err = err ?: add_floats(&floats, L, c.dim, 3ull * c.hidden_dim);/* w1, w2, w3 */
	err = err ?: add_floats(&floats, c.dim, 1, 1);			/* final norm */
	err = err ?: add_floats(&floats, c.seq_len, head_size, 1);	/* freq_cis re+im */
	if (!err && !shared)
		err = add_floats(&floats, c.vocab_size, c.dim, 1);	/* classifier */
	if (!err && (__builtin_mul_overflow(floats, 4, &want) ||
		     __builtin_add_overflow(want, OGX_LLAMA2C_HEADER_BYTES, &want)))
		err = ogx_fail(-EOVERFLOW, "header: file size overflows");
	if (err)
		return err;
	if (want != size)
		return ogx_fail(-EINVAL,
				"file is %zu bytes, the header (dim %u, hidden_dim %u, n_layers %u, n_heads %u, n_kv_heads %u, vocab_size %u, seq_len %u, %s classifier) implies %llu",
				size, c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads,
				c.vocab_size, c.seq_len, shared ? "shared" : "separate",
				(unsigned long long)want);

	w->layers = calloc(c.n_layers, sizeof(*w->layers));
	if (!w->layers)
		return -ENOMEM;
	w->cfg = c;
	ck->size = size;
	ck->shared_classifier = shared;

	/* llama2.c stores each kind of tensor for all layers together. */
	p = (const float *)((const uint8_t *)data + OGX_LLAMA2C_HEADER_BYTES);
	w->tok_embd = f32_matrix(&p, c.vocab_size, c.dim);
	ln_att = p;
	p += L * c.dim;
	wq = p;
	p += L * c.dim * c.dim;
	wk = p;
	p += L * kv_dim * c.dim;
	wv = p;
	p += L * kv_dim * c.dim;
	wo = p;
	p += L * c.dim * c.dim;
	ln_ffn = p;
	p += L * c.dim;
	w1 = p;
	p += L * c.hidden_dim * c.dim;
	w2 = p;
	p += L * c.dim * c.hidden_dim;
	w3 = p;
	p += L * c.hidden_dim * c.dim;
	w->out_norm = p;
	p += c.dim;
	p += (size_t)c.seq_len * head_size;	/* legacy freq_cis_real and _imag, unused */
	w->output = shared ? w->tok_embd : f32_matrix(&p, c.vocab_size, c.dim);

	for (uint32_t l = 0; l < c.n_layers; l++) {
		struct ogx_llama_layer *ly = &w->layers[l];
		const float *q = wq + l * (size_t)c.dim * c.dim, *k = wk + l * (size_t)kv_dim * c.dim;
		const float *v = wv + l * (size_t)kv_dim * c.dim, *o = wo + l * (size_t)c.dim * c.dim;
		const float *g = w1 + l * (size_t)c.hidden_dim * c.dim;
		const float *d = w2 + l * (size_t)c.dim * c.hidden_dim;
		const float *u = w3 + l * (size_t)c.hidden_dim * c.dim;

		ly->attn_norm = ln_att + (size_t)l * c.dim;
		ly->ffn_norm = ln_ffn + (size_t)l * c.dim;
		ly->wq = f32_matrix(&q, c.dim, c.dim);
		ly->wk = f32_matrix(&k, kv_dim, c.dim);
		ly->wv = f32_matrix(&v, kv_dim, c.dim);
		ly->wo = f32_matrix(&o, c.dim, c.dim);
		ly->w1 = f32_matrix(&g, c.hidden_dim, c.dim);
		ly->w2 = f32_matrix(&d, c.dim, c.hidden_dim);
		ly->w3 = f32_matrix(&u, c.hidden_dim, c.dim);
	}
	err = ogx_llama_check(w);
	if (err)
		ogx_llama2c_close(ck);
	return err;
}

int ogx_llama2c_open(struct ogx_llama2c *ck, const char *path)
{
	struct stat st;
	void *map;
	int fd, err;

	memset(ck, 0, sizeof(*ck));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ogx_fail(-EINVAL, "not a regular file");
	}
	if ((size_t)st.st_size < OGX_LLAMA2C_HEADER_BYTES) {
		close(fd);
		return parse_header(NULL, st.st_size, NULL, NULL);
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err)
		return ogx_fail(err, "cannot map %lld bytes", (long long)st.st_size);
	err = ogx_llama2c_parse(ck, map, st.st_size);
	if (err) {
		munmap(map, st.st_size);
		return err;
	}
	ck->map = map;
	return 0;
}

void ogx_llama2c_close(struct ogx_llama2c *ck)
{
	free(ck->w.layers);
	if (ck->map)
		munmap(ck->map, ck->size);
	memset(ck, 0, sizeof(*ck));
}

int ogx_llama2c_tokenizer_parse(struct ogx_tokenizer *t, const void *data, size_t size,
				uint32_t vocab_size)
{
	const uint8_t *d = data;
	size_t off = 4, blob = 0;
	int32_t max_len;
	int err;

	memset(t, 0, sizeof(*t));
	if (vocab_size < 3 || vocab_size > OGX_LLAMA2C_MAX_VOCAB)
		return ogx_fail(-EINVAL, "tokenizer: vocab_size %u out of range 3..%d", vocab_size,
				OGX_LLAMA2C_MAX_VOCAB);
	if (size < 4)
		return ogx_fail(-EINVAL, "tokenizer: file is %zu bytes, shorter than its 4-byte header",
				size);
	max_len = get_i32(d);
	if (max_len < 1 || max_len > OGX_LLAMA2C_MAX_TOKEN_LENGTH)
		return ogx_fail(-EINVAL, "tokenizer: max_token_length %d out of range 1..%d", max_len,
				OGX_LLAMA2C_MAX_TOKEN_LENGTH);
	/* First pass: check every record, and size the piece blob. */
	for (uint32_t i = 0; i < vocab_size; i++) {
		int32_t len;

		if (size - off < 8)
			return ogx_fail(-EINVAL,
					"tokenizer: truncated at token %u of %u (offset %zu, file %zu bytes)",
					i, vocab_size, off, size);
		len = get_i32(d + off + 4);
		if (len < 0 || len > max_len)
			return ogx_fail(-EINVAL, "tokenizer: token %u has length %d, outside 0..%d", i,
					len, max_len);
		off += 8;
		if (size - off < (size_t)len)
			return ogx_fail(-EINVAL,
					"tokenizer: token %u truncated (want %d bytes, have %zu)", i,
					len, size - off);
		off += len;
		blob += len + 1;
		if (blob > UINT32_MAX)
			return ogx_fail(-EINVAL, "tokenizer: pieces total more than 4 GiB");
	}
	if (off != size)
		return ogx_fail(-EINVAL,
				"tokenizer: %zu bytes left after %u tokens (is it the model's tokenizer?)",
				size - off, vocab_size);
	err = ogx_tokenizer_alloc(t, vocab_size, blob);
	if (err)
		return err;
	off = 4;
	blob = 0;
	for (uint32_t i = 0; i < vocab_size; i++) {
		uint32_t bits = (uint32_t)get_i32(d + off);
		float score;
		int32_t len = get_i32(d + off + 4);

		memcpy(&score, &bits, 4);
		if (!isfinite(score)) {
			ogx_tokenizer_free(t);
			return ogx_fail(-EINVAL, "tokenizer: token %u has a non-finite score", i);
		}
		t->score[i] = score;
		t->len[i] = len;
		t->offset[i] = blob;
		memcpy(t->blob + blob, d + off + 8, len);
		t->blob[blob + len] = '\0';
		blob += len + 1;
		off += 8 + len;
	}
	err = ogx_tokenizer_index(t);
	if (err)
		ogx_tokenizer_free(t);
	return err;
}

int ogx_llama2c_tokenizer_load(struct ogx_tokenizer *t, const char *path, uint32_t vocab_size)
{
	uint8_t *data;
	size_t len;
	int err;

	memset(t, 0, sizeof(*t));
	/* Bound: every token at the longest length, plus its 8-byte record header. */
	err = ogx_read_file(path, (size_t)vocab_size * (8 + OGX_LLAMA2C_MAX_TOKEN_LENGTH) + 4,
			    &data, &len);
	if (err)
		return err;
	err = ogx_llama2c_tokenizer_parse(t, data, len, vocab_size);
	free(data);
	return err;
}

/* splitmix64: a well-mixed stream from any seed, for synthetic weights. */
static uint64_t synth_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void synth_fill(float *p, size_t n, float scale, uint64_t *s)
{
	for (size_t i = 0; i < n; i++)
		p[i] = scale * ((float)(synth_next(s) >> 40) / 8388608.0f - 1.0f);
}

int ogx_llama2c_synth(const struct ogx_llama_config *c, int shared_classifier, uint64_t seed,
		      uint8_t **data, size_t *size)
{
	int32_t h[7] = { c->dim, c->hidden_dim, c->n_layers, c->n_heads, c->n_kv_heads,
			 shared_classifier ? (int32_t)c->vocab_size : -(int32_t)c->vocab_size,
			 c->seq_len };
	struct ogx_llama2c ck;
	size_t n, hs, kv_dim, L = c->n_layers;
	uint64_t s = seed;
	float *p, sd = 1.0f / sqrtf((float)c->dim), sh = 1.0f / sqrtf((float)c->hidden_dim);
	uint8_t *d;
	int err;

	/* Validate the shape with the reader itself: a header-only parse names the problem. */
	for (int i = 0; i < 7; i++)
		h[i] = (int32_t)htole32((uint32_t)h[i]);
	err = parse_header((const uint8_t *)h, sizeof(h), &ck.w.cfg, &ck.shared_classifier);
	if (err)
		return err;
	hs = c->dim / c->n_heads;
	kv_dim = hs * c->n_kv_heads;
	n = (size_t)c->vocab_size * c->dim * (shared_classifier ? 1 : 2) + L * c->dim * 2 +
	    L * c->dim * (2 * c->dim + 2 * kv_dim + 3 * (size_t)c->hidden_dim) + c->dim +
	    (size_t)c->seq_len * hs;
	d = malloc(OGX_LLAMA2C_HEADER_BYTES + 4 * n);
	if (!d)
		return -ENOMEM;
	memcpy(d, h, sizeof(h));
	p = (float *)(d + OGX_LLAMA2C_HEADER_BYTES);
	synth_fill(p, (size_t)c->vocab_size * c->dim, 1.0f, &s);	/* embedding */
	p += (size_t)c->vocab_size * c->dim;
	for (size_t i = 0; i < L * c->dim; i++)				/* attention norms */
		*p++ = 1.0f;
	synth_fill(p, L * c->dim * (c->dim + 2 * kv_dim + c->dim), sd, &s);	/* wq wk wv wo */
	p += L * c->dim * (c->dim + 2 * kv_dim + c->dim);
	for (size_t i = 0; i < L * c->dim; i++)				/* FFN norms */
		*p++ = 1.0f;
	synth_fill(p, L * c->dim * c->hidden_dim, sd, &s);		/* w1 */
	p += L * c->dim * c->hidden_dim;
	synth_fill(p, L * c->dim * c->hidden_dim, sh, &s);		/* w2 */
	p += L * c->dim * c->hidden_dim;
	synth_fill(p, L * c->dim * c->hidden_dim, sd, &s);		/* w3 */
	p += L * c->dim * c->hidden_dim;
	for (size_t i = 0; i < c->dim; i++)				/* final norm */
		*p++ = 1.0f;
	memset(p, 0, (size_t)c->seq_len * hs * 4);			/* freq_cis, unused */
	p += (size_t)c->seq_len * hs;
	if (!shared_classifier)
		synth_fill(p, (size_t)c->vocab_size * c->dim, sd, &s);
	*data = d;
	*size = OGX_LLAMA2C_HEADER_BYTES + 4 * n;
	return 0;
}
