// SPDX-License-Identifier: GPL-2.0
/* Llama-2 models in GGUF with llama.cpp's names; see llama_gguf.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/gguf_write.h"
#include "model/llama_gguf.h"
#include "util/err.h"

static const char *const layer_names[9] = {
	"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
	"ffn_norm", "ffn_gate", "ffn_down", "ffn_up",
};

static int get_u32(const struct ogx_gguf *g, const char *key, uint32_t def, uint32_t *out)
{
	int err = ogx_gguf_get_u32(g, key, out);

	if (err == -ENOENT && def) {
		*out = def;
		return 0;
	}
	return err;
}

static int find(const struct ogx_gguf *g, const char *name, const struct ogx_gguf_tensor **t)
{
	*t = ogx_gguf_find_tensor(g, name);
	if (!*t)
		return ogx_fail(-EINVAL, "tensor '%s' is missing", name);
	return 0;
}

static int get_norm(const struct ogx_gguf *g, const char *name, uint32_t dim, const float **out)
{
	const struct ogx_gguf_tensor *t;
	int err = find(g, name, &t);

	if (err)
		return err;
	if (t->type != OGX_GGML_F32 || t->n_elements != dim)
		return ogx_fail(-EINVAL, "tensor '%s' is %s with %llu elements, the architecture "
				"needs F32 with %u", name, ogx_ggml_type_name(t->type),
				(unsigned long long)t->n_elements, dim);
	*out = t->data;
	return 0;
}

static int get_matrix(const struct ogx_gguf *g, const char *name, struct ogx_matrix *m)
{
	const struct ogx_gguf_tensor *t;
	int err = find(g, name, &t);

	if (err)
		return err;
	if (t->type != OGX_GGML_F32 && t->type != OGX_GGML_F16 && t->type != OGX_GGML_Q8_0 &&
	    t->type != OGX_GGML_Q4_0)
		return ogx_fail(-ENOTSUP, "tensor '%s' is %s; F32, F16, Q8_0 and Q4_0 are supported",
				name, ogx_ggml_type_name(t->type));
	if (t->n_dims != 2 || t->ne[0] > UINT32_MAX || t->ne[1] > UINT32_MAX)
		return ogx_fail(-EINVAL, "tensor '%s' is not a matrix", name);
	m->type = (enum ogx_wtype)t->type;
	m->cols = (uint32_t)t->ne[0];
	m->rows = (uint32_t)t->ne[1];
	m->data = t->data;
	return 0;
}

static int packing(struct ogx_llama_weights *w, int on);

int ogx_llama_gguf_open(struct ogx_llama_gguf *m, const char *path)
{
	struct ogx_llama_config *c = &m->w.cfg;
	char arch[32], name[OGX_GGUF_MAX_NAME + 1];
	int err;

	memset(m, 0, sizeof(*m));
	err = ogx_gguf_open(path, &m->g);
	if (err)
		return err;
	err = ogx_gguf_get_strz(m->g, "general.architecture", arch, sizeof(arch));
	if (!err && strcmp(arch, "llama"))
		err = ogx_fail(-EINVAL, "architecture '%s' is not llama", arch);
	err = err ?: ogx_gguf_get_u32(m->g, "llama.embedding_length", &c->dim);
	err = err ?: ogx_gguf_get_u32(m->g, "llama.feed_forward_length", &c->hidden_dim);
	err = err ?: ogx_gguf_get_u32(m->g, "llama.block_count", &c->n_layers);
	err = err ?: ogx_gguf_get_u32(m->g, "llama.attention.head_count", &c->n_heads);
	err = err ?: get_u32(m->g, "llama.attention.head_count_kv", c->n_heads, &c->n_kv_heads);
	err = err ?: ogx_gguf_get_u32(m->g, "llama.context_length", &c->seq_len);
	if (!err && (!c->dim || !c->n_layers || !c->n_heads || c->n_layers > 4096 ||
		     c->seq_len > (1u << 20)))
		err = ogx_fail(-EINVAL, "llama metadata out of range (dim %u, %u layers, %u heads, "
			       "context %u)", c->dim, c->n_layers, c->n_heads, c->seq_len);
	c->rope_theta = 10000.0f;
	c->norm_eps = 1e-5f;
	if (!err && ogx_gguf_find_kv(m->g, "llama.rope.freq_base"))
		err = ogx_gguf_get_f32(m->g, "llama.rope.freq_base", &c->rope_theta);
	if (!err && ogx_gguf_find_kv(m->g, "llama.attention.layer_norm_rms_epsilon"))
		err = ogx_gguf_get_f32(m->g, "llama.attention.layer_norm_rms_epsilon",
				       &c->norm_eps);
	err = err ?: get_matrix(m->g, "token_embd.weight", &m->w.tok_embd);
	c->vocab_size = m->w.tok_embd.rows;
	err = err ?: get_norm(m->g, "output_norm.weight", c->dim, &m->w.out_norm);
	if (!err && ogx_gguf_find_tensor(m->g, "output.weight"))
		err = get_matrix(m->g, "output.weight", &m->w.output);
	else
		m->w.output = m->w.tok_embd;
	if (!err) {
		m->w.layers = calloc(c->n_layers, sizeof(*m->w.layers));
		if (!m->w.layers)
			err = -ENOMEM;
	}
	for (uint32_t l = 0; !err && l < c->n_layers; l++) {
		struct ogx_llama_layer *ly = &m->w.layers[l];
		struct ogx_matrix *mats[9] = { NULL, &ly->wq, &ly->wk, &ly->wv, &ly->wo, NULL,
					       &ly->w1, &ly->w2, &ly->w3 };

		for (unsigned i = 0; !err && i < 9; i++) {
			snprintf(name, sizeof(name), "blk.%u.%s.weight", l, layer_names[i]);
			if (mats[i])
				err = get_matrix(m->g, name, mats[i]);
			else
				err = get_norm(m->g, name, c->dim, i ? &ly->ffn_norm : &ly->attn_norm);
		}
	}
	err = err ?: ogx_llama_check(&m->w);
	err = err ?: packing(&m->w, 1);
	if (err)
		ogx_llama_gguf_close(m);
	return err;
}

/* The CPU kernels may repack the quantized matrices (matvec.h); on, or off and freed. */
static int packing(struct ogx_llama_weights *w, int on)
{
	int err = 0;

	for (uint32_t l = 0; w->layers && l < w->cfg.n_layers; l++) {
		struct ogx_matrix *mats[7] = { &w->layers[l].wq, &w->layers[l].wk, &w->layers[l].wv,
					       &w->layers[l].wo, &w->layers[l].w1, &w->layers[l].w2,
					       &w->layers[l].w3 };

		for (int i = 0; i < 7; i++) {
			if (on)
				err = err ?: ogx_matrix_enable_packing(mats[i]);
			else
				ogx_matrix_free_packing(mats[i]);
		}
	}
	/* The classifier may be the embedding matrix: one packed copy, freed once. */
	if (on) {
		err = err ?: ogx_matrix_enable_packing(&w->output);
	} else {
		if (w->tok_embd.packed == w->output.packed)
			w->tok_embd.packed = NULL;
		ogx_matrix_free_packing(&w->output);
		ogx_matrix_free_packing(&w->tok_embd);
	}
	return err;
}

