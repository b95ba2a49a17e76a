/* facelive: the command-line front end. Each subcommand lives in its own cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "app/commands.h"
#include "app/program.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *synopsis, *summary;
} command;

static const command commands[] = {
    {"check", fl_cmd_check, "check IMAGE... [--frames] [--json]", "silent liveness verdict of each image (or one attempt)"},
    {"video", fl_cmd_video, "video FILE|FOLDER --actions a,b,c [--json]", "a liveness session over a video: actions, then the silent check"},
    {"analyze", fl_cmd_analyze, "analyze IMAGE... [--json] [--draw OUT]", "faces, landmarks, pose, eye/mouth measures, quality"},
    {"eval", fl_cmd_eval, "eval MANIFEST.tsv [--json] [--out DIR]", "error rates (ISO 30107-3), DET plot and JSON report of a labelled set"},
    {"texture", fl_cmd_texture, "texture CROP... [--size N]", "colour-texture features of face crops (train/texture.py)"},
#ifdef FL_WITH_SERVER
    {"serve", fl_cmd_serve, "serve --config FILE", "the liveness HTTP service (docs/server.md)"},
    {"token", fl_cmd_token, "token --tenant NAME | --secret", "API keys and token secrets for the service"},
    {"probe", fl_cmd_probe, "probe URL --image IMG --expect real|spoof", "checks a running service's verdict and time"},
    {"logscan", fl_cmd_logscan, "logscan --rules RULES.json LOG...", "the service's log-scan rules over its JSON logs"},
#endif
    {"models", fl_cmd_models, "models [--runs N] [--json]", "load every model of the pack, describe it, time it"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: facelive COMMAND [ARGS]   (facelive COMMAND --help for its options)\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-44s %s\n", commands[i].synopsis, commands[i].summary);
    fprintf(f, "  %-44s %s\n  %-44s %s\n", "help", "this text", "--version", "the version and backends");
    fprintf(f, "\nModels: --models DIR, else $FACELIVE_MODELS, else the installed pack, else ./models.\n\n%s",
            FL_EXIT_STATUS_HELP);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return FL_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return FL_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        fl_print_version();
        return FL_EXIT_OK;
    }
    fprintf(stderr, "facelive: unknown command '%s'\n", cmd);
    usage(stderr);
    return FL_EXIT_USAGE;
}
