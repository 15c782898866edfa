// SPDX-License-Identifier: GPL-2.0
/* ogrun run: placeholder until the record lands (replaced in this series). */
#include <stdio.h>

#include "ogrun.h"

int run_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "%s: run: not built yet\n", prog);
	return 1;
}