void ogx_llama_gguf_close(struct ogx_llama_gguf *m)
{
	packing(&m->w, 0);
	free(m->w.layers);
	ogx_gguf_close(m->g);
	memset(m, 0, sizeof(*m));
}

int ogx_llama_gguf_tokenizer(const struct ogx_llama_gguf *m, struct ogx_tokenizer *t)
{
	struct ogx_gguf_value toks, scores, e;
	uint32_t n = m->w.cfg.vocab_size, id;
	size_t blob = 0;
	int err;

	err = ogx_gguf_get_array(m->g, "tokenizer.ggml.tokens", &toks);
	err = err ?: ogx_gguf_get_array(m->g, "tokenizer.ggml.scores", &scores);
	if (err)
		return err;
	if (toks.n != n || scores.n != n || toks.elem_type != OGX_GGUF_STRING ||
	    scores.elem_type != OGX_GGUF_F32)
		return ogx_fail(-EINVAL, "tokenizer.ggml.tokens/scores: want %u strings and floats",
				n);
	for (uint64_t i = 0; i < n; i++) {
		err = ogx_gguf_array_elem(&toks, i, &e);
		if (err)
			return err;
		blob += e.n + 1;
	}
	err = ogx_tokenizer_alloc(t, n, blob);
	if (err)
		return err;
	blob = 0;
	for (uint32_t i = 0; i < n; i++) {
		err = ogx_gguf_array_elem(&toks, i, &e);
		if (err)
			break;
		t->offset[i] = (uint32_t)blob;
		t->len[i] = (uint32_t)e.n;
		memcpy(t->blob + blob, e.p, e.n);
		t->blob[blob + e.n] = '\0';
		blob += e.n + 1;
		memcpy(&t->score[i], scores.p + 4 * i, 4);
	}
	err = err ?: ogx_tokenizer_index(t);
	if (!err && !ogx_gguf_get_u32(m->g, "tokenizer.ggml.bos_token_id", &id) && id < n)
		t->bos_id = id;
	if (!err && !ogx_gguf_get_u32(m->g, "tokenizer.ggml.eos_token_id", &id) && id < n)
		t->eos_id = id;
	if (err)
		ogx_tokenizer_free(t);
	return err;
}

