/*
 * facelive/liveness.h - silent liveness: anti-spoof CNNs on face crops at several scales, fused
 * across scales and across the best frames of an attempt, compared with a strict threshold.
 *
 *     fl_silent *sl;
 *     fl_silent_create("models", NULL, NULL, &sl, &err);  // default model list and options
 *     fl_silent_ctx *ctx;
 *     fl_silent_ctx_create(sl, an, &ctx, &err);           // an: an fl_analyzer (face.h)
 *     const fl_image *frames[] = {&img};
 *     fl_verdict v;
 *     fl_silent_check(ctx, frames, 1, &v, &err);
 *     if (v.decision == FL_DECISION_REAL) ...
 *
 * The model list (fl_silent_create's model_list, a small tab-separated file; see
 * config/antispoof_models.tsv and docs/liveness.md) says per model: file, input size, colour
 * order, pixel scaling, crop scale, which output class is "real", and its weight. Crops follow
 * the reference pipeline exactly (MANIFEST.md section 2) from the detector's RetinaFace-like box.
 *
 * Thread-safety: an fl_silent is immutable and shared; an fl_silent_ctx is used by one thread
 * at a time.
 */
#ifndef FACELIVE_LIVENESS_H
#define FACELIVE_LIVENESS_H

#include "facelive/export.h"
#include "facelive/face.h"
#include "facelive/image.h"
#include "facelive/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FL_SILENT_MAX_MODELS 8
#define FL_SILENT_MAX_FRAMES 16

typedef enum fl_decision {
    FL_DECISION_REAL = 0,      /* score >= threshold */
    FL_DECISION_SPOOF = 1,     /* score < spoof_below */
    FL_DECISION_UNCERTAIN = 2, /* in between, or no usable frame: hand over to another channel */
} fl_decision;

FL_API const char *fl_decision_name(fl_decision d); /* "real", "spoof", "uncertain" */

typedef enum fl_frame_fusion {
    FL_FUSE_MEAN = 0, /* mean of the usable frames' scores */
    FL_FUSE_MIN = 1   /* the lowest: every frame must look real */
} fl_frame_fusion;

typedef struct fl_silent_options {
    uint32_t struct_size;    /* set by fl_silent_options_default(); never by hand (see README, ABI) */
    float threshold;      /* real at or above; default 0.90 (docs/liveness.md says how it was chosen) */
    float spoof_below;    /* spoof below; default 0.50; in between: uncertain */
    float degraded_ratio; /* a model whose crop scale had to shrink below this share of its nominal
                             scale is degraded; default 0.4 */
    fl_frame_fusion frame_fusion; /* default FL_FUSE_MEAN */
    int max_frames;       /* frames used per attempt (the best first); default 5 */
    float min_face_px;    /* faces narrower than this cannot be judged; default 64 */
    float max_yaw, max_pitch, max_roll; /* heads turned further (degrees, from the face mesh) cannot be
                                           judged; defaults 45, 30, 25: what the models were measured to
                                           judge (docs/accuracy.md, "Acquisition"). A capture UI asks
                                           for a straighter head sooner: fl_quality_config's limits */
    float min_brightness; /* faces darker than this (mean grey level of the face box, 0..255) cannot
                             be judged; default 25: below it the models called most live faces
                             spoofs and accepted a replay (docs/accuracy.md, "Acquisition") */
} fl_silent_options;

/* Writes the defaults into the first size bytes of *o (size: the caller's sizeof). Thread-safe. */
FL_API void fl_silent_options_init(fl_silent_options *o, size_t size);
/* The defaults, for the struct as this header knows it: start here and change fields. */
static inline fl_silent_options fl_silent_options_default(void)
{
    fl_silent_options o;
    fl_silent_options_init(&o, sizeof o);
    return o;
}

/* The effective-threshold rule, in one place for every program: sets o->threshold to threshold when
 * it is above 0 (0 or less keeps o's) and lowers o->spoof_below to it when it lies above (a strict
 * threshold of 0.4 must not leave scores of 0.45 "spoof"). Touches only *o: thread-safe. */
FL_API void fl_silent_options_set_threshold(fl_silent_options *o, float threshold);

typedef struct fl_model_score {
    float p_real;          /* softmax probability of the real class */
    float scale;           /* the crop scale used after clamping to the image */
    int degraded;          /* 1: scale < degraded_ratio x nominal; this vote does not count */
    int crop[4];           /* x1, y1, x2, y2 inclusive, image pixels */
} fl_model_score;

typedef struct fl_frame_score {
    int index;             /* position in the caller's frame list */
    int used;              /* 0 when skipped (see reasons) */
    float score;           /* weighted mean p_real of the non-degraded models */
    float score_all;       /* weighted mean over all models (the reference pipeline's fusion) */
    int n_models;
    fl_model_score models[FL_SILENT_MAX_MODELS];
    int n_reasons;
    fl_quality_issue reasons[4]; /* why the frame was skipped, if it was */
    fl_face_box face;
} fl_frame_score;

