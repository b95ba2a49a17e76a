/*
 * bench_silent: latency of one silent check per frame on one thread for a 640x480 frame:
 * detection, crops and every anti-spoof model, at the default detection size (640 px: the box
 * precision the models need) and at 320 px (fast, less exact); and the default with the check's
 * face mesh and pose gate.
 * Prints a table on stderr and one JSON object on stdout.
 * usage: bench_silent MODELS_DIR FRAME.jpg [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/timing.h"
#include "facelive/liveness.h"

static int bench(const char *models, const fl_image *frame, int detect_size, int landmarks, int runs, double *p50,
                 double *p99, float *score)
{
    fl_error err;
    fl_analyzer_options ao = fl_analyzer_options_default();
    ao.detect_size = detect_size;
    ao.landmarks = landmarks;
    fl_analyzer *an;
    fl_silent *sl;
    fl_silent_ctx *ctx;
    if (fl_analyzer_create(models, &ao, &an, &err) || fl_silent_create(models, NULL, NULL, &sl, &err) ||
        fl_silent_ctx_create(sl, an, &ctx, &err)) {
        fprintf(stderr, "bench_silent: %s\n", err.detail);
        return -1;
    }
    double *t = malloc((size_t)runs * sizeof *t);
    const fl_image *frames[1] = {frame};
    fl_verdict v;
    for (int i = -3; i < runs; i++) {
        double t0 = fl_now_ms();
        if (fl_silent_check(ctx, frames, 1, &v, &err))
            return -1;
        if (i >= 0)
            t[i] = fl_now_ms() - t0;
    }
    *p50 = fl_quantile(t, (size_t)runs, 0.5);
    *p99 = fl_quantile(t, (size_t)runs, 0.99);
    *score = v.score;
    free(t);
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    fl_analyzer_free(an);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int runs = argc > 3 ? atoi(argv[3]) : 100;
    fl_error err;
    fl_image src, frame;
    if (fl_image_load(argv[2], NULL, &src, &err) || fl_image_alloc(640, 480, &frame, &err)) {
        fprintf(stderr, "bench_silent: %s\n", err.detail);
        return 1;
    }
    fl_resize_linear(src.data, src.width, src.height, src.stride, 3, 0, 0, src.width, src.height, frame.data, 640, 480,
                     frame.stride);
    static const struct {
        int detect, mesh;
        const char *key;
    } modes[] = {{640, 0, "silent_ms_640x480"}, {640, 1, "silent_with_mesh_ms_640x480"},
                 {320, 0, "silent_detect320_ms_640x480"}};
    printf("{");
    for (int m = 0; m < 3; m++) {
        double p50, p99;
        float score;
        if (bench(argv[1], &frame, modes[m].detect, modes[m].mesh, runs, &p50, &p99, &score))
            return 1;
        fprintf(stderr, "detect %d%s: p50 %.2f ms p99 %.2f ms (score %.4f)\n", modes[m].detect,
                modes[m].mesh ? ", mesh and pose gate" : "", p50, p99, score);
        printf("%s\"%s\": %.3f, \"%s_p99\": %.3f", m ? ", " : "", modes[m].key, p50, modes[m].key, p99);
    }
    printf("}\n");
    fl_image_free(&frame);
    fl_image_free(&src);
    return 0;
}
