/* SPDX-License-Identifier: GPL-2.0 */
/* ogrun subcommands: one file each, dispatched from the table in main.c. */
#ifndef OGRUN_H
#define OGRUN_H

#include "model/matvec.h"

#include <stddef.h>
#include <stdint.h>

extern const char *prog;

int generate_main(int argc, char **argv);
int key_main(int argc, char **argv);
int chain_main(int argc, char **argv);
int run_main(int argc, char **argv);
int serve_main(int argc, char **argv);
int model_main(int argc, char **argv);
int tee_report_main(int argc, char **argv);

/* ogrun model <command>: one file each (model_<command>.c), table in model.c. */
int model_add_main(int argc, char **argv);
int model_list_main(int argc, char **argv);
int model_show_main(int argc, char **argv);

/* ogrun model train|quantize|eval: the MLP classifier (model_*.c). */
int model_train_main(int argc, char **argv);
int model_quantize_main(int argc, char **argv);
int model_eval_main(int argc, char **argv);
/* ogrun model synth|convert: Llama-2 GGUF files (model_synth.c, model_convert.c). */
int model_synth_main(int argc, char **argv);
int model_convert_main(int argc, char **argv);

/* Resolve a model reference (file, name, id, id prefix); prints the error (model_ref.c). */
int model_resolve(const char *ref, char *path, size_t size, char *id);

/* The model commands' option values (model_opts.c). */
/* f32|f16|q8_0|q4_0 (any case) for --type; prints the error. */
int model_parse_wtype(const char *s, enum ogx_wtype *t);
/* Parse a decimal count from 0 to max for option what; prints the error. */
int model_parse_count(const char *what, const char *s, unsigned long max, unsigned long *out);
/* "1.5 MiB" */
void model_format_size(char *buf, size_t size, uint64_t bytes);

#include "proof/signer.h"

/*
 * Open the signer for a job command: key and spool default to $OGX_HOME's;
 * a level not in levels (what the caller can provide) is refused, never
 * downgraded. Prints the error line itself. spool_used (may be NULL)
 * receives the spool's path.
 */
int open_signer(struct ogx_signer *p, const char *key, const char *spool, uint32_t level,
		unsigned int levels, char *spool_used, size_t size);

/*
 * -ENOENT, with the one line that says how to make it, when the node key
 * does not exist (a new user's first job ends here); else 0.
 */
int key_missing(const char *key);

/* The set of levels a caller can provide, for open_signer(). */
#define OGX_LEVELS(l) (1u << (l))

#endif
