/* SPDX-License-Identifier: GPL-2.0 */
/* ogverify subcommands: one file each, dispatched from the table in main.c. */
#ifndef OGVERIFY_H
#define OGVERIFY_H

#include "proof/record.h"

extern const char *prog;

int record_main(int argc, char **argv);
int spool_main(int argc, char **argv);
int chain_main(int argc, char **argv);
int batch_main(int argc, char **argv);

/* ogverify record --batch: 0 when the record (by digest) is in the batch; prints the proof. */
int record_in_batch(const uint8_t id[OGX_DIGEST_LEN], const char *batch_path,
		    const char *index_s, const char *path_s);
int log_main(int argc, char **argv);
int report_main(int argc, char **argv);

/* Print a record's fields for a person (used by several subcommands). */
void print_record(const struct ogx_record *r, const uint8_t id[OGX_DIGEST_LEN]);

#endif
