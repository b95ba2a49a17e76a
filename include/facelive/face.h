/*
 * facelive/face.h - face analysis of one frame: detection (YuNet), 468-point landmarks
 * (MediaPipe face mesh), eye/mouth openness, head pose, and the quality checks a capture UI
 * prompts with.
 *
 *     fl_analyzer *an;                       // models loaded once; share between threads
 *     fl_analyzer_create("models", NULL, &an, &err);
 *     fl_analyzer_ctx *ctx;                  // one per thread (or per camera stream)
 *     fl_analyzer_ctx_create(an, &ctx, &err);
 *     fl_analysis a;
 *     fl_analyze(ctx, &image, &a, &err);     // image: an upright BGR fl_image
 *     for (int i = 0; i < a.n_reasons; i++)
 *         printf("%s: %.2f (limit %.2f)\n", fl_quality_reason_name(a.reasons[i].reason),
 *                a.reasons[i].value, a.reasons[i].threshold);
 *
 * Directions: "image-left" is the left of the image as stored. yaw > 0 means the person turned
 * towards image-right (their own left when the camera is not mirrored); pitch > 0 means the
 * head is lowered (chin down); roll > 0 means the head leans so that the image-right eye is
 * lower. All angles in degrees, estimated from the 3-D mesh (see docs/face.md).
 *
 * Thread-safety: an fl_analyzer is immutable and shared; an fl_analyzer_ctx is used by one
 * thread at a time (it remembers the previous frame for the motion check).
 */
#ifndef FACELIVE_FACE_H
#define FACELIVE_FACE_H

#include <stddef.h>
#include <stdint.h>

#include "facelive/export.h"
#include "facelive/image.h"
#include "facelive/model.h"
#include "facelive/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FL_MAX_FACES 8
#define FL_MESH_POINTS 468
#define FL_MAX_REASONS 16

/* X(name, machine name, prompt a UI can show) */
#define FL_QUALITY_MAP(X)                                                   \
    X(FL_QUALITY_NO_FACE, "no_face", "Show your face to the camera")       \
    X(FL_QUALITY_SEVERAL_FACES, "several_faces", "Only one face, please")  \
    X(FL_QUALITY_TOO_SMALL, "too_small", "Move closer")                    \
    X(FL_QUALITY_TOO_LARGE, "too_large", "Move back")                      \
    X(FL_QUALITY_OUTSIDE, "partly_outside", "Keep your whole face in view") \
    X(FL_QUALITY_OFF_CENTRE, "off_centre", "Centre your face")             \
    X(FL_QUALITY_POSE, "pose", "Look straight at the camera")              \
    X(FL_QUALITY_BLUR, "blurred", "Hold still; the picture is blurred")    \
    X(FL_QUALITY_DARK, "too_dark", "Too dark: find more light")            \
    X(FL_QUALITY_BRIGHT, "too_bright", "Too bright: avoid direct light")   \
    X(FL_QUALITY_BACKLIT, "backlit", "Light is behind you: turn around")   \
    X(FL_QUALITY_MOTION, "motion", "Hold still")                           \
    X(FL_QUALITY_NOT_A_FACE, "not_a_face", "Show your face to the camera")

typedef enum fl_quality_reason {
#define FL_QUALITY_ENUM_(e, name, prompt) e,
    FL_QUALITY_MAP(FL_QUALITY_ENUM_)
#undef FL_QUALITY_ENUM_
    FL_QUALITY_COUNT_
} fl_quality_reason;

FL_API const char *fl_quality_reason_name(fl_quality_reason r);   /* "too_dark" */
FL_API const char *fl_quality_reason_prompt(fl_quality_reason r); /* "Too dark: find more light" */

/* What a reason asks of the capture: nothing can be judged (no face, not a face, several
 * faces), or the face can be judged but the user is asked to improve it (light, pose, distance,
 * position, blur, motion). The silent check refuses only the first kind, plus what its models
 * cannot judge (fl_silent_options: faces too small, heads turned past max_yaw/max_pitch/max_roll);
 * a session prompts for the second and goes on when the user cannot fix the light (see
 * fl_session_config.light_patience_s). Thread-safe. */
typedef enum fl_quality_kind {
    FL_QUALITY_CANNOT_JUDGE = 0,
    FL_QUALITY_ADJUST = 1
} fl_quality_kind;

FL_API fl_quality_kind fl_quality_reason_kind(fl_quality_reason r);

/* Thresholds of the quality checks; fl_quality_config_default documents each default. */
typedef struct fl_quality_config {
    float min_face_ratio;    /* face box width / image width below this: too small */
    float max_face_ratio;    /* above this: too large */
    float max_outside;       /* share of the face box outside the image */
    float max_centre_offset; /* face centre offset from the image centre, in image sizes */
    float max_yaw, max_pitch, max_roll; /* degrees */
    float min_sharpness;     /* variance of the Laplacian of the face, grey, scaled to 112 px wide */
    float min_brightness;    /* mean grey level of the face */
    float max_brightness;
    float max_clipped;       /* share of face pixels at 250 or more */
    float min_backlight_ratio; /* face mean / surrounding mean below this (surround bright): backlit */
    float max_motion;        /* face centre movement between frames, in face widths */
} fl_quality_config;

