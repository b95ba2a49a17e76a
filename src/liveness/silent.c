/*
 * Silent liveness: per frame, every listed anti-spoof model on its crop of the face; per frame a
 * weighted mean of the real probabilities of the models whose crop kept enough of its scale;
 * per attempt the mean (or minimum) over the best frames; then the thresholds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buffer.h"
#include "common/error.h"
#include "common/options.h"
#include "facelive/liveness.h"
#include "facelive/model.h"
#include "liveness/crop.h"
#include "liveness/model_list.h"
#include "liveness/silent_internal.h"
#include "liveness/texture.h"
#include "nn/model_source.h"

#define MAX_TEXTURE_FILE (64 << 10)

struct fl_silent {
    int n;
    fl_antispoof_spec spec[FL_SILENT_MAX_MODELS];
    fl_model *model[FL_SILENT_MAX_MODELS];       /* NULL for a texture model: */
    fl__texture_model *texture[FL_SILENT_MAX_MODELS];
    int n_classes[FL_SILENT_MAX_MODELS];
    fl_silent_options opt;
};

struct fl_silent_ctx {
    const fl_silent *sl;
    fl_analyzer_ctx *analyzer;
    fl_model_ctx *ctx[FL_SILENT_MAX_MODELS];
    fl_buffer crop, input, texture;
};

const char *fl_decision_name(fl_decision d)
{
    switch (d) {
    case FL_DECISION_REAL: return "real";
    case FL_DECISION_SPOOF: return "spoof";
    case FL_DECISION_UNCERTAIN: return "uncertain";
    }
    return "unknown";
}

static fl_silent_options defaults(void)
{
    fl_silent_options o;
    o.struct_size = sizeof o;
    o.threshold = 0.90f;
    o.spoof_below = 0.50f;
    o.degraded_ratio = 0.4f;
    o.frame_fusion = FL_FUSE_MEAN;
    o.max_frames = 5;
    o.min_face_px = 64.0f;
    /* Measured on ../shared/data (docs/accuracy.md): live faces turned 31-42 degrees score
     * 0.98-1.00 and replays turned 40-44 degrees 0.00, so yaw is judged to 45; beyond 30 degrees
     * of pitch the one live face and the one mask seen both score above 0.98, so pitch stops at
     * 30; no face of the data set is rolled past 25. */
    o.max_yaw = 45.0f;
    o.max_pitch = 30.0f;
    o.max_roll = 25.0f;
    o.min_brightness = 25.0f;
    return o;
}

void fl_silent_options_set_threshold(fl_silent_options *o, float threshold)
{
    if (!(threshold > 0))
        return;
    o->threshold = threshold;
    if (o->spoof_below > threshold)
        o->spoof_below = threshold;
}

FL__DEFINE_OPTIONS_INIT(fl_silent_options_init, fl_silent_options, defaults)

static char *read_text(const char *path, fl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fl__fail(err, FL_E_IO, "%s: cannot open", path);
        return NULL;
    }
    char *buf = malloc(65537);
    size_t n = buf ? fread(buf, 1, 65536, f) : 0;
    int more = buf && fgetc(f) != EOF;
    fclose(f);
    if (!buf || more) {
        free(buf);
        fl__fail(err, buf ? FL_E_TOO_LARGE : FL_E_NO_MEMORY, "%s: a model list is at most 64 KiB", path);
        return NULL;
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        free(buf);
        fl__fail(err, FL_E_INVALID_ARGUMENT, "%s: not a text file", path);
        return NULL;
    }
    return buf;
}

static fl_status check_options(const fl_silent_options *o, fl_error *err)
{
    if (!(o->threshold > 0 && o->threshold <= 1) || !(o->spoof_below >= 0 && o->spoof_below <= o->threshold))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "threshold %g and spoof_below %g: need 0 <= spoof_below <= "
                       "threshold <= 1", o->threshold, o->spoof_below);
    if (!(o->degraded_ratio >= 0 && o->degraded_ratio <= 1) || o->max_frames < 1 ||
        o->max_frames > FL_SILENT_MAX_FRAMES || (o->frame_fusion != FL_FUSE_MEAN && o->frame_fusion != FL_FUSE_MIN) ||
        !(o->min_face_px >= 0) || !(o->max_yaw >= 0 && o->max_yaw <= 90) || !(o->max_pitch >= 0 && o->max_pitch <= 90) ||
        !(o->max_roll >= 0 && o->max_roll <= 180) ||
        !(o->min_brightness >= 0 && o->min_brightness <= 255))
        return fl__fail(err, FL_E_INVALID_ARGUMENT,
                       "degraded_ratio %g (0..1), max_frames %d (1..%d), frame_fusion %d, min_face_px %g (>= 0), "
                       "max_yaw %g, max_pitch %g (0..90), max_roll %g (0..180), min_brightness %g (0..255)",
                       o->degraded_ratio, o->max_frames, FL_SILENT_MAX_FRAMES, (int)o->frame_fusion, o->min_face_px,
                       o->max_yaw, o->max_pitch, o->max_roll, o->min_brightness);
    return FL_OK;
}