/* Rows of m as type (F32 when its rows aren't whole blocks), malloc'd. */
static int convert(const struct ogx_matrix *m, enum ogx_wtype type, void **out,
		   enum ogx_wtype *got, unsigned *kept_f32)
{
	size_t rb;
	float *row = malloc(sizeof(float) * m->cols);
	uint8_t *dst;
	int err = 0;

	if (!ogx_wtype_row_bytes(type, m->cols)) {
		type = OGX_WTYPE_F32;
		if (kept_f32)
			(*kept_f32)++;
	}
	rb = ogx_wtype_row_bytes(type, m->cols);
	dst = malloc(rb * m->rows);
	if (!row || !dst) {
		free(row);
		free(dst);
		return -ENOMEM;
	}
	for (uint32_t r = 0; !err && r < m->rows; r++) {
		uint8_t *d = dst + rb * r;

		ogx_matrix_row(m, r, row);
		if (type == OGX_WTYPE_F32) {
			memcpy(d, row, rb);
		} else if (type == OGX_WTYPE_F16) {
			for (uint32_t i = 0; i < m->cols; i++) {
				uint16_t h = ogx_f32_to_f16(row[i]);

				memcpy(d + 2 * i, &h, 2);
			}
		} else {
			err = ogx_quant_row((uint32_t)type, row, d, m->cols);
		}
	}
	free(row);
	if (err) {
		free(dst);
		return err;
	}
	*out = dst;
	*got = type;
	return 0;
}

static uint32_t file_type(enum ogx_wtype t)
{
	switch (t) {
	case OGX_WTYPE_F16: return 1;	/* LLAMA_FTYPE_MOSTLY_F16 */
	case OGX_WTYPE_Q4_0: return 2;	/* LLAMA_FTYPE_MOSTLY_Q4_0 */
	case OGX_WTYPE_Q8_0: return 7;	/* LLAMA_FTYPE_MOSTLY_Q8_0 */
	default: return 0;		/* LLAMA_FTYPE_ALL_F32 */
	}
}

static int write_vocab(struct ogx_gguf_writer *gw, const struct ogx_tokenizer *t, uint32_t n)
{
	const char **toks = calloc(n, sizeof(*toks));
	float *scores = calloc(n, sizeof(*scores));
	int32_t *types = calloc(n, sizeof(*types));
	char *names = malloc((size_t)n * 16);
	int err = 0;

	if (!toks || !scores || !types || !names) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		char *s = names + (size_t)i * 16;

		types[i] = 1;	/* normal */
		if (t) {
			toks[i] = ogx_tokenizer_piece(t, i);
			scores[i] = t->score[i];
			if (t->byte_value[i] >= 0)
				types[i] = 6;	/* byte */
		} else {
			if (i == 0)
				snprintf(s, 16, "<unk>");
			else if (i == 1)
				snprintf(s, 16, "<s>");
			else if (i == 2)
				snprintf(s, 16, "</s>");
			else if (i < 259 && n >= 259)
				snprintf(s, 16, "<0x%02X>", i - 3), types[i] = 6;
			else
				snprintf(s, 16, "t%u", i);
			toks[i] = s;
			scores[i] = -(float)i;
		}
		if (i == 0)
			types[i] = 2;	/* unknown */
		else if (i < 3)
			types[i] = 3;	/* control */
	}
	err = ogx_gguf_writer_str(gw, "tokenizer.ggml.model", "llama");
	err = err ?: ogx_gguf_writer_strings(gw, "tokenizer.ggml.tokens", toks, n);
	err = err ?: ogx_gguf_writer_array(gw, "tokenizer.ggml.scores", OGX_GGUF_F32, scores, n);
	err = err ?: ogx_gguf_writer_array(gw, "tokenizer.ggml.token_type", OGX_GGUF_I32, types,
					   n);
	err = err ?: ogx_gguf_writer_u32(gw, "tokenizer.ggml.unknown_token_id", 0);
	err = err ?: ogx_gguf_writer_u32(gw, "tokenizer.ggml.bos_token_id", t ? t->bos_id : 1);
	err = err ?: ogx_gguf_writer_u32(gw, "tokenizer.ggml.eos_token_id", t ? t->eos_id : 2);
