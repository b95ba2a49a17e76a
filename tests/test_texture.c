/*
 * Texture models (liveness/texture.h): the features, the model file's parser on good and bad
 * files, and the fusion arithmetic of a model list mixing the MiniFASNets with a texture model.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facelive/liveness.h"
#include "liveness/texture.h"
#include "test_util.h"

#define N FL_TEXTURE_FEATURES

/* A texture model file: mean 0, scale 1, weight[k] = (k % 7 - 3) / 10, the given bias. */
static char *model_text(float bias)
{
    size_t cap = 16 * 1024;
    char *t = malloc(cap);
    size_t n = (size_t)snprintf(t, cap, "# a test model\nfacelive-texture\t1\nfeatures\tlbp8u2-hsv-ycbcr\n");
    const char *keys[] = {"mean", "scale", "weight"};
    for (int r = 0; r < 3; r++) {
        n += (size_t)snprintf(t + n, cap - n, "%s\t", keys[r]);
        for (int k = 0; k < N; k++)
            n += (size_t)snprintf(t + n, cap - n, k ? " %g" : "%g", r == 0 ? 0.0 : r == 1 ? 1.0 : (k % 7 - 3) / 10.0);
        n += (size_t)snprintf(t + n, cap - n, "\n");
    }
    snprintf(t + n, cap - n, "bias\t%g\n", bias);
    return t;
}

static void test_features(void)
{
    fl_error err;
    fl_image flat, noise;
    CHECK(fl_image_alloc(16, 12, &flat, &err) == FL_OK && fl_image_alloc(64, 64, &noise, &err) == FL_OK, "alloc");
    for (int y = 0; y < 12; y++)
        for (int x = 0; x < 16 * 3; x++)
            flat.data[(size_t)y * flat.stride + x] = (uint8_t)(x % 3 == 0 ? 40 : x % 3 == 1 ? 120 : 200);
    unsigned seed = 7;
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64 * 3; x++)
            noise.data[(size_t)y * noise.stride + x] = (uint8_t)((seed = seed * 1103515245u + 12345u) >> 24);
    float f[N];
    CHECK(fl_texture_features(&flat, f, &err) == FL_OK, "%s", err.detail);
    /* a flat colour: every neighbour equals the centre, code 255, a uniform pattern (the last one) */
    for (int p = 0; p < 6; p++) {
        double sum = 0;
        for (int k = 0; k < 59; k++)
            sum += f[p * 59 + k];
        CHECK(fabs(sum - 1) < 1e-6 && f[p * 59 + 57] == 1.0f, "flat plane %d: all in the code-255 bin", p);
    }
    CHECK(fl_texture_features(&noise, f, &err) == FL_OK, "%s", err.detail);
    int spread = 0;
    for (int p = 0; p < 6; p++) {
        double sum = 0;
        for (int k = 0; k < 59; k++)
            sum += f[p * 59 + k];
        CHECK(fabs(sum - 1) < 1e-5, "noise plane %d sums to 1 (%g)", p, sum);
        spread += f[p * 59 + 58] > 0.3f; /* most random patterns are not uniform */
    }
    CHECK(spread >= 3, "noise fills the non-uniform bin (%d planes)", spread);
    fl_image tiny = {flat.data, 2, 2, flat.stride};
    CHECK(fl_texture_features(&tiny, f, &err) == FL_E_INVALID_ARGUMENT && strstr(err.detail, "2x2"), "2x2: %s",
          err.detail);
    CHECK(fl_texture_features(NULL, f, &err) == FL_E_INVALID_ARGUMENT, "NULL crop");
    fl_image_free(&flat);
    fl_image_free(&noise);
}

/* Replaces the first occurrence of `from` in a copy of text with `to`. */
static char *edited(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    char *out = malloc(strlen(text) + strlen(to) + 1);
    if (!at) {
        strcpy(out, text);
        return out;
    }
    memcpy(out, text, (size_t)(at - text));
    strcpy(out + (at - text), to);
    strcat(out, at + strlen(from));
    return out;
}

