/*
 * bench_stages: where one single-image liveness request's CPU goes, stage by stage, on one thread:
 * the JPEG decode, detection alone (no mesh), the analysis (detection, mesh, quality), the
 * anti-spoof models on the analysed face's box (crops, resizes, every listed model, fusion) and
 * the whole silent check, each timed alone and all of them in turn within every round (so a noisy
 * machine slows every stage alike). The cost model (docs/cost.md) is built from these figures and
 * the server's CPU per request (scripts/bench.sh server).
 * Prints one JSON object: {"<stage>_ms": median, ..., "runs", "width", "height", "detect_size"}.
 * usage: bench_stages MODELS_DIR FRAME.jpg [RUNS] [DETECT_SIZE]   (FRAME.jpg: the request's JPEG, as
 * sent; DETECT_SIZE: the analyzers' detect_size, default the library's)
 */
#include <stdio.h>
#include <stdlib.h>

#include "app/timing.h"
#include "common/file.h"
#include "facelive/liveness.h"

enum { DECODE, DETECT, ANALYZE, ANTISPOOF, SILENT, N_STAGES };
static const char *const stage_names[N_STAGES] = {"decode", "detect", "analyze", "antispoof", "silent"};

typedef struct bench {
    void *jpeg;
    size_t jpeg_size;
    fl_image frame;
    fl_analyzer *detector, *analyzer;  /* without and with the mesh */
    fl_analyzer_ctx *detect_ctx, *analyze_ctx;
    fl_silent *silent;
    fl_silent_ctx *silent_ctx;
    int box[1][4];
} bench;

static int open_bench(bench *b, const char *models, const char *frame, int detect_size, fl_error *err)
{
    if (fl__read_file(frame, (size_t)64 << 20, &b->jpeg, &b->jpeg_size, err))
        return -1;
    fl_analyzer_options with_mesh = fl_analyzer_options_default();
    if (detect_size)
        with_mesh.detect_size = detect_size;
    fl_analyzer_options no_mesh = with_mesh;
    no_mesh.landmarks = 0;
    if (fl_image_decode(b->jpeg, b->jpeg_size, NULL, &b->frame, err) ||
        fl_analyzer_create(models, &no_mesh, &b->detector, err) ||
        fl_analyzer_create(models, &with_mesh, &b->analyzer, err) ||
        fl_analyzer_ctx_create(b->detector, &b->detect_ctx, err) ||
        fl_analyzer_ctx_create(b->analyzer, &b->analyze_ctx, err) ||
        fl_silent_create(models, NULL, NULL, &b->silent, err) ||
        fl_silent_ctx_create(b->silent, b->analyzer, &b->silent_ctx, err))
        return -1;
    fl_analysis a;
    if (fl_analyze(b->analyze_ctx, &b->frame, &a, err))
        return -1;
    if (a.n_faces < 1) {
        snprintf(err->detail, sizeof err->detail, "no face in %s", frame);
        return -1;
    }
    const fl_face_box *f = &a.faces[0];
    b->box[0][0] = f->rx, b->box[0][1] = f->ry, b->box[0][2] = f->rw, b->box[0][3] = f->rh;
    return 0;
}

static void close_bench(bench *b)
{
    fl_silent_ctx_free(b->silent_ctx);
    fl_silent_free(b->silent);
    fl_analyzer_ctx_free(b->analyze_ctx);
    fl_analyzer_ctx_free(b->detect_ctx);
    fl_analyzer_free(b->analyzer);
    fl_analyzer_free(b->detector);
    fl_image_free(&b->frame);
    free(b->jpeg);
}

/* One stage once; returns its status. The analyzers are reset so that every frame is a first one
 * (as in a single-image request: no tracking from the previous frame). */
static fl_status run_stage(bench *b, int stage, fl_error *err)
{
    const fl_image *frames[1] = {&b->frame};
    fl_analysis a;
    fl_verdict v;
    switch (stage) {
    case DECODE: {
        fl_image img;
        fl_status s = fl_image_decode(b->jpeg, b->jpeg_size, NULL, &img, err);
        fl_image_free(&img);
        return s;
    }
    case DETECT: fl_analyzer_ctx_reset(b->detect_ctx); return fl_analyze(b->detect_ctx, &b->frame, &a, err);
    case ANALYZE: fl_analyzer_ctx_reset(b->analyze_ctx); return fl_analyze(b->analyze_ctx, &b->frame, &a, err);
    case ANTISPOOF: return fl_silent_check_boxes(b->silent_ctx, frames, (const int (*)[4])b->box, 1, &v, err);
    default: return fl_silent_check(b->silent_ctx, frames, 1, &v, err);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_stages MODELS_DIR FRAME.jpg [RUNS]\n");
        return 2;
    }
    const int runs = argc > 3 ? atoi(argv[3]) : 100, detect_size = argc > 4 ? atoi(argv[4]) : 0;
    if (runs < 1 || runs > 100000 || detect_size < 0) {
        fprintf(stderr, "bench_stages: RUNS 1..100000, DETECT_SIZE > 0\n");
        return 2;
    }
    fl_error err = {0};
    bench b = {0};
    double *samples = malloc(sizeof(double) * (size_t)runs * N_STAGES);
    if (!samples || open_bench(&b, argv[1], argv[2], detect_size, &err)) {
        fprintf(stderr, "bench_stages: %s\n", samples ? err.detail : "out of memory");
        return 1;
    }
    for (int i = -3; i < runs; i++) /* three untimed rounds plan and warm every model */
        for (int s = 0; s < N_STAGES; s++) {
            const double t0 = fl_now_ms();
            if (run_stage(&b, s, &err)) {
                fprintf(stderr, "bench_stages: %s: %s\n", stage_names[s], err.detail);
                return 1;
            }
            if (i >= 0)
                samples[(size_t)s * runs + i] = fl_now_ms() - t0;
        }
    printf("{");
    for (int s = 0; s < N_STAGES; s++)
        printf("\"%s_ms\": %.3f, ", stage_names[s], fl_quantile(samples + (size_t)s * runs, (size_t)runs, 0.5));
    printf("\"runs\": %d, \"width\": %d, \"height\": %d, \"detect_size\": %d}\n", runs, b.frame.width, b.frame.height,
           detect_size ? detect_size : fl_analyzer_options_default().detect_size);
    close_bench(&b);
    free(samples);
    return 0;
}
