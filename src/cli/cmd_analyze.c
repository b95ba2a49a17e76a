/* `facelive analyze IMAGE... [--json] [--draw OUT] [--models DIR] [--detect-size N]`:
 * faces, landmarks, pose, eye/mouth measures and quality reasons of each image; --draw writes
 * what the library saw (box, keypoints, mesh, a panel of values). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/draw.h"
#include "facelive/face.h"

typedef struct analyze_args {
    const char *models, *draw;
    int json, detect_size, n_images;
    float score_threshold;
    char **images;
} analyze_args;

static void print_json(const char *path, const fl_image *img, const fl_analysis *a)
{
    printf("{\"image\": \"%s\", \"width\": %d, \"height\": %d, \"faces\": [", path, img->width, img->height);
    for (int i = 0; i < a->n_faces; i++) {
        const fl_face_box *f = &a->faces[i];
        printf("%s{\"box\": [%.1f, %.1f, %.1f, %.1f], \"score\": %.4f, \"landmarks5\": [", i ? ", " : "", f->x, f->y,
               f->w, f->h, f->score);
        for (int k = 0; k < 10; k++)
            printf(k ? ", %.1f" : "%.1f", f->kps[k]);
        printf("], \"antispoof_box\": [%d, %d, %d, %d]}", f->rx, f->ry, f->rw, f->rh);
    }
    printf("]");
    const fl_face_measures *m = &a->measures;
    if (a->n_faces) { /* the mesh's points and measures; mesh_valid says whether it is confident */
        static const char *const kp[FL_KP_COUNT] = {"eye_image_left", "eye_image_right", "nose_tip",
                                                    "mouth_image_left", "mouth_image_right", "upper_lip",
                                                    "lower_lip", "chin", "forehead"};
        printf(", \"mesh_valid\": %s", m->valid ? "true" : "false");
        printf(", \"presence\": %.4f, \"ear_image_left\": %.4f, \"ear_image_right\": %.4f, \"mar\": %.4f, "
               "\"yaw\": %.2f, \"pitch\": %.2f, \"roll\": %.2f, \"keypoints\": {",
               m->presence, m->ear_il, m->ear_ir, m->mar, m->yaw, m->pitch, m->roll);
        for (int k = 0; k < FL_KP_COUNT; k++)
            printf("%s\"%s\": [%.1f, %.1f]", k ? ", " : "", kp[k], m->keypoints[k][0], m->keypoints[k][1]);
        printf("}");
    }
    if (a->n_faces)
        printf(", \"sharpness\": %.1f, \"brightness\": %.1f, \"clipped\": %.3f, \"backlight_ratio\": %.3f",
               a->sharpness, a->brightness, a->clipped, a->backlight_ratio);
    printf(", \"quality_ok\": %s, \"reasons\": [", a->n_reasons ? "false" : "true");
    for (int i = 0; i < a->n_reasons; i++)
        printf("%s{\"reason\": \"%s\", \"value\": %.4g, \"threshold\": %.4g, \"prompt\": \"%s\"}", i ? ", " : "",
               fl_quality_reason_name(a->reasons[i].reason), a->reasons[i].value, a->reasons[i].threshold,
               fl_quality_reason_prompt(a->reasons[i].reason));
    printf("]}\n");
}

static void print_text(const char *path, const fl_image *img, const fl_analysis *a)
{
    printf("%s (%dx%d): %d face%s\n", path, img->width, img->height, a->n_faces, a->n_faces == 1 ? "" : "s");
    for (int i = 0; i < a->n_faces; i++)
        printf("  face %d: box %.0f,%.0f %.0fx%.0f score %.3f; anti-spoof box %d,%d %dx%d\n", i, a->faces[i].x,
               a->faces[i].y, a->faces[i].w, a->faces[i].h, a->faces[i].score, a->faces[i].rx, a->faces[i].ry,
               a->faces[i].rw, a->faces[i].rh);
    const fl_face_measures *m = &a->measures;
    if (a->n_faces)
        printf("  eyes EAR %.3f / %.3f, mouth MAR %.3f, yaw %.1f pitch %.1f roll %.1f deg (mesh presence %.3f%s)\n",
               m->ear_il, m->ear_ir, m->mar, m->yaw, m->pitch, m->roll, m->presence,
               m->valid ? "" : ", not confident");
    if (a->n_faces)
        printf("  sharpness %.0f, brightness %.0f, clipped %.2f, face/surround %.2f\n", a->sharpness, a->brightness,
               a->clipped, a->backlight_ratio);
    if (!a->n_reasons)
        printf("  quality: ok\n");
    for (int i = 0; i < a->n_reasons; i++)
        printf("  quality: %s (%.3g, limit %.3g): %s\n", fl_quality_reason_name(a->reasons[i].reason),
               a->reasons[i].value, a->reasons[i].threshold, fl_quality_reason_prompt(a->reasons[i].reason));
}

