/* SPDX-License-Identifier: GPL-2.0 */
/* ogsubmit subcommands: one file each, dispatched from the table in main.c. */
#ifndef OGSUBMIT_H
#define OGSUBMIT_H

extern const char *prog;

#include "util/cli.h" /* OGX_ARGS_OK */

int key_main(int argc, char **argv);
int send_main(int argc, char **argv);
int run_main(int argc, char **argv);
int check_main(int argc, char **argv);

#endif
