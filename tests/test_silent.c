/*
 * Silent liveness: parity with the reference Silent-Face pipeline (MANIFEST section 6), the
 * degraded-scale rule, fusion across models and frames, thresholds, the model list, bad input.
 */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "facelive/liveness.h"
#include "facelive/session.h"
#include "liveness/model_list.h"
#include "liveness/silent_internal.h"
#include "test_util.h"

static fl_analyzer *an;

/* The reference's image names live in two folders of the data set. */
static int load_named(const char *name, fl_image *img)
{
    char path[1024];
    fl_error err;
    snprintf(path, sizeof path, "%s/%s/%s", fl_test_data_dir(),
             strncmp(name, "image_", 6) == 0 ? "silent_face_minivision" : "wenhua_chen_blog", name);
    return fl_image_load(path, NULL, img, &err) == FL_OK;
}

static fl_silent *make(const fl_silent_options *o, const char *list)
{
    fl_silent *sl = NULL;
    fl_error err;
    CHECK(fl_silent_create(fl_test_models_dir(), list, o, &sl, &err) == FL_OK, "%s", err.detail);
    return sl;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void test_parity(void)
{
    char path[1024];
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/reference_silentface.json", fl_test_models_dir());
    json_t *ref = json_load_file(path, 0, &jerr);
    snprintf(path, sizeof path, "%s/yunet_box_vs_retinaface_fas.json", fl_test_models_dir());
    json_t *yun = json_load_file(path, 0, &jerr);
    CHECK(ref && yun, "reference JSON files (run scripts/models.sh)");
    if (!ref || !yun)
        return;
    char pair[1024]; /* the reference pipeline's models (the default before 2026-12-04) */
    snprintf(pair, sizeof pair, "%s/antispoof_models_reference.tsv", fl_test_config_dir());
    fl_silent *sl = make(NULL, pair);
    fl_silent_ctx *ctx;
    fl_analyzer_ctx *actx;
    fl_error err;
    CHECK(fl_silent_ctx_create(sl, an, &ctx, &err) == FL_OK, "%s", err.detail);
    CHECK(fl_analyzer_ctx_create(an, &actx, &err) == FL_OK, "%s", err.detail);
    float e2e_diff[64];
    int n_box = 0, n_e2e = 0;
    double max_box = 0;
    size_t i;
    json_t *e;
    json_array_foreach(ref, i, e)
    {
        const char *name = json_string_value(json_object_get(e, "image"));
        fl_image img;
        if (!load_named(name, &img)) { /* "Pasted Graphic" images are not in the data set */
            printf("parity: %s not in the data set, skipped\n", name);
            continue;
        }
        const json_t *b = json_object_get(e, "bbox_xywh");
        int bx = (int)json_integer_value(json_array_get(b, 0)), by = (int)json_integer_value(json_array_get(b, 1));
        int bw = (int)json_integer_value(json_array_get(b, 2)), bh = (int)json_integer_value(json_array_get(b, 3));
        fl_frame_score fs;
        CHECK(fl_silent_score_box(ctx, &img, bx, by, bw, bh, &fs, &err) == FL_OK, "%s: %s", name, err.detail);
        double want = json_real_value(json_object_get(e, "fused_p_real"));
        static const char *const keys[2] = {"MiniFASNetV2", "MiniFASNetV1SE"};
        for (int m = 0; m < 2; m++) {
            const json_t *mj = json_object_get(e, keys[m]);
            const json_t *crop = json_object_get(mj, "crop_box_x1y1x2y2_inclusive");
            for (int k = 0; k < 4; k++)
                CHECK(fs.models[m].crop[k] == json_integer_value(json_array_get(crop, (size_t)k)),
                      "%s %s crop[%d] = %d, reference %lld", name, keys[m], k, fs.models[m].crop[k],
                      (long long)json_integer_value(json_array_get(crop, (size_t)k)));
            double p = json_real_value(json_object_get(mj, "p_real"));
            CHECK(fabs(fs.models[m].p_real - p) < 1e-3, "%s %s p_real %.5f, reference %.5f", name, keys[m],
                  fs.models[m].p_real, p);
        }
        double d = fabs(fs.score_all - want);
        max_box = fmax(max_box, d);
        CHECK(d < 1e-3, "%s: fused p_real %.5f, reference %.5f", name, fs.score_all, want);
        n_box++;
        /* End to end: our detector, its mapped box, the same fusion. */
        const json_t *yj = json_object_get(yun, name);
        const json_t *yp = json_object_get(yj, "fused_p_real_mapped_yunet_box");
        if (yp && json_is_number(yp)) {
            /* Our detector's mapped box, scored without the check's quality gate (which, for
             * instance, sets heads turned past its limits aside). */
            fl_analysis a;
            CHECK(fl_analyze(actx, &img, &a, &err) == FL_OK && a.n_faces >= 1, "%s: no face", name);
            fl_frame_score es;
            CHECK(fl_silent_score_box(ctx, &img, a.faces[0].rx, a.faces[0].ry, a.faces[0].rw, a.faces[0].rh, &es,
                                      &err) == FL_OK, "%s: %s", name, err.detail);
            double table = json_number_value(yp);
            float got = es.score_all;
            e2e_diff[n_e2e++] = fabsf(got - (float)table);
            CHECK(fabs(got - table) <= 0.05, "%s: end-to-end %.4f, table %.4f", name, got, table);
            CHECK((got >= 0.5f) == (table >= 0.5), "%s: decision at 0.5 differs (%.4f vs %.4f)", name, got, table);
            printf("%-36s reference box %.4f (ref %.4f) | mapped YuNet box %.4f (table %.4f)\n", name, fs.score_all,
                   want, got, table);
        }
        fl_image_free(&img);
    }
    qsort(e2e_diff, (size_t)n_e2e, sizeof *e2e_diff, cmp_float);
    float median = n_e2e ? e2e_diff[n_e2e / 2] : 1;
    printf("parity: %d images with the reference's boxes, max |diff| %.2e; %d end to end, median |diff| %.4f, max "
           "%.4f\n", n_box, max_box, n_e2e, median, n_e2e ? e2e_diff[n_e2e - 1] : 0);
    CHECK(n_box >= 24 && n_e2e >= 24, "parity covered %d / %d images", n_box, n_e2e);
    CHECK(median <= 0.01f, "end-to-end median |diff| %.4f", median);
    fl_silent_ctx_free(ctx);
    fl_analyzer_ctx_free(actx);
    fl_silent_free(sl);
    json_decref(ref);
    json_decref(yun);
}

/* The degraded-scale rule: a face filling the frame leaves the 4.0 crop at a fraction of 4.0. */
static void test_degraded(void)
{
    fl_silent_options o = fl_silent_options_default();
    fl_silent *sl = make(&o, NULL);
    fl_silent_ctx *ctx;
    fl_error err;
    fl_silent_ctx_create(sl, an, &ctx, &err);
    fl_image img;
    if (!load_named("image_T1.jpg", &img))
        return;
    fl_frame_score fs;
    /* box 207 wide in a 480-wide image: s = 479/207 = 2.31; 2.31/4.0 = 0.58 >= 0.4: both count */
    fl_silent_score_box(ctx, &img, 106, 147, 207, 213, &fs, &err);
    CHECK(!fs.models[0].degraded && !fs.models[1].degraded && fs.used, "image_T1: no model degraded");
    CHECK(fabsf(fs.score - (fs.models[0].p_real + fs.models[1].p_real) / 2) < 1e-6f, "equal weights: the mean");
    /* box 360 wide: s = 479/360 = 1.33: 2.7 keeps 0.49 of its scale, 4.0 only 0.33: degraded */
    fl_silent_score_box(ctx, &img, 60, 150, 360, 360, &fs, &err);
    CHECK(!fs.models[0].degraded && fs.models[1].degraded, "wide face: the 4.0 model is degraded (%.2f)",
          fs.models[1].scale);
    CHECK(fs.used && fabsf(fs.score - fs.models[0].p_real) < 1e-6f, "the other model carries the decision");
    CHECK(fabsf(fs.score_all - (fs.models[0].p_real + fs.models[1].p_real) / 2) < 1e-6f,
          "score_all keeps the reference fusion");
    /* box as wide as the image: both degraded: a quality reason, no score */
    fl_silent_score_box(ctx, &img, 0, 100, 479, 479, &fs, &err);
    CHECK(!fs.used && fs.n_reasons == 1 && fs.reasons[0].reason == FL_QUALITY_TOO_LARGE,
          "face too close: no model has a valid view");
    /* the ratio is an option: at 0 nothing is degraded */
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    o.degraded_ratio = 0;
    sl = make(&o, NULL);
    fl_silent_ctx_create(sl, an, &ctx, &err);
    fl_silent_score_box(ctx, &img, 0, 100, 479, 479, &fs, &err);
    CHECK(fs.used && !fs.models[0].degraded && !fs.models[1].degraded, "degraded_ratio 0 keeps every model");
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    fl_image_free(&img);
}

/* Weights, frame fusion and thresholds. */
static void test_fusion(void)
{
    fl_error err;
    fl_image real, spoof;
    if (!load_named("image_T1.jpg", &real) || !load_named("image_F2.jpg", &spoof))
        return;
    const fl_image *frames[2] = {&real, &spoof};
    fl_silent_options o = fl_silent_options_default();
    fl_verdict mean_v, min_v, one_v;
    fl_silent *sl = make(&o, NULL);
    fl_silent_ctx *ctx;
    fl_silent_ctx_create(sl, an, &ctx, &err);
    fl_silent_check(ctx, frames, 2, &mean_v, &err);
    fl_silent_check(ctx, frames, 1, &one_v, &err);
    CHECK(one_v.decision == FL_DECISION_REAL && one_v.score >= 0.9f, "image_T1 alone is real (%.3f)", one_v.score);
    CHECK(mean_v.n_used == 2 && fabsf(mean_v.score - (mean_v.frames[0].score + mean_v.frames[1].score) / 2) < 1e-6f,
          "mean of two frames");
    CHECK(mean_v.decision != FL_DECISION_REAL, "a spoof frame in the attempt keeps it from real (%.3f)", mean_v.score);
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    o.frame_fusion = FL_FUSE_MIN;
    sl = make(&o, NULL);
    fl_silent_ctx_create(sl, an, &ctx, &err);
    fl_silent_check(ctx, frames, 2, &min_v, &err);
    CHECK(fabsf(min_v.score - fminf(min_v.frames[0].score, min_v.frames[1].score)) < 1e-6f && min_v.score < 0.5f &&
              min_v.decision == FL_DECISION_SPOOF, "min fusion takes the lowest frame (%.3f)", min_v.score);
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    /* Thresholds: the same score is real, uncertain or spoof depending on them. */
    float s = one_v.score;
    o = fl_silent_options_default();
    o.threshold = s + (1 - s) / 2;
    o.spoof_below = s / 2;
    sl = make(&o, NULL);
    fl_silent_ctx_create(sl, an, &ctx, &err);
    fl_silent_check(ctx, frames, 1, &one_v, &err);
    CHECK(one_v.decision == FL_DECISION_UNCERTAIN && one_v.threshold == o.threshold, "between: uncertain");
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    o.threshold = 1.0f;
    o.spoof_below = 1.0f;
    sl = make(&o, NULL);
    fl_silent_ctx_create(sl, an, &ctx, &err);
    fl_silent_check(ctx, frames, 1, &one_v, &err);
    CHECK(one_v.decision == FL_DECISION_SPOOF, "below spoof_below: spoof");
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    /* Weights: a list that weights the 4.0 model 3:1. */
    char list[] = "/tmp/fl_test_weighted_list.tsv";
    FILE *f = fopen(list, "w");
    fprintf(f, "file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\n"
               "minifasnet_v2_2.7_80x80.onnx\t80x80\tbgr\t1\t2.7\tlogits\t1\t1\n"
               "minifasnet_v1se_4.0_80x80.onnx\t80x80\tbgr\t1\t4.0\tlogits\t1\t3\n"
               "minifasnet_v2_2.7_80x80.onnx\t80x80\tbgr\t1\t1.0\tlogits\t1\t0.5\n");
    fclose(f);
    o = fl_silent_options_default();
    sl = make(&o, list);
    CHECK(fl_silent_model_count(sl) == 3 && fl_silent_model_scale(sl, 2) == 1.0f, "a third model at scale 1.0");
    fl_silent_ctx_create(sl, an, &ctx, &err);
    fl_frame_score fs;
    fl_silent_score_box(ctx, &spoof, 120, 252, 252, 256, &fs, &err);
    float want = (fs.models[0].p_real + 3 * fs.models[1].p_real + 0.5f * fs.models[2].p_real) / 4.5f;
    CHECK(fabsf(fs.score - want) < 1e-6f, "weighted fusion %.5f vs %.5f", fs.score, want);
    CHECK(fs.models[2].crop[2] - fs.models[2].crop[0] + 1 <= 253, "the 1.0 crop is the face itself");
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    remove(list);
    fl_image_free(&real);
    fl_image_free(&spoof);
}

/* The library's built-in default is config/antispoof_models.tsv (the file users read and copy):
 * the same models, scales, weights and provenance, in the same order. */
static void test_default_is_the_config_list(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/antispoof_models.tsv", fl_test_config_dir());
    fl_silent *def = make(NULL, NULL), *file = make(NULL, path);
    if (!def || !file)
        return;
    CHECK(fl_silent_model_count(def) == fl_silent_model_count(file), "model count %d vs %d", fl_silent_model_count(def),
          fl_silent_model_count(file));
    for (int i = 0; i < fl_silent_model_count(def) && i < fl_silent_model_count(file); i++) {
        CHECK(!strcmp(fl_silent_model_file(def, i), fl_silent_model_file(file, i)) &&
                  fl_silent_model_scale(def, i) == fl_silent_model_scale(file, i),
              "model %d: %s %.2f vs %s %.2f", i, fl_silent_model_file(def, i), fl_silent_model_scale(def, i),
              fl_silent_model_file(file, i), fl_silent_model_scale(file, i));
        CHECK(!strcmp(fl_silent_model_licence(def, i), fl_silent_model_licence(file, i)) &&
                  !strcmp(fl_silent_model_trained_on(def, i), fl_silent_model_trained_on(file, i)) &&
                  strstr(fl_silent_model_licence(def, i), "Apache-2.0"),
              "model %d provenance: '%s' vs '%s'", i, fl_silent_model_licence(def, i), fl_silent_model_licence(file, i));
    }
    CHECK(!strcmp(fl_silent_model_licence(def, 99), "") && !strcmp(fl_silent_model_file(NULL, 0), ""),
          "out of range: empty strings");
    fl_silent_free(def);
    fl_silent_free(file);
}

/* The effective-threshold rule: the threshold given, spoof_below lowered to it when above. */
static void test_set_threshold(void)
{
    fl_silent_options o = fl_silent_options_default();
    fl_silent_options_set_threshold(&o, 0.95f);
    CHECK(o.threshold == 0.95f && o.spoof_below == 0.50f, "0.95: %g / %g", o.threshold, o.spoof_below);
    fl_silent_options_set_threshold(&o, 0.40f);
    CHECK(o.threshold == 0.40f && o.spoof_below == 0.40f, "0.40 lowers spoof_below: %g / %g", o.threshold,
          o.spoof_below);
    fl_silent_options d = fl_silent_options_default();
    fl_silent_options_set_threshold(&d, 0);
    CHECK(d.threshold == fl_silent_options_default().threshold && d.spoof_below == 0.50f, "0 keeps the defaults");
}

/* The parser's columns are the header of config/antispoof_models.tsv (whose columns the training
 * tools read: tests/test_train_tools.py), in order. */
static void test_columns_are_the_config_header(void)
{
    char path[1024], line[1024] = "";
    snprintf(path, sizeof path, "%s/antispoof_models.tsv", fl_test_config_dir());
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "%s", path);
    while (f && fgets(line, sizeof line, f) && line[0] == '#')
        ;
    if (f)
        fclose(f);
    line[strcspn(line, "\r\n")] = 0;
    int i = 0;
    for (char *save = NULL, *c = strtok_r(line, "\t", &save); c; c = strtok_r(NULL, "\t", &save), i++)
        CHECK(fl__model_list_column(i) && !strcmp(c, fl__model_list_column(i)), "column %d: '%s' vs '%s'", i, c,
              fl__model_list_column(i) ? fl__model_list_column(i) : "(none)");
    CHECK(i == 10 && fl__model_list_column(i) == NULL, "%d columns in the header, the parser knows the same", i);
}

