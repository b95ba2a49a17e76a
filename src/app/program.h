/* What every facelive command shares: exit statuses, strict number parsing, where the models
 * are, and the version line. */
#ifndef FL_CLI_COMMON_H
#define FL_CLI_COMMON_H

#include <stddef.h>
#include <stdio.h>

#include "facelive/liveness.h"

/* Exit statuses, the same for every command (documented in `facelive help` and the README). A
 * script tells real, spoof, uncertain and errors apart without reading the output. */
enum {
    FL_EXIT_OK = 0,        /* success; for a verdict: real (passed) */
    FL_EXIT_ERROR = 1,     /* an input, model or file could not be used */
    FL_EXIT_USAGE = 2,     /* bad command line */
    FL_EXIT_SPOOF = 3,     /* the verdict is spoof (failed) */
    FL_EXIT_UNCERTAIN = 4  /* no verdict could be reached: hand over to another channel */
};

#define FL_EXIT_STATUS_HELP                                                                           \
    "Exit status: 0 success (a verdict: real), 1 an input, model or file could not be used,\n"      \
    "2 bad usage, 3 spoof, 4 uncertain (no verdict: hand over to another channel). For several\n"   \
    "verdicts the worst counts: error, then spoof, then uncertain.\n"

/* The exit status of one decision. */
int fl_exit_of_decision(fl_decision d);
/* Combines the statuses of several inputs: error beats spoof beats uncertain beats real. */
int fl_exit_worst(int a, int b);

/* Parses the whole of text as a number within [lo, hi]; 0 on success. On failure prints
 * "facelive CMD: OPTION expects ..." to stderr and returns -1. */
int fl_parse_int(const char *cmd, const char *option, const char *text, long lo, long hi, int *out);
int fl_parse_float(const char *cmd, const char *option, const char *text, double lo, double hi, double *out);

/* The model folder: `given` (--models) when not NULL, else $FACELIVE_MODELS, else the installed
 * data folder, else ./models; the first that holds the detector wins. On failure prints an
 * error naming every place looked at and returns NULL. */
const char *fl_find_models(const char *cmd, const char *given, char *buf, size_t size);

/* What the silent check can judge, as --max-pose Y,P,R and --min-brightness B give it (check and
 * eval: a company calibrates these on its own data); a negative value keeps the library's. */
typedef struct fl_judge_limits {
    double yaw, pitch, roll, brightness;
} fl_judge_limits;

/* The two options' help lines, with the library's defaults. */
void fl_print_judge_limits_help(FILE *f);

/* When option is one of them: parses text into *l and returns 0, or prints why and returns 1.
 * Any other option: returns -1. */
int fl_parse_judge_limit(const char *cmd, const char *option, const char *text, fl_judge_limits *l);
/* Writes the limits that were given into *so. */
void fl_judge_limits_apply(const fl_judge_limits *l, fl_silent_options *so);

/* "facelive 0.2.0 (library 0.2.0; backends: xnnpack reference)" */
void fl_print_version(void);

/* "facelive CMD: OPTION needs a value ..." / "... unknown option ..." on stderr; both return
 * FL_EXIT_USAGE, for a parser to return at once. */
int fl_usage_missing_value(const char *cmd, const char *option);
int fl_usage_unknown_option(const char *cmd, const char *option);

/* 1 when argv holds --help or -h (each command prints its usage to stdout and exits 0). */
int fl_wants_help(int argc, char **argv);

#endif
