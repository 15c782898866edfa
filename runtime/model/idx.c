// SPDX-License-Identifier: GPL-2.0
/* IDX (MNIST) reader; see idx.h. Every size comes from the file: all checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "model/idx.h"
#include "util/err.h"
#include "util/file.h"

#define IDX_TYPE_U8 0x08

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Inflate a whole gzip stream into a malloc'd buffer of at most OGX_IDX_MAX_BYTES. */
static int gunzip(const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len)
{
	size_t cap = in_len < (1u << 20) ? 1u << 20 : in_len * 4;
	z_stream zs = { 0 };
	uint8_t *buf = NULL;
	int zr, err = 0;

	if (in_len > OGX_IDX_MAX_BYTES)
		return ogx_fail(-EFBIG, "gzip stream larger than %u bytes", OGX_IDX_MAX_BYTES);
	if (cap > OGX_IDX_MAX_BYTES)
		cap = OGX_IDX_MAX_BYTES;
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)in_len;
	for (;;) {
		if (!buf || zs.total_out == cap) {
			uint8_t *nb;

			if (buf) {
				if (cap == OGX_IDX_MAX_BYTES) {
					err = ogx_fail(-EFBIG, "decompressed size over %u bytes",
						       OGX_IDX_MAX_BYTES);
					break;
				}
				cap = cap * 2 > OGX_IDX_MAX_BYTES ? OGX_IDX_MAX_BYTES : cap * 2;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
		}
		zs.next_out = buf + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out);
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_BUF_ERROR && zs.avail_in == 0) {
			err = ogx_fail(-EINVAL, "gzip stream truncated");
			break;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			err = ogx_fail(-EINVAL, "gzip stream corrupt (%s)", zs.msg ? zs.msg : "?");
			break;
		}
	}
	if (!err && zs.avail_in)
		err = ogx_fail(-EINVAL, "%u trailing bytes after the gzip stream", zs.avail_in);
	*out_len = zs.total_out;
	inflateEnd(&zs);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	return 0;
}

static int parse_raw(const uint8_t *buf, size_t len, unsigned int ndim, struct ogx_idx *out)
{
	size_t hdr = 4 + 4 * (size_t)ndim, item = 1, total;

	if (len < 4)
		return ogx_fail(-EINVAL, "not an IDX file (%zu bytes, header needs 4)", len);
	if (buf[0] || buf[1])
		return ogx_fail(-EINVAL, "not an IDX file (bad magic %02x%02x)", buf[0], buf[1]);
	if (buf[2] != IDX_TYPE_U8)
		return ogx_fail(-EINVAL, "IDX element type 0x%02x unsupported (want 0x08, uint8)",
				buf[2]);
	if (buf[3] != ndim)
		return ogx_fail(-EINVAL, "IDX has %u dimensions, want %u", buf[3], ndim);
	if (len < hdr)
		return ogx_fail(-EINVAL, "IDX header truncated (%zu bytes, want %zu)", len, hdr);
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < ndim; i++) {
		out->dims[i] = be32(buf + 4 + 4 * i);
		if (!out->dims[i])
			return ogx_fail(-EINVAL, "IDX dimension %u is zero", i);
		if (i && __builtin_mul_overflow(item, (size_t)out->dims[i], &item))
			item = SIZE_MAX;
	}
	if (__builtin_mul_overflow(item, (size_t)out->dims[0], &total) ||
	    total > OGX_IDX_MAX_BYTES)
		return ogx_fail(-EINVAL, "IDX dimensions absurd (over %u bytes of data)",
				OGX_IDX_MAX_BYTES);
	if (len - hdr != total)
		return ogx_fail(-EINVAL, "IDX data is %zu bytes, dimensions say %zu", len - hdr,
				total);
	out->data = malloc(total);
	if (!out->data)
		return -ENOMEM;
	memcpy(out->data, buf + hdr, total);
	out->ndim = ndim;
	out->count = out->dims[0];
	out->item_size = item;
	return 0;
}

int ogx_idx_parse(const uint8_t *buf, size_t len, unsigned int ndim, struct ogx_idx *out)
{
	uint8_t *raw = NULL;
	size_t raw_len = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (ndim != 1 && ndim != 3)
		return ogx_fail(-EINVAL, "IDX with %u dimensions not supported", ndim);
	if (len < 2 || buf[0] != 0x1f || buf[1] != 0x8b)
		return parse_raw(buf, len, ndim, out);
	err = gunzip(buf, len, &raw, &raw_len);
	if (err)
		return err;
	err = parse_raw(raw, raw_len, ndim, out);
	free(raw);
	return err;
}

int ogx_idx_load(const char *path, unsigned int ndim, struct ogx_idx *out)
{
	uint8_t *buf;
	size_t len;
	int err;

	memset(out, 0, sizeof(*out));
	ogx_clearerr();		/* a plain -errno below must not show an older detail */
	err = ogx_read_regular_file(path, OGX_IDX_MAX_BYTES, &buf, &len);
	if (err)
		return err;
	err = ogx_idx_parse(buf, len, ndim, out);
	free(buf);
	return err;
}

/* Prefix the current error detail with the file it came from. */
static int fail_in(int err, const char *path)
{
	char msg[400];

	snprintf(msg, sizeof(msg), "%s", ogx_errmsg(err));
	return ogx_fail(err, "%s: %s", path, msg);
}

int ogx_idx_load_set(const char *images_path, const char *labels_path, unsigned int n_classes,
		     struct ogx_idx *images, struct ogx_idx *labels)
{
	int err;

	memset(labels, 0, sizeof(*labels));
	err = ogx_idx_load(images_path, 3, images);
	if (err)
		return fail_in(err, images_path);
	err = ogx_idx_load(labels_path, 1, labels);
	if (err) {
		err = fail_in(err, labels_path);
		goto fail;
	}
	if (images->count != labels->count) {
		err = ogx_fail(-EINVAL, "%s has %zu images but %s has %zu labels", images_path,
			       images->count, labels_path, labels->count);
		goto fail;
	}
	for (size_t i = 0; i < labels->count; i++) {
		if (labels->data[i] >= n_classes) {
			err = ogx_fail(-EINVAL, "%s: label %u of item %zu is not below %u",
				       labels_path, labels->data[i], i, n_classes);
			goto fail;
		}
	}
	return 0;
fail:
	ogx_idx_free(images);
	ogx_idx_free(labels);
	return err;
}

void ogx_idx_free(struct ogx_idx *idx)
{
	free(idx->data);
	memset(idx, 0, sizeof(*idx));
}
