/*
 * bench_session: per-frame cost of a liveness session (face analysis + action detectors +
 * tracking + best-frame keeping) on one thread, over a real clip whose frames are placed, scaled
 * to fit with their aspect kept, on a 640x480 canvas, decoded before timing.
 * Prints a table on stderr and one JSON object on stdout.
 * usage: bench_session MODELS_DIR CLIP.mp4
 */
#include <stdio.h>
#include <stdlib.h>

#include "app/timing.h"
#include "app/video_reader.h"
#include "facelive/session.h"

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    fl_error err;
    fl_video *v;
    fl_analyzer *an;
    if (fl_video_open(argv[2], 0, &v, &err) || fl_analyzer_create(argv[1], NULL, &an, &err)) {
        fprintf(stderr, "bench_session: %s\n", err.detail);
        return 1;
    }
    enum { MAX = 2000 };
    fl_image *frames = calloc(MAX, sizeof *frames);
    double *ts = calloc(MAX, sizeof *ts), *ms = calloc(MAX, sizeof *ms);
    int n = 0;
    fl_image f;
    double t;
    while (n < MAX && fl_video_next(v, &f, &t, &err) == 1) {
        fl_image_alloc(640, 480, &frames[n], &err);
        double sc = f.width * 480 > f.height * 640 ? 640.0 / f.width : 480.0 / f.height;
        int w = (int)(f.width * sc), h = (int)(f.height * sc), x0 = (640 - w) / 2, y0 = (480 - h) / 2;
        fl_resize_linear(f.data, f.width, f.height, f.stride, 3, 0, 0, f.width, f.height,
                         frames[n].data + (size_t)y0 * frames[n].stride + 3 * (size_t)x0, w, h, frames[n].stride);
        ts[n++] = t;
        fl_image_free(&f);
    }
    fl_video_close(v);
    fl_challenge ch = {4, {FL_ACTION_TURN_LEFT, FL_ACTION_TURN_RIGHT, FL_ACTION_HEAD_DOWN, FL_ACTION_HEAD_UP}};
    fl_session_config cfg = fl_session_config_default();
    cfg.action_timeout_s = cfg.total_timeout_s = 1e9f; /* time every frame of the clip */
    fl_session *s;
    if (fl_session_create(an, NULL, &cfg, &ch, &s, &err)) {
        fprintf(stderr, "bench_session: %s\n", err.detail);
        return 1;
    }
    fl_session_state st;
    for (int i = 0; i < n; i++) {
        double t0 = fl_now_ms();
        fl_session_push(s, &frames[i], ts[i], &st, &err);
        ms[i] = fl_now_ms() - t0;
    }
    double p50 = fl_quantile(ms, (size_t)n, 0.5), p99 = fl_quantile(ms, (size_t)n, 0.99);
    fprintf(stderr, "session over %d frames at 640x480: p50 %.2f ms, p99 %.2f ms per frame (phase at the end %d, %d/%d "
                    "actions)\n", n, p50, p99, (int)st.phase, st.step, st.n_steps);
    printf("{\"session_frame_ms_640x480\": %.3f, \"session_frame_p99_ms_640x480\": %.3f, \"frames\": %d, "
           "\"actions_done\": %d}\n", p50, p99, n, st.step);
    fl_session_free(s);
    for (int i = 0; i < n; i++)
        fl_image_free(&frames[i]);
    free(frames);
    free(ts);
    free(ms);
    fl_analyzer_free(an);
    return 0;
}