/* crop_scale "frame" (the original product's "org" input): the whole image, whatever the face's
 * size, never degraded, so it votes even when the face fills the picture. */
static void test_whole_frame_model(void)
{
    char list[] = "/tmp/fl_test_frame_list.tsv";
    FILE *f = fopen(list, "w");
    fprintf(f, "file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\tlicence\ttrained_on\n"
               "minifasnet_v2_2.7_80x80.onnx\t80x80\tbgr\t1\t2.7\tlogits\t1\t1\tA\tB\n"
               "sf_pv1_org_60x80.onnx\t60x80\tbgr\t1\tframe\tlogits\t1\t1\tApache-2.0\twhole frames\n");
    fclose(f);
    fl_silent *sl = make(NULL, list);
    fl_image img;
    fl_error err;
    if (sl && load_named("image_F1.jpg", &img)) {
        CHECK(fl_silent_model_scale(sl, 1) == 0.0f && !strcmp(fl_silent_model_trained_on(sl, 1), "whole frames"),
              "scale 0 means the whole frame");
        fl_silent_ctx *ctx;
        fl_silent_ctx_create(sl, an, &ctx, &err);
        fl_frame_score fs;
        /* a box as large as the image: the 2.7 crop is squeezed (degraded), the frame model is not */
        CHECK(fl_silent_score_box(ctx, &img, 0, 0, img.width, img.height, &fs, &err) == FL_OK, "%s", err.detail);
        CHECK(fs.models[0].degraded && !fs.models[1].degraded && fs.used, "only the face crop is degraded");
        CHECK(fs.models[1].crop[0] == 0 && fs.models[1].crop[1] == 0 && fs.models[1].crop[2] == img.width - 1 &&
                  fs.models[1].crop[3] == img.height - 1,
              "the frame model sees the whole image: %d %d %d %d", fs.models[1].crop[0], fs.models[1].crop[1],
              fs.models[1].crop[2], fs.models[1].crop[3]);
        CHECK(fabsf(fs.score - fs.models[1].p_real) < 1e-6f, "the score is the frame model's alone");
        fl_silent_ctx_free(ctx);
        fl_image_free(&img);
    }
    fl_silent_free(sl);
    remove(list);
}

