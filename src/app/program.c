#include "app/program.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facelive/model.h"
#include "facelive/version.h"

#ifndef FL_INSTALL_MODELS_DIR
#define FL_INSTALL_MODELS_DIR "/usr/local/share/facelive/models"
#endif
#ifndef FL_BIN_TO_MODELS
#define FL_BIN_TO_MODELS "../share/facelive/models"
#endif

int fl_exit_of_decision(fl_decision d)
{
    return d == FL_DECISION_REAL ? FL_EXIT_OK : d == FL_DECISION_SPOOF ? FL_EXIT_SPOOF : FL_EXIT_UNCERTAIN;
}

static int severity(int status)
{
    switch (status) {
    case FL_EXIT_OK: return 0;
    case FL_EXIT_UNCERTAIN: return 1;
    case FL_EXIT_SPOOF: return 2;
    default: return 3;
    }
}

int fl_exit_worst(int a, int b)
{
    return severity(a) >= severity(b) ? a : b;
}

int fl_parse_int(const char *cmd, const char *option, const char *text, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi) {
        fprintf(stderr, "facelive %s: %s expects a whole number from %ld to %ld, not '%s'\n", cmd, option, lo, hi,
                text);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int fl_parse_float(const char *cmd, const char *option, const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "facelive %s: %s expects a number from %g to %g, not '%s'\n", cmd, option, lo, hi, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int holds_models(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/yunet_n_dynamic.onnx", dir);
    return access(path, R_OK) == 0;
}

/* The installed pack beside this program (bin/../share/facelive/models), wherever the tree was
 * installed; "" when /proc/self/exe cannot be read (other systems use the configured path). */
static void models_beside_program(char *out, size_t size)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    out[0] = '\0';
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash && (size_t)(slash - exe) + sizeof FL_BIN_TO_MODELS + 1 < size) {
        memcpy(out, exe, (size_t)(slash - exe + 1));
        memcpy(out + (slash - exe + 1), FL_BIN_TO_MODELS, sizeof FL_BIN_TO_MODELS);
    }
}

const char *fl_find_models(const char *cmd, const char *given, char *buf, size_t size)
{
    if (given) {
        if (holds_models(given))
            return given;
        fprintf(stderr, "facelive %s: --models %s: no yunet_n_dynamic.onnx there\n", cmd, given);
        return NULL;
    }
    const char *env = getenv("FACELIVE_MODELS");
    char beside[4096];
    models_beside_program(beside, sizeof beside);
    const char *places[4] = {env && *env ? env : NULL, beside[0] ? beside : NULL, FL_INSTALL_MODELS_DIR, "models"};
    for (int i = 0; i < 4; i++)
        if (places[i] && holds_models(places[i])) {
            snprintf(buf, size, "%s", places[i]);
            return buf;
        }
    fprintf(stderr,
            "facelive %s: no model pack found. Looked in $FACELIVE_MODELS (%s), %s%s%s and ./models; "
            "give --models DIR or set FACELIVE_MODELS\n",
            cmd, env && *env ? env : "not set", beside[0] ? beside : "", beside[0] ? ", " : "", FL_INSTALL_MODELS_DIR);
    return NULL;
}

int fl_parse_judge_limit(const char *cmd, const char *option, const char *text, fl_judge_limits *l)
{
    if (strcmp(option, "--min-brightness") == 0)
        return fl_parse_float(cmd, option, text, 0, 255, &l->brightness) ? 1 : 0;
    if (strcmp(option, "--max-pose") != 0)
        return -1;
    double v[3];
    char extra;
    if (sscanf(text, "%lf,%lf,%lf%c", &v[0], &v[1], &v[2], &extra) != 3 || !(v[0] >= 0 && v[0] <= 90) ||
        !(v[1] >= 0 && v[1] <= 90) || !(v[2] >= 0 && v[2] <= 180)) {
        fprintf(stderr, "facelive %s: %s expects YAW,PITCH,ROLL in degrees (0..90, 0..90, 0..180), not '%s'\n", cmd,
                option, text);
        return 1;
    }
    l->yaw = v[0], l->pitch = v[1], l->roll = v[2];
    return 0;
}

void fl_print_judge_limits_help(FILE *f)
{
    const fl_silent_options o = fl_silent_options_default();
    fprintf(f,
            "  --max-pose Y,P,R  heads turned further (yaw, pitch, roll, degrees) are not judged\n"
            "                    (default: the library's, %g,%g,%g)\n"
            "  --min-brightness B  faces darker than B (mean grey 0..255) are not judged (default %g)\n",
            o.max_yaw, o.max_pitch, o.max_roll, o.min_brightness);
}

void fl_judge_limits_apply(const fl_judge_limits *l, fl_silent_options *so)
{
    if (l->yaw >= 0)
        so->max_yaw = (float)l->yaw, so->max_pitch = (float)l->pitch, so->max_roll = (float)l->roll;
    if (l->brightness >= 0)
        so->min_brightness = (float)l->brightness;
}

void fl_print_version(void)
{
    printf("facelive %s (library %s; backends:%s reference)\n", FL_VERSION_STRING, fl_version(),
           fl_backend_available(FL_BACKEND_XNNPACK) ? " xnnpack" : "");
}

int fl_usage_missing_value(const char *cmd, const char *option)
{
    fprintf(stderr, "facelive %s: %s needs a value (or is unknown; see --help)\n", cmd, option);
    return FL_EXIT_USAGE;
}

int fl_usage_unknown_option(const char *cmd, const char *option)
{
    fprintf(stderr, "facelive %s: unknown option '%s' (see --help)\n", cmd, option);
    return FL_EXIT_USAGE;
}

int fl_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}
