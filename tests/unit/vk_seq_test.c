// SPDX-License-Identifier: GPL-2.0
/*
 * Several Llama sequences over one copy of the weights on Vulkan (lavapipe
 * here, validation layers on), as the server runs its streams: each
 * sequence's logits, stepped in turn with the others (and with one freed and
 * another made in the middle), are bit for bit those of the same tokens run
 * alone on a model of its own; and stepped jointly, in one submission
 * (ogx_vk_llama_forward_streams()), bit for bit their own steps.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "model/llama.h"
#include "model/llama2c.h"
#include "model/llama_gguf.h"
#include "util/err.h"
#include "vk/device.h"
#include "vk/llama.h"
#include "vk/llama_streams.h"
#include "vk/ops.h"

#define NSEQ 3
#define STEPS 40
#define PROMPT 13	/* prompt tokens of sequence 1: a batch of 8 and a partial one */

FIXTURE(seq) {
	struct ogx_vk *vk;
	struct ogx_llama2c ck;
	uint32_t vocab;
};

FIXTURE_SETUP(seq)
{
	struct ogx_vk_opts o = { .validation = true, .no_cache = true };
	const char *d = getenv("OGX_MODELS");
	char path[512];
	int err;

	snprintf(path, sizeof(path), "%s/stories260K/stories260K.bin",
		 d && *d ? d : "../shared/models");
	err = ogx_llama2c_open(&self->ck, path);
	if (err)
		TH_LOG("%s: %s", path, ogx_errmsg(err));
	ASSERT_EQ(0, err);
	self->vocab = self->ck.w.cfg.vocab_size;
	err = ogx_vk_open(&o, &self->vk);
	if (err)
		TH_LOG("%s", ogx_errmsg(err));
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(seq)
{
	unsigned errors = self->vk ? self->vk->validation_errors : 0;

	ogx_vk_close(self->vk);
	ogx_llama2c_close(&self->ck);
	ASSERT_EQ(0, errors);
}

/* Sequence i's prompt: token 1 (BOS), then PROMPT - 1 more for i == 1. */
static uint32_t prompt_len(unsigned i)
{
	return i == 1 ? PROMPT : 1;
}

static uint32_t prompt_tok(unsigned i, uint32_t p, uint32_t vocab)
{
	return p ? 3 + (p * 37 + i * 11) % (vocab - 3) : 1;
}

/*
 * Step t of sequence i: its prompt (all but the last token as a prefill),
 * then greedy tokens fed back. logits (vocab floats) of the step.
 */
struct run {
	struct ogx_vk_llama_seq *s;
	uint32_t pos, next;
};

static int step(struct run *r, unsigned i, uint32_t vocab, float *logits)
{
	const float *lg;
	uint32_t n = prompt_len(i), tok, am;
	int err;

	if (r->pos == 0 && n > 1) {
		uint32_t p[PROMPT];

		for (uint32_t k = 0; k < n - 1; k++)
			p[k] = prompt_tok(i, k, vocab);
		err = ogx_vk_llama_seq_prefill(r->s, p, n - 1, 0);
		if (err)
			return err;
		r->pos = n - 1;
	}
	tok = r->pos < n ? prompt_tok(i, r->pos, vocab) : r->next;
	err = ogx_vk_llama_seq_forward(r->s, tok, r->pos, &lg, &am);
	if (err)
		return err;
	memcpy(logits, lg, vocab * sizeof(float));
	r->next = am;
	r->pos++;
	return 0;
}

TEST_F(seq, interleaved_equal_alone)
{
	uint32_t v = self->vocab;
	float *alone = calloc((size_t)NSEQ * STEPS * v, sizeof(float));
	float *got = calloc(v, sizeof(float));
	struct ogx_vk_llama *m;
	struct run r[NSEQ] = { 0 };

	ASSERT_NE(NULL, alone);
	ASSERT_NE(NULL, got);
	/* Each sequence alone: a model of its own (weights and one sequence). */
	for (unsigned i = 0; i < NSEQ; i++) {
		struct ogx_vk_llama *own;
		struct run a = { 0 };

		ASSERT_EQ(0, ogx_vk_llama_load(self->vk, &self->ck.w, &own));
		ASSERT_EQ(0, ogx_vk_llama_seq_new(own, &a.s));
		for (unsigned t = 0; t < STEPS; t++)
			ASSERT_EQ(0, step(&a, i, v, alone + ((size_t)i * STEPS + t) * v));
		ogx_vk_llama_seq_free(a.s);
		ogx_vk_llama_free(own);
	}
	/*
	 * Together over one upload of the weights, in turn. Sequence 2 starts
	 * on a fresh sequence made after another one was freed half way.
	 */
	ASSERT_EQ(0, ogx_vk_llama_load(self->vk, &self->ck.w, &m));
	for (unsigned i = 0; i < NSEQ; i++)
		ASSERT_EQ(0, ogx_vk_llama_seq_new(m, &r[i].s));
	for (unsigned t = 0; t < STEPS; t++) {
		if (t == STEPS / 2) {
			ogx_vk_llama_seq_free(r[2].s);
			memset(&r[2], 0, sizeof(r[2]));
			ASSERT_EQ(0, ogx_vk_llama_seq_new(m, &r[2].s));
		}
		for (unsigned i = 0; i < NSEQ; i++) {
			unsigned want = i == 2 && t >= STEPS / 2 ? t - STEPS / 2 : t;

			ASSERT_EQ(0, step(&r[i], i, v, got));
			if (memcmp(got, alone + ((size_t)i * STEPS + want) * v, v * sizeof(float)))
				TH_LOG("sequence %u, step %u: logits differ from its lone run", i, t);
			ASSERT_EQ(0, memcmp(got, alone + ((size_t)i * STEPS + want) * v,
					    v * sizeof(float)));
		}
	}
	for (unsigned i = 0; i < NSEQ; i++)
		ogx_vk_llama_seq_free(r[i].s);
	ogx_vk_llama_free(m);
	free(alone);
	free(got);
}

/* A sequence's position past the context is refused with the numbers. */
TEST_F(seq, position_past_context)
{
	struct ogx_vk_llama *m;
	struct ogx_vk_llama_seq *s;
	uint32_t ctx = self->ck.w.cfg.seq_len, toks[2] = { 1, 1 };
	char want[128];
	int err;

	ASSERT_EQ(0, ogx_vk_llama_load(self->vk, &self->ck.w, &m));
	ASSERT_EQ(0, ogx_vk_llama_seq_new(m, &s));
	err = ogx_vk_llama_seq_forward(s, 1, ctx, NULL, NULL);
	ASSERT_EQ(-EINVAL, err);
	snprintf(want, sizeof(want), "position %u is past the context (%u)", ctx, ctx);
	ASSERT_STREQ(want, ogx_errmsg(err));
	err = ogx_vk_llama_seq_prefill(s, toks, 2, ctx - 1);
	ASSERT_EQ(-EINVAL, err);
	snprintf(want, sizeof(want), "positions %u..%u are past the context (%u)", ctx - 1, ctx,
		 ctx);
	ASSERT_STREQ(want, ogx_errmsg(err));
	ogx_vk_llama_seq_free(s);
	ogx_vk_llama_free(m);
}

/*
 * A prompt prefilled in batches (mat-mat) leaves the KV entries of the same
 * tokens stepped one by one (mat-vec): the mat-mat sums in the mat-vec's
 * order, so the next step's logits are the same bytes, at F32 and Q4_0.
 */
static void prefill_case(struct __test_metadata *_metadata, struct ogx_vk *vk,
			 const struct ogx_llama_weights *w)
{
	uint32_t vocab = w->cfg.vocab_size, p[37];
	struct ogx_vk_llama_seq *batched, *stepped;
	const float *lg;
	float *want = malloc(vocab * sizeof(float));
	struct ogx_vk_llama *m;

	ASSERT_NE(NULL, want);
	for (uint32_t k = 0; k < 37; k++)
		p[k] = prompt_tok(1, k, vocab);
	ASSERT_EQ(0, ogx_vk_llama_load(vk, w, &m));
	ASSERT_EQ(0, ogx_vk_llama_seq_new(m, &batched));
	ASSERT_EQ(0, ogx_vk_llama_seq_new(m, &stepped));
	for (uint32_t k = 0; k < 36; k++)
		ASSERT_EQ(0, ogx_vk_llama_seq_forward(stepped, p[k], k, NULL, NULL));
	ASSERT_EQ(0, ogx_vk_llama_seq_forward(stepped, p[36], 36, &lg, NULL));
	memcpy(want, lg, vocab * sizeof(float));
	ASSERT_EQ(0, ogx_vk_llama_seq_prefill(batched, p, 36, 0));
	ASSERT_EQ(0, ogx_vk_llama_seq_forward(batched, p[36], 36, &lg, NULL));
	ASSERT_EQ(0, memcmp(want, lg, vocab * sizeof(float)));
	ogx_vk_llama_seq_free(batched);
	ogx_vk_llama_seq_free(stepped);
	ogx_vk_llama_free(m);
	free(want);
}

/* w converted to a GGUF file of type t, opened (the file itself already unlinked). */
static void open_as(struct __test_metadata *_metadata, const struct ogx_llama_weights *w,
		    enum ogx_wtype t, struct ogx_llama_gguf *g)
{
	char tmp[] = "/tmp/ogx-vk-seq-XXXXXX";
	int fd = mkstemp(tmp);

	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_EQ(0, ogx_llama_gguf_save(w, NULL, t, "t", tmp, NULL));
	ASSERT_EQ(0, ogx_llama_gguf_open(g, tmp));
	unlink(tmp);
}

TEST_F(seq, prefill_equals_steps)
{
	struct ogx_llama_gguf g;

	prefill_case(_metadata, self->vk, &self->ck.w);
	open_as(_metadata, &self->ck.w, OGX_WTYPE_Q4_0, &g);
	prefill_case(_metadata, self->vk, &g.w);
	ogx_llama_gguf_close(&g);
}

/*
 * The joint step (ogx_vk_llama_forward_streams()): each stream's logits and
 * greedy choice are bit for bit those of its own ogx_vk_llama_seq_forward()
 * for the same token and position, for 1, 2, 3 and 8 streams on different
 * prompts at different depths (one at position 0 beside one 100 tokens
 * deep), in every weight type, with the mat-vec split either way (one row
 * per invocation, lanes per row), while the set of sequences changes
 * between steps; every refusal with its exact error.
 */
#define MAXS 8
#define JSTEPS 10

/*
 * A stream: the sequence stepped jointly and a twin stepped alone, both at
 * pos with the same next token. Stream i's prompt (its own tokens) has
 * plen(i) tokens, all but the last prefilled into both.
 */
struct stream {
	struct ogx_vk_llama_seq *joint, *alone;
	uint32_t pos, tok;
};

static uint32_t plen(unsigned i)
{
	static const uint32_t len[MAXS] = { 1, 101, 13, 2, 40, 1, 77, 9 };

	return len[i % MAXS];
}

static int stream_start(struct ogx_vk_llama *m, struct stream *s, unsigned i, uint32_t vocab)
{
	uint32_t n = plen(i), p[128];
	int err;

	memset(s, 0, sizeof(*s));
	err = ogx_vk_llama_seq_new(m, &s->joint);
	err = err ?: ogx_vk_llama_seq_new(m, &s->alone);
	for (uint32_t k = 0; k < n; k++)
		p[k] = prompt_tok(i, k, vocab);
	if (!err && n > 1) {
		err = ogx_vk_llama_seq_prefill(s->joint, p, n - 1, 0);
		err = err ?: ogx_vk_llama_seq_prefill(s->alone, p, n - 1, 0);
	}
	s->pos = n - 1;
	s->tok = p[n - 1];
	return err;
}

static void stream_end(struct stream *s)
{
	ogx_vk_llama_seq_free(s->joint);
	ogx_vk_llama_seq_free(s->alone);
	memset(s, 0, sizeof(*s));
}

/*
 * One joint step of the streams sel[0..n) against each one's lone step:
 * logits and argmax equal bit for bit; the greedy token is fed back.
 */
static void joint_step(struct __test_metadata *_metadata, struct ogx_vk_llama_streams *js,
		       struct stream *s, const unsigned *sel, unsigned n, uint32_t vocab)
{
	struct ogx_vk_llama_seq *seqs[MAXS];
	uint32_t tok[MAXS], pos[MAXS], am[MAXS];
	const float *lg;
	float *joint = malloc((size_t)n * vocab * sizeof(float));

	ASSERT_NE(NULL, joint);
	for (unsigned k = 0; k < n; k++) {
		seqs[k] = s[sel[k]].joint;
		tok[k] = s[sel[k]].tok;
		pos[k] = s[sel[k]].pos;
	}
	ASSERT_EQ(0, ogx_vk_llama_forward_streams(js, seqs, tok, pos, n, &lg, am));
	memcpy(joint, lg, (size_t)n * vocab * sizeof(float));
	for (unsigned k = 0; k < n; k++) {
		struct stream *st = &s[sel[k]];
		uint32_t want;

		ASSERT_EQ(0, ogx_vk_llama_seq_forward(st->alone, st->tok, st->pos, &lg, &want));
		if (memcmp(joint + (size_t)k * vocab, lg, vocab * sizeof(float)))
			TH_LOG("%u streams: stream %u at position %u: logits differ from its "
			       "lone step", n, sel[k], st->pos);
		ASSERT_EQ(0, memcmp(joint + (size_t)k * vocab, lg, vocab * sizeof(float)));
		ASSERT_EQ(want, am[k]);
		st->tok = am[k];
		st->pos++;
	}
	free(joint);
}

static void streams_case(struct __test_metadata *_metadata, struct ogx_vk *vk,
			 const struct ogx_llama_weights *w, unsigned n)
{
	uint32_t vocab = w->cfg.vocab_size;
	struct stream s[MAXS];
	unsigned sel[MAXS];
	struct ogx_vk_llama_streams *js;
	struct ogx_vk_llama *m;

	ASSERT_EQ(0, ogx_vk_llama_load(vk, w, &m));
	ASSERT_EQ(MAXS, ogx_vk_llama_streams_max(m));
	ASSERT_EQ(0, ogx_vk_llama_streams_new(m, &js));
	for (unsigned i = 0; i < n; i++) {
		ASSERT_EQ(0, stream_start(m, &s[i], i, vocab));
		sel[i] = i;
	}
	for (unsigned t = 0; t < JSTEPS; t++)
		joint_step(_metadata, js, s, sel, n, vocab);
	for (unsigned i = 0; i < n; i++)
		stream_end(&s[i]);
	ogx_vk_llama_streams_free(js);
	ogx_vk_llama_free(m);
}

TEST_F(seq, streams_one_two_three_eight_equal_alone)
{
	static const unsigned counts[] = { 1, 2, 3, 8 };

	for (unsigned c = 0; c < 4; c++)
		streams_case(_metadata, self->vk, &self->ck.w, counts[c]);
}

/* The mat-mat sums each weight type's blocks as the mat-vec does. */
TEST_F(seq, streams_weight_types_equal_alone)
{
	static const enum ogx_wtype types[] = { OGX_WTYPE_F16, OGX_WTYPE_Q8_0, OGX_WTYPE_Q4_0 };

	for (unsigned t = 0; t < 3; t++) {
		struct ogx_llama_gguf g;

		open_as(_metadata, &self->ck.w, types[t], &g);
		TH_LOG("%s", ogx_wtype_name(types[t]));
		streams_case(_metadata, self->vk, &g.w, 3);
		ogx_llama_gguf_close(&g);
	}
}

/*
 * A GPU's mat-vec (lanes per row and a tree reduction; OGX_VK_MATVEC=coop),
 * run here on lavapipe: the mat-mat sums in that order too.
 */
TEST_F(seq, streams_lane_split_equal_alone)
{
	struct ogx_llama_gguf g;

	self->vk->row_per_invocation = false;
	streams_case(_metadata, self->vk, &self->ck.w, 3);
	open_as(_metadata, &self->ck.w, OGX_WTYPE_Q4_0, &g);
	streams_case(_metadata, self->vk, &g.w, 2);
	ogx_llama_gguf_close(&g);
}

/*
 * The set of sequences changes between steps as a server's streams come
 * and go: a stream leaves, the order changes, one is freed and a new one
 * (maybe at the same address) joins; each step still equals the lone ones.
 */
TEST_F(seq, streams_changing_sets_equal_alone)
{
	uint32_t vocab = self->vocab;
	static const unsigned all[] = { 0, 1, 2 }, two[] = { 2, 0 }, back[] = { 1, 0, 2 };
	struct stream s[3];
	struct ogx_vk_llama_streams *js;
	struct ogx_vk_llama *m;

	ASSERT_EQ(0, ogx_vk_llama_load(self->vk, &self->ck.w, &m));
	ASSERT_EQ(0, ogx_vk_llama_streams_new(m, &js));
	for (unsigned i = 0; i < 3; i++)
		ASSERT_EQ(0, stream_start(m, &s[i], i, vocab));
	joint_step(_metadata, js, s, all, 3, vocab);
	joint_step(_metadata, js, s, two, 2, vocab);
	joint_step(_metadata, js, s, all, 3, vocab);
	stream_end(&s[1]);
	ASSERT_EQ(0, stream_start(m, &s[1], 4, vocab));
	joint_step(_metadata, js, s, back, 3, vocab);
	joint_step(_metadata, js, s, two, 2, vocab);
	joint_step(_metadata, js, s, back, 3, vocab);
	for (unsigned i = 0; i < 3; i++)
		stream_end(&s[i]);
	ogx_vk_llama_streams_free(js);
	ogx_vk_llama_free(m);
}

TEST_F(seq, streams_refusals)
{
	struct ogx_vk_llama *m, *other;
	struct ogx_vk_llama_seq *seqs[MAXS + 1], *foreign, *keep;
	struct ogx_vk_llama_streams *js;
	uint32_t ctx = self->ck.w.cfg.seq_len, vocab = self->vocab;
	uint32_t tok[MAXS + 1], pos[MAXS + 1];
	char want[512];
	int err;

	ASSERT_EQ(0, ogx_vk_llama_load(self->vk, &self->ck.w, &m));
	ASSERT_EQ(0, ogx_vk_llama_streams_new(m, &js));
	ASSERT_EQ(0, ogx_vk_llama_load(self->vk, &self->ck.w, &other));
	ASSERT_EQ(0, ogx_vk_llama_seq_new(other, &foreign));
	for (unsigned i = 0; i <= MAXS; i++) {
		ASSERT_EQ(0, ogx_vk_llama_seq_new(m, &seqs[i]));
		tok[i] = 1;
		pos[i] = i;
	}

	err = ogx_vk_llama_forward_streams(js, seqs, tok, pos, 0, NULL, NULL);
	ASSERT_EQ(-EINVAL, err);
	ASSERT_STREQ("a joint step of no streams", ogx_errmsg(err));

	err = ogx_vk_llama_forward_streams(js, seqs, tok, pos, MAXS + 1, NULL, NULL);
	ASSERT_EQ(-E2BIG, err);
	snprintf(want, sizeof(want), "%u streams in one step, %s takes %u at most", MAXS + 1,
		 self->vk->desc.name, MAXS);
	ASSERT_STREQ(want, ogx_errmsg(err));

	keep = seqs[1];
	seqs[1] = foreign;
	err = ogx_vk_llama_forward_streams(js, seqs, tok, pos, 2, NULL, NULL);
	ASSERT_EQ(-EINVAL, err);
	ASSERT_STREQ("stream 1: not a sequence of this model", ogx_errmsg(err));
	seqs[1] = seqs[0];
	err = ogx_vk_llama_forward_streams(js, seqs, tok, pos, 2, NULL, NULL);
	ASSERT_EQ(-EINVAL, err);
	ASSERT_STREQ("streams 0 and 1: the same sequence", ogx_errmsg(err));
	seqs[1] = keep;

	pos[2] = ctx;
	err = ogx_vk_llama_forward_streams(js, seqs, tok, pos, 3, NULL, NULL);
	ASSERT_EQ(-EINVAL, err);
	snprintf(want, sizeof(want), "stream 2: position %u is past the context (%u)", ctx, ctx);
	ASSERT_STREQ(want, ogx_errmsg(err));
	pos[2] = 2;

	tok[0] = vocab;
	err = ogx_vk_llama_forward_streams(js, seqs, tok, pos, 3, NULL, NULL);
	ASSERT_EQ(-EINVAL, err);
	snprintf(want, sizeof(want), "stream 0: token %u is outside the vocabulary (%u)", vocab,
		 vocab);
	ASSERT_STREQ(want, ogx_errmsg(err));
	tok[0] = 1;

	/* One stream is its own step, with its own checks. */
	pos[0] = ctx;
	err = ogx_vk_llama_forward_streams(js, seqs, tok, pos, 1, NULL, NULL);
	ASSERT_EQ(-EINVAL, err);
	snprintf(want, sizeof(want), "stream 0: position %u is past the context (%u)", ctx, ctx);
	ASSERT_STREQ(want, ogx_errmsg(err));

	for (unsigned i = 0; i <= MAXS; i++)
		ogx_vk_llama_seq_free(seqs[i]);
	ogx_vk_llama_seq_free(foreign);
	ogx_vk_llama_streams_free(js);
	ogx_vk_llama_free(other);
	ogx_vk_llama_free(m);
}

/* The dispatches one joint step of n streams submits. */
static unsigned long joint_dispatches(struct __test_metadata *_metadata, struct ogx_vk *vk,
				      const struct ogx_llama_weights *w, unsigned n)
{
	struct ogx_vk_llama_seq *seqs[MAXS];
	uint32_t tok[MAXS], pos[MAXS];
	struct ogx_vk_llama_streams *js;
	struct ogx_vk_llama *m;
	unsigned long before;

	ASSERT_EQ(0, ogx_vk_llama_load(vk, w, &m));
	ASSERT_EQ(0, ogx_vk_llama_streams_new(m, &js));
	for (unsigned i = 0; i < n; i++) {
		ASSERT_EQ(0, ogx_vk_llama_seq_new(m, &seqs[i]));
		tok[i] = 1 + i;
		pos[i] = i;
	}
	before = vk->dispatches;
	ASSERT_EQ(0, ogx_vk_llama_forward_streams(js, seqs, tok, pos, n, NULL, NULL));
	before = vk->dispatches - before;
	for (unsigned i = 0; i < n; i++)
		ogx_vk_llama_seq_free(seqs[i]);
	ogx_vk_llama_streams_free(js);
	ogx_vk_llama_free(m);
	return before;
}

/*
 * A layer's KV store and attention are one dispatch each for all the
 * streams (kv_store_streams, attention_streams): 9 a layer whatever n, then
 * the classifier and an argmax per stream. Forced apart, 7 + 2n.
 */
TEST_F(seq, streams_one_attention_dispatch_per_layer)
{
	unsigned long l = self->ck.w.cfg.n_layers;

	ASSERT_EQ(l * 9 + 1 + 2, joint_dispatches(_metadata, self->vk, &self->ck.w, 2));
	ASSERT_EQ(l * 9 + 1 + 8, joint_dispatches(_metadata, self->vk, &self->ck.w, 8));
	self->vk->streams_apart = true;
	ASSERT_EQ(l * (7 + 2 * 8) + 1 + 8, joint_dispatches(_metadata, self->vk, &self->ck.w, 8));
	streams_case(_metadata, self->vk, &self->ck.w, 3);
}

/*
 * A device that allows fewer storage buffers per shader stage than the 19
 * the joint shaders bind (Vulkan's minimum is 4; lavapipe's 32 lowered
 * here): the joint ops refuse, and the joint step keeps a dispatch per
 * stream, still bit for bit each stream's own step.
 */
TEST_F(seq, streams_few_bindings_fall_back)
{
	struct ogx_vk *vk = self->vk;
	unsigned long l = self->ck.w.cfg.n_layers;
	const struct ogx_vk_buf *kc[2], *vc[2];
	struct ogx_vk_prog p;
	struct ogx_vk_buf b;
	char want[512];
	int err;

	vk->props.limits.maxPerStageDescriptorStorageBuffers = 18;
	ASSERT_FALSE(ogx_vk_streams_bindable(vk));
	ASSERT_EQ(0, ogx_vk_buf_alloc(vk, 4096, "test", &b));
	kc[0] = kc[1] = vc[0] = vc[1] = &b;
	ASSERT_EQ(0, ogx_vk_prog_begin(vk, 2, &p));
	err = ogx_vk_op_attention_streams(&p, 2, 2, 8, 16, 2, &b, kc, vc, &b, &b);
	ASSERT_EQ(-EOPNOTSUPP, err);
	snprintf(want, sizeof(want), "attention: %s allows 18 storage buffers per shader stage, "
		 "a joint step binds 19", vk->desc.name);
	ASSERT_STREQ(want, ogx_errmsg(err));
	err = ogx_vk_op_kv_store_streams(&p, 16, 16, 2, &b, &b, kc, vc, &b);
	ASSERT_EQ(-EOPNOTSUPP, err);
	snprintf(want, sizeof(want), "KV store: %s allows 18 storage buffers per shader stage, "
		 "a joint step binds 19", vk->desc.name);
	ASSERT_STREQ(want, ogx_errmsg(err));
	ogx_vk_prog_free(&p);
	ogx_vk_buf_free(vk, &b);

	ASSERT_EQ(l * (7 + 2 * 3) + 1 + 3, joint_dispatches(_metadata, vk, &self->ck.w, 3));
	streams_case(_metadata, vk, &self->ck.w, 3);
	streams_case(_metadata, vk, &self->ck.w, 8);
}

TEST_HARNESS_MAIN
