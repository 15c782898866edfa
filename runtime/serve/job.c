// SPDX-License-Identifier: GPL-2.0
/* A job and what it owns (job.h). */
#include <stdlib.h>

#include "serve/job.h"

void ogx_job_free(struct job *j)
{
	if (!j)
		return;
	free(j->input);
	free(j->prompt);
	for (size_t i = 0; i < j->payment.n; i++)
		free(j->payment.e[i].data);
	free(j->paid);
	free(j->upto);
	free(j->extra_headers);
	free(j);
}
