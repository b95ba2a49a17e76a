/*
 * bench_face: per-frame latency of fl_analyze (detection + 468-point mesh + quality) on one
 * thread, at 640x480 and 1280x720, with decoding excluded and included.
 * Frames: a real 1080x720 webcam frame of the data set scaled to each size (OpenCV-exact
 * resize), and the same frame JPEG-encoded (quality 90) for the decode-included figure.
 * Prints a table on stderr and one JSON object on stdout.
 * usage: bench_face MODELS_DIR FRAME.jpg [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <turbojpeg.h>

#include "app/timing.h"
#include "facelive/face.h"

static double time_frames(fl_analyzer_ctx *ctx, const fl_image *img, const unsigned char *jpeg, unsigned long jpeg_size,
                          int runs, double *p99)
{
    double *t = malloc((size_t)runs * sizeof *t);
    fl_analysis a;
    fl_error err;
    for (int i = -3; i < runs; i++) {
        double t0 = fl_now_ms();
        fl_image decoded;
        const fl_image *frame = img;
        if (jpeg) {
            if (fl_image_decode(jpeg, jpeg_size, NULL, &decoded, &err))
                return -1;
            frame = &decoded;
        }
        if (fl_analyze(ctx, frame, &a, &err))
            return -1;
        if (jpeg)
            fl_image_free(&decoded);
        if (i >= 0)
            t[i] = fl_now_ms() - t0;
    }
    double p50 = fl_quantile(t, (size_t)runs, 0.5);
    *p99 = fl_quantile(t, (size_t)runs, 0.99);
    free(t);
    if (a.n_faces != 1)
        fprintf(stderr, "warning: %d faces in the benchmark frame\n", a.n_faces);
    return p50;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int runs = argc > 3 ? atoi(argv[3]) : 100;
    fl_error err;
    fl_image src;
    fl_analyzer *an;
    fl_analyzer_ctx *ctx;
    if (fl_image_load(argv[2], NULL, &src, &err) || fl_analyzer_create(argv[1], NULL, &an, &err) ||
        fl_analyzer_ctx_create(an, &ctx, &err)) {
        fprintf(stderr, "bench_face: %s\n", err.detail);
        return 1;
    }
    static const int sizes[2][2] = {{640, 480}, {1280, 720}};
    tjhandle tj = tjInitCompress();
    printf("{\"detect_size\": %d, ", fl_analyzer_options_default().detect_size); /* the peer detects alike */
    for (int s = 0; s < 2; s++) {
        const int w = sizes[s][0], h = sizes[s][1];
        fl_image frame;
        fl_image_alloc(w, h, &frame, &err);
        fl_resize_linear(src.data, src.width, src.height, src.stride, 3, 0, 0, src.width, src.height, frame.data, w, h,
                         frame.stride);
        unsigned char *jpeg = NULL;
        unsigned long jpeg_size = 0;
        tjCompress2(tj, frame.data, w, (int)frame.stride, h, TJPF_BGR, &jpeg, &jpeg_size, TJSAMP_420, 90, 0);
        double p99, p99d;
        double p50 = time_frames(ctx, &frame, NULL, 0, runs, &p99);
        double p50d = time_frames(ctx, &frame, jpeg, jpeg_size, runs, &p99d);
        fprintf(stderr, "%4dx%-4d analyze p50 %6.2f ms p99 %6.2f ms | with JPEG decode p50 %6.2f ms p99 %6.2f ms\n", w,
                h, p50, p99, p50d, p99d);
        printf("%s\"analyze_ms_%dx%d\": %.3f, \"analyze_p99_ms_%dx%d\": %.3f, \"analyze_decode_ms_%dx%d\": %.3f",
               s ? ", " : "", w, h, p50, w, h, p99, w, h, p50d);
        tjFree(jpeg);
        fl_image_free(&frame);
    }
    printf("}\n");
    tjDestroy(tj);
    fl_analyzer_ctx_free(ctx);
    fl_analyzer_free(an);
    fl_image_free(&src);
    return 0;
}
