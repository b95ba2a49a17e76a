/* The silent liveness verdict of one image: real, spoof or uncertain.
 *   cc check_image.c $(pkg-config --cflags --libs facelive) -o check_image
 *   ./check_image "$(pkg-config --variable=modelsdir facelive)" face.jpg */
#include <facelive/liveness.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: check_image MODELS_DIR IMAGE\n");
        return 2;
    }
    fl_error err;
    fl_analyzer *an = NULL; /* models are loaded once and shared by threads */
    fl_silent *sl = NULL;
    fl_silent_ctx *ctx = NULL; /* one per thread */
    fl_image img = {0};
    int rc = 1;
    if (fl_analyzer_create(argv[1], NULL, &an, &err) || fl_silent_create(argv[1], NULL, NULL, &sl, &err) ||
        fl_silent_ctx_create(sl, an, &ctx, &err) || fl_image_load(argv[2], NULL, &img, &err)) {
        fprintf(stderr, "%s: %s\n", fl_status_name(err.status), err.detail);
    } else {
        const fl_image *frames[] = {&img};
        fl_verdict v;
        if (fl_silent_check(ctx, frames, 1, &v, &err) != FL_OK) {
            fprintf(stderr, "%s: %s\n", fl_status_name(err.status), err.detail);
        } else if (v.decision == FL_DECISION_UNCERTAIN && v.n_used == 0) {
            printf("uncertain: %s\n", v.n_reasons ? fl_quality_reason_prompt(v.reasons[0].reason) : "no face");
            rc = 4;
        } else {
            printf("%s %.4f\n", fl_decision_name(v.decision), v.score); /* only "real" lets a user through */
            rc = v.decision == FL_DECISION_REAL ? 0 : v.decision == FL_DECISION_SPOOF ? 3 : 4;
        }
    }
    fl_image_free(&img);
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    fl_analyzer_free(an);
    return rc;
}
