// SPDX-License-Identifier: GPL-2.0
/* See probe.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "model/gguf.h"
#include "model/llama2c.h"
#include "model/probe.h"
#include "util/err.h"

static int probe_gguf(const char *path, struct ogx_model_probe *p)
{
	struct ogx_gguf *g;
	const char *arch;
	size_t len;
	int err = ogx_gguf_open(path, &g);

	if (err)
		return err;
	p->format = OGX_FORMAT_GGUF;
	p->size = g->file_size;
	p->n_tensors = g->n_tensors;
	for (uint64_t i = 0; i < g->n_tensors; i++)
		p->n_params += g->tensors[i].n_elements;
	snprintf(p->arch, sizeof(p->arch), "?");
	if (!ogx_gguf_get_str(g, "general.architecture", &arch, &len)) {
		if (len >= sizeof(p->arch))
			len = sizeof(p->arch) - 1;
		/* shown to people: printable bytes only */
		for (size_t i = 0; i < len; i++)
			p->arch[i] = arch[i] >= 0x20 && arch[i] < 0x7f ? arch[i] : '?';
		p->arch[len] = '\0';
	}
	ogx_clearerr();
	ogx_gguf_close(g);
	return 0;
}

static int probe_llama2c(const char *path, struct ogx_model_probe *p)
{
	struct ogx_llama2c ck;
	const struct ogx_llama_config *c;
	int err = ogx_llama2c_open(&ck, path);

	if (err)
		return err;
	c = &ck.w.cfg;
	p->format = OGX_FORMAT_LLAMA2C;
	p->llama = *c;
	p->size = ck.size;
	snprintf(p->arch, sizeof(p->arch), "llama");
	/* embedding, per layer 2 norms + 7 matrices, final norm, classifier */
	p->n_tensors = 2 + 9ull * c->n_layers + !ck.shared_classifier;
	p->n_params = (uint64_t)(ck.size - OGX_LLAMA2C_HEADER_BYTES) / 4;
	ogx_llama2c_close(&ck);
	return 0;
}

int ogx_model_probe(const char *path, struct ogx_model_probe *p)
{
	char magic[4] = { 0 };
	ssize_t n;
	int fd, err;

	memset(p, 0, sizeof(*p));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, magic, sizeof(magic));
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	if (n == 4 && !memcmp(magic, OGX_GGUF_MAGIC, 4))
		return probe_gguf(path, p);
	err = probe_llama2c(path, p);
	if (err == -EINVAL || err == -EOVERFLOW) {
		char why[256];

		/* copied first: ogx_fail() reuses the buffer ogx_errmsg() points into */
		snprintf(why, sizeof(why), "%s", ogx_errmsg(err));
		return ogx_fail(-EBADMSG, "not a GGUF file (bad magic) nor a llama2.c checkpoint (%s)",
				why);
	}
	return err;
}

void ogx_model_format_str(const struct ogx_model_probe *p, char *buf, size_t size)
{
	if (p->format == OGX_FORMAT_GGUF)
		snprintf(buf, size, "gguf/%s", p->arch);
	else
		snprintf(buf, size, "llama2c");
}
