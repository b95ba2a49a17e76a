/* facelive: the command-line front end. Each subcommand lives in its own cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: facelive COMMAND [ARGS]\n"
            "\n"
            "commands:\n"
            "  models [--models DIR] [--runs N] [--json]   load every model of the pack, describe it, time it\n"
            "  analyze IMAGE... [--json] [--draw OUT]       faces, landmarks, pose, eye/mouth measures, quality\n"
            "  check IMAGE... [--frames] [--json]           silent liveness verdict (each image, or one attempt)\n"
            "  eval MANIFEST.tsv [--json] [--out DIR] [--calibrate --target-apcer X]\n"
            "                                                error rates, DET plot and JSON report of a labelled set\n"
            "  help                                          this text\n"
            "\n"
            "Exit status: 0 success, 1 a model or input failed, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "models") == 0)
        return fl_cmd_models(argc - 1, argv + 1);
    if (strcmp(cmd, "video") == 0)
        return fl_cmd_video(argc - 1, argv + 1);
    if (strcmp(cmd, "eval") == 0)
        return fl_cmd_eval(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return fl_cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "analyze") == 0)
        return fl_cmd_analyze(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "facelive: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
