/* `facelive models`: load every .onnx of a model folder, say what it is, run it on both
 * backends and report latency and the largest difference between them. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/model_probe.h"
#include "facelive/model.h"

typedef struct models_args {
    const char *dir;
    int runs;
    int json;
} models_args;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of *.onnx names in dir; returns the count or -1. */
static int list_models(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **names = NULL;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".onnx") != 0)
            continue;
        char **grown = realloc(names, (size_t)(n + 1) * sizeof *names);
        if (!grown)
            break;
        names = grown;
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    *out = names;
    return n;
}

static void print_dims(const fl_tensor_info *info, FILE *f)
{
    fprintf(f, "%s[", info->name);
    for (int k = 0; k < info->rank; k++) {
        if (info->dims[k] < 0)
            fprintf(f, k ? ",?" : "?");
        else
            fprintf(f, k ? ",%lld" : "%lld", (long long)info->dims[k]);
    }
    fprintf(f, "]");
}

static int run_one(const models_args *a, const char *name, int first)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", a->dir, name);
    fl_error err;
    fl_model *m;
    if (fl_model_load_file(path, &m, &err)) {
        if (a->json)
            printf("%s\"%s\": {\"error\": \"%s\"}", first ? "" : ", ", name, fl_status_name(err.status));
        fprintf(stderr, "%s: %s: %s\n", name, fl_status_name(err.status), err.detail);
        return 1;
    }
    fl_probe px = {0}, pr = {0};
    double x50 = 0, x99 = 0, r50 = 0, r99 = 0;
    int have_x = fl_backend_available(FL_BACKEND_XNNPACK);
    int failed = fl_probe_bench(&pr, m, FL_BACKEND_REFERENCE, a->runs, &r50, &r99, &err) != FL_OK;
    if (!failed && have_x)
        failed = fl_probe_bench(&px, m, FL_BACKEND_XNNPACK, a->runs, &x50, &x99, &err) != FL_OK;
    if (failed) {
        fprintf(stderr, "%s: %s: %s\n", name, fl_status_name(err.status), err.detail);
    } else if (a->json) {
        printf("%s\"%s\": {\"nodes\": %zu, \"reference_ms\": %.3f, \"xnnpack_ms\": %.3f, \"max_abs_diff\": %.3g}",
               first ? "" : ", ", name, fl_model_node_count(m), r50, have_x ? x50 : -1.0,
               have_x ? fl_probe_max_diff(&px, &pr) : 0.0);
    } else {
        printf("%s\n  nodes %zu\n  inputs ", name, fl_model_node_count(m));
        for (size_t i = 0; i < fl_model_input_count(m); i++) {
            fl_tensor_info info;
            fl_model_input_info(m, i, &info);
            print_dims(&info, stdout);
            printf(" ");
        }
        printf("\n  outputs ");
        for (size_t i = 0; i < fl_model_output_count(m); i++) {
            fl_tensor_info info;
            fl_model_output_info(m, i, &info);
            print_dims(&info, stdout);
            printf(" ");
        }
        printf("\n  one inference, one thread (%d runs; symbolic dims at %d): reference p50 %.2f ms p99 %.2f ms", a->runs,
               FL_PROBE_SPATIAL, r50, r99);
        if (have_x)
            printf("; xnnpack p50 %.2f ms p99 %.2f ms (x%.1f faster); max |xnnpack - reference| %.2g", x50, x99,
                   x50 > 0 ? r50 / x50 : 0.0, fl_probe_max_diff(&px, &pr));
        printf("\n");
    }
    fl_probe_free(&px);
    fl_probe_free(&pr);
    fl_model_free(m);
    return failed;
}

int fl_cmd_models(int argc, char **argv)
{
    models_args a = {"models", 20, 0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--models") == 0 && i + 1 < argc)
            a.dir = argv[++i];
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            a.runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--json") == 0)
            a.json = 1;
        else {
            fprintf(stderr, "facelive models: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (a.runs < 1 || a.runs > 100000) {
        fprintf(stderr, "facelive models: --runs must be 1..100000\n");
        return 2;
    }
    char **names;
    int n = list_models(a.dir, &names);
    if (n < 0) {
        fprintf(stderr, "facelive models: cannot open folder '%s' (run scripts/models.sh first)\n", a.dir);
        return 1;
    }
    if (n == 0) {
        fprintf(stderr, "facelive models: no .onnx files in '%s'\n", a.dir);
        free(names);
        return 1;
    }
    int failures = 0;
    if (a.json)
        printf("{\"models\": {");
    for (int i = 0; i < n; i++) {
        failures += run_one(&a, names[i], i == 0);
        free(names[i]);
    }
    if (a.json)
        printf("}}\n");
    else
        printf("%d of %d models loaded and ran\n", n - failures, n);
    free(names);
    return failures ? 1 : 0;
}
