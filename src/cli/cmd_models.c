/* `facelive models`: load every .onnx of a model folder, say what it is, run it on both
 * backends and report latency and the largest difference between them; then the anti-spoof
 * model list with each model's licence and training data. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/json_verdict.h"
#include "app/json_writer.h"
#include "app/model_probe.h"
#include "app/program.h"
#include "facelive/model.h"

typedef struct models_args {
    const char *dir, *profile; /* profile: one model file to profile node by node */
    const char *list;          /* --model-list: the anti-spoof list described (NULL: the default) */
    int runs, json, size;      /* size: the symbolic spatial dims of --profile (YuNet) */
    fl_backend backend;
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

static int run_one(const models_args *a, const char *name, jw *w)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", a->dir, name);
    fl_error err;
    fl_model *m;
    if (fl_model_load_file(path, &m, &err)) {
        if (a->json) {
            jw_object(w, name);
            jw_str(w, "error", fl_status_name(err.status));
            jw_str(w, "detail", err.detail);
            jw_end(w);
        }
        fprintf(stderr, "facelive models: %s: %s: %s\n", name, fl_status_name(err.status), err.detail);
        return 1;
    }
    fl_probe px = {0}, pr = {0};
    double x50 = 0, x99 = 0, r50 = 0, r99 = 0;
    int have_x = fl_backend_available(FL_BACKEND_XNNPACK);
    int failed = fl_probe_bench(&pr, m, FL_BACKEND_REFERENCE, a->runs, &r50, &r99, &err) != FL_OK;
    if (!failed && have_x)
        failed = fl_probe_bench(&px, m, FL_BACKEND_XNNPACK, a->runs, &x50, &x99, &err) != FL_OK;
    if (failed) {
        fprintf(stderr, "facelive models: %s: %s: %s\n", name, fl_status_name(err.status), err.detail);
    } else if (a->json) {
        jw_object(w, name);
        jw_int(w, "nodes", (long long)fl_model_node_count(m));
        jw_num(w, "reference_ms", r50, 3);
        jw_num(w, "xnnpack_ms", have_x ? x50 : -1.0, 3);
        jw_num(w, "max_abs_diff", have_x ? fl_probe_max_diff(&px, &pr) : 0.0, 9);
        jw_end(w);
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

static void print_profile(const models_args *a, const fl_node_profile *p, size_t n)
{
    double total = 0, flops = 0;
    for (size_t i = 0; i < n; i++)
        total += p[i].ms, flops += p[i].gflop;
    if (a->json) {
        jw w;
        jw_init(&w, stdout);
        jw_object(&w, NULL);
        jw_str(&w, "model", a->profile);
        jw_num(&w, "total_ms", total, 4);
        jw_num(&w, "gflop", flops, 5);
        jw_array(&w, "nodes");
        for (size_t i = 0; i < n; i++) {
            jw_object(&w, NULL);
            jw_str(&w, "name", p[i].name);
            jw_str(&w, "op", p[i].op);
            jw_num(&w, "ms", p[i].ms, 4);
            jw_num(&w, "gflop", p[i].gflop, 5);
            jw_bool(&w, "xnnpack", strcmp(p[i].kernel, "xnnpack") == 0);
            jw_str(&w, "kernel", p[i].kernel);
            jw_int(&w, "nodes", p[i].nodes);
            jw_end(&w);
        }
        jw_end(&w);
        jw_end(&w);
        return;
    }
    printf("%-4s %-28s %-18s %8s %6s %8s %8s %s\n", "#", "node", "op", "ms", "share", "GFLOP", "GFLOP/s", "where");
    for (size_t i = 0; i < n; i++) {
        char where[32]; /* a pipeline step says how many nodes it runs */
        snprintf(where, sizeof where, p[i].nodes > 1 ? "%s (%d nodes)" : "%s", p[i].kernel, p[i].nodes);
        printf("%-4zu %-28.28s %-18.18s %8.4f %5.1f%% %8.4f %8.1f %s\n", i, p[i].name, p[i].op, p[i].ms,
               total > 0 ? 100 * p[i].ms / total : 0, p[i].gflop, p[i].ms > 0 ? p[i].gflop / (p[i].ms / 1e3) : 0,
               where);
    }
    printf("total %.3f ms for %.4f GFLOP (%.1f GFLOP/s) with every node run alone (median of %d runs, one thread)\n",
           total, flops, total > 0 ? flops / (total / 1e3) : 0, a->runs);
}

/* --profile: one model, every node timed alone on one backend. */
static int profile(const models_args *a)
{
    fl_error err;
    fl_model *m = NULL;
    fl_model_ctx *ctx = NULL;
    fl_probe p = {0};
    fl_node_profile *nodes = NULL;
    fl_model_ctx_options o = fl_model_ctx_options_default();
    o.backend = a->backend;
    size_t n = 0;
    fl_status s = fl_model_load_file(a->profile, &m, &err);
    if (!s)
        s = fl_model_ctx_create(m, &o, &ctx, &err);
    if (!s)
        s = fl_probe_init(&p, m, ctx, a->size, &err);
    if (!s && !(nodes = calloc(fl_model_node_count(m), sizeof *nodes)))
        s = FL_E_NO_MEMORY;
    if (!s)
        s = fl_model_ctx_profile(ctx, p.inputs, p.n_inputs, a->runs, nodes, fl_model_node_count(m), &n, &err);
    if (s)
        fprintf(stderr, "facelive models: %s: %s: %s\n", a->profile, fl_status_name(s), err.detail);
    else
        print_profile(a, nodes, n);
    free(nodes);
    fl_probe_free(&p);
    fl_model_ctx_free(ctx);
    fl_model_free(m);
    return s ? FL_EXIT_ERROR : FL_EXIT_OK;
}

/* The anti-spoof model list as the library reads it: which weights judge, under which licence,
 * trained on what (a company must know which pack it may ship). 1 when it cannot be loaded. */
static int describe_list(const models_args *a, jw *w)
{
    fl_silent *sl;
    fl_error err;
    if (fl_silent_create(a->dir, a->list, NULL, &sl, &err)) {
        fprintf(stderr, "facelive models: model list %s: %s: %s\n", a->list ? a->list : "(default)",
                fl_status_name(err.status), err.detail);
        return 1;
    }
    if (a->json) {
        fl_json_model_list(w, sl);
    } else {
        printf("anti-spoof model list %s\n", a->list ? a->list : "(the library's default)");
        for (int k = 0; k < fl_silent_model_count(sl); k++) {
            char scale[32] = "frame"; /* scale 0: the whole image */
            if (fl_silent_model_scale(sl, k) > 0)
                snprintf(scale, sizeof scale, "%.2g", fl_silent_model_scale(sl, k));
            const char *lic = fl_silent_model_licence(sl, k), *data = fl_silent_model_trained_on(sl, k);
            printf("  %s  scale %s\n    licence: %s\n    trained on: %s\n", fl_silent_model_file(sl, k), scale,
                   *lic ? lic : "(not stated)", *data ? data : "(not stated)");
        }
    }
    fl_silent_free(sl);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: facelive models [--models DIR] [--model-list FILE] [--runs N] [--json]\n"
               "       facelive models --profile MODEL.onnx [--size N] [--reference|--portable] [--runs N] [--json]\n"
               "\n"
               "Loads every .onnx file of the model pack, describes its inputs and outputs, runs it on the\n"
               "reference and XNNPACK backends (one thread, N timed runs, default 20) and reports the\n"
               "latency and the largest difference between the two backends. Then the anti-spoof model\n"
               "list: each model's crop scale, licence and training data (the list's own columns).\n"
               "  --models DIR      the model pack (default: $FACELIVE_MODELS, the installed pack, ./models)\n"
               "  --model-list FILE the anti-spoof list described (default: the library's, as\n"
               "                    config/antispoof_models.tsv)\n"
               "  --profile FILE    where one model's time goes: every node run alone (no fusion; a row\n"
               "                    pipeline of facelive's NHWC kernels is one step), its time, GFLOP,\n"
               "                    GFLOP/s and kernel, on XNNPACK (or --reference, or --portable: the\n"
               "                    WebAssembly build's backend); --size N gives\n"
               "                    symbolic spatial dims (default 320)\n"
               "\n" FL_EXIT_STATUS_HELP);
}

