/* facelive logscan: the log-scan rules for the service's JSON logs (deploy/logscan/rules.json).
 * Each rule counts the lines matching it (field equal to a value, or to one of a list; numbers at
 * least a bound) within its window before the newest line; reaching the threshold is a finding. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/json_writer.h"
#include "app/program.h"

#define MAX_RULES 64

typedef struct rule {
    const char *name, *severity, *message;
    json_t *match, *at_least;
    long threshold;
    double window_s;
    long count;
} rule;

typedef struct scan {
    rule rules[MAX_RULES];
    int n_rules;
    json_t *rules_doc;
    json_t **lines; /* every parsed line with its time */
    double *times;
    size_t n, cap, unparsed;
} scan;

static void usage(FILE *f)
{
    fprintf(f, "usage: facelive logscan --rules RULES.json LOG... [--json] [--alert-command CMD]\n"
               "\n"
               "Counts the JSON log lines of facelive serve (access log and process events) that match each\n"
               "rule within its window before the newest line, and reports the rules whose threshold is\n"
               "reached. deploy/logscan/rules.json is the shipped rule set. The alert command runs once per\n"
               "finding (through /bin/sh) with FACELIVE_LOGSCAN_RULE, _SEVERITY, _COUNT and _MESSAGE set.\n"
               "\nExit status: 0 no finding, 1 a finding (or a file that cannot be read), 2 bad usage.\n");
}

/* Seconds since the epoch of "2026-11-30T14:56:10.839Z" (UTC); -1 when malformed. */
static double parse_ts(const char *s)
{
    int y, mo, d, h, mi;
    double sec;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%lfZ", &y, &mo, &d, &h, &mi, &sec) != 6 || mo < 1 || mo > 12)
        return -1;
    /* days from 1970-01-01 to the civil date (H. Hinnant's algorithm) */
    y -= mo <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400, doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    return (double)days * 86400 + h * 3600 + mi * 60 + sec;
}

static int load_rules(scan *sc, const char *path)
{
    json_error_t je;
    sc->rules_doc = json_load_file(path, 0, &je);
    json_t *list = json_object_get(sc->rules_doc, "rules");
    if (!json_is_array(list)) {
        fprintf(stderr, "facelive logscan: %s: %s\n", path, sc->rules_doc ? "needs a \"rules\" list" : je.text);
        return -1;
    }
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r) {
        rule *x = &sc->rules[sc->n_rules];
        x->name = json_string_value(json_object_get(r, "name"));
        x->severity = json_string_value(json_object_get(r, "severity"));
        x->message = json_string_value(json_object_get(r, "message"));
        x->match = json_object_get(r, "match");
        x->at_least = json_object_get(r, "at_least");
        x->threshold = (long)json_integer_value(json_object_get(r, "threshold"));
        x->window_s = json_number_value(json_object_get(r, "window_s"));
        if (!x->name || !json_is_object(x->match) || x->threshold < 1 || x->window_s <= 0 ||
            (x->at_least && !json_is_object(x->at_least)) || sc->n_rules == MAX_RULES) {
            fprintf(stderr, "facelive logscan: %s: rules[%zu] needs a name, a match object, threshold >= 1 and "
                            "window_s > 0 (at most %d rules)\n", path, i, MAX_RULES);
            return -1;
        }
        sc->n_rules++;
    }
    return 0;
}

static int read_log(scan *sc, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "facelive logscan: %s cannot be read\n", path);
        return -1;
    }
    char *line = NULL;
    size_t size = 0;
    while (getline(&line, &size, f) > 0) {
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        double t = parse_ts(json_string_value(json_object_get(j, "ts")));
        if (!json_is_object(j) || t < 0) {
            sc->unparsed++;
            json_decref(j);
            continue;
        }
        if (sc->n == sc->cap) {
            size_t cap = sc->cap ? 2 * sc->cap : 1024;
            json_t **lines = realloc(sc->lines, cap * sizeof *lines);
            if (lines)
                sc->lines = lines;
            double *times = lines ? realloc(sc->times, cap * sizeof *times) : NULL;
            if (!times) {
                fprintf(stderr, "facelive logscan: out of memory at line %zu of %s\n", sc->n + sc->unparsed, path);
                json_decref(j);
                free(line);
                fclose(f);
                return -1;
            }
            sc->times = times;
            sc->cap = cap;
        }
        sc->lines[sc->n] = j;
        sc->times[sc->n++] = t;
    }
    free(line);
    fclose(f);
    return 0;
}

