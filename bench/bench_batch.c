/*
 * bench_batch: whether the anti-spoof crops of a multi-frame request should run as one batch per
 * model (issue 24, item 1). Each model given (scripts/bench.sh batch: the default list's) runs on
 * N crops as N inferences of one crop and as one inference of a batch of N, on one thread in the
 * silent check's own context settings (XNNPACK, NHWC input), the ways alternating within every
 * round so a slow moment of a shared machine slows both. The batch's outputs are compared with
 * the single runs' (they must agree: the same arithmetic per image).
 * Prints a table on stderr and one JSON object on stdout:
 *   {"<model>": {"batchable", "<N>": {"single_ms_per_image", "batch_ms_per_image", "ratio"}, ..., "max_diff"},
 *    ..., "runs_each"}   (a model whose file fixes the batch at 1: {"batchable": false} only)
 * usage: bench_batch MODELS_DIR RUNS MODEL.onnx...   (files of MODELS_DIR, 80x80 input, at most 4)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/timing.h"
#include "facelive/model.h"

enum { MAX_BATCH = 5, SIDE = 80, CROP_FLOATS = 3 * SIDE * SIDE, MAX_OUT = 64, MAX_MODELS = 4 };
static const int batches[] = {2, 3, 5};
#define N_BATCHES ((int)(sizeof batches / sizeof batches[0]))

typedef struct runner {
    fl_model *model;
    fl_model_ctx *ctx;
    float *crops;               /* MAX_BATCH crops, NHWC, a fixed pattern of pixel values */
    float single[MAX_BATCH][MAX_OUT], batch[MAX_BATCH * MAX_OUT];
    int out_per_image;
    int batchable; /* 0: the file fixes the batch dimension (at 1): only one crop an inference */
} runner;

static fl_tensor input(float *data, int n)
{
    fl_tensor x = {0};
    x.data = data;
    x.capacity = (size_t)n * CROP_FLOATS;
    x.rank = 4;
    x.dims[0] = n, x.dims[1] = 3, x.dims[2] = SIDE, x.dims[3] = SIDE;
    return x;
}

static int run(runner *r, int first, int n, float *out, size_t capacity, fl_error *err)
{
    fl_tensor x = input(r->crops + (size_t)first * CROP_FLOATS, n), y = {0};
    y.data = out;
    y.capacity = capacity;
    if (fl_model_ctx_run(r->ctx, &x, 1, &y, 1, err))
        return -1;
    r->out_per_image = (int)(y.dims[1]);
    return 0;
}

static int singles(runner *r, int n, fl_error *err)
{
    for (int i = 0; i < n; i++)
        if (run(r, i, 1, r->single[i], MAX_OUT, err))
            return -1;
    return 0;
}

/* n crops one by one and as one batch, which first alternating with `flip`; each way's time per
 * image into *single_ms and *batch_ms. */
static int time_both(runner *r, int n, int flip, double *single_ms, double *batch_ms, fl_error *err)
{
    const size_t capacity = sizeof r->batch / sizeof r->batch[0];
    double t0 = fl_now_ms();
    if (flip ? run(r, 0, n, r->batch, capacity, err) : singles(r, n, err))
        return -1;
    double t1 = fl_now_ms();
    if (flip ? singles(r, n, err) : run(r, 0, n, r->batch, capacity, err))
        return -1;
    double t2 = fl_now_ms();
    *single_ms = (flip ? t2 - t1 : t1 - t0) / n;
    *batch_ms = (flip ? t1 - t0 : t2 - t1) / n;
    return 0;
}

static double outputs_diff(const runner *r, int n)
{
    double worst = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < r->out_per_image; k++)
            worst = fmax(worst, fabs((double)r->single[i][k] - r->batch[i * r->out_per_image + k]));
    return worst;
}

