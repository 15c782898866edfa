// SPDX-License-Identifier: GPL-2.0
/* Shape checks and dispatch recording of the engine's operations; see ops.h. */
#include <string.h>

#include "util/err.h"
#include "vk/device.h"
#include "vk/ops.h"
#include "vk/spec.h"

#define MV_ROWS 8	/* rows per workgroup: 8 lanes per row of 64 */
/* kv_store_streams and attention_streams: 3 buffers, then a K and a V cache per stream. */
#define VK_STREAMS_NBIND (3 + 2 * OGX_VK_MAX_STREAMS)

/* The shaders of each weight type, and the elements a row holds a multiple of. */
struct vk_wtype {
	const char *matvec, *matmul;
	uint32_t block;
};

static const struct vk_wtype vk_wtypes[] = {
	[OGX_WTYPE_F32] = { "matvec_f32", "matmul_f32", 4 },
	[OGX_WTYPE_F16] = { "matvec_f16", "matmul_f16", 4 },
	[OGX_WTYPE_Q8_0] = { "matvec_q8_0", "matmul_q8_0", 32 },
	[OGX_WTYPE_Q4_0] = { "matvec_q4_0", "matmul_q4_0", 32 },
};

static const struct vk_wtype *vk_wtype(enum ogx_wtype t)
{
	if ((unsigned)t >= sizeof(vk_wtypes) / sizeof(vk_wtypes[0]) || !vk_wtypes[t].matvec)
		return NULL;
	return &vk_wtypes[t];
}

bool ogx_vk_wtype_supported(enum ogx_wtype t)
{
	return vk_wtype(t);
}

size_t ogx_vk_row_bytes(enum ogx_wtype t, uint32_t k)
{
	const struct vk_wtype *vt = vk_wtype(t);

	return vt && k % vt->block == 0 ? ogx_wtype_row_bytes(t, k) : 0;
}