static void draw(fl_image *img, const fl_analysis *a)
{
    const fl_rgb green = {80, 220, 80}, yellow = {0, 230, 255}, red = {60, 60, 255}, white = {255, 255, 255},
                 blue = {255, 160, 60};
    const int t = img->width > 800 ? 3 : 2, s = img->width > 800 ? 3 : 2;
    for (int i = 0; i < a->n_faces; i++) {
        const fl_face_box *f = &a->faces[i];
        fl_draw_rect(img, (int)f->x, (int)f->y, (int)f->w, (int)f->h, t, i ? yellow : green);
        fl_draw_rect(img, f->rx, f->ry, f->rw, f->rh, 1, blue);
    }
    const fl_face_measures *m = &a->measures;
    if (m->valid) {
        for (int k = 0; k < FL_MESH_POINTS; k++)
            fl_draw_dot(img, m->mesh[k][0], m->mesh[k][1], 0, white);
        for (int k = 0; k < FL_KP_COUNT; k++)
            fl_draw_dot(img, m->keypoints[k][0], m->keypoints[k][1], t + 2, red);
    }
    char line[8][96];
    int n = 0;
    snprintf(line[n++], sizeof line[0], "FACES %d", a->n_faces);
    if (m->valid) {
        snprintf(line[n++], sizeof line[0], "YAW %.0f PITCH %.0f ROLL %.0f", m->yaw, m->pitch, m->roll);
        snprintf(line[n++], sizeof line[0], "EAR %.2f %.2f MAR %.2f", m->ear_il, m->ear_ir, m->mar);
    }
    if (a->n_faces)
        snprintf(line[n++], sizeof line[0], "SHARP %.0f LIGHT %.0f", a->sharpness, a->brightness);
    for (int i = 0; i < a->n_reasons && n < 8; i++)
        snprintf(line[n++], sizeof line[0], "%s", fl_quality_reason_name(a->reasons[i].reason));
    if (!a->n_reasons)
        snprintf(line[n++], sizeof line[0], "QUALITY OK");
    fl_draw_shade(img, 0, 0, 34 * 6 * s, (n * 9 + 2) * s);
    for (int i = 0; i < n; i++)
        fl_draw_text(img, 2 * s, (2 + 9 * i) * s, s, line[i], i >= n - (a->n_reasons ? a->n_reasons : 1) ? (a->n_reasons ? red : green) : white);
}

static int parse(int argc, char **argv, analyze_args *a)
{
    *a = (analyze_args){"models", NULL, 0, 320, 0, 0.5f, NULL};
    a->images = calloc((size_t)argc, sizeof *a->images);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            a->json = 1;
        else if (strcmp(argv[i], "--draw") == 0 && i + 1 < argc)
            a->draw = argv[++i];
        else if (strcmp(argv[i], "--models") == 0 && i + 1 < argc)
            a->models = argv[++i];
        else if (strcmp(argv[i], "--detect-size") == 0 && i + 1 < argc)
            a->detect_size = atoi(argv[++i]);
        else if (strcmp(argv[i], "--score-threshold") == 0 && i + 1 < argc)
            a->score_threshold = (float)atof(argv[++i]);
        else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "facelive analyze: unknown option '%s'\n", argv[i]);
            return 2;
        } else
            a->images[a->n_images++] = argv[i];
    }
    if (!a->n_images) {
        fprintf(stderr, "usage: facelive analyze IMAGE... [--json] [--draw OUT.png|DIR] [--models DIR] "
                        "[--detect-size N] [--score-threshold S]\n");
        return 2;
    }
    return 0;
}

/* With one image --draw names the output file; with several it names a folder. */
static void draw_path(const analyze_args *a, const char *image, char *out, size_t n)
{
    if (a->n_images == 1) {
        snprintf(out, n, "%s", a->draw);
        return;
    }
    const char *base = strrchr(image, '/');
    snprintf(out, n, "%s/%s.png", a->draw, base ? base + 1 : image);
}

int fl_cmd_analyze(int argc, char **argv)
{
    analyze_args a;
    int rc = parse(argc, argv, &a);
    if (rc) {
        free(a.images);
        return rc;
    }
    if (a.draw && a.n_images > 1 && mkdir(a.draw, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "facelive analyze: cannot create folder '%s': %s\n", a.draw, strerror(errno));
        free(a.images);
        return 1;
    }
    fl_error err;
    fl_analyzer_options opt = fl_analyzer_options_default();
    opt.detect_size = a.detect_size;
    opt.score_threshold = a.score_threshold;
    fl_analyzer *an = NULL;
    fl_analyzer_ctx *ctx = NULL;
    if (fl_analyzer_create(a.models, &opt, &an, &err) || fl_analyzer_ctx_create(an, &ctx, &err)) {
        fprintf(stderr, "facelive analyze: %s: %s\n", fl_status_name(err.status), err.detail);
        fl_analyzer_free(an);
        free(a.images);
        return 1;
    }
    int failures = 0;
    for (int i = 0; i < a.n_images; i++) {
        fl_image img;
        fl_analysis res;
        fl_analyzer_ctx_reset(ctx); /* separate images: no motion between them */
        if (fl_image_load(a.images[i], NULL, &img, &err) || fl_analyze(ctx, &img, &res, &err)) {
            if (a.json)
                printf("{\"image\": \"%s\", \"error\": \"%s\"}\n", a.images[i], fl_status_name(err.status));
            fprintf(stderr, "facelive analyze: %s: %s\n", fl_status_name(err.status), err.detail);
            failures++;
            continue;
        }
        if (a.json)
            print_json(a.images[i], &img, &res);
        else
            print_text(a.images[i], &img, &res);
        if (a.draw) {
            char out[4096];
            draw_path(&a, a.images[i], out, sizeof out);
            draw(&img, &res);
            if (fl_image_save_png(&img, out, &err)) {
                fprintf(stderr, "facelive analyze: %s\n", err.detail);
                failures++;
            }
        }
        fl_image_free(&img);
    }
    fl_analyzer_ctx_free(ctx);
    fl_analyzer_free(an);
    free(a.images);
    return failures ? 1 : 0;
}