/* The model must take [1,3,H,W] (H, W as listed or symbolic) and give [1,K] with K > real_class. */
static fl_status check_model(fl_silent *sl, int i, fl_error *err)
{
    const fl_antispoof_spec *sp = &sl->spec[i];
    fl_tensor_info in, out;
    if (fl_model_input_count(sl->model[i]) != 1 || fl_model_output_count(sl->model[i]) != 1)
        return fl__fail(err, FL_E_MODEL_INVALID, "%s: an anti-spoof model needs one input and one output", sp->file);
    fl_model_input_info(sl->model[i], 0, &in);
    fl_model_output_info(sl->model[i], 0, &out);
    if (in.rank != 4 || (in.dims[1] >= 0 && in.dims[1] != 3) || (in.dims[2] >= 0 && in.dims[2] != sp->input_h) ||
        (in.dims[3] >= 0 && in.dims[3] != sp->input_w))
        return fl__fail(err, FL_E_SHAPE, "%s: input is not [1,3,%d,%d] as the model list says", sp->file, sp->input_h,
                       sp->input_w);
    int k = out.rank == 2 && out.dims[1] > 0 ? (int)out.dims[1] : -1;
    if (k < 1 || sp->real_class >= k)
        return fl__fail(err, FL_E_SHAPE, "%s: output has %d classes; real_class is %d", sp->file, k, sp->real_class);
    sl->n_classes[i] = k;
    return FL_OK;
}

static fl_status load_texture(const fl__model_source *src, const char *name, fl__texture_model **out, fl_error *err)
{
    const void *bytes = NULL;
    void *owned = NULL;
    size_t size = 0;
    fl_status s = fl__model_source_read(src, name, MAX_TEXTURE_FILE, &bytes, &size, &owned, err);
    if (!s && !(*out = malloc(sizeof **out)))
        s = fl__fail(err, FL_E_NO_MEMORY, "out of memory");
    if (!s)
        s = fl__texture_model_parse(bytes, size, name, *out, err);
    free(owned);
    return s;
}

/* list_text NULL: the default list; list_name names it in errors. */
static fl_status create(const fl__model_source *src, const char *list_text, const char *list_name,
                        const fl_silent_options *options, fl_silent **out, fl_error *err)
{
    fl_silent *sl = calloc(1, sizeof *sl);
    if (!sl)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory");
    sl->opt = defaults();
    fl_status s = options ? fl__options_adopt(&sl->opt, options, sizeof sl->opt, "fl_silent_options", err) : FL_OK;
    if (!s)
        s = check_options(&sl->opt, err);
    if (!s)
        s = fl__model_list_parse(list_text ? list_text : fl__default_model_list,
                                 list_text ? list_name : "default model list", sl->spec, &sl->n, err);
    for (int i = 0; i < sl->n && !s; i++) {
        if (sl->spec[i].texture) {
            s = load_texture(src, sl->spec[i].file, &sl->texture[i], err);
            continue;
        }
        s = fl__model_source_load(src, sl->spec[i].file, &sl->model[i], err);
        if (!s)
            s = check_model(sl, i, err);
    }
    if (s) {
        fl_silent_free(sl);
        return s;
    }
    *out = sl;
    return FL_OK;
}

fl_status fl_silent_create(const char *dir, const char *list_path, const fl_silent_options *options, fl_silent **out,
                           fl_error *err)
{
    fl__error_clear(err);
    if (!dir || !out)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "models_dir or out is NULL");
    char *text = NULL;
    if (list_path && !(text = read_text(list_path, err)))
        return err ? err->status : FL_E_IO;
    const fl__model_source src = {dir, NULL, 0};
    fl_status s = create(&src, text, list_path, options, out, err);
    free(text);
    return s;
}

