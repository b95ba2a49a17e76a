#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "cli/video_reader.h"
#include "facelive/face.h"
int fl_cmd_video(int argc, char **argv)
{
    if (argc < 2) return 2;
    fl_error err; fl_video *v; fl_analyzer *an; fl_analyzer_ctx *ctx;
    if (fl_video_open(argv[1], 0, &v, &err) || fl_analyzer_create("models", NULL, &an, &err) || fl_analyzer_ctx_create(an, &ctx, &err)) { fprintf(stderr, "%s\n", err.detail); return 1; }
    fl_image img; double t; int r;
    while ((r = fl_video_next(v, &img, &t, &err)) == 1) {
        fl_analysis a; fl_analyze(ctx, &img, &a, &err);
        const fl_face_measures *m = &a.measures;
        printf("%.2f %d %dx%d yaw %6.1f pitch %6.1f roll %6.1f ear %.3f %.3f mar %.3f\n", t, a.n_faces, img.width, img.height, m->yaw, m->pitch, m->roll, m->ear_il, m->ear_ir, m->mar);
        fl_image_free(&img);
    }
    if (r < 0) fprintf(stderr, "%s\n", err.detail);
    return 0;
}
