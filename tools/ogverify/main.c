// SPDX-License-Identifier: GPL-2.0
/* ogverify: placeholder entry point (replaced in this series). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "ogverify: not built yet\n");
	return 1;
}
