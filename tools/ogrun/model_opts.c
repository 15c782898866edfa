// SPDX-License-Identifier: GPL-2.0
/*
 * Option values the model commands share: counts and weight types parsed
 * (the error printed as one line), sizes printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "ogrun.h"

int model_parse_count(const char *what, const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *out > max) {
		fprintf(stderr, "%s: %s '%s' is not a number from 0 to %lu\n", prog, what, s, max);
		return -EINVAL;
	}
	return 0;
}

int model_parse_wtype(const char *s, enum ogx_wtype *t)
{
	static const struct { const char *name; enum ogx_wtype t; } types[] = {
		{ "f32", OGX_WTYPE_F32 }, { "f16", OGX_WTYPE_F16 },
		{ "q8_0", OGX_WTYPE_Q8_0 }, { "q4_0", OGX_WTYPE_Q4_0 },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(s, types[i].name)) {
			*t = types[i].t;
			return 0;
		}
	fprintf(stderr, "%s: model: type '%s' is not f32, f16, q8_0 or q4_0\n", prog, s);
	return -EINVAL;
}

void model_format_size(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
}
