/*
 * Every golden vector of the model pack (golden/golden.json) on both backends, within the
 * tolerances of MANIFEST.md section 7; the YuNet golden must also decode to the listed face.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "face/yunet_decode.h"
#include "facelive/model.h"
#include "nn/model_internal.h"
#include "nn/nhwc_kernels.h"
#include "test_util.h"

/* Nodes the XNNPACK backend leaves to C: YuNet's 12 head Transposes and 12 Reshapes, and the
 * NCHW-order Flatten of the human models; everything else runs in XNNPACK. */
static int expected_c_nodes(const char *model)
{
    if (strncmp(model, "yunet", 5) == 0)
        return 24;
    return 0;
}

/* MANIFEST section 7 tolerances, by model family and output. */
static double tolerance(const char *model, const char *output)
{
    if (strncmp(model, "facemesh", 8) == 0)
        return strcmp(output, "faceflag") == 0 ? 1e-5 : 1e-3;
    if (strncmp(model, "human_", 6) == 0)
        return 1e-5;
    return 1e-4; /* MiniFASNet logits, YuNet raw outputs */
}

static void check_yunet_decode(const json_t *entry, const float *outputs, const json_t *outs_json)
{
    const float *ptrs[FL_YUNET_OUTPUTS];
    for (size_t i = 0; i < FL_YUNET_OUTPUTS; i++)
        ptrs[i] = outputs + json_integer_value(json_object_get(json_array_get(outs_json, i), "offset_floats"));
    fl_yunet_face scratch[512], faces[8];
    size_t n = fl__yunet_decode(ptrs, 128, 128, 0.5f, 0.45f, 0.0f, scratch, faces, 8);
    const json_t *dets = json_object_get(entry, "decoded_detections_thr0.5_nms0.45");
    CHECK(dets && json_array_size(dets) == 1, "golden.json lists one YuNet detection");
    CHECK(n == 1, "YuNet golden decodes to %zu faces, expected 1", n);
    if (n != 1 || !dets || json_array_size(dets) != 1)
        return;
    const json_t *d = json_array_get(dets, 0);
    const json_t *box = json_object_get(d, "box_x1y1x2y2");
    const json_t *kps = json_object_get(d, "kps");
    double score = json_real_value(json_object_get(d, "score"));
    CHECK(box && json_array_size(box) == 4 && json_array_size(kps) == 10, "detection has box and kps");
    if (!box || !kps)
        return;
    float got_box[4] = {faces[0].x1, faces[0].y1, faces[0].x2, faces[0].y2};
    for (size_t i = 0; i < 4; i++) {
        double want = json_number_value(json_array_get(box, i));
        CHECK(fabs(got_box[i] - want) < 2e-3, "box[%zu] = %.4f, expected %.4f", i, got_box[i], want);
    }
    for (size_t i = 0; i < 10; i++) {
        double want = json_number_value(json_array_get(kps, i));
        CHECK(fabs(faces[0].kps[i] - want) < 2e-3, "kps[%zu] = %.4f, expected %.4f", i, faces[0].kps[i], want);
    }
    CHECK(fabs(faces[0].score - score) < 1e-4, "score %.5f, expected %.5f", faces[0].score, score);
    printf("  decoded box (%.3f, %.3f, %.3f, %.3f) score %.5f\n", got_box[0], got_box[1], got_box[2], got_box[3],
           faces[0].score);
}

static const char *backend_name(fl_backend b)
{
    return b == FL_BACKEND_XNNPACK ? "xnnpack" : b == FL_BACKEND_PORTABLE ? "portable" : "reference";
}