fl_status fl_silent_create_from_memory(const fl_model_blob *models, int n_models, const char *model_list_text,
                                       const fl_silent_options *options, fl_silent **out, fl_error *err)
{
    fl__error_clear(err);
    if (!out)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "out is NULL");
    fl_status s = fl__model_source_check(models, n_models, err);
    const fl__model_source src = {NULL, models, n_models};
    return s ? s : create(&src, model_list_text, "model list (in memory)", options, out, err);
}

void fl_silent_free(fl_silent *sl)
{
    if (!sl)
        return;
    for (int i = 0; i < FL_SILENT_MAX_MODELS; i++) {
        fl_model_free(sl->model[i]);
        free(sl->texture[i]);
    }
    free(sl);
}

int fl_silent_model_count(const fl_silent *sl)
{
    return sl ? sl->n : 0;
}

float fl_silent_model_scale(const fl_silent *sl, int i)
{
    return sl && i >= 0 && i < sl->n ? sl->spec[i].crop_scale : 0.0f;
}

const char *fl_silent_model_file(const fl_silent *sl, int i)
{
    return sl && i >= 0 && i < sl->n ? sl->spec[i].file : "";
}

const char *fl_silent_model_licence(const fl_silent *sl, int i)
{
    return sl && i >= 0 && i < sl->n ? sl->spec[i].licence : "";
}

const char *fl_silent_model_trained_on(const fl_silent *sl, int i)
{
    return sl && i >= 0 && i < sl->n ? sl->spec[i].trained_on : "";
}

fl_status fl_silent_ctx_create(const fl_silent *sl, const fl_analyzer *an, fl_silent_ctx **out, fl_error *err)
{
    fl__error_clear(err);
    if (!sl || !an || !out)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "silent, analyzer or out is NULL");
    fl_silent_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory");
    c->sl = sl;
    fl_model_ctx_options mo = fl_model_ctx_options_default(); /* XNNPACK when built, one thread */
    mo.nhwc_inputs = 1; /* crops are fed as the pixels lie */
    fl_status s = fl_analyzer_ctx_create(an, &c->analyzer, err);
    for (int i = 0; i < sl->n && !s; i++)
        if (sl->model[i])
            s = fl_model_ctx_create(sl->model[i], &mo, &c->ctx[i], err);
    if (s) {
        fl_silent_ctx_free(c);
        return s;
    }
    *out = c;
    return FL_OK;
}

void fl_silent_ctx_free(fl_silent_ctx *c)
{
    if (!c)
        return;
    fl_analyzer_ctx_free(c->analyzer);
    for (int i = 0; i < FL_SILENT_MAX_MODELS; i++)
        fl_model_ctx_free(c->ctx[i]);
    fl__buffer_free(&c->crop);
    fl__buffer_free(&c->input);
    fl__buffer_free(&c->texture);
    free(c);
}

/* One model on one crop: resize (OpenCV-exact), planar floats, run, softmax, p_real; or, for a
 * texture model, the resized crop's texture features and the linear classifier. */
static fl_status run_model(fl_silent_ctx *c, int i, const fl_image *img, const int crop[4], float *p_real,
                           fl_error *err)
{
    const fl_antispoof_spec *sp = &c->sl->spec[i];
    const int W = sp->input_w, H = sp->input_h;
    const size_t plane = (size_t)W * H;
    uint8_t *px = fl__buffer_reserve(&c->crop, plane * 3);
    float *in = fl__buffer_reserve(&c->input, plane * 3 * sizeof(float));
    if (!px || !in)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory for anti-spoof crops");
    fl_resize_linear(img->data, img->width, img->height, img->stride, 3, crop[0], crop[1], crop[2] - crop[0] + 1,
                     crop[3] - crop[1] + 1, px, W, H, (size_t)W * 3);
    if (sp->texture) {
        float f[FL_TEXTURE_FEATURES];
        fl_status s = fl__texture_features(px, W, H, (size_t)W * 3, &c->texture, f, err);
        if (!s)
            *p_real = fl__texture_p_real(c->sl->texture[i], f);
        return s;
    }
    for (size_t k = 0; k < plane; k++) /* NHWC, channels in the model's colour order */
        for (int ch = 0; ch < 3; ch++)
            in[3 * k + (size_t)ch] = px[3 * k + (size_t)(sp->rgb ? 2 - ch : ch)] * sp->pixel_scale;
    float outv[1024];
    const int K = c->sl->n_classes[i];
    fl_tensor tin = {in, plane * 3, 4, {1, 3, H, W}}, tout = {outv, K <= 1024 ? (size_t)K : 1024, 0, {0}};
    fl_status s = fl_model_ctx_run(c->ctx[i], &tin, 1, &tout, 1, err);
    if (s)
        return s;
    if (!sp->logits) {
        *p_real = outv[sp->real_class];
        return FL_OK;
    }
    float m = outv[0];
    for (int k = 1; k < K; k++)
        m = outv[k] > m ? outv[k] : m;
    double sum = 0;
    for (int k = 0; k < K; k++)
        sum += exp((double)outv[k] - m);
    *p_real = (float)(exp((double)outv[sp->real_class] - m) / sum);
    return FL_OK;
}