out:
	free(toks);
	free(scores);
	free(types);
	free(names);
	return err;
}

int ogx_llama_gguf_save(const struct ogx_llama_weights *w, const struct ogx_tokenizer *t,
			enum ogx_wtype type, const char *name, const char *path,
			unsigned *kept_f32)
{
	const struct ogx_llama_config *c = &w->cfg;
	size_t nbuf = (size_t)c->n_layers * 7 + 2, used = 0;
	void **bufs = calloc(nbuf, sizeof(*bufs));
	struct ogx_gguf_writer gw;
	char tname[OGX_GGUF_MAX_NAME + 1];
	int tied = w->output.data == w->tok_embd.data;
	int err;

	if (!bufs)
		return -ENOMEM;
	if (kept_f32)
		*kept_f32 = 0;
	err = ogx_llama_check(w);
	if (err) {
		free(bufs);
		return err;
	}
	if (t && t->vocab_size != c->vocab_size) {
		free(bufs);
		return ogx_fail(-EINVAL, "the tokenizer has %u tokens, the model %u",
				t->vocab_size, c->vocab_size);
	}
	ogx_gguf_writer_init(&gw);
	err = ogx_gguf_writer_str(&gw, "general.architecture", "llama");
	err = err ?: ogx_gguf_writer_str(&gw, "general.name", name ? name : "llama");
	err = err ?: ogx_gguf_writer_u32(&gw, "general.file_type", file_type(type));
	err = err ?: ogx_gguf_writer_u32(&gw, "llama.context_length", c->seq_len);
	err = err ?: ogx_gguf_writer_u32(&gw, "llama.embedding_length", c->dim);
	err = err ?: ogx_gguf_writer_u32(&gw, "llama.block_count", c->n_layers);
	err = err ?: ogx_gguf_writer_u32(&gw, "llama.feed_forward_length", c->hidden_dim);
	err = err ?: ogx_gguf_writer_u32(&gw, "llama.rope.dimension_count", c->dim / c->n_heads);
	err = err ?: ogx_gguf_writer_u32(&gw, "llama.attention.head_count", c->n_heads);
	err = err ?: ogx_gguf_writer_u32(&gw, "llama.attention.head_count_kv", c->n_kv_heads);
	err = err ?: ogx_gguf_writer_f32(&gw, "llama.attention.layer_norm_rms_epsilon",
					 c->norm_eps);
	err = err ?: ogx_gguf_writer_f32(&gw, "llama.rope.freq_base", c->rope_theta);
	err = err ?: write_vocab(&gw, t, c->vocab_size);

#define PUT_MATRIX(nm, mat)                                                              \
	do {                                                                             \
		enum ogx_wtype got;                                                      \
		uint64_t ne[2] = { (mat)->cols, (mat)->rows };                           \
		if (err)                                                                 \
			break;                                                           \
		err = convert((mat), type, &bufs[used], &got, kept_f32);                 \
		if (!err)                                                                \
			err = ogx_gguf_writer_tensor(&gw, (nm), (uint32_t)got, 2, ne,    \
						     bufs[used++]);                      \
	} while (0)
#define PUT_NORM(nm, v)                                                                  \
	do {                                                                             \
		uint64_t ne[1] = { c->dim };                                             \
		err = err ?: ogx_gguf_writer_tensor(&gw, (nm), OGX_GGML_F32, 1, ne, (v)); \
	} while (0)

	PUT_MATRIX("token_embd.weight", &w->tok_embd);
	PUT_NORM("output_norm.weight", w->out_norm);
	if (!tied)
		PUT_MATRIX("output.weight", &w->output);
	for (uint32_t l = 0; !err && l < c->n_layers; l++) {
		const struct ogx_llama_layer *ly = &w->layers[l];
		const struct ogx_matrix *mats[9] = { NULL, &ly->wq, &ly->wk, &ly->wv, &ly->wo,
						     NULL, &ly->w1, &ly->w2, &ly->w3 };

		for (unsigned i = 0; i < 9; i++) {
			snprintf(tname, sizeof(tname), "blk.%u.%s.weight", l, layer_names[i]);
			if (mats[i])
				PUT_MATRIX(tname, mats[i]);
			else
				PUT_NORM(tname, i ? ly->ffn_norm : ly->attn_norm);
		}
	}
#undef PUT_MATRIX
#undef PUT_NORM
	err = err ?: ogx_gguf_writer_write(&gw, path, 0644);
	ogx_gguf_writer_free(&gw);
	for (size_t i = 0; i < used; i++)
		free(bufs[i]);
	free(bufs);
	return err;
}