int fl_cmd_models(int argc, char **argv)
{
    if (fl_wants_help(argc, argv)) {
        usage(stdout);
        return FL_EXIT_OK;
    }
    models_args a = {NULL, NULL, NULL, 20, 0, FL_PROBE_SPATIAL, FL_BACKEND_XNNPACK};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            a.json = 1;
        else if (strcmp(argv[i], "--models") == 0 && i + 1 < argc)
            a.dir = argv[++i];
        else if (strcmp(argv[i], "--model-list") == 0 && i + 1 < argc)
            a.list = argv[++i];
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            if (fl_parse_int("models", "--runs", argv[++i], 1, 10000, &a.runs))
                return FL_EXIT_USAGE;
        } else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            if (fl_parse_int("models", "--size", argv[++i], 32, 4096, &a.size))
                return FL_EXIT_USAGE;
        } else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
            a.profile = argv[++i];
        else if (strcmp(argv[i], "--reference") == 0)
            a.backend = FL_BACKEND_REFERENCE;
        else if (strcmp(argv[i], "--portable") == 0)
            a.backend = FL_BACKEND_PORTABLE;
        else {
            fprintf(stderr, "facelive models: unknown argument '%s' (see --help)\n", argv[i]);
            return FL_EXIT_USAGE;
        }
    }
    if (a.profile)
        return profile(&a);
    char models_buf[4096];
    a.dir = fl_find_models("models", a.dir, models_buf, sizeof models_buf);
    if (!a.dir)
        return FL_EXIT_ERROR;
    char **names;
    int n = list_models(a.dir, &names);
    if (n < 0) {
        fprintf(stderr, "facelive models: cannot open folder '%s'\n", a.dir);
        return FL_EXIT_ERROR;
    }
    int failures = 0;
    jw w;
    jw_init(&w, stdout);
    if (a.json) {
        jw_object(&w, NULL);
        jw_object(&w, "models");
    }
    for (int i = 0; i < n; i++) {
        failures += run_one(&a, names[i], &w);
        free(names[i]);
    }
    if (a.json)
        jw_end(&w);
    else
        printf("%d of %d models loaded and ran\n", n - failures, n);
    failures += describe_list(&a, &w);
    if (a.json)
        jw_end(&w);
    free(names);
    return failures ? FL_EXIT_ERROR : FL_EXIT_OK;
}
