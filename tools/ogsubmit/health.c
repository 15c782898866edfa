// SPDX-License-Identifier: GPL-2.0
/*
 * ogsubmit run: the daemon's health — the clock it keeps time by, problems
 * logged once until they change (no log flood while a node is down), and
 * the back-off after RPC trouble. Everything else in the daemon calls these;
 * they call nothing of the daemon's (daemon.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "daemon.h"
#include "ogsubmit.h"

uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void problem(struct ogs *s, bool transport, const char *fmt, ...)
{
	char msg[sizeof(s->last_problem)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(msg, s->last_problem)) {
		fprintf(stderr, "%s: %s\n", prog, msg);
		snprintf(s->last_problem, sizeof(s->last_problem), "%s", msg);
	}
	s->problem_transport = transport;
}

void clear_problem(struct ogs *s)
{
	if (s->last_problem[0]) {
		fprintf(stderr, "%s: recovered\n", prog);
		s->last_problem[0] = '\0';
	}
}

void back_off(struct ogs *s)
{
	uint64_t d = s->backoff_ms ? s->backoff_ms * 2 : 100;

	if (d > 30000)
		d = 30000;
	s->backoff_ms = d;
	s->backoff_until_ms = now_ms() + d / 2 + randombytes_uniform(d / 2 + 1);
}

void rpc_ok(struct ogs *s)
{
	s->backoff_ms = 0;
	if (s->problem_transport)
		clear_problem(s);
}