static fl_status score_box_into(fl_silent_ctx *c, const fl_image *img, int x, int y, int w, int h,
                                fl_frame_score *out, fl_error *err);

fl_status fl_texture_features(const fl_image *crop, float out[FL_TEXTURE_FEATURES], fl_error *err)
{
    fl__error_clear(err);
    if (!crop || !crop->data || !out)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "crop or out is NULL");
    fl_buffer scratch = {0};
    fl_status s = fl__texture_features(crop->data, crop->width, crop->height, crop->stride, &scratch, out, err);
    fl__buffer_free(&scratch);
    return s;
}

fl_status fl_silent_score_box(fl_silent_ctx *c, const fl_image *img, int x, int y, int w, int h, fl_frame_score *out,
                              fl_error *err)
{
    fl__error_clear(err);
    if (!c || !img || !img->data || !out)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "ctx, image or out is NULL");
    if (w < 1 || h < 1 || img->width < 2 || img->height < 2)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "box %dx%d in a %dx%d image", w, h, img->width, img->height);
    fl_frame_score result = *out; /* index and face are the caller's; written back only on success */
    fl_status s = score_box_into(c, img, x, y, w, h, &result, err);
    if (!s)
        *out = result;
    return s;
}

static fl_status score_box_into(fl_silent_ctx *c, const fl_image *img, int x, int y, int w, int h,
                                fl_frame_score *out, fl_error *err)
{
    const fl_silent *sl = c->sl;
    double wsum = 0, wall = 0, sum = 0, sum_all = 0;
    out->used = 1;
    out->n_models = sl->n;
    out->n_reasons = 0;
    for (int i = 0; i < sl->n; i++) {
        fl_model_score *ms = &out->models[i];
        double used;
        if (sl->spec[i].whole_frame) { /* the "org" scale: the image as it is, whatever the face */
            ms->crop[0] = ms->crop[1] = 0;
            ms->crop[2] = img->width - 1;
            ms->crop[3] = img->height - 1;
            used = 0;
        } else {
            fl__antispoof_crop(img->width, img->height, x, y, w, h, sl->spec[i].crop_scale, ms->crop, &used);
        }
        ms->scale = (float)used;
        /* "Module replacement": a crop squeezed far below its nominal scale no longer shows what
         * the model learned to look at (screen edges, paper borders); its vote is dropped. */
        ms->degraded = used < sl->opt.degraded_ratio * sl->spec[i].crop_scale;
        fl_status s = run_model(c, i, img, ms->crop, &ms->p_real, err);
        if (s)
            return s;
        sum_all += sl->spec[i].weight * ms->p_real;
        wall += sl->spec[i].weight;
        if (!ms->degraded) {
            sum += sl->spec[i].weight * ms->p_real;
            wsum += sl->spec[i].weight;
        }
    }
    out->score_all = (float)(sum_all / wall);
    if (wsum > 0) {
        out->score = (float)(sum / wsum);
    } else { /* no model has a valid view: a quality reason, never a guess */
        out->score = 0;
        out->used = 0;
        float best = 0;
        for (int i = 0; i < sl->n; i++) /* every model is degraded, so none is whole-frame (scale 0) */
            best = fmaxf(best, out->models[i].scale / sl->spec[i].crop_scale);
        out->reasons[out->n_reasons++] = (fl_quality_issue){FL_QUALITY_TOO_LARGE, best, sl->opt.degraded_ratio};
    }
    return FL_OK;
}

/* Ranks frames for selection: usable first, then fewer quality reasons, then sharper. */
typedef struct ranked {
    int index, n_reasons;
    float sharpness;
} ranked;