static void run_golden(const char *dir, const char *name, const json_t *entry, fl_backend backend)
{
    char path[1024];
    const char *model_file = json_string_value(json_object_get(entry, "model"));
    snprintf(path, sizeof path, "%s/%s", dir, model_file);
    fl_error err;
    fl_model *m = NULL;
    CHECK(fl_model_load_file(path, &m, &err) == FL_OK, "%s: %s", path, err.detail);
    if (!m)
        return;
    size_t in_size, out_size;
    snprintf(path, sizeof path, "%s/golden/%s.input.f32", dir, name);
    float *in = fl_test_read_file(path, &in_size);
    snprintf(path, sizeof path, "%s/golden/%s.output.f32", dir, name);
    float *want = fl_test_read_file(path, &out_size);
    CHECK(in && want, "golden files of %s are readable", name);
    const json_t *shape = json_object_get(entry, "input_shape");
    fl_tensor input = {in, in_size / 4, (int)json_array_size(shape), {0}};
    for (size_t i = 0; i < json_array_size(shape); i++)
        input.dims[i] = json_integer_value(json_array_get(shape, i));
    const json_t *outs = json_object_get(entry, "outputs");
    size_t n_out = json_array_size(outs);
    size_t total = out_size / 4;
    float *got = calloc(total, sizeof(float));
    fl_tensor outputs[16];
    CHECK(n_out == fl_model_output_count(m) && n_out <= 16, "%s: %zu outputs", name, n_out);
    for (size_t i = 0; i < n_out && i < 16; i++) {
        const json_t *o = json_array_get(outs, i);
        size_t off = (size_t)json_integer_value(json_object_get(o, "offset_floats"));
        outputs[i] = (fl_tensor){got + off, (size_t)json_integer_value(json_object_get(o, "count")), 0, {0}};
    }
    fl_model_ctx_options opt = fl_model_ctx_options_default();
    opt.backend = backend;
    opt.threads = 1;
    fl_model_ctx *ctx = NULL;
    CHECK(fl_model_ctx_create(m, &opt, &ctx, &err) == FL_OK, "ctx: %s", err.detail);
    if (ctx && in && want && n_out == fl_model_output_count(m)) {
        fl_status s = fl_model_ctx_run(ctx, &input, 1, outputs, n_out, &err);
        CHECK(s == FL_OK, "%s run: %s %s", name, fl_status_name(s), err.detail);
        for (size_t i = 0; i < n_out && s == FL_OK; i++) {
            const json_t *o = json_array_get(outs, i);
            const char *oname = json_string_value(json_object_get(o, "name"));
            size_t off = (size_t)json_integer_value(json_object_get(o, "offset_floats"));
            size_t cnt = (size_t)json_integer_value(json_object_get(o, "count"));
            double maxd = 0;
            for (size_t k = 0; k < cnt; k++)
                maxd = fmax(maxd, fabs((double)got[off + k] - (double)want[off + k]));
            double tol = tolerance(model_file, oname);
            CHECK(maxd <= tol, "%s %s output %s: max diff %.3g > %.0e", name,
                  backend_name(backend), oname, maxd, tol);
            printf("%-40s %-9s %-9s max|diff| %.2e (tolerance %.0e)\n", name, backend_name(backend), oname, maxd, tol);
        }
        if (s == FL_OK && backend == FL_BACKEND_XNNPACK) {
            int accelerated, in_c, nhwc;
            fl__model_ctx_node_split(ctx, &accelerated, &in_c, &nhwc);
            CHECK(in_c == expected_c_nodes(model_file), "%s: %d nodes in C, expected %d", model_file, in_c,
                  expected_c_nodes(model_file));
            /* Row pipelines (fl__row_pipeline_nhwc) where the maps are large enough: at 128 x 128,
             * YuNet's first Conv, ReLU and the blocks of 1x1 Conv, depthwise Conv, ReLU and MaxPool
             * of its first stages (22 nodes) and its three heads of four branches (24); facemesh's
             * first Conv; human_antispoof_128's three Conv, MaxPool and ReLU. None on a CPU
             * without AVX-512, where XNNPACK runs them (backend_xnnpack.c, plan_steps). */
            const int want_nhwc = fl__row_pipeline_best_isa() != FL_ISA_AVX512 ? 0
                                  : strncmp(model_file, "yunet", 5) == 0          ? 46
                                  : strncmp(model_file, "facemesh", 8) == 0       ? 1
                                  : strncmp(model_file, "human_antispoof", 15) == 0 ? 9
                                                                                  : 0;
            CHECK(nhwc == want_nhwc, "%s: %d nodes in the NHWC kernels, expected %d", model_file, nhwc, want_nhwc);
            printf("  %s on XNNPACK: %d nodes accelerated (%d of them in the NHWC kernels), %d in C\n", model_file,
                   accelerated, nhwc, in_c);
        }
        if (s == FL_OK && strncmp(model_file, "yunet", 5) == 0)
            check_yunet_decode(entry, got, outs);
    }
    fl_model_ctx_free(ctx);
    free(got);
    free(in);
    free(want);
    fl_model_free(m);
}

int main(void)
{
    const char *dir = fl_test_models_dir();
    char path[1024];
    snprintf(path, sizeof path, "%s/golden/golden.json", dir);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    CHECK(root != NULL, "%s: %s (run scripts/models.sh)", path, jerr.text);
    if (!root)
        TEST_MAIN_END();
    CHECK(json_object_size(root) == 8, "golden.json has %zu entries, expected 8", json_object_size(root));
    const char *name;
    json_t *entry;
    json_object_foreach(root, name, entry)
    {
        run_golden(dir, name, entry, FL_BACKEND_REFERENCE);
        run_golden(dir, name, entry, FL_BACKEND_PORTABLE);
        if (fl_backend_available(FL_BACKEND_XNNPACK))
            run_golden(dir, name, entry, FL_BACKEND_XNNPACK);
    }
    json_decref(root);
    TEST_MAIN_END();
}
