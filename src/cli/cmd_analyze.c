/* `facelive analyze IMAGE... [--json] [--draw OUT] [--models DIR] [--detect-size N]`:
 * faces, landmarks, pose, eye/mouth measures and quality reasons of each image; --draw writes
 * what the library saw (box, keypoints, mesh, a panel of values). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/commands.h"
#include "app/json_face.h"
#include "app/program.h"
#include "cli/draw.h"
#include "facelive/face.h"

typedef struct analyze_args {
    const char *models, *draw;
    int json, detect_size, n_images;
    float score_threshold;
    char **images;
} analyze_args;

static void json_face(jw *w, const fl_face_box *f)
{
    jw_object(w, NULL);
    jw_array(w, "box");
    const float box[4] = {f->x, f->y, f->w, f->h};
    for (int k = 0; k < 4; k++)
        jw_num(w, NULL, box[k], 1);
    jw_end(w);
    jw_num(w, "score", f->score, 4);
    jw_array(w, "landmarks5");
    for (int k = 0; k < 10; k++)
        jw_num(w, NULL, f->kps[k], 1);
    jw_end(w);
    jw_array(w, "antispoof_box");
    const int rbox[4] = {f->rx, f->ry, f->rw, f->rh};
    for (int k = 0; k < 4; k++)
        jw_int(w, NULL, rbox[k]);
    jw_end(w);
    jw_end(w);
}

static void json_measures(jw *w, const fl_face_measures *m)
{
    static const char *const kp[FL_KP_COUNT] = {"eye_image_left", "eye_image_right", "nose_tip",
                                                "mouth_image_left", "mouth_image_right", "upper_lip",
                                                "lower_lip", "chin", "forehead"};
    jw_bool(w, "mesh_valid", m->valid); /* the points are given either way; valid: the mesh is confident */
    jw_num(w, "presence", m->presence, 4);
    fl_json_face_measures(w, m);
    jw_object(w, "keypoints");
    for (int k = 0; k < FL_KP_COUNT; k++) {
        jw_array(w, kp[k]);
        jw_num(w, NULL, m->keypoints[k][0], 1);
        jw_num(w, NULL, m->keypoints[k][1], 1);
        jw_end(w);
    }
    jw_end(w);
}

static void print_json(const char *path, const fl_image *img, const fl_analysis *a)
{
    jw w;
    jw_init(&w, stdout);
    jw_object(&w, NULL);
    jw_str(&w, "image", path);
    jw_int(&w, "width", img->width);
    jw_int(&w, "height", img->height);
    jw_array(&w, "faces");
    for (int i = 0; i < a->n_faces; i++)
        json_face(&w, &a->faces[i]);
    jw_end(&w);
    if (a->n_faces) {
        json_measures(&w, &a->measures);
        jw_num(&w, "sharpness", a->sharpness, 1);
        jw_num(&w, "brightness", a->brightness, 1);
        jw_num(&w, "clipped", a->clipped, 3);
        jw_num(&w, "backlight_ratio", a->backlight_ratio, 3);
    }
    jw_bool(&w, "quality_ok", !a->n_reasons);
    jw_array(&w, "reasons");
    for (int i = 0; i < a->n_reasons; i++) {
        jw_object(&w, NULL);
        jw_str(&w, "reason", fl_quality_reason_name(a->reasons[i].reason));
        jw_num(&w, "value", a->reasons[i].value, 4);
        jw_num(&w, "threshold", a->reasons[i].threshold, 4);
        jw_str(&w, "prompt", fl_quality_reason_prompt(a->reasons[i].reason));
        jw_end(&w);
    }
    jw_end(&w);
    jw_end(&w);
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

static void usage(FILE *f)
{
    fprintf(f, "usage: facelive analyze IMAGE... [--json] [--draw OUT.png|DIR] [--models DIR]\n"
               "       [--detect-size N] [--score-threshold S]\n"
               "\n"
               "Faces, 468-point landmarks, head pose, eye and mouth measures and the quality reasons a\n"
               "capture UI prompts with, for each JPEG or PNG image.\n"
               "  --json             one JSON object per image (or per unreadable image)\n"
               "  --draw OUT         an annotated PNG (with several images: a folder of them)\n"
               "  --detect-size N    the detector's long side (default: the library's, %d)\n"
               "  --score-threshold S  the detector's score threshold (default %.2f)\n"
               "  --models DIR       the model pack (default: $FACELIVE_MODELS, the installed pack, ./models)\n"
               "\n" FL_EXIT_STATUS_HELP,
            fl_analyzer_options_default().detect_size, fl_analyzer_options_default().score_threshold);
}

static int parse(int argc, char **argv, analyze_args *a)
{
    fl_analyzer_options d = fl_analyzer_options_default();
    *a = (analyze_args){NULL, NULL, 0, d.detect_size, 0, d.score_threshold, NULL};
    a->images = calloc((size_t)argc, sizeof *a->images);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        int bad = 0;
        double v;
        if (strcmp(o, "--json") == 0)
            a->json = 1;
        else if (o[0] == '-' && o[1] == '-' && i + 1 >= argc)
            return fl_usage_missing_value("analyze", o);
        else if (strcmp(o, "--draw") == 0)
            a->draw = argv[++i];
        else if (strcmp(o, "--models") == 0)
            a->models = argv[++i];
        else if (strcmp(o, "--detect-size") == 0)
            bad = fl_parse_int("analyze", o, argv[++i], 32, 4096, &a->detect_size);
        else if (strcmp(o, "--score-threshold") == 0) {
            bad = fl_parse_float("analyze", o, argv[++i], 0.001, 1, &v);
            a->score_threshold = (float)v;
        } else if (o[0] == '-' && o[1] == '-')
            return fl_usage_unknown_option("analyze", o);
        else
            a->images[a->n_images++] = argv[i];
        if (bad)
            return FL_EXIT_USAGE;
    }
    if (!a->n_images) {
        usage(stderr);
        return FL_EXIT_USAGE;
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
    if (fl_wants_help(argc, argv)) {
        usage(stdout);
        return FL_EXIT_OK;
    }
    analyze_args a;
    int rc = parse(argc, argv, &a);
    char models_buf[4096];
    if (!rc && !(a.models = fl_find_models("analyze", a.models, models_buf, sizeof models_buf)))
        rc = FL_EXIT_ERROR;
    if (rc) {
        free(a.images);
        return rc;
    }
    if (a.draw && a.n_images > 1 && mkdir(a.draw, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "facelive analyze: cannot create folder '%s': %s\n", a.draw, strerror(errno));
        free(a.images);
        return FL_EXIT_ERROR;
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
        return FL_EXIT_ERROR;
    }
    int failures = 0;
    for (int i = 0; i < a.n_images; i++) {
        fl_image img;
        fl_analysis res;
        fl_analyzer_ctx_reset(ctx); /* separate images: no motion between them */
        if (fl_image_load(a.images[i], NULL, &img, &err) || fl_analyze(ctx, &img, &res, &err)) {
            if (a.json) {
                jw w;
                jw_init(&w, stdout);
                jw_object(&w, NULL);
                jw_str(&w, "image", a.images[i]);
                jw_str(&w, "error", fl_status_name(err.status));
                jw_str(&w, "detail", err.detail);
                jw_end(&w);
            }
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
    return failures ? FL_EXIT_ERROR : FL_EXIT_OK;
}