static int by_quality(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->n_reasons != y->n_reasons)
        return x->n_reasons - y->n_reasons;
    return (x->sharpness < y->sharpness) - (x->sharpness > y->sharpness);
}

/* Why a frame cannot be judged by the anti-spoof models, into fs->reasons: nothing to judge
 * (fl_quality_reason_kind), a face too small or too dark, or a head turned past the angles the
 * models were measured to judge (the analyzer's own pose and light reasons are capture prompts
 * with tighter limits). Blur and moderate light problems do not block: attacks are often
 * exactly that, and the models judge them (docs/accuracy.md, "Acquisition"). */
static void unusable(const fl_silent_options *o, const fl_analysis *a, fl_frame_score *fs)
{
    for (int k = 0; k < a->n_reasons && fs->n_reasons < 4; k++)
        if (fl_quality_reason_kind(a->reasons[k].reason) == FL_QUALITY_CANNOT_JUDGE &&
            a->reasons[k].reason != FL_QUALITY_SEVERAL_FACES) /* the main face is still judged */
            fs->reasons[fs->n_reasons++] = a->reasons[k];
    if (!a->n_faces)
        return;
    if (a->faces[0].w < o->min_face_px && fs->n_reasons < 4)
        fs->reasons[fs->n_reasons++] = (fl_quality_issue){FL_QUALITY_TOO_SMALL, a->faces[0].w, o->min_face_px};
    if (a->brightness < o->min_brightness && fs->n_reasons < 4)
        fs->reasons[fs->n_reasons++] = (fl_quality_issue){FL_QUALITY_DARK, a->brightness, o->min_brightness};
    const fl_face_measures *m = &a->measures;
    if (!m->valid || fs->n_reasons >= 4)
        return;
    const float angle[3] = {m->yaw, m->pitch, m->roll}, limit[3] = {o->max_yaw, o->max_pitch, o->max_roll};
    int worst = -1; /* report the angle furthest past its limit */
    for (int j = 0; j < 3; j++)
        if (fabsf(angle[j]) > limit[j] &&
            (worst < 0 || fabsf(angle[j]) / fmaxf(limit[j], 1e-3f) > fabsf(angle[worst]) / fmaxf(limit[worst], 1e-3f)))
            worst = j;
    if (worst >= 0)
        fs->reasons[fs->n_reasons++] = (fl_quality_issue){FL_QUALITY_POSE, angle[worst], limit[worst]};
}

int fl__silent_can_judge(const fl_silent_ctx *c, const fl_analysis *a)
{
    const fl_silent_options o = c ? c->sl->opt : defaults();
    fl_frame_score fs;
    fs.n_reasons = 0;
    unusable(&o, a, &fs);
    return fs.n_reasons == 0;
}

static fl_status check_into(fl_silent_ctx *c, const fl_image *const *frames, const fl_analysis *const *analyses,
                            int n, fl_verdict *v, fl_error *err);

/* The attempt's score from its used frames (mean or lowest) and the decision; without a used frame,
 * uncertain, with the reasons of the first frames that gave one. */
static void fuse(const fl_silent_options *o, fl_verdict *v)
{
    v->threshold = o->threshold;
    v->spoof_below = o->spoof_below;
    double total = 0, lowest = 1;
    for (int i = 0; i < v->n_frames; i++)
        if (v->frames[i].used) {
            total += v->frames[i].score;
            lowest = v->frames[i].score < lowest ? v->frames[i].score : lowest;
        }
    if (v->n_used == 0) {
        for (int i = 0; i < v->n_frames && v->n_reasons < 4; i++)
            for (int k = 0; k < v->frames[i].n_reasons && v->n_reasons < 4; k++)
                v->reasons[v->n_reasons++] = v->frames[i].reasons[k];
        v->decision = FL_DECISION_UNCERTAIN;
        return;
    }
    v->score = (float)(o->frame_fusion == FL_FUSE_MIN ? lowest : total / v->n_used);
    v->decision = v->score >= o->threshold ? FL_DECISION_REAL
                  : v->score < o->spoof_below ? FL_DECISION_SPOOF
                                             : FL_DECISION_UNCERTAIN;
}

fl_status fl_silent_check(fl_silent_ctx *c, const fl_image *const *frames, int n, fl_verdict *v, fl_error *err)
{
    return fl__silent_check_analysed(c, frames, NULL, n, v, err);
}

