// SPDX-License-Identifier: GPL-2.0
/*
 * ogrun model <command>: the node's model store (runtime/model/store.h).
 *
 * Each model command is one entry of the table below, implemented in
 * tools/ogrun/model_<command>.c (add and list, the store's own, live here)
 * and declared in ogrun.h. To add one: write model_<name>.c with
 * `int model_<name>_main(int argc, char **argv)` (argv[0] is "<name>"),
 * declare it in ogrun.h, add a line to model_commands[].
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/store.h"
#include "ogrun.h"
#include "util/err.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *description;
} model_commands[] = {
	{ "add", model_add_main, "FILE [--name NAME]", "copy a model file into the store" },
	{ "list", model_list_main, "", "list the stored models" },
	{ "show", model_show_main, "REF", "format, metadata and tensors of a model" },
	{ "train", model_train_main, "-o FILE [--data DIR]", "train the default int8 classifier" },
	{ "quantize", model_quantize_main, "REF -o OUT --calib F", "f32 classifier to integer-exact int8" },
	{ "eval", model_eval_main, "REF --images F ...", "accuracy of a classifier on IDX files" },
	{ "synth", model_synth_main, "-o OUT [--type T]", "random-weight Llama-2 GGUF (benchmarks)" },
	{ "convert", model_convert_main, "CKPT -o OUT", "llama2.c checkpoint to Llama-2 GGUF" },
};

#define N_COMMANDS (sizeof(model_commands) / sizeof(model_commands[0]))

static int model_usage(FILE *f)
{
	fprintf(f, "Usage: %s model <command> [<args>]\n\nCommands:\n", prog);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-9s %-20s %s\n", model_commands[i].name, model_commands[i].args,
			model_commands[i].description);
	fprintf(f, "\nREF is a model file, a name, an id or an id prefix of at least 8 digits.\n"
		   "The store is $OGX_HOME/models (OGX_HOME: ~/.local/share/ogx).\n");
	return f == stdout ? 0 : 2;
}

int model_main(int argc, char **argv)
{
	if (argc < 2)
		return model_usage(stderr);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		return model_usage(stdout);
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(argv[1], model_commands[i].name))
			return model_commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: model: '%s' is not a model command\n", prog, argv[1]);
	return model_usage(stderr);
}

int model_add_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char id[OGX_MODEL_ID_LEN + 1];
	const char *name = NULL;
	struct ogx_store s;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'h':
			printf("Usage: %s model add FILE [--name NAME]\n"
			       "Copies FILE into the store and prints its id (SHA-256).\n", prog);
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "Usage: %s model add FILE [--name NAME]\n", prog);
		return 2;
	}
	err = ogx_store_init(&s, NULL);
	if (err)
		goto fail;
	err = ogx_store_add(&s, argv[optind], name, id);
	if (err)
		goto fail;
	printf("%s\n", id);
	return 0;
fail:
	fprintf(stderr, "%s: %s: %s\n", prog, argv[optind], ogx_errmsg(err));
	return 1;
}

int model_list_main(int argc, char **argv)
{
	struct ogx_store_entry *e;
	struct ogx_store s;
	size_t n;
	int err;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "Usage: %s model list\n", prog);
		return 2;
	}
	err = ogx_store_init(&s, NULL);
	if (err)
		goto fail;
	err = ogx_store_list(&s, &e, &n);
	if (err)
		goto fail;
	if (!n) {
		printf("no models in %s\n", s.dir);
		return 0;
	}
	printf("%-12s  %10s  %-20s  %s\n", "ID", "SIZE", "FORMAT", "NAME");
	for (size_t i = 0; i < n; i++) {
		char size[32] = "?", format[96] = "broken";

		if (!e[i].probe_err) {
			model_format_size(size, sizeof(size), e[i].probe.size);
			ogx_model_format_str(&e[i].probe, format, sizeof(format));
		} else {
			fprintf(stderr, "%s: model %.12s: %s\n", prog, e[i].id, e[i].error);
		}
		printf("%.12s  %10s  %-20s  %s\n", e[i].id, size, format, e[i].names);
	}
	free(e);
	return 0;
fail:
	fprintf(stderr, "%s: %s: %s\n", prog, s.dir, ogx_errmsg(err));
	return 1;
}
