/*
 * bench_models: per model, latency of one inference on one thread on each backend.
 * Prints a table on stderr and one JSON object on stdout:
 *   {"<file>": {"xnnpack_ms": p50, "xnnpack_p99_ms": p99, "reference_ms": p50, "reference_p99_ms": p99,
 *               "input": [dims]}, ...}
 * usage: bench_models [--runs N] MODEL.onnx...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/model_probe.h"
#include "app/timing.h"

static int bench(const char *path, fl_backend backend, int runs, double *p50, double *p99, fl_probe *probe)
{
    fl_error err;
    fl_model *m = NULL;
    fl_status s = fl_model_load_file(path, &m, &err);
    if (!s)
        s = fl_probe_bench(probe, m, backend, runs, p50, p99, &err);
    if (s)
        fprintf(stderr, "%s: %s: %s\n", path, fl_status_name(s), err.detail);
    fl_model_free(m);
    return s ? -1 : 0;
}

int main(int argc, char **argv)
{
    int runs = 50, first = 1;
    printf("{");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
            if (runs < 1)
                runs = 1;
            continue;
        }
        const char *path = argv[i], *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        double x50 = -1, x99 = -1, r50 = -1, r99 = -1;
        fl_probe px = {0}, pr = {0};
        int reference_runs = runs > 20 ? 20 : runs; /* the reference is slow; its p99 is of fewer runs */
        if (bench(path, FL_BACKEND_REFERENCE, reference_runs, &r50, &r99, &pr) != 0)
            return 1;
        if (fl_backend_available(FL_BACKEND_XNNPACK) && bench(path, FL_BACKEND_XNNPACK, runs, &x50, &x99, &px) != 0)
            return 1;
        fprintf(stderr, "%-34s xnnpack p50 %7.3f p99 %7.3f ms | reference p50 %8.3f p99 %8.3f ms | max diff %.1e\n",
                base, x50, x99, r50, r99, fl_probe_max_diff(&px, &pr));
        printf("%s\"%s\": {\"xnnpack_ms\": %.4f, \"xnnpack_p99_ms\": %.4f, \"reference_ms\": %.4f, "
               "\"reference_p99_ms\": %.4f, \"input\": [",
               first ? "" : ", ", base, x50, x99, r50, r99);
        for (int k = 0; k < pr.inputs[0].rank; k++)
            printf(k ? ", %lld" : "%lld", (long long)pr.inputs[0].dims[k]);
        printf("]}");
        first = 0;
        fl_probe_free(&px);
        fl_probe_free(&pr);
    }
    printf("}\n");
    return 0;
}