static size_t gcd(size_t a, size_t b)
{
	while (b) {
		size_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Constants 0..8 of matvec.glsl and matmul.glsl for rows rows of mv's weights. */
static struct vk_spec_fused fused_spec(const struct ogx_vk_matvec *mv, uint32_t rows)
{
	return (struct vk_spec_fused){
		.k = mv->k,
		.m = rows,
		.norm = !!(mv->flags & OGX_VK_MV_NORM),
		.glu = !!(mv->flags & OGX_VK_MV_GLU),
		.rope = !!(mv->flags & OGX_VK_MV_ROPE),
		.acc = !!(mv->flags & OGX_VK_MV_ACC),
		.ypos = mv->ypos,
		.head = mv->head ? mv->head : 2,
		.eps = mv->eps ? mv->eps : 1e-5f,
	};
}

static float rope_theta(const struct ogx_vk_matvec *mv)
{
	return mv->theta ? mv->theta : 10000.0f;
}

/*
 * Rows per dispatch of a weight whose rows are rb bytes: chunks that fit the
 * device's storage-buffer range, start aligned and hold whole workgroups of
 * wg_rows; 0 when one row alone exceeds the range.
 */
static size_t row_chunk(const struct ogx_vk *vk, size_t rb, size_t wg_rows)
{
	size_t max = vk->props.limits.maxStorageBufferRange;
	size_t align = vk->props.limits.minStorageBufferOffsetAlignment;
	size_t step;

	if (!align)
		align = 1;
	step = align / gcd(rb, align);
	step = step * wg_rows / gcd(step, wg_rows);
	return max / rb / step * step;
}

/* Rows r0.. (rows of them) of weight w through shader: the mat-vec/mat-mat bindings. */
static int weight_dispatch(struct ogx_vk_prog *p, const char *shader, const void *spec,
			   size_t spec_size, const struct ogx_vk_matvec *mv,
			   const struct ogx_vk_buf *w, const struct ogx_vk_buf *x,
			   const struct ogx_vk_buf *y, const struct ogx_vk_buf *aux,
			   const struct ogx_vk_buf *params, uint32_t r0, uint32_t rows, size_t rb,
			   uint32_t groups)
{
	/* Whole words: the shader reads the last block's bytes by the word. */
	VkDeviceSize off = (VkDeviceSize)r0 * rb, len = ((VkDeviceSize)rows * rb + 3) & ~3ull;
	struct ogx_vk_bind b[5] = {
		{ w, off, off + len > w->size ? w->size - off : len },
		{ x, 0, 0 }, { y, 0, 0 },
		{ (mv->flags & (OGX_VK_MV_NORM | OGX_VK_MV_GLU)) ? aux : x, 0, 0 },
		{ params, 0, 0 },
	};
	uint32_t push[2] = { mv->yoff, r0 };
	struct ogx_vk_pipe *pipe;
	int err = ogx_vk_pipe_get(p->vk, shader, 5, spec, spec_size, &pipe);

	if (err)
		return err;
	ogx_vk_prog_dispatch(p, pipe, b, push, 2, groups, 1, 1);
	return 0;
}

int ogx_vk_op_matvec(struct ogx_vk_prog *p, const struct ogx_vk_matvec *mv,
		     const struct ogx_vk_buf *w, const struct ogx_vk_buf *x,
		     const struct ogx_vk_buf *y, const struct ogx_vk_buf *aux,
		     const struct ogx_vk_buf *params)
{
	const struct vk_wtype *vt = vk_wtype(mv->type);
	struct ogx_vk *vk = p->vk;
	size_t rb = ogx_vk_row_bytes(mv->type, mv->k), chunk, wg_rows;
	uint64_t yend;
	int err;

	if (!vt)
		return ogx_fail(-EINVAL, "mat-vec: unknown weight type %d", mv->type);
	if (!mv->k || !mv->m || !rb)
		return ogx_fail(-EINVAL, "mat-vec: a %s row of %u elements is not a whole number "
				"of blocks (%u)", ogx_wtype_name(mv->type), mv->k, vt->block);
	if ((mv->flags & OGX_VK_MV_NORM) && (mv->flags & OGX_VK_MV_GLU))
		return ogx_fail(-EINVAL, "mat-vec: NORM and GLU share the aux input");
	if ((mv->flags & OGX_VK_MV_ROPE) && (mv->m % 2 || !mv->head || mv->head % 2))
		return ogx_fail(-EINVAL, "mat-vec: RoPE needs an even row count and head size");
	if ((mv->flags & (OGX_VK_MV_NORM | OGX_VK_MV_GLU)) && aux->size < (uint64_t)mv->k * 4)
		return ogx_fail(-EINVAL, "mat-vec: aux holds %llu bytes, needs %u floats",
				(unsigned long long)aux->size, mv->k);
	if (w->size < (uint64_t)rb * mv->m)
		return ogx_fail(-EINVAL, "mat-vec: weights hold %llu bytes, %u x %u %s needs %zu",
				(unsigned long long)w->size, mv->m, mv->k,
				ogx_wtype_name(mv->type), rb * mv->m);
	if (x->size < (uint64_t)mv->k * 4)
		return ogx_fail(-EINVAL, "mat-vec: input holds %llu bytes, needs %u floats",
				(unsigned long long)x->size, mv->k);
	/* The largest pos the shader can be given is bounded by the caller's y. */
	yend = (uint64_t)mv->yoff + mv->m;
	if (y->size < yend * 4)
		return ogx_fail(-EINVAL, "mat-vec: output holds %llu bytes, needs %llu floats",
				(unsigned long long)y->size, (unsigned long long)yend);

	wg_rows = vk->row_per_invocation ? 64 : MV_ROWS;
	chunk = row_chunk(vk, rb, wg_rows);
	if (!chunk)
		return ogx_fail(-EINVAL, "mat-vec: a row of %zu bytes exceeds the device's "
				"storage-buffer range (%zu)", rb,
				(size_t)vk->props.limits.maxStorageBufferRange);
	for (uint32_t r0 = 0; r0 < mv->m; r0 += (uint32_t)chunk) {
		uint32_t rows = mv->m - r0 < chunk ? mv->m - r0 : (uint32_t)chunk;
		struct vk_spec_matvec spec = {
			.f = fused_spec(mv, rows),
			.rows = MV_ROWS,
			.theta = rope_theta(mv),
			.rowmode = vk->row_per_invocation,
			/* Cache the input in shared memory when it fits in 16 KiB. */
			.xs = mv->k <= 4096 ? mv->k / 4 : 1,
		};
		err = weight_dispatch(p, vt->matvec, &spec, sizeof(spec), mv, w, x, y, aux, params, r0,
				      rows, rb, (uint32_t)((rows + wg_rows - 1) / wg_rows));
		if (err)
			return err;
	}
	return p->err;
}

/* The shapes attention.glsl takes on this device. */
static int attention_shape(const struct ogx_vk *vk, uint32_t heads, uint32_t kv_heads,
			   uint32_t head, uint32_t seq)
{
	if (!heads || !kv_heads || !head || !seq || heads % kv_heads)
		return ogx_fail(-EINVAL, "attention: %u heads do not share %u KV heads evenly",
				heads, kv_heads);
	if ((uint64_t)seq * 4 + 512 > vk->props.limits.maxComputeSharedMemorySize)
		return ogx_fail(-EINVAL, "attention: a context of %u tokens exceeds the shared "
				"memory of %s (%u bytes)", seq, vk->desc.name,
				vk->props.limits.maxComputeSharedMemorySize);
	return 0;
}

static int attention(struct ogx_vk_prog *p, uint32_t heads, uint32_t kv_heads, uint32_t head,
		     uint32_t seq, uint32_t nt, uint32_t row, const struct ogx_vk_buf *q,
		     const struct ogx_vk_buf *k, const struct ogx_vk_buf *v,
		     const struct ogx_vk_buf *out, const struct ogx_vk_buf *params)
{
	struct ogx_vk *vk = p->vk;
	struct vk_spec_attention spec = { { heads, kv_heads, head, seq }, .batch = nt ? 1 : 0 };
	uint64_t tokens = (nt ? nt : 1) + (uint64_t)row;
	struct ogx_vk_bind b[5] = { { q, 0, 0 }, { k, 0, 0 }, { v, 0, 0 }, { out, 0, 0 },
				    { params, 0, 0 } };
	uint64_t cache = (uint64_t)seq * kv_heads * head * 4;
	struct ogx_vk_pipe *pipe;
	int err = attention_shape(vk, heads, kv_heads, head, seq);

	if (err)
		return err;
	if (k->size < cache || v->size < cache || q->size < (uint64_t)tokens * heads * head * 4 ||
	    out->size < (uint64_t)tokens * heads * head * 4)
		return ogx_fail(-EINVAL, "attention: buffers too small for %u heads of %u over "
				"%u positions", heads, head, seq);
	err = ogx_vk_pipe_get(vk, "attention", 5, &spec, sizeof(spec), &pipe);
	if (err)
		return err;
	ogx_vk_prog_dispatch(p, pipe, b, &row, 1, heads, nt ? nt : 1, 1);
	return p->err;
}

int ogx_vk_op_attention(struct ogx_vk_prog *p, uint32_t heads, uint32_t kv_heads,
			uint32_t head, uint32_t seq, const struct ogx_vk_buf *q,
			const struct ogx_vk_buf *k, const struct ogx_vk_buf *v,
			const struct ogx_vk_buf *out, const struct ogx_vk_buf *params)
{
	return attention(p, heads, kv_heads, head, seq, 0, 0, q, k, v, out, params);
}

int ogx_vk_op_attention_row(struct ogx_vk_prog *p, uint32_t heads, uint32_t kv_heads,
			    uint32_t head, uint32_t seq, uint32_t row, const struct ogx_vk_buf *q,
			    const struct ogx_vk_buf *k, const struct ogx_vk_buf *v,
			    const struct ogx_vk_buf *out, const struct ogx_vk_buf *params)
{
	return attention(p, heads, kv_heads, head, seq, 0, row, q, k, v, out, params);
}

int ogx_vk_op_attention_batch(struct ogx_vk_prog *p, uint32_t heads, uint32_t kv_heads,
			      uint32_t head, uint32_t seq, uint32_t nt,
			      const struct ogx_vk_buf *q, const struct ogx_vk_buf *k,
			      const struct ogx_vk_buf *v, const struct ogx_vk_buf *out,
			      const struct ogx_vk_buf *params)
{
	if (!nt)
		return ogx_fail(-EINVAL, "attention: a batch of 0 tokens");
	return attention(p, heads, kv_heads, head, seq, nt, 0, q, k, v, out, params);
}

int ogx_vk_op_argmax_row(struct ogx_vk_prog *p, uint32_t n, uint32_t row,
			 const struct ogx_vk_buf *x, const struct ogx_vk_buf *out)
{
	struct ogx_vk_bind b[2] = { { x, 0, 0 }, { out, 0, 0 } };
	struct ogx_vk_pipe *pipe;
	int err;

	if (!n || x->size < ((uint64_t)row + 1) * n * 4)
		return ogx_fail(-EINVAL, "argmax: input holds %llu bytes, needs %llu floats",
				(unsigned long long)x->size, ((unsigned long long)row + 1) * n);
	if (out->size < ((uint64_t)row + 1) * 4)
		return ogx_fail(-EINVAL, "argmax: output holds %llu bytes, needs %u words",
				(unsigned long long)out->size, row + 1);
	err = ogx_vk_pipe_get(p->vk, "argmax", 2, &n, sizeof(n), &pipe);
	if (err)
		return err;
	ogx_vk_prog_dispatch(p, pipe, b, &row, 1, 1, 1, 1);
	return p->err;
}

int ogx_vk_op_argmax(struct ogx_vk_prog *p, uint32_t n, const struct ogx_vk_buf *x,
		     const struct ogx_vk_buf *out)
{
	return ogx_vk_op_argmax_row(p, n, 0, x, out);
}

int ogx_vk_op_kv_store(struct ogx_vk_prog *p, uint32_t kv_dim, uint32_t seq, uint32_t row,
		       const struct ogx_vk_buf *ks, const struct ogx_vk_buf *vs,
		       const struct ogx_vk_buf *kc, const struct ogx_vk_buf *vc,
		       const struct ogx_vk_buf *params)
{
	struct ogx_vk_bind b[5] = { { ks, 0, 0 }, { vs, 0, 0 }, { kc, 0, 0 }, { vc, 0, 0 },
				    { params, 0, 0 } };
	uint64_t rows = ((uint64_t)row + 1) * kv_dim * 4, cache = (uint64_t)seq * kv_dim * 4;
	struct ogx_vk_pipe *pipe;
	int err;

	if (!kv_dim || !seq || ks->size < rows || vs->size < rows || kc->size < cache ||
	    vc->size < cache)
		return ogx_fail(-EINVAL, "KV store: buffers too small for row %u of %u floats "
				"into %u positions", row, kv_dim, seq);
	err = ogx_vk_pipe_get(p->vk, "kv_store", 5, &kv_dim, sizeof(kv_dim), &pipe);
	if (err)
		return err;
	ogx_vk_prog_dispatch(p, pipe, b, &row, 1, (kv_dim + 63) / 64, 1, 1);
	return p->err;
}

bool ogx_vk_streams_bindable(const struct ogx_vk *vk)
{
	const VkPhysicalDeviceLimits *l = &vk->props.limits;

	return l->maxPerStageDescriptorStorageBuffers >= VK_STREAMS_NBIND &&
	       l->maxDescriptorSetStorageBuffers >= VK_STREAMS_NBIND &&
	       l->maxPerStageResources >= VK_STREAMS_NBIND;
}

/*
 * Bindings 3.. of kv_store_streams and attention_streams: stream s's K
 * cache at 3 + s, its V cache at 3 + OGX_VK_MAX_STREAMS + s; the slots of
 * streams >= n hold stream 0's (valid, never read). Checks what the shader
 * relies on: n streams, caches of seq rows of kv_dim, a position table.
 */
static int stream_binds(struct ogx_vk_prog *p, const char *op, uint32_t kv_dim, uint32_t seq,
			uint32_t n, const struct ogx_vk_buf *const *kc,
			const struct ogx_vk_buf *const *vc, const struct ogx_vk_buf *params,
			struct ogx_vk_bind *b)
{
	uint64_t cache = (uint64_t)seq * kv_dim * 4;

	if (!ogx_vk_streams_bindable(p->vk))
		return ogx_fail(-EOPNOTSUPP, "%s: %s allows %u storage buffers per shader stage, "
				"a joint step binds %u", op, p->vk->desc.name,
				p->vk->props.limits.maxPerStageDescriptorStorageBuffers,
				VK_STREAMS_NBIND);
	if (!n || n > OGX_VK_MAX_STREAMS)
		return ogx_fail(-EINVAL, "%s: %u streams, 1 to %u", op, n, OGX_VK_MAX_STREAMS);
	if (params->size < (2 + (uint64_t)n) * 4)
		return ogx_fail(-EINVAL, "%s: no position table for %u streams", op, n);
	for (uint32_t s = 0; s < OGX_VK_MAX_STREAMS; s++) {
		uint32_t i = s < n ? s : 0;

		if (kc[i]->size < cache || vc[i]->size < cache)
			return ogx_fail(-EINVAL, "%s: stream %u's caches hold less than %u "
					"positions of %u floats", op, i, seq, kv_dim);
		b[3 + s] = (struct ogx_vk_bind){ kc[i], 0, 0 };
		b[3 + OGX_VK_MAX_STREAMS + s] = (struct ogx_vk_bind){ vc[i], 0, 0 };
	}
	return 0;
}

int ogx_vk_op_kv_store_streams(struct ogx_vk_prog *p, uint32_t kv_dim, uint32_t seq, uint32_t n,
			       const struct ogx_vk_buf *ks, const struct ogx_vk_buf *vs,
			       const struct ogx_vk_buf *const *kc,
			       const struct ogx_vk_buf *const *vc, const struct ogx_vk_buf *params)
{
	struct ogx_vk_bind b[VK_STREAMS_NBIND] = { { ks, 0, 0 }, { vs, 0, 0 }, { params, 0, 0 } };
	uint64_t rows = (uint64_t)n * kv_dim * 4;
	struct ogx_vk_pipe *pipe;
	int err;

	if (!kv_dim || !seq)
		return ogx_fail(-EINVAL, "KV store: %u floats into %u positions", kv_dim, seq);
	err = stream_binds(p, "KV store", kv_dim, seq, n, kc, vc, params, b);
	if (err)
		return err;
	if (ks->size < rows || vs->size < rows)
		return ogx_fail(-EINVAL, "KV store: buffers too small for %u rows of %u floats",
				n, kv_dim);
	err = ogx_vk_pipe_get(p->vk, "kv_store_streams", VK_STREAMS_NBIND, &kv_dim,
			      sizeof(kv_dim), &pipe);
	if (err)
		return err;
	ogx_vk_prog_dispatch(p, pipe, b, NULL, 0, (kv_dim + 63) / 64, n, 1);
	return p->err;
}

int ogx_vk_op_attention_streams(struct ogx_vk_prog *p, uint32_t heads, uint32_t kv_heads,
				uint32_t head, uint32_t seq, uint32_t n,
				const struct ogx_vk_buf *q, const struct ogx_vk_buf *const *kc,
				const struct ogx_vk_buf *const *vc, const struct ogx_vk_buf *out,
				const struct ogx_vk_buf *params)
{
	struct vk_spec_heads spec = { heads, kv_heads, head, seq };
	struct ogx_vk_bind b[VK_STREAMS_NBIND] = { { q, 0, 0 }, { out, 0, 0 },
						  { params, 0, 0 } };
	uint64_t rows = (uint64_t)n * heads * head * 4;
	struct ogx_vk_pipe *pipe;
	int err = attention_shape(p->vk, heads, kv_heads, head, seq);

	err = err ?: stream_binds(p, "attention", kv_heads * head, seq, n, kc, vc, params, b);
	if (err)
		return err;
	if (q->size < rows || out->size < rows)
		return ogx_fail(-EINVAL, "attention: buffers too small for %u rows of %u heads "
				"of %u", n, heads, head);
	err = ogx_vk_pipe_get(p->vk, "attention_streams", VK_STREAMS_NBIND, &spec, sizeof(spec),
			      &pipe);
	if (err)
		return err;
	ogx_vk_prog_dispatch(p, pipe, b, NULL, 0, heads, n, 1);
	return p->err;
}

int ogx_vk_op_mlp_q8(struct ogx_vk_prog *p, uint32_t n_in, uint32_t n_out, int hidden,
		     uint32_t batch, const struct ogx_vk_buf *w, const struct ogx_vk_buf *x,
		     const struct ogx_vk_buf *bias, const struct ogx_vk_buf *mult,
		     const struct ogx_vk_buf *shift, const struct ogx_vk_buf *out,
		     const struct ogx_vk_buf *params)
{
	struct vk_spec_mlp spec = { n_in, n_out, !!hidden, MV_ROWS, p->vk->row_per_invocation };
	uint32_t wg_rows = p->vk->row_per_invocation ? 64 : MV_ROWS;
	struct ogx_vk_bind b[7] = { { w, 0, 0 }, { x, 0, 0 }, { bias, 0, 0 },
				    { hidden ? mult : bias, 0, 0 },
				    { hidden ? shift : bias, 0, 0 }, { out, 0, 0 },
				    { params, 0, 0 } };
	struct ogx_vk_pipe *pipe;
	int err;

	if (!n_in || !n_out || !batch)
		return ogx_fail(-EINVAL, "classifier layer: empty shape %u x %u, batch %u",
				n_out, n_in, batch);
	if (w->size < (uint64_t)n_out * ((n_in + 15) / 16) * 16 ||
	    x->size < ((uint64_t)batch * n_in + 16) * 4 || out->size < (uint64_t)batch * n_out * 4 ||
	    bias->size < (uint64_t)n_out * 4 ||
	    (hidden && (mult->size < (uint64_t)n_out * 4 || shift->size < (uint64_t)n_out * 4)))
		return ogx_fail(-EINVAL, "classifier layer: buffers too small for %u x %u, "
				"batch %u", n_out, n_in, batch);
	err = ogx_vk_pipe_get(p->vk, "mlp_q8", 7, &spec, sizeof(spec), &pipe);
	if (err)
		return err;
	ogx_vk_prog_dispatch(p, pipe, b, NULL, 0, (n_out + wg_rows - 1) / wg_rows, batch, 1);
	return p->err;
}

/* Shared memory of matmul.glsl: NT x K inputs, 64 x NT outputs, 64 + NT floats. */
static uint64_t matmul_shared(uint32_t nt, uint32_t k)
{
	return (uint64_t)nt * k * 4 + 64ull * nt * 4 + (64 + nt) * 4;
}

uint32_t ogx_vk_matmul_max_tokens(const struct ogx_vk *vk, uint32_t k)
{
	uint32_t nt = 8;

	while (nt && matmul_shared(nt, k) > vk->props.limits.maxComputeSharedMemorySize)
		nt--;
	return nt;
}

int ogx_vk_op_matmul(struct ogx_vk_prog *p, const struct ogx_vk_matvec *mv, uint32_t nt,
		     const struct ogx_vk_buf *w, const struct ogx_vk_buf *x,
		     const struct ogx_vk_buf *y, const struct ogx_vk_buf *aux,
		     const struct ogx_vk_buf *params)
{
	const struct vk_wtype *vt = vk_wtype(mv->type);
	struct ogx_vk *vk = p->vk;
	size_t rb = ogx_vk_row_bytes(mv->type, mv->k), chunk;
	int err;

	if (!vt || !mv->k || !mv->m || !rb)
		return ogx_fail(-EINVAL, "mat-mat: a %s row of %u elements is not a whole number "
				"of blocks", ogx_wtype_name(mv->type), mv->k);
	if (!nt || matmul_shared(nt, mv->k) > vk->props.limits.maxComputeSharedMemorySize)
		return ogx_fail(-EINVAL, "mat-mat: %u tokens of %u inputs exceed the shared memory "
				"of %s", nt, mv->k, vk->desc.name);
	if ((mv->flags & OGX_VK_MV_NORM) && (mv->flags & OGX_VK_MV_GLU))
		return ogx_fail(-EINVAL, "mat-mat: NORM and GLU share the aux input");
	if ((mv->flags & OGX_VK_MV_ROPE) && (mv->m % 2 || !mv->head || mv->head % 2))
		return ogx_fail(-EINVAL, "mat-mat: RoPE needs an even row count and head size");
	if (w->size < (uint64_t)rb * mv->m || x->size < (uint64_t)nt * mv->k * 4 ||
	    ((mv->flags & OGX_VK_MV_NORM) && aux->size < (uint64_t)mv->k * 4) ||
	    ((mv->flags & OGX_VK_MV_GLU) && aux->size < (uint64_t)nt * mv->k * 4) ||
	    y->size < ((uint64_t)mv->yoff + (uint64_t)(nt - 1) * mv->ystride + mv->m) * 4 ||
	    params->size < (mv->flags & OGX_VK_MV_POSTAB ? 2ull + nt : 2ull) * 4)
		return ogx_fail(-EINVAL, "mat-mat: buffers too small for %u x %u %s, %u tokens",
				mv->m, mv->k, ogx_wtype_name(mv->type), nt);
	chunk = row_chunk(vk, rb, 64);
	if (!chunk)
		return ogx_fail(-EINVAL, "mat-mat: a row of %zu bytes exceeds the device's "
				"storage-buffer range (%zu)", rb,
				(size_t)vk->props.limits.maxStorageBufferRange);
	for (uint32_t r0 = 0; r0 < mv->m; r0 += (uint32_t)chunk) {
		uint32_t rows = mv->m - r0 < chunk ? mv->m - r0 : (uint32_t)chunk;
		struct vk_spec_matmul spec = {
			.f = fused_spec(mv, rows),
			.nt = nt,
			.theta = rope_theta(mv),
			.ystride = mv->ystride,
			.postab = !!(mv->flags & OGX_VK_MV_POSTAB),
			/* The mat-vec's lanes per row: its sums, in its order. */
			.lanes = vk->row_per_invocation ? 1 : 64 / MV_ROWS,
		};
		err = weight_dispatch(p, vt->matmul, &spec, sizeof(spec), mv, w, x, y, aux, params, r0,
				      rows, rb, (rows + 63) / 64);
		if (err)
			return err;
	}
	return p->err;
}
