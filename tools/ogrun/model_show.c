// SPDX-License-Identifier: GPL-2.0
/* ogrun model show REF: what a model is, its metadata and its tensors. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "model/gguf.h"
#include "model/probe.h"
#include "model/store.h"
#include "ogrun.h"
#include "util/err.h"

/* Strings from a file: printable bytes only, at most max shown. */
static void print_str(const uint8_t *s, uint64_t len, size_t max)
{
	putchar('"');
	for (uint64_t i = 0; i < len && i < max; i++)
		putchar(s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' ? s[i] : '?');
	putchar('"');
	if (len > max)
		printf("... (%" PRIu64 " bytes)", len);
}

static void print_scalar(const struct ogx_gguf_value *v)
{
	uint64_t u;
	int64_t i;
	double d;

	if (v->type == OGX_GGUF_BOOL)
		printf("%s", v->p[0] ? "true" : "false");
	else if (v->type == OGX_GGUF_STRING)
		print_str(v->p, v->n, 64);
	else if (!ogx_gguf_value_f64(v, &d))
		printf("%.9g", d);
	else if (!ogx_gguf_value_u64(v, &u))
		printf("%" PRIu64, u);
	else if (!ogx_gguf_value_i64(v, &i))
		printf("%" PRId64, i);
}

static void print_value(const struct ogx_gguf_value *v, int depth)
{
	struct ogx_gguf_value e;

	if (v->type != OGX_GGUF_ARRAY) {
		print_scalar(v);
		return;
	}
	putchar('[');
	for (uint64_t i = 0; i < v->n && i < 8; i++) {
		if (i)
			printf(", ");
		if (depth > 2) {
			printf("...");
			break;
		}
		if (!ogx_gguf_array_elem(v, i, &e))
			print_value(&e, depth + 1);
	}
	if (v->n > 8)
		printf(", ... %" PRIu64 " in all", v->n);
	putchar(']');
}

static int show_gguf(const char *path)
{
	struct ogx_gguf *g;
	uint64_t params = 0;
	int err = ogx_gguf_open(path, &g);

	if (err)
		return err;
	printf("format:   GGUF v%u, alignment %u, data at byte %zu\n", g->version, g->alignment,
	       g->data_offset);
	printf("metadata: %" PRIu64 " key%s\n", g->n_kv, g->n_kv == 1 ? "" : "s");
	for (uint64_t i = 0; i < g->n_kv; i++) {
		const struct ogx_gguf_value *v = &g->kv[i].v;
		char type[32];

		if (v->type == OGX_GGUF_ARRAY)
			snprintf(type, sizeof(type), "%s[%" PRIu64 "]",
				 ogx_gguf_vtype_name(v->elem_type), v->n);
		else
			snprintf(type, sizeof(type), "%s", ogx_gguf_vtype_name(v->type));
		printf("  %-40s %-12s ", g->kv[i].key, type);
		print_value(v, 0);
		putchar('\n');
	}
	for (uint64_t i = 0; i < g->n_tensors; i++)
		params += g->tensors[i].n_elements;
	printf("tensors:  %" PRIu64 ", %" PRIu64 " parameters\n", g->n_tensors, params);
	if (g->n_tensors)
		printf("  %-32s %-5s %-24s %12s %12s\n", "NAME", "TYPE", "DIMS (ggml order)", "BYTES",
		       "OFFSET");
	for (uint64_t i = 0; i < g->n_tensors; i++) {
		const struct ogx_gguf_tensor *t = &g->tensors[i];
		char dims[96];
		size_t n = 0;

		for (uint32_t d = 0; d < t->n_dims; d++)
			n += (size_t)snprintf(dims + n, sizeof(dims) - n, "%s%" PRIu64, d ? " x " : "",
					      t->ne[d]);
		printf("  %-32s %-5s %-24s %12zu %12" PRIu64 "\n", t->name,
		       ogx_ggml_type_name(t->type), dims, t->size, t->offset);
	}
	ogx_gguf_close(g);
	return 0;
}

static void show_llama2c(const struct ogx_model_probe *p)
{
	const struct ogx_llama_config *c = &p->llama;

	printf("format:   llama2.c checkpoint (legacy version 0), float32 weights\n");
	printf("config:   dim %u, hidden_dim %u, n_layers %u, n_heads %u, n_kv_heads %u,\n"
	       "          vocab_size %u, seq_len %u\n",
	       c->dim, c->hidden_dim, c->n_layers, c->n_heads, c->n_kv_heads, c->vocab_size,
	       c->seq_len);
	printf("tensors:  %" PRIu64 ", %" PRIu64 " floats in the file\n", p->n_tensors,
	       p->n_params);
}

int model_show_main(int argc, char **argv)
{
	char path[PATH_MAX], id[OGX_MODEL_ID_LEN + 1], size[32];
	struct ogx_model_probe p;
	int err;

	if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc == 2 ? stdout : stderr, "Usage: %s model show REF\n", prog);
		return argc == 2 ? 0 : 2;
	}
	if (model_resolve(argv[1], path, sizeof(path), id))
		return 1;
	err = ogx_model_probe(path, &p);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[1], ogx_errmsg(err));
		return 1;
	}
	model_format_size(size, sizeof(size), p.size);
	printf("id:       %s\n", id);
	printf("file:     %s\n", path);
	printf("size:     %" PRIu64 " bytes (%s)\n", p.size, size);
	printf("arch:     %s\n", p.arch);
	if (p.format == OGX_FORMAT_GGUF)
		err = show_gguf(path);
	else
		show_llama2c(&p);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[1], ogx_errmsg(err));
		return 1;
	}
	return 0;
}