static void test_bad_input(void)
{
    fl_error err;
    fl_silent *sl = make(NULL, NULL);
    fl_silent_ctx *ctx;
    fl_silent_ctx_create(sl, an, &ctx, &err);
    fl_verdict v;
    fl_image black;
    fl_image_alloc(320, 240, &black, &err);
    const fl_image *frames[100];
    for (int i = 0; i < 100; i++)
        frames[i] = &black;
    CHECK(fl_silent_check(ctx, frames, 0, &v, &err) == FL_E_INVALID_ARGUMENT, "0 frames: %s", err.detail);
    CHECK(fl_silent_check(ctx, frames, 100, &v, &err) == FL_E_INVALID_ARGUMENT, "100 frames: %s", err.detail);
    CHECK(fl_silent_check(ctx, frames, 1, &v, &err) == FL_OK && v.decision == FL_DECISION_UNCERTAIN &&
              v.n_used == 0 && v.n_reasons == 1 && v.reasons[0].reason == FL_QUALITY_NO_FACE,
          "no face: uncertain with the reason no_face");
    const fl_image *nulls[1] = {NULL};
    CHECK(fl_silent_check(ctx, nulls, 1, &v, &err) == FL_E_INVALID_ARGUMENT, "NULL frame");
    /* A tiny face: image_T1 scaled to a fifth (face about 40 px). */
    fl_image img, tiny;
    if (load_named("image_T1.jpg", &img)) {
        fl_image_alloc(img.width / 5, img.height / 5, &tiny, &err);
        fl_resize_linear(img.data, img.width, img.height, img.stride, 3, 0, 0, img.width, img.height, tiny.data,
                         tiny.width, tiny.height, tiny.stride);
        frames[0] = &tiny;
        CHECK(fl_silent_check(ctx, frames, 1, &v, &err) == FL_OK && v.decision == FL_DECISION_UNCERTAIN &&
                  v.n_reasons >= 1 && (v.reasons[0].reason == FL_QUALITY_TOO_SMALL ||
                                       v.reasons[0].reason == FL_QUALITY_NO_FACE),
              "tiny face: uncertain, too small (%s)", v.n_reasons ? fl_quality_reason_name(v.reasons[0].reason) : "-");
        fl_image_free(&tiny);
        fl_image_free(&img);
    }
    fl_image_free(&black);
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    /* Model lists and options. */
    static const struct {
        const char *text, *needle;
    } lists[] = {
        {"", "no models"},
        {"file\tinput\n", "columns"},
        {"file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweights\n", "expected 'weight'"},
        {"file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\nx.onnx\t80\tbgr\t1\t2.7\tlogits\t1\t1\n", "WxH"},
        {"file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\nx.onnx\t80x80\thsv\t1\t2.7\tlogits\t1\t1\n", "bgr or rgb"},
        {"file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\nx.onnx\t80x80\tbgr\t1\t99\tlogits\t1\t1\n", "crop_scale"},
        {"file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\n../x.onnx\t80x80\tbgr\t1\t2.7\tlogits\t1\t1\n", "inside the models folder"},
        {"file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\nmissing.onnx\t80x80\tbgr\t1\t2.7\tlogits\t1\t1\n", "missing.onnx"},
        {"file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\nminifasnet_v2_2.7_80x80.onnx\t64x64\tbgr\t1\t2.7\tlogits\t1\t1\n", "[1,3,64,64]"},
        {"file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\nminifasnet_v2_2.7_80x80.onnx\t80x80\tbgr\t1\t2.7\tlogits\t7\t1\n", "real_class is 7"},
        {"file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\tlicence\n", "expected 8"},
        {"file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\tlicence\ttrained_on\nx.onnx\t80x80\tbgr\t1\t2.7\tlogits\t1\t1\n", "as the header says"},
        {"file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\tlicence\ttrained_on\nx.onnx\t80x80\tbgr\t1\t2.7\tlogits\t1\t1\tMIT\x01\tx\n", "control byte"},
        {"file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\nx.onnx\t80x80\tbgr\t1\tframes\tlogits\t1\t1\n", "or frame"},
        {"file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\nt.texture\t80x80\tbgr\t1\tframe\ttexture\t1\t1\n", "not the whole frame"},
    };
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
        FILE *f = fopen("/tmp/fl_test_bad_list.tsv", "w");
        fputs(lists[k].text, f);
        fclose(f);
        fl_silent *x = NULL;
        fl_status s = fl_silent_create(fl_test_models_dir(), "/tmp/fl_test_bad_list.tsv", NULL, &x, &err);
        CHECK(s != FL_OK && strstr(err.detail, lists[k].needle), "list %zu: %s: '%s' lacks '%s'", k, fl_status_name(s),
              err.detail, lists[k].needle);
        printf("model list %zu: %s: %s\n", k, fl_status_name(s), err.detail);
        fl_silent_free(x);
    }
    remove("/tmp/fl_test_bad_list.tsv");
    fl_silent *x = NULL;
    CHECK(fl_silent_create(fl_test_models_dir(), "/nonexistent.tsv", NULL, &x, &err) == FL_E_IO, "missing list");
    fl_silent_options o = fl_silent_options_default();
    o.max_frames = 0;
    CHECK(fl_silent_create(fl_test_models_dir(), NULL, &o, &x, &err) == FL_E_INVALID_ARGUMENT, "max_frames 0");
    o = fl_silent_options_default();
    o.spoof_below = 0.95f;
    CHECK(fl_silent_create(fl_test_models_dir(), NULL, &o, &x, &err) == FL_E_INVALID_ARGUMENT, "spoof_below > threshold");
}