/* A field matches a value, or one of a list of values. */
static int field_matches(json_t *have, json_t *want)
{
    if (json_is_array(want)) {
        size_t i;
        json_t *w;
        json_array_foreach(want, i, w) if (have && json_equal(have, w)) return 1;
        return 0;
    }
    return have && json_equal(have, want);
}

static int line_matches(const rule *r, json_t *line)
{
    const char *key;
    json_t *want;
    json_object_foreach(r->match, key, want) if (!field_matches(json_object_get(line, key), want)) return 0;
    if (r->at_least)
        json_object_foreach(r->at_least, key, want) {
            json_t *have = json_object_get(line, key);
            if (!json_is_number(have) || json_number_value(have) < json_number_value(want))
                return 0;
        }
    return 1;
}

static void report(const rule *r, int json)
{
    if (json) {
        jw w;
        jw_init(&w, stdout);
        jw_object(&w, NULL);
        jw_str(&w, "rule", r->name);
        jw_str(&w, "severity", r->severity);
        jw_int(&w, "count", r->count);
        jw_int(&w, "threshold", r->threshold);
        jw_num(&w, "window_s", r->window_s, 0);
        jw_str(&w, "message", r->message);
        jw_end(&w);
    } else {
        printf("%s [%s]: %ld in %.0f s (threshold %ld): %s\n", r->name, r->severity ? r->severity : "-", r->count,
               r->window_s, r->threshold, r->message ? r->message : "");
    }
}

static void alert(const rule *r, const char *cmd)
{
    char count[32];
    snprintf(count, sizeof count, "%ld", r->count);
    setenv("FACELIVE_LOGSCAN_RULE", r->name, 1);
    setenv("FACELIVE_LOGSCAN_SEVERITY", r->severity ? r->severity : "", 1);
    setenv("FACELIVE_LOGSCAN_COUNT", count, 1);
    setenv("FACELIVE_LOGSCAN_MESSAGE", r->message ? r->message : "", 1);
    if (system(cmd) != 0)
        fprintf(stderr, "facelive logscan: the alert command failed for %s\n", r->name);
}

static int run(scan *sc, int json, const char *alert_cmd)
{
    double newest = 0;
    for (size_t i = 0; i < sc->n; i++)
        newest = sc->times[i] > newest ? sc->times[i] : newest;
    int findings = 0;
    for (int k = 0; k < sc->n_rules; k++) {
        rule *r = &sc->rules[k];
        for (size_t i = 0; i < sc->n; i++)
            r->count += sc->times[i] >= newest - r->window_s && line_matches(r, sc->lines[i]);
        if (r->count >= r->threshold) {
            findings++;
            report(r, json);
            if (alert_cmd)
                alert(r, alert_cmd);
        }
    }
    fprintf(stderr, "facelive logscan: %zu lines, %zu not JSON log lines, %d rules, %d findings\n", sc->n,
            sc->unparsed, sc->n_rules, findings);
    return findings ? FL_EXIT_ERROR : FL_EXIT_OK;
}

int fl_cmd_logscan(int argc, char **argv)
{
    if (fl_wants_help(argc, argv)) {
        usage(stdout);
        return FL_EXIT_OK;
    }
    const char *rules = NULL, *alert_cmd = NULL, *logs[64];
    int n_logs = 0, json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--rules") == 0 || strcmp(argv[i], "--alert-command") == 0) {
            if (i + 1 >= argc)
                return fl_usage_missing_value("logscan", argv[i]);
            *(strcmp(argv[i], "--rules") == 0 ? &rules : &alert_cmd) = argv[i + 1];
            i++;
        } else if (argv[i][0] == '-')
            return fl_usage_unknown_option("logscan", argv[i]);
        else if (n_logs < 64)
            logs[n_logs++] = argv[i];
    }
    if (!rules || !n_logs) {
        usage(stderr);
        return FL_EXIT_USAGE;
    }
    scan sc;
    memset(&sc, 0, sizeof sc);
    int rc = load_rules(&sc, rules) ? FL_EXIT_ERROR : FL_EXIT_OK;
    for (int i = 0; i < n_logs && rc == FL_EXIT_OK; i++)
        if (read_log(&sc, logs[i]))
            rc = FL_EXIT_ERROR;
    if (rc == FL_EXIT_OK)
        rc = run(&sc, json, alert_cmd);
    for (size_t i = 0; i < sc.n; i++)
        json_decref(sc.lines[i]);
    free(sc.lines);
    free(sc.times);
    json_decref(sc.rules_doc);
    return rc;
}