FL_API fl_quality_config fl_quality_config_default(void);

typedef struct fl_analyzer_options {
    uint32_t struct_size;    /* set by fl_analyzer_options_default(); never by hand (see README, ABI) */
    int detect_size;         /* long side the frame is scaled to for detection; default 224 (the
                                operating point: docs/liveness.md; 640 reproduces the reference
                                pipeline's anti-spoof scores) */
    int fallback_size;       /* when nothing is found, look again at this long side (faces filling
                                the frame and blurred ones are found more often small); 0: never;
                                default 160 */
    float score_threshold;   /* YuNet cls*obj; default 0.5 (MANIFEST section 3) */
    float nms_iou;           /* default 0.45 */
    float min_face_px;       /* faces narrower than this (image pixels) are dropped; default 32 */
    int max_faces;           /* default 4, at most FL_MAX_FACES */
    int landmarks;           /* run the face mesh on the main face; default 1 */
    fl_quality_config quality;
} fl_analyzer_options;

/* Writes the defaults into the first size bytes of *o (size: the caller's sizeof). Thread-safe. */
FL_API void fl_analyzer_options_init(fl_analyzer_options *o, size_t size);
/* The defaults, for the struct as this header knows it: start here and change fields. */
static inline fl_analyzer_options fl_analyzer_options_default(void)
{
    fl_analyzer_options o;
    fl_analyzer_options_init(&o, sizeof o);
    return o;
}

typedef struct fl_face_box {
    float x, y, w, h;         /* YuNet box in image pixels */
    float kps[10];            /* image-left eye, image-right eye, nose, image-left and image-right mouth corner */
    float score;
    int rx, ry, rw, rh;       /* RetinaFace-like box for the anti-spoof models (MANIFEST section 3) */
} fl_face_box;

/* The nine keypoints: image-left eye centre, image-right eye centre, nose tip, image-left and
 * image-right mouth corner, upper lip, lower lip, chin, forehead. */
enum { FL_KP_EYE_IL, FL_KP_EYE_IR, FL_KP_NOSE, FL_KP_MOUTH_IL, FL_KP_MOUTH_IR, FL_KP_LIP_UP, FL_KP_LIP_LOW,
       FL_KP_CHIN, FL_KP_FOREHEAD, FL_KP_COUNT };

typedef struct fl_face_measures {
    int valid;               /* 1 when the mesh is confident (presence >= 0.5); when it ran
                                with a lower presence the fields below hold its best guess */
    float mesh[FL_MESH_POINTS][3]; /* x, y in image pixels; z in the same scale, negative = nearer */
    float presence;          /* the mesh's face probability */
    float keypoints[FL_KP_COUNT][2];
    float ear_il, ear_ir;    /* eye aspect ratio of the image-left and image-right eye */
    float mar;               /* mouth aspect ratio (inner lips) */
    float yaw, pitch, roll;  /* degrees */
} fl_face_measures;

typedef struct fl_quality_issue {
    fl_quality_reason reason;
    float value;
    float threshold;
} fl_quality_issue;

typedef struct fl_analysis {
    int n_faces;
    fl_face_box faces[FL_MAX_FACES]; /* best first; faces[0] is the one measured */
    fl_face_measures measures;
    float sharpness, brightness, clipped, backlight_ratio, motion; /* of faces[0] */
    int n_reasons;
    fl_quality_issue reasons[FL_MAX_REASONS]; /* empty: the frame is good */
} fl_analysis;

typedef struct fl_analyzer fl_analyzer;
typedef struct fl_analyzer_ctx fl_analyzer_ctx;

/* Loads yunet_n_dynamic.onnx and facemesh_468.onnx from models_dir. options may be NULL
 * (defaults). Thread-safe. */
FL_API fl_status fl_analyzer_create(const char *models_dir, const fl_analyzer_options *options, fl_analyzer **out,
                                    fl_error *err);
/* The same from models in memory: blobs named yunet_n_dynamic.onnx and facemesh_468.onnx (others
 * are ignored). A missing one is FL_E_IO naming it. Thread-safe. */
FL_API fl_status fl_analyzer_create_from_memory(const fl_model_blob *models, int n_models,
                                                const fl_analyzer_options *options, fl_analyzer **out, fl_error *err);
/* All its contexts must be freed first. NULL is ignored. */
FL_API void fl_analyzer_free(fl_analyzer *an);

/* A per-thread context (XNNPACK, one thread, when available). Thread-safe. */
FL_API fl_status fl_analyzer_ctx_create(const fl_analyzer *an, fl_analyzer_ctx **out, fl_error *err);
FL_API void fl_analyzer_ctx_free(fl_analyzer_ctx *ctx);

/* Forgets the previous frame (the motion check starts again). */
FL_API void fl_analyzer_ctx_reset(fl_analyzer_ctx *ctx);

/* Analyses one upright BGR frame. A frame without a usable face is not an error: it comes back
 * with n_faces = 0 and the reason FL_QUALITY_NO_FACE. Not thread-safe for the same ctx. */
FL_API fl_status fl_analyze(fl_analyzer_ctx *ctx, const fl_image *image, fl_analysis *out, fl_error *err);

#ifdef __cplusplus
}
#endif
#endif
