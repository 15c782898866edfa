/* SPDX-License-Identifier: GPL-2.0 */
/* ogrun subcommands: one file each, dispatched from the table in main.c. */
#ifndef OGRUN_H
#define OGRUN_H

extern const char *prog;

int generate_main(int argc, char **argv);
int key_main(int argc, char **argv);
int run_main(int argc, char **argv);

#endif