/* The engines load the same models from memory (an app's bundled assets) and give the same
 * verdict, to the bit, as from files; a missing or damaged blob is a clear error. */
static void test_from_memory(void)
{
    static const char *const names[] = {"yunet_n_dynamic.onnx", "facemesh_468.onnx", "minifasnet_v2_2.7_80x80.onnx",
                                        "sf_apk_v1se_4.0_80x80.onnx"}; /* the default list's */
    fl_model_blob blobs[4];
    void *bytes[4];
    for (int i = 0; i < 4; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", fl_test_models_dir(), names[i]);
        bytes[i] = fl_test_read_file(path, &blobs[i].size);
        blobs[i].name = names[i];
        blobs[i].data = bytes[i];
    }
    fl_error err;
    fl_analyzer_options ao = fl_analyzer_options_default();
    ao.detect_size = 640;
    fl_analyzer *man = NULL;
    fl_silent *msl = NULL, *fsl = make(NULL, NULL);
    CHECK(fl_analyzer_create_from_memory(blobs, 4, &ao, &man, &err) == FL_OK, "%s", err.detail);
    CHECK(fl_silent_create_from_memory(blobs, 4, NULL, NULL, &msl, &err) == FL_OK, "%s", err.detail);
    fl_image img;
    if (man && msl && fsl && load_named("image_T1.jpg", &img)) {
        fl_silent_ctx *mctx, *fctx;
        fl_silent_ctx_create(msl, man, &mctx, &err);
        fl_silent_ctx_create(fsl, an, &fctx, &err);
        const fl_image *frames[1] = {&img};
        fl_verdict vm, vf;
        CHECK(fl_silent_check(mctx, frames, 1, &vm, &err) == FL_OK && fl_silent_check(fctx, frames, 1, &vf, &err) ==
                  FL_OK && vm.score == vf.score && vm.decision == FL_DECISION_REAL,
              "from memory: same verdict as from files (%g vs %g)", vm.score, vf.score);
        fl_silent_ctx_free(mctx);
        fl_silent_ctx_free(fctx);
        fl_image_free(&img);
    }
    fl_silent_free(msl);
    fl_analyzer_free(man);
    fl_silent_free(fsl);
    /* the mesh is missing; a blob is truncated; nothing given */
    man = NULL;
    CHECK(fl_analyzer_create_from_memory(blobs, 1, NULL, &man, &err) == FL_E_IO && strstr(err.detail, "facemesh_468") &&
              !man, "a missing model is named: %s", err.detail);
    fl_model_blob cut[4];
    memcpy(cut, blobs, sizeof cut);
    cut[2].size = 1000;
    CHECK(fl_silent_create_from_memory(cut, 4, NULL, NULL, &msl, &err) == FL_E_MODEL_TRUNCATED &&
              strstr(err.detail, "minifasnet_v2"), "a truncated blob: %s: %s", fl_status_name(err.status), err.detail);
    CHECK(fl_silent_create_from_memory(NULL, 3, NULL, NULL, &msl, &err) == FL_E_INVALID_ARGUMENT, "NULL blobs");
    CHECK(fl_silent_create_from_memory(blobs, 4, "file\tbad\n", NULL, &msl, &err) != FL_OK,
          "a broken model list text: %s", err.detail);
    for (int i = 0; i < 4; i++)
        free(bytes[i]);
}

