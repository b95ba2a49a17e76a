/*
 * bench_silent: latency of one silent check (fl_silent_check on one frame: detection, the face mesh
 * and pose gate when the analyzer has them, crops and every anti-spoof model) per 640x480 frame,
 * one thread, in two configurations measured interleaved (one run of each in turn, so a noisy
 * machine slows both alike): the library's defaults, and detection at 640 px (the reference
 * pipeline's box precision). Prints one JSON object with every sample, for scripts/bench.sh to
 * pool across rounds: {"default": {"samples_ms": [...], "score"}, "detect640": {...}, "detect_size"}.
 * usage: bench_silent MODELS_DIR FRAME.jpg [RUNS] [MODEL_LIST] (default: the library's list; another
 * list, e.g. config/antispoof_models_reference.tsv, times that list's models instead)
 */
#include <stdio.h>
#include <stdlib.h>

#include "app/timing.h"
#include "facelive/liveness.h"

typedef struct mode {
    const char *key;
    int detect_size; /* 0: the library's default */
    fl_analyzer *an;
    fl_silent_ctx *ctx;
    double *samples;
    float score;
} mode;

static int mode_open(mode *m, const char *models, const fl_silent *sl, int runs)
{
    fl_error err;
    fl_analyzer_options ao = fl_analyzer_options_default();
    if (m->detect_size)
        ao.detect_size = m->detect_size;
    m->samples = malloc((size_t)runs * sizeof *m->samples);
    if (!m->samples || fl_analyzer_create(models, &ao, &m->an, &err) || fl_silent_ctx_create(sl, m->an, &m->ctx, &err)) {
        fprintf(stderr, "bench_silent: %s\n", m->samples ? err.detail : "out of memory");
        return -1;
    }
    return 0;
}

static void mode_close(mode *m)
{
    fl_silent_ctx_free(m->ctx);
    fl_analyzer_free(m->an);
    free(m->samples);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_silent MODELS_DIR FRAME.jpg [RUNS] [MODEL_LIST]\n");
        return 2;
    }
    int runs = argc > 3 ? atoi(argv[3]) : 100;
    if (runs < 1)
        return 2;
    fl_error err;
    fl_image src, frame;
    fl_silent *sl;
    if (fl_image_load(argv[2], NULL, &src, &err) || fl_image_alloc(640, 480, &frame, &err) ||
        fl_silent_create(argv[1], argc > 4 ? argv[4] : NULL, NULL, &sl, &err)) {
        fprintf(stderr, "bench_silent: %s\n", err.detail);
        return 1;
    }
    fl_resize_linear(src.data, src.width, src.height, src.stride, 3, 0, 0, src.width, src.height, frame.data, 640, 480,
                     frame.stride);
    mode modes[2] = {{"default", 0, NULL, NULL, NULL, 0}, {"detect640", 640, NULL, NULL, NULL, 0}};
    for (int k = 0; k < 2; k++)
        if (mode_open(&modes[k], argv[1], sl, runs))
            return 1;
    const fl_image *frames[1] = {&frame};
    for (int i = -3; i < runs; i++) /* three untimed runs plan and warm every model */
        for (int k = 0; k < 2; k++) {
            fl_verdict v;
            double t0 = fl_now_ms();
            if (fl_silent_check(modes[k].ctx, frames, 1, &v, &err)) {
                fprintf(stderr, "bench_silent: %s\n", err.detail);
                return 1;
            }
            if (i >= 0)
                modes[k].samples[i] = fl_now_ms() - t0;
            modes[k].score = v.score;
        }
    printf("{\"detect_size\": %d", fl_analyzer_options_default().detect_size);
    for (int k = 0; k < 2; k++) {
        printf(", \"%s\": {\"score\": %.4f, \"samples_ms\": [", modes[k].key, modes[k].score);
        for (int i = 0; i < runs; i++)
            printf(i ? ", %.4f" : "%.4f", modes[k].samples[i]);
        printf("]}");
        mode_close(&modes[k]);
    }
    printf("}\n");
    fl_silent_free(sl);
    fl_image_free(&frame);
    fl_image_free(&src);
    return 0;
}
