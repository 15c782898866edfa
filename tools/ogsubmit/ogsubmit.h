/* SPDX-License-Identifier: GPL-2.0 */
/* ogsubmit subcommands: one file each, dispatched from the table in main.c. */
#ifndef OGSUBMIT_H
#define OGSUBMIT_H

extern const char *prog;

/*
 * Each subcommand is parse_<cmd>_args(), which either stops the command with
 * its exit status (--help, bad options) or returns ARGS_OK, then a function
 * that runs it with one way out.
 */
enum { ARGS_OK = -1 };

int key_main(int argc, char **argv);
int send_main(int argc, char **argv);
int run_main(int argc, char **argv);
int check_main(int argc, char **argv);

#endif
