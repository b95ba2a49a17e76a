/* The public face-analysis API: detection, mesh and geometry of the main face, quality. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/options.h"
#include "face/detector.h"
#include "face/geometry.h"
#include "face/mesh.h"
#include "nn/model_source.h"
#include "quality/quality.h"

#define MIN_PRESENCE 0.5f /* below this the mesh says the crop holds no face */

struct fl_analyzer {
    fl_model *yunet, *mesh;
    fl_analyzer_options opt;
};

struct fl_analyzer_ctx {
    const fl_analyzer *an;
    fl_model_ctx *yunet, *mesh;
    fl_detector_scratch det;
    fl_buffer mesh_scratch, quality_scratch;
    fl_quality_state quality;
};

static fl_analyzer_options defaults(void)
{
    fl_analyzer_options o;
    o.struct_size = sizeof o;
    o.detect_size = 224;
    o.fallback_size = 160;
    o.score_threshold = 0.5f;
    o.nms_iou = 0.45f;
    o.min_face_px = 32.0f;
    o.max_faces = 4;
    o.landmarks = 1;
    o.quality = fl_quality_config_default();
    return o;
}

FL__DEFINE_OPTIONS_INIT(fl_analyzer_options_init, fl_analyzer_options, defaults)

static fl_status check_options(const fl_analyzer_options *o, fl_error *err)
{
    if (o->detect_size < 32 || o->detect_size > 4096)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "detect_size = %d (32..4096)", o->detect_size);
    if (o->fallback_size && (o->fallback_size < 32 || o->fallback_size > 4096))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "fallback_size = %d (0, or 32..4096)", o->fallback_size);
    if (!(o->score_threshold > 0 && o->score_threshold <= 1) || !(o->nms_iou > 0 && o->nms_iou <= 1))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "score_threshold and nms_iou must be in (0, 1]");
    if (o->max_faces < 1 || o->max_faces > FL_MAX_FACES || !(o->min_face_px >= 0))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "max_faces = %d (1..%d), min_face_px = %g", o->max_faces,
                       FL_MAX_FACES, o->min_face_px);
    return FL_OK;
}

static fl_status create(const fl__model_source *src, const fl_analyzer_options *options, fl_analyzer **out,
                        fl_error *err)
{
    fl_analyzer *an = calloc(1, sizeof *an);
    if (!an)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory");
    an->opt = defaults();
    fl_status s = options ? fl__options_adopt(&an->opt, options, sizeof an->opt, "fl_analyzer_options", err) : FL_OK;
    if (!s)
        s = check_options(&an->opt, err);
    if (!s)
        s = fl__model_source_load(src, "yunet_n_dynamic.onnx", &an->yunet, err);
    if (!s)
        s = fl__model_source_load(src, "facemesh_468.onnx", &an->mesh, err);
    if (s) {
        fl_analyzer_free(an);
        return s;
    }
    *out = an;
    return FL_OK;
}

fl_status fl_analyzer_create(const char *dir, const fl_analyzer_options *options, fl_analyzer **out, fl_error *err)
{
    fl__error_clear(err);
    if (!dir || !out)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "models_dir or out is NULL");
    const fl__model_source src = {dir, NULL, 0};
    return create(&src, options, out, err);
}

fl_status fl_analyzer_create_from_memory(const fl_model_blob *models, int n_models, const fl_analyzer_options *options,
                                         fl_analyzer **out, fl_error *err)
{
    fl__error_clear(err);
    if (!out)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "out is NULL");
    fl_status s = fl__model_source_check(models, n_models, err);
    const fl__model_source src = {NULL, models, n_models};
    return s ? s : create(&src, options, out, err);
}

void fl_analyzer_free(fl_analyzer *an)
{
    if (!an)
        return;
    fl_model_free(an->yunet);
    fl_model_free(an->mesh);
    free(an);
}

fl_status fl_analyzer_ctx_create(const fl_analyzer *an, fl_analyzer_ctx **out, fl_error *err)
{
    fl__error_clear(err);
    if (!an || !out)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "analyzer or out is NULL");
    fl_analyzer_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory");
    c->an = an;
    fl_model_ctx_options mo = fl_model_ctx_options_default(); /* XNNPACK when built, one thread */
    mo.nhwc_inputs = 1; /* the detector and the mesh are fed pixels as they lie */
    fl_status s = fl_model_ctx_create(an->yunet, &mo, &c->yunet, err);
    if (!s)
        s = fl_model_ctx_create(an->mesh, &mo, &c->mesh, err);
    if (s) {
        fl_analyzer_ctx_free(c);
        return s;
    }
    *out = c;
    return FL_OK;
}

void fl_analyzer_ctx_free(fl_analyzer_ctx *c)
{
    if (!c)
        return;
    fl_model_ctx_free(c->yunet);
    fl_model_ctx_free(c->mesh);
    fl__detector_scratch_free(&c->det);
    fl__buffer_free(&c->mesh_scratch);
    fl__buffer_free(&c->quality_scratch);
    free(c);
}

void fl_analyzer_ctx_reset(fl_analyzer_ctx *c)
{
    if (c)
        c->quality.have_prev = 0;
}

/* The analysis of one frame into a (the caller's copy is written only on success). */
static fl_status analyze_into(fl_analyzer_ctx *c, const fl_image *img, fl_analysis *a, fl_error *err)
{
    const fl_analyzer_options *o = &c->an->opt;
    memset(a, 0, sizeof *a);
    fl_status s = fl__detect_faces(c->yunet, img, o, &c->det, a->faces, &a->n_faces, err);
    if (s)
        return s;
    if (a->n_faces > 0 && o->landmarks) {
        s = fl__run_face_mesh(c->mesh, img, &a->faces[0], &c->mesh_scratch, &a->measures, err);
        if (s)
            return s;
        /* Measured either way (a bowed, blurred face gets sane points at a low presence);
         * only a confident mesh makes them valid for pose checks and actions. */
        fl__face_geometry(&a->measures);
        a->measures.valid = a->measures.presence >= MIN_PRESENCE;
    }
    fl__quality_check(&o->quality, img, a, &c->quality, &c->quality_scratch);
    if (a->n_faces > 0 && o->landmarks && !a->measures.valid && a->n_reasons < FL_MAX_REASONS)
        a->reasons[a->n_reasons++] = (fl_quality_issue){FL_QUALITY_NOT_A_FACE, a->measures.presence, MIN_PRESENCE};
    return FL_OK;
}

fl_status fl_analyze(fl_analyzer_ctx *c, const fl_image *img, fl_analysis *a, fl_error *err)
{
    fl__error_clear(err);
    if (!c || !img || !a || !img->data)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "ctx, image or out is NULL");
    if (img->width < 1 || img->height < 1 || img->width > FL_IMAGE_MAX_SIDE || img->height > FL_IMAGE_MAX_SIDE ||
        img->stride < (size_t)img->width * 3)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "image %dx%d with stride %zu", img->width, img->height,
                        img->stride);
    fl_analysis result;
    fl_status s = analyze_into(c, img, &result, err);
    if (!s)
        *a = result;
    return s;
}
