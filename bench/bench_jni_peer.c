/*
 * bench_jni_peer: the C side of scripts/bench.sh jni. The same NV21 frames as the Java benchmark
 * (io.facelive.examples.JniBench wrote them: "FLNV21", count, width, height, then per frame its time
 * in ns and the bytes), the same work the JNI glue does per frame (fl_image_from_view of the NV21
 * buffer turned 90 degrees, fl_session_push), the same session and median after a warm-up pass.
 * Prints one JSON line. usage: bench_jni_peer MODELS_DIR RAW_FILE
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/timing.h"
#include "facelive/liveness.h"
#include "facelive/session.h"

typedef struct clip {
    int n, w, h;
    uint8_t *bytes; /* n frames of w * h * 3 / 2 */
    int64_t *t_ns;
} clip;

static int read_clip(const char *path, clip *c)
{
    FILE *f = fopen(path, "rb");
    char magic[8];
    int32_t head[3];
    if (!f || fread(magic, 1, 8, f) != 8 || memcmp(magic, "FLNV21\0\0", 8) || fread(head, 4, 3, f) != 3 ||
        head[0] < 1 || head[0] > 5000 || head[1] < 2 || head[2] < 2 || head[1] > 4096 || head[2] > 4096) {
        if (f)
            fclose(f);
        return -1;
    }
    c->n = head[0], c->w = head[1], c->h = head[2];
    const size_t size = (size_t)c->w * c->h * 3 / 2;
    c->bytes = malloc(size * (size_t)c->n);
    c->t_ns = malloc(sizeof *c->t_ns * (size_t)c->n);
    for (int i = 0; c->bytes && c->t_ns && i < c->n; i++)
        if (fread(&c->t_ns[i], 8, 1, f) != 1 || fread(c->bytes + size * (size_t)i, 1, size, f) != size) {
            fclose(f);
            return -1;
        }
    fclose(f);
    return c->bytes && c->t_ns ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_jni_peer MODELS_DIR RAW_FILE\n");
        return 2;
    }
    clip c;
    fl_error err;
    fl_analyzer *an = NULL;
    fl_silent *sl = NULL;
    if (read_clip(argv[2], &c)) {
        fprintf(stderr, "bench_jni_peer: %s is not a frames file of JniBench\n", argv[2]);
        return 1;
    }
    if (fl_analyzer_create(argv[1], NULL, &an, &err) || fl_silent_create(argv[1], NULL, NULL, &sl, &err)) {
        fprintf(stderr, "bench_jni_peer: %s\n", err.detail);
        return 1;
    }
    fl_challenge ch = {4, {FL_ACTION_TURN_LEFT, FL_ACTION_TURN_RIGHT, FL_ACTION_HEAD_DOWN, FL_ACTION_HEAD_UP}};
    fl_session_config cfg = fl_session_config_default();
    cfg.action_timeout_s = cfg.total_timeout_s = 1e9f; /* as the Java benchmark: every frame is worked on */
    double *ms = malloc(sizeof *ms * (size_t)c.n);
    const size_t size = (size_t)c.w * c.h * 3 / 2;
    for (int pass = 0; pass < 2; pass++) { /* pass 0 warms up */
        fl_session *s;
        if (fl_session_create(an, sl, &cfg, &ch, &s, &err)) {
            fprintf(stderr, "bench_jni_peer: %s\n", err.detail);
            return 1;
        }
        for (int i = 0; i < c.n; i++) {
            double t0 = fl_now_ms();
            fl_image_view v = {c.bytes + size * (size_t)i, c.w, c.h, (size_t)c.w, FL_PIXEL_NV21, 90};
            fl_image img;
            fl_session_state st;
            if (fl_image_from_view(&v, &img, &err) == FL_OK) {
                fl_session_push(s, &img, (double)c.t_ns[i] / 1e9, &st, &err);
                fl_image_free(&img);
            }
            ms[i] = fl_now_ms() - t0;
        }
        fl_session_free(s);
    }
    printf("{\"c_ms_per_frame\": %.3f, \"frames\": %d, \"width\": %d, \"height\": %d}\n",
           fl_quantile(ms, (size_t)c.n, 0.5), c.n, c.w, c.h);
    fl_silent_free(sl);
    fl_analyzer_free(an);
    free(ms);
    free(c.bytes);
    free(c.t_ns);
    return 0;
}