fl_status fl__silent_check_analysed(fl_silent_ctx *c, const fl_image *const *frames,
                                    const fl_analysis *const *analyses, int n, fl_verdict *v, fl_error *err)
{
    fl__error_clear(err);
    if (!c || !v || (!frames && n))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "ctx, frames or out is NULL");
    if (n < 1 || n > FL_SILENT_MAX_FRAMES)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "%d frames; an attempt has 1 to %d", n, FL_SILENT_MAX_FRAMES);
    fl_verdict result; /* the caller's verdict is written only on success */
    fl_status s = check_into(c, frames, analyses, n, &result, err);
    if (!s)
        *v = result;
    return s;
}

static fl_status check_into(fl_silent_ctx *c, const fl_image *const *frames, const fl_analysis *const *analyses,
                            int n, fl_verdict *v, fl_error *err)
{
    const fl_silent_options *o = &c->sl->opt;
    memset(v, 0, sizeof *v);
    v->n_frames = n;
    ranked rank[FL_SILENT_MAX_FRAMES];
    int n_ok = 0;
    for (int i = 0; i < n; i++) {
        fl_frame_score *fs = &v->frames[i];
        fs->index = i;
        if (!frames[i] || !frames[i]->data)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "frame %d is NULL", i);
        fl_analysis own;
        const fl_analysis *a = analyses ? analyses[i] : NULL;
        if (!a) {
            fl_analyzer_ctx_reset(c->analyzer); /* frames of an attempt are judged one by one */
            fl_status s = fl_analyze(c->analyzer, frames[i], &own, err);
            if (s)
                return s;
            a = &own;
        }
        unusable(o, a, fs);
        if (a->n_faces)
            fs->face = a->faces[0];
        int n_reasons = 0; /* motion between the frames of an attempt says nothing of one frame */
        for (int k = 0; k < a->n_reasons; k++)
            n_reasons += a->reasons[k].reason != FL_QUALITY_MOTION;
        if (fs->n_reasons == 0)
            rank[n_ok++] = (ranked){i, n_reasons, a->sharpness};
    }
    qsort(rank, (size_t)n_ok, sizeof *rank, by_quality);
    for (int r = 0; r < n_ok && v->n_used < o->max_frames; r++) {
        fl_frame_score *fs = &v->frames[rank[r].index];
        const fl_face_box *f = &fs->face;
        fl_status s = fl_silent_score_box(c, frames[rank[r].index], f->rx, f->ry, f->rw, f->rh, fs, err);
        if (s)
            return s;
        if (!fs->used)
            continue;
        v->n_used++;
    }
    fuse(o, v);
    return FL_OK;
}

fl_status fl_silent_check_boxes(fl_silent_ctx *c, const fl_image *const *frames, const int (*boxes)[4], int n,
                                fl_verdict *v, fl_error *err)
{
    fl__error_clear(err);
    if (!c || !v || !frames || !boxes)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "ctx, frames, boxes or out is NULL");
    if (n < 1 || n > FL_SILENT_MAX_FRAMES)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "%d frames; an attempt has 1 to %d", n, FL_SILENT_MAX_FRAMES);
    const fl_silent_options *o = &c->sl->opt;
    fl_verdict result; /* the caller's verdict is written only on success */
    memset(&result, 0, sizeof result);
    result.n_frames = n;
    for (int i = 0; i < n; i++) {
        fl_frame_score *fs = &result.frames[i];
        if (!frames[i] || !frames[i]->data)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "frame %d is NULL", i);
        if (boxes[i][2] <= 0 || boxes[i][3] <= 0)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "box %d is %dx%d; width and height must be above 0", i,
                            boxes[i][2], boxes[i][3]);
        fl_status s = fl_silent_score_box(c, frames[i], boxes[i][0], boxes[i][1], boxes[i][2], boxes[i][3], fs, err);
        if (s)
            return s;
        fs->index = i;
        fs->face.x = (float)(fs->face.rx = boxes[i][0]);
        fs->face.y = (float)(fs->face.ry = boxes[i][1]);
        fs->face.w = (float)(fs->face.rw = boxes[i][2]);
        fs->face.h = (float)(fs->face.rh = boxes[i][3]);
        result.n_used += fs->used;
        if (result.n_used == o->max_frames)
            break;
    }
    fuse(o, &result);
    *v = result;
    return FL_OK;
}