static void test_parser(void)
{
    fl_error err;
    fl__texture_model m;
    char *good = model_text(0.25f);
    CHECK(fl__texture_model_parse(good, strlen(good), "good", &m, &err) == FL_OK, "%s", err.detail);
    CHECK(m.bias == 0.25f && m.scale[N - 1] == 1.0f && fabsf(m.weight[8] - (-0.2f)) < 1e-7f, "values read");
    static const struct {
        const char *from, *to, *says;
    } bad[] = {
        {"facelive-texture\t1", "facelive-texture\t2", "reads '1'"},
        {"lbp8u2-hsv-ycbcr", "lpq", "features"},
        {"scale\t1 ", "scale\t0 ", "scale value 1 of 354"},
        {"mean\t0 ", "mean\tnan ", "mean value 1"},
        {"mean\t0 ", "mean\t", "mean value 354 of 354"}, /* one value short */
        {"bias\t0.25", "bias\t0.25 7", "bias has more than 1"},
        {"bias\t0.25\n", "bias\t0.25\nmore\n", "text after"},
        {"bias\t0.25\n", "", "ends before the 'bias'"},
        {"weight\t", "weights\t", "expected the 'weight' line"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *t = edited(good, bad[i].from, bad[i].to);
        fl_status s = fl__texture_model_parse(t, strlen(t), "t.txt", &m, &err);
        CHECK(s == FL_E_MODEL_INVALID && strstr(err.detail, "t.txt") && strstr(err.detail, bad[i].says),
              "bad file %zu refused naming '%s': %s", i, bad[i].says, err.detail);
        free(t);
    }
    CHECK(fl__texture_model_parse("fac\0elive", 9, "bin", &m, &err) == FL_E_MODEL_INVALID &&
              strstr(err.detail, "not a text file"), "binary: %s", err.detail);
    CHECK(fl__texture_model_parse("", 0, "empty", &m, &err) == FL_E_MODEL_INVALID, "empty: %s", err.detail);
    free(good);
}

/* A list of the two MiniFASNets and a texture model (weights 1, 2, 0.5) from memory: each frame's
 * score is the weighted mean of the three p_real, and the texture p_real is the logistic of the
 * model over the features of its own crop, resized as the runtime resizes. */
static void test_fusion_arithmetic(void)
{
    fl_error err;
    size_t n1 = 0, n2 = 0;
    char p1[1024], p2[1024], img_path[1024];
    snprintf(p1, sizeof p1, "%s/minifasnet_v2_2.7_80x80.onnx", fl_test_models_dir());
    snprintf(p2, sizeof p2, "%s/minifasnet_v1se_4.0_80x80.onnx", fl_test_models_dir());
    snprintf(img_path, sizeof img_path, "%s/silent_face_minivision/image_F2.jpg", fl_test_data_dir());
    void *m1 = fl_test_read_file(p1, &n1), *m2 = fl_test_read_file(p2, &n2);
    char *tex = model_text(-0.5f);
    fl_model_blob blobs[3] = {{"a.onnx", m1, n1}, {"b.onnx", m2, n2}, {"t.txt", tex, strlen(tex)}};
    const char *list = "file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\n"
                       "a.onnx\t80x80\tbgr\t1\t2.7\tlogits\t1\t1\n"
                       "b.onnx\t80x80\tbgr\t1\t4.0\tlogits\t1\t2\n"
                       "t.txt\t64x64\tbgr\t1\t1.0\ttexture\t1\t0.5\n";
    fl_silent *sl = NULL;
    fl_analyzer *an = NULL;
    fl_silent_ctx *ctx = NULL;
    fl_image img;
    if (!m1 || !m2 || fl_image_load(img_path, NULL, &img, &err)) {
        CHECK(0, "inputs");
        return;
    }
    CHECK(fl_silent_create_from_memory(blobs, 3, list, NULL, &sl, &err) == FL_OK, "%s", err.detail);
    CHECK(fl_analyzer_create(fl_test_models_dir(), NULL, &an, &err) == FL_OK &&
              fl_silent_ctx_create(sl, an, &ctx, &err) == FL_OK, "%s", err.detail);
    fl_frame_score fs;
    memset(&fs, 0, sizeof fs);
    CHECK(ctx && fl_silent_score_box(ctx, &img, 120, 252, 252, 256, &fs, &err) == FL_OK && fs.n_models == 3,
          "%s", err.detail);
    const float want = (fs.models[0].p_real + 2 * fs.models[1].p_real + 0.5f * fs.models[2].p_real) / 3.5f;
    CHECK(fabsf(fs.score - want) < 1e-6f, "fused %.6f, weighted mean %.6f", fs.score, want);
    /* the texture model's p_real from the features of its crop, computed here */
    const int *c = fs.models[2].crop;
    fl_image crop;
    float f[N];
    CHECK(fl_image_alloc(64, 64, &crop, &err) == FL_OK &&
              fl_resize_linear(img.data, img.width, img.height, img.stride, 3, c[0], c[1], c[2] - c[0] + 1,
                               c[3] - c[1] + 1, crop.data, 64, 64, crop.stride) == FL_OK &&
              fl_texture_features(&crop, f, &err) == FL_OK, "texture crop");
    double z = -0.5;
    for (int k = 0; k < N; k++)
        z += (k % 7 - 3) / 10.0 * f[k];
    const double p = 1 / (1 + exp(-z));
    CHECK(fabs(fs.models[2].p_real - p) < 1e-6, "texture p_real %.7f, logistic %.7f", fs.models[2].p_real, p);
    CHECK(c[2] - c[0] + 1 <= 253, "the texture crop at scale 1.0 is the face box");
    fl_image_free(&crop);
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    /* a texture line must read bgr pixels as they are */
    const char *rgb = "file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\n"
                      "t.txt\t64x64\trgb\t1\t1.0\ttexture\t1\t1\n";
    sl = NULL;
    CHECK(fl_silent_create_from_memory(blobs, 3, rgb, NULL, &sl, &err) == FL_E_INVALID_ARGUMENT &&
              strstr(err.detail, "texture"), "rgb texture line refused: %s", err.detail);
    /* a broken texture file fails the engine's creation, naming it */
    blobs[2].size = strlen(tex) / 2;
    const char *only = "file\tinput\tcolour\tpixel_scale\tcrop_scale\toutput\treal_class\tweight\n"
                       "t.txt\t64x64\tbgr\t1\t1.0\ttexture\t1\t1\n";
    CHECK(fl_silent_create_from_memory(blobs, 3, only, NULL, &sl, &err) == FL_E_MODEL_INVALID &&
              strstr(err.detail, "t.txt"), "truncated texture model refused: %s", err.detail);
    fl_analyzer_free(an);
    fl_image_free(&img);
    free(m1);
    free(m2);
    free(tex);
}

int main(void)
{
    test_features();
    test_parser();
    test_fusion_arithmetic();
    TEST_MAIN_END();
}