typedef struct fl_verdict {
    fl_decision decision;
    float score;            /* fused over the used frames; 0 when none */
    float threshold, spoof_below;
    int n_frames, n_used;
    fl_frame_score frames[FL_SILENT_MAX_FRAMES];
    int n_reasons;          /* when no frame was usable: the reasons, from the first frames */
    fl_quality_issue reasons[4];
} fl_verdict;

typedef struct fl_silent fl_silent;
typedef struct fl_silent_ctx fl_silent_ctx;

/* Loads the models of model_list (NULL: the default list, as config/antispoof_models.tsv: MiniFASNet
 * V2 at scale 2.7 and the authors' APK SE model at 4.0) from models_dir. A list error names the
 * line and field. options NULL: defaults. Thread-safe. */
FL_API fl_status fl_silent_create(const char *models_dir, const char *model_list, const fl_silent_options *options,
                                  fl_silent **out, fl_error *err);
/* The same from models in memory, named as the model list names their files; model_list_text is
 * the list's text itself (NULL: the default list). Thread-safe. */
FL_API fl_status fl_silent_create_from_memory(const fl_model_blob *models, int n_models, const char *model_list_text,
                                              const fl_silent_options *options, fl_silent **out, fl_error *err);
FL_API void fl_silent_free(fl_silent *sl);

/* Number and nominal crop scales of the loaded models (0: crop_scale "frame", the whole image).
 * Thread-safe. */
FL_API int fl_silent_model_count(const fl_silent *sl);
FL_API float fl_silent_model_scale(const fl_silent *sl, int i);
/* Model i's file name and the list's optional licence and trained_on columns ("" when the list
 * has none or i is out of range); valid while sl lives. Thread-safe. */
FL_API const char *fl_silent_model_file(const fl_silent *sl, int i);
FL_API const char *fl_silent_model_licence(const fl_silent *sl, int i);
FL_API const char *fl_silent_model_trained_on(const fl_silent *sl, int i);

/* A context; the analyzer finds the faces. Thread-safe. */
FL_API fl_status fl_silent_ctx_create(const fl_silent *sl, const fl_analyzer *an, fl_silent_ctx **out, fl_error *err);
FL_API void fl_silent_ctx_free(fl_silent_ctx *ctx);

/* Scores one face given by its RetinaFace-like box (x, y, w, h in integer pixels, as the
 * reference pipeline's detector returns it; it may extend past the image). Fills out->models,
 * score and score_all; used = 0 with reason FL_QUALITY_TOO_LARGE when every model is degraded.
 * Not thread-safe for the same ctx. */
FL_API fl_status fl_silent_score_box(fl_silent_ctx *ctx, const fl_image *img, int x, int y, int w, int h,
                                     fl_frame_score *out, fl_error *err);

/* Judges one attempt of n_frames frames of the same person (1..FL_SILENT_MAX_FRAMES): each frame
 * is analysed, frames without a usable face are skipped and reported, the best max_frames are
 * scored and fused. n_frames outside the range is FL_E_INVALID_ARGUMENT. Not thread-safe for
 * the same ctx. */
FL_API fl_status fl_silent_check(fl_silent_ctx *ctx, const fl_image *const *frames, int n_frames, fl_verdict *out,
                                 fl_error *err);

/* Judges one attempt whose faces the caller located: boxes[i] is frame i's face as x, y, width,
 * height (the detector's RetinaFace-like box, as for fl_silent_score_box). No detection and no
 * quality gate runs; the first max_frames frames whose crops are usable are scored and fused as
 * fl_silent_check fuses them. Not thread-safe for the same ctx. */
FL_API fl_status fl_silent_check_boxes(fl_silent_ctx *ctx, const fl_image *const *frames, const int (*boxes)[4],
                                       int n_frames, fl_verdict *out, fl_error *err);

#define FL_TEXTURE_FEATURES 354 /* 6 colour planes x 59 uniform LBP bins */

/* The colour-texture features a texture model of a model list reads (output column "texture";
 * docs/accuracy.md, "Texture cues"): uniform LBP(8,1) histograms of the crop's H, S, V, Y, Cb and Cr
 * planes, 59 bins each, each plane's summing to 1. crop is the face crop already cut and resized
 * to the model's input size (a BGR image at least 3x3). For training texture models
 * (train/texture.py, through `facelive texture`). Thread-safe. */
FL_API fl_status fl_texture_features(const fl_image *crop, float out[FL_TEXTURE_FEATURES], fl_error *err);

#ifdef __cplusplus
}
#endif
#endif