/* Option structs grow without breaking the ABI: a caller built with an older, shorter struct
 * gets the library's defaults for the fields it does not know; a struct not made by
 * *_default() is refused. */
static void test_option_sizes(void)
{
    fl_error err;
    fl_silent *sl = NULL;
    fl_silent_options o = fl_silent_options_default();
    CHECK(o.struct_size == sizeof o, "default sets struct_size %u", (unsigned)o.struct_size);
    o.max_frames = 99; /* invalid: refused when the library sees it */
    CHECK(fl_silent_create(fl_test_models_dir(), NULL, &o, &sl, &err) == FL_E_INVALID_ARGUMENT, "max_frames 99");
    o.struct_size = (uint32_t)offsetof(fl_silent_options, max_frames); /* an older caller's struct */
    CHECK(fl_silent_create(fl_test_models_dir(), NULL, &o, &sl, &err) == FL_OK,
          "fields past an older caller's struct_size are not read: %s", err.detail);
    fl_silent_free(sl);
    fl_silent_options zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    zeroed.threshold = 0.9f;
    CHECK(fl_silent_create(fl_test_models_dir(), NULL, &zeroed, &sl, &err) == FL_E_INVALID_ARGUMENT &&
              strstr(err.detail, "fl_silent_options_default"), "a hand-made struct is refused: %s", err.detail);
    unsigned char buf[sizeof(fl_silent_options) + 8];
    memset(buf, 0xAB, sizeof buf);
    fl_silent_options_init((fl_silent_options *)(void *)buf, 12); /* a 12-byte struct of an old header */
    uint32_t written;
    memcpy(&written, buf, sizeof written);
    CHECK(written == 12 && buf[12] == 0xAB && buf[sizeof buf - 1] == 0xAB,
          "init writes only the caller's bytes (struct_size %u)", (unsigned)written);
    fl_analyzer_options ao;
    memset(&ao, 0, sizeof ao);
    fl_analyzer *a2 = NULL;
    CHECK(fl_analyzer_create(fl_test_models_dir(), &ao, &a2, &err) == FL_E_INVALID_ARGUMENT, "zeroed analyzer options");
    fl_session_config sc;
    memset(&sc, 0, sizeof sc);
    fl_challenge ch = {1, {FL_ACTION_BLINK}};
    fl_session *ses = NULL;
    CHECK(fl_session_create(an, NULL, &sc, &ch, &ses, &err) == FL_E_INVALID_ARGUMENT, "zeroed session config");
    sc = fl_session_config_default();
    CHECK(sc.light_patience_s == 3.0f, "light patience 3 s by default");
    sc.light_patience_s = NAN;
    CHECK(fl_session_create(an, NULL, &sc, &ch, &ses, &err) == FL_E_INVALID_ARGUMENT &&
              strstr(err.detail, "light_patience_s"), "a NaN light patience is refused: %s", err.detail);
}