static int open_runner(runner *r, const char *dir, const char *file, fl_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    fl_model_ctx_options mo = fl_model_ctx_options_default();
    mo.nhwc_inputs = 1; /* as the silent check feeds its crops */
    r->crops = malloc(sizeof(float) * MAX_BATCH * CROP_FLOATS);
    if (!r->crops)
        return -1;
    for (size_t i = 0; i < (size_t)MAX_BATCH * CROP_FLOATS; i++)
        r->crops[i] = (float)((i * 2654435761u >> 7) % 256);
    fl_tensor_info in;
    if (fl_model_load_file(path, &r->model, err) || fl_model_input_info(r->model, 0, &in) ||
        fl_model_ctx_create(r->model, &mo, &r->ctx, err))
        return -1;
    r->batchable = in.rank == 4 && in.dims[0] == -1;
    return 0;
}

static void close_runner(runner *r)
{
    fl_model_ctx_free(r->ctx);
    fl_model_free(r->model);
    free(r->crops);
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc - 3 > MAX_MODELS) {
        fprintf(stderr, "usage: bench_batch MODELS_DIR RUNS MODEL.onnx...   (1 to %d models)\n", MAX_MODELS);
        return 2;
    }
    const int runs = atoi(argv[2]), rounds = 5, n_models = argc - 3;
    const char *const *models = (const char *const *)argv + 3;
    if (runs < 1 || runs > 100000) {
        fprintf(stderr, "bench_batch: RUNS 1..100000\n");
        return 2;
    }
    const int per = (runs + rounds - 1) / rounds;
    fl_error err = {0};
    runner r[MAX_MODELS] = {{0}};
    double *samples = malloc(sizeof(double) * 2 * (size_t)n_models * N_BATCHES * rounds * per), diff[MAX_MODELS] = {0};
    for (int m = 0; m < n_models; m++)
        if (!samples || open_runner(&r[m], argv[1], models[m], &err)) {
            fprintf(stderr, "bench_batch: %s: %s\n", models[m], samples ? err.detail : "out of memory");
            return 1;
        }
    const size_t each = (size_t)rounds * per; /* samples per model, batch size and way */
    for (int round = 0; round < rounds; round++)
        for (int m = 0; m < n_models; m++)
            for (int b = 0; b < N_BATCHES && r[m].batchable; b++)
                for (int i = -2; i < per; i++) { /* two untimed runs plan the batch's shape */
                    double one, all;
                    if (time_both(&r[m], batches[b], i & 1, &one, &all, &err)) {
                        fprintf(stderr, "bench_batch: %s: %s\n", models[m], err.detail);
                        return 1;
                    }
                    diff[m] = fmax(diff[m], outputs_diff(&r[m], batches[b]));
                    if (i < 0)
                        continue;
                    double *s = samples + ((size_t)(m * N_BATCHES + b) * 2) * each + (size_t)round * per + i;
                    s[0] = one, s[each] = all;
                }
    double one[MAX_MODELS][N_BATCHES], all[MAX_MODELS][N_BATCHES];
    for (int m = 0; m < n_models; m++) {
        if (!r[m].batchable)
            fprintf(stderr, "%-32s its file fixes the batch at 1: one crop an inference\n", models[m]);
        for (int b = 0; b < N_BATCHES && r[m].batchable; b++) {
            double *s = samples + ((size_t)(m * N_BATCHES + b) * 2) * each;
            one[m][b] = fl_quantile(s, each, 0.5), all[m][b] = fl_quantile(s + each, each, 0.5);
            fprintf(stderr, "%-32s %d crops: one by one %.3f ms per crop, one batch %.3f ms per crop (%.2fx)\n",
                    models[m], batches[b], one[m][b], all[m][b], all[m][b] / one[m][b]);
        }
    }
    printf("{");
    for (int m = 0; m < n_models; m++) {
        printf("%s\"%s\": {\"batchable\": %s", m ? ", " : "", models[m], r[m].batchable ? "true" : "false");
        for (int b = 0; b < N_BATCHES && r[m].batchable; b++)
            printf(", \"%d\": {\"single_ms_per_image\": %.4f, \"batch_ms_per_image\": %.4f, \"ratio\": %.3f}",
                   batches[b], one[m][b], all[m][b], all[m][b] / one[m][b]);
        if (r[m].batchable)
            printf(", \"max_diff\": %.2e", diff[m]);
        printf("}");
        close_runner(&r[m]);
    }
    printf(", \"runs_each\": %zu}\n", each);
    free(samples);
    return 0;
}