static int has_reason(const fl_verdict *v, fl_quality_reason r, float *value, float *threshold)
{
    for (int k = 0; k < v->n_reasons; k++)
        if (v->reasons[k].reason == r) {
            *value = v->reasons[k].value;
            *threshold = v->reasons[k].threshold;
            return 1;
        }
    return 0;
}

/* What the models can judge (docs/accuracy.md, "Acquisition"): a live head turned 37 degrees is
 * judged by default (the capture prompt's 25-degree limit does not refuse it) and refused with
 * the old limit; a face at a tenth of its light cannot be judged; the reason kinds. */
static void test_judgeable(void)
{
    fl_error err;
    fl_image turned, dark;
    char path[1024];
    snprintf(path, sizeof path, "%s/video_tranvanluyt/frames/real_f004.jpg", fl_test_data_dir());
    if (fl_image_load(path, NULL, &turned, &err) != FL_OK || !load_named("image_T1.jpg", &dark)) {
        CHECK(0, "frames: %s", err.detail);
        return;
    }
    for (int y = 0; y < dark.height; y++)
        for (int x = 0; x < 3 * dark.width; x++)
            dark.data[(size_t)y * dark.stride + x] /= 10;
    fl_silent_options o = fl_silent_options_default();
    CHECK(o.max_yaw == 45.0f && o.max_pitch == 30.0f && o.max_roll == 25.0f && o.min_brightness == 25.0f,
          "defaults 45/30/25 degrees, brightness 25");
    fl_silent *sl = make(&o, NULL);
    fl_silent_ctx *ctx = NULL;
    CHECK(sl && fl_silent_ctx_create(sl, an, &ctx, &err) == FL_OK, "%s", err.detail);
    const fl_image *one[1] = {&turned};
    fl_verdict v;
    float value = 0, limit = 0;
    CHECK(ctx && fl_silent_check(ctx, one, 1, &v, &err) == FL_OK && v.n_used == 1 && v.decision == FL_DECISION_REAL,
          "a live head turned 37 degrees is judged real: used %d, %s %.3f", v.n_used, fl_decision_name(v.decision),
          v.score);
    one[0] = &dark;
    CHECK(ctx && fl_silent_check(ctx, one, 1, &v, &err) == FL_OK && v.n_used == 0 &&
              v.decision == FL_DECISION_UNCERTAIN && has_reason(&v, FL_QUALITY_DARK, &value, &limit) && value < 25 &&
              limit == 25.0f, "a face at a tenth of its light cannot be judged: used %d, brightness %.1f (limit %.0f)",
          v.n_used, value, limit);
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    o.max_yaw = 25.0f;
    sl = make(&o, NULL);
    ctx = NULL;
    CHECK(sl && fl_silent_ctx_create(sl, an, &ctx, &err) == FL_OK, "%s", err.detail);
    one[0] = &turned;
    CHECK(ctx && fl_silent_check(ctx, one, 1, &v, &err) == FL_OK && v.n_used == 0 &&
              v.decision == FL_DECISION_UNCERTAIN && has_reason(&v, FL_QUALITY_POSE, &value, &limit) &&
              fabsf(value) > 30 && limit == 25.0f, "max_yaw 25 refuses it: used %d, yaw %.1f (limit %.0f)", v.n_used,
          value, limit);
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    const float bad[][4] = {{91, 30, 25, 25}, {45, -1, 25, 25}, {45, 30, NAN, 25}, {45, 30, 25, 256}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = fl_silent_options_default();
        o.max_yaw = bad[i][0], o.max_pitch = bad[i][1], o.max_roll = bad[i][2], o.min_brightness = bad[i][3];
        sl = NULL;
        CHECK(fl_silent_create(fl_test_models_dir(), NULL, &o, &sl, &err) == FL_E_INVALID_ARGUMENT &&
                  strstr(err.detail, "max_yaw"), "limits %zu refused: %s", i, err.detail);
        fl_silent_free(sl);
    }
    CHECK(fl_quality_reason_kind(FL_QUALITY_NO_FACE) == FL_QUALITY_CANNOT_JUDGE &&
              fl_quality_reason_kind(FL_QUALITY_NOT_A_FACE) == FL_QUALITY_CANNOT_JUDGE &&
              fl_quality_reason_kind(FL_QUALITY_SEVERAL_FACES) == FL_QUALITY_CANNOT_JUDGE &&
              fl_quality_reason_kind(FL_QUALITY_BACKLIT) == FL_QUALITY_ADJUST &&
              fl_quality_reason_kind(FL_QUALITY_POSE) == FL_QUALITY_ADJUST &&
              fl_quality_reason_kind(FL_QUALITY_TOO_SMALL) == FL_QUALITY_ADJUST, "reason kinds");
    fl_image_free(&turned);
    fl_image_free(&dark);
}

/* The session hands the silent check the analyses it made of its best frames; the verdict must
 * be exactly the one the check reaches analysing the frames itself. */
static void test_reused_analyses(void)
{
    static const char *const names[] = {"image_T1.jpg", "image_F2.jpg", "037.jpg", "0_0_00008_2_000_scene.jpg",
                                        "346.jpg"};
    fl_error err;
    fl_silent *sl = make(NULL, NULL);
    fl_analyzer *an224 = NULL;
    fl_silent_ctx *ctx = NULL;
    fl_analyzer_ctx *actx = NULL;
    if (!sl || fl_analyzer_create(fl_test_models_dir(), NULL, &an224, &err) ||
        fl_silent_ctx_create(sl, an224, &ctx, &err) || fl_analyzer_ctx_create(an224, &actx, &err)) {
        CHECK(0, "engines: %s", err.detail);
        return;
    }
    fl_image img[5];
    fl_analysis a[5];
    const fl_image *frames[5];
    const fl_analysis *analyses[5];
    int n = 0;
    for (int i = 0; i < 5; i++) /* one analyzer ctx across the frames, as a session: motion reasons too */
        if (load_named(names[i], &img[n]) && fl_analyze(actx, &img[n], &a[n], &err) == FL_OK) {
            frames[n] = &img[n];
            analyses[n] = &a[n];
            n++;
        }
    CHECK(n == 5, "five frames analysed (%d)", n);
    for (int k = 1; k <= n; k++) {
        fl_verdict own, reused;
        CHECK(fl_silent_check(ctx, frames, k, &own, &err) == FL_OK &&
                  fl__silent_check_analysed(ctx, frames, analyses, k, &reused, &err) == FL_OK,
              "%s", err.detail);
        CHECK(own.decision == reused.decision && own.score == reused.score && own.n_used == reused.n_used,
              "%d frames: reused analyses give %s %g (%d used), own %s %g (%d used)", k,
              fl_decision_name(reused.decision), reused.score, reused.n_used, fl_decision_name(own.decision),
              own.score, own.n_used);
    }
    for (int i = 0; i < n; i++)
        fl_image_free(&img[i]);
    fl_analyzer_ctx_free(actx);
    fl_silent_ctx_free(ctx);
    fl_analyzer_free(an224);
    fl_silent_free(sl);
}

int main(void)
{
    fl_error err;
    /* The silent check detects at 640 px (the reference table's YuNet letterbox size): the
     * anti-spoof models answer differently to a box one pixel off. */
    fl_analyzer_options ao = fl_analyzer_options_default();
    ao.detect_size = 640;
    CHECK(fl_analyzer_create(fl_test_models_dir(), &ao, &an, &err) == FL_OK, "%s", err.detail);
    if (!an)
        TEST_MAIN_END();
    test_parity();
    test_degraded();
    test_fusion();
    test_bad_input();
    test_default_is_the_config_list();
    test_columns_are_the_config_header();
    test_set_threshold();
    test_whole_frame_model();
    test_from_memory();
    test_option_sizes();
    test_reused_analyses();
    test_judgeable();
    fl_analyzer_free(an);
    TEST_MAIN_END();
}
